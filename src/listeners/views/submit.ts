import { plainText } from '../../domain/mrkdwn.js';
import type { AckFn, ViewResponseAction } from '@slack/bolt';
import { InputError, UserError } from '../../errors.js';
import { holdingPosts, sendPosts } from '../../services/change.js';
import { showChange } from '../../services/show.js';
import type { SubmissionContext } from '../context.js';

/**
 * Save a modal's change before closing it: a refusal (a bad value, a promotion ended meanwhile) is shown in
 * the modal next to its input (an InputError names it; anything else goes by the modal's main input), so
 * nothing the person typed is lost. The save is one short transaction; the slow parts, the posts the change causes
 * (an announcement) and updating the checklist in Slack, run after the acknowledgement.
 */
export async function saveThenClose(
  context: SubmissionContext<unknown>,
  ack: AckFn<ViewResponseAction>,
  mainInput: string,
  save: () => Promise<{ changed: boolean }>,
): Promise<void> {
  const { deps, promotion } = context;
  let changed: boolean;
  let posts: string[];
  try {
    ({ result: { changed }, posts } = await holdingPosts(save));
  } catch (err) {
    if (err instanceof UserError) {
      await ack({ response_action: 'errors', errors: { [err instanceof InputError ? err.input : mainInput]: plainText(err.message) } });
      return;
    }
    await ack();
    throw err;
  }
  // Saved whatever happens to the acknowledgement (Slack may have given up waiting): show it regardless.
  await ack().catch((err: unknown) => deps.log.warn({ err, promotionId: promotion.id }, 'modal acknowledged too late; the change is saved'));
  await sendPosts(deps, posts);
  if (changed) await showChange(deps, promotion.id);
}
