import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { BadPayload, UserError } from '../../errors.js';
import { retryDispatch } from '../../github/dispatch.js';
import { getDispatch } from '../../store/dispatches.js';
import { getPromotion } from '../../store/promotions.js';
import { replyPrivately } from '../../slack/reply.js';
import type { RequestContext } from '../context.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<RequestContext>;

/** A click on Retry under a failed dispatch: who clicked and the dispatch's key (the button's value). */
const retryClick = z.object({
  user: z.object({ id: z.string() }),
  actions: z.array(z.object({ value: z.string().min(1).max(2000) })).length(1),
});

/**
 * Retry under "GO could not start <workflow>" (blocks/dispatch.ts). The notice is a one-off post, not a checklist
 * message, so this is not a `resolveClick` listener: it acknowledges itself. The dispatch is requeued and the dispatch
 * sweep sends it within seconds, by the same claim and look-up rules as the first attempt, so two clicks (or two people)
 * never dispatch twice; the outcome is posted in the thread. Only a dispatch of a promotion still running is retried.
 * Anyone in the channel may click it: GO was decided already, and a retry does only what GO decided, at most once.
 */
export async function onRetryDispatch({ ack, body, client, context }: Args): Promise<void> {
  await ack();
  const parsed = retryClick.safeParse(body);
  if (!parsed.success) throw new BadPayload('retry button');
  const key = parsed.data.actions[0]!.value;
  const userId = parsed.data.user.id;
  const dispatch = await getDispatch(context.deps.db, key);
  if (!dispatch) throw new UserError('This dispatch is no longer known to Preflight.', 'not_found');
  if (dispatch.promotionId) {
    const promotion = await getPromotion(context.deps.db, dispatch.promotionId);
    if (promotion && promotion.status !== 'active') {
      throw new UserError(`Promotion ${dispatch.release} has ended (${promotion.status}): its workflow is not dispatched again.`, 'not_active');
    }
  }
  const outcome = await retryDispatch(context.deps.db, key, userId);
  context.log.info({ dispatch: key, outcome }, 'dispatch retry');
  const text = {
    requeued: `Retrying \`${dispatch.workflow}\` for *${dispatch.release}*: the run's link (or what GitHub says) is posted in the thread within a few seconds.`,
    dispatched: `\`${dispatch.workflow}\` for *${dispatch.release}* was dispatched already: it is not started again.`,
    'in-progress': `\`${dispatch.workflow}\` for *${dispatch.release}* is being dispatched already: its outcome is posted in the thread.`,
    'not-found': 'This dispatch is no longer known to Preflight.',
  }[outcome];
  await replyPrivately(client, body, { text });
}
