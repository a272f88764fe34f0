import type { AckFn, ViewResponseAction } from '@slack/bolt';
import { UserError } from '../../errors.js';
import type { Deps } from '../../services/deps.js';
import { showChange } from '../../services/show.js';

/**
 * Save a modal's change before closing it: a refusal (a bad value, a promotion ended meanwhile) is shown in
 * the modal next to the input, so nothing the person typed is lost. The save is one short transaction; the
 * slow part, updating the checklist in Slack, runs after the acknowledgement.
 */
export async function saveThenClose(
  deps: Deps,
  ack: AckFn<ViewResponseAction>,
  promotionId: string,
  save: () => Promise<boolean>,
  errorBlock: (err: UserError) => string,
): Promise<void> {
  let changed: boolean;
  try {
    changed = await save();
  } catch (err) {
    if (err instanceof UserError) {
      await ack({ response_action: 'errors', errors: { [errorBlock(err)]: err.message } });
      return;
    }
    await ack();
    throw err;
  }
  // Saved whatever happens to the acknowledgement (Slack may have given up waiting): show it regardless.
  await ack().catch((err: unknown) => deps.log.warn({ err, promotionId }, 'modal acknowledged too late; the change is saved'));
  if (changed) await showChange(deps, promotionId);
}

/** Parse a submission; if it cannot be read, close the modal (an unacknowledged one hangs) and report why. */
export async function parseOrClose<T>(ack: AckFn<ViewResponseAction>, parse: () => T): Promise<T> {
  try {
    return parse();
  } catch (err) {
    await ack();
    throw err;
  }
}
