import { plainText } from '../domain/mrkdwn.js';
import type { BlockAction, Middleware, SlackActionMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { z } from 'zod';
import { BadPayload, UserError } from '../errors.js';
import { mayAct, type Act } from '../domain/policy.js';
import type { Promotion } from '../domain/promotion.js';
import { getPromotion } from '../store/promotions.js';
import type { Deps } from '../services/deps.js';
import { assertActive } from '../services/guard.js';
import { assertLiveMessage } from '../services/live-message.js';
import type { ClickContext, StoredClickContext, SubmissionContext } from './context.js';
import type { ClickTarget } from './payloads.js';
import { parseSubmission, type Submission } from './views/submissions.js';

/** The promotion a request is about, if it is still running and this person may do this to it. */
async function runningPromotion(deps: Deps, promotionId: string, userId: string, act: Act): Promise<Promotion> {
  const promotion = assertActive(await getPromotion(deps.db, promotionId));
  const verdict = mayAct(promotion, userId, act);
  if (!verdict.allowed) throw new UserError(verdict.why, 'not_allowed');
  return promotion;
}

/**
 * The steps every click on a checklist shares, before its listener runs: acknowledge at once (everything
 * after is slow work), parse what was clicked, insist it was clicked on the promotion's live message (a stray
 * copy never updates, so a change made there would be invisible), that the promotion is still running, and that
 * this person may do it. The listener then finds `context.click` and `context.promotion`.
 */
export function resolveClick<C extends ClickTarget>(
  parse: (body: unknown, action: unknown) => C,
  act: Act,
): Middleware<SlackActionMiddlewareArgs<BlockAction>, ClickContext<C>> {
  return async ({ ack, body, action, context, next }) => {
    await ack();
    const click = parse(body, action);
    if (click.messageTs) await assertLiveMessage(context.deps.db, click.promotionId, click.channelId, click.messageTs);
    context.promotion = await runningPromotion(context.deps, click.promotionId, click.userId, act);
    context.click = click;
    await next();
  };
}

/**
 * The same for a click the intake stores (a tick, a choice): it is acknowledged only once stored, so the listener
 * acknowledges it (through the intake's `stored` callback), not this middleware; the live-message and permission
 * checks are made when the click is applied (src/services/intake.ts), under the promotion's lock. A click that
 * cannot be read is acknowledged and the person told why: there is nothing to store.
 */
export function resolveStoredClick<C extends ClickTarget>(
  parse: (body: unknown, action: unknown) => C,
): Middleware<SlackActionMiddlewareArgs<BlockAction>, StoredClickContext<C>> {
  return async ({ ack, body, action, context, next }) => {
    let click: C;
    try {
      click = parse(body, action);
    } catch (err) {
      await ack();
      throw err;
    }
    context.click = click;
    forgetMessage(body);
    await next();
  };
}

/**
 * Drop the payload's copy of the message clicked on (its blocks: most of the body), once the click is read. A stored
 * click is acknowledged at once but its request lives on until the click is applied, and under a burst thousands wait
 * for their batch, each holding its body; answering the person needs only the body's addresses (src/slack/reply.ts).
 */
function forgetMessage(body: unknown): void {
  const message = (body as { message?: { blocks?: unknown } } | null)?.message;
  if (message && typeof message === 'object') message.blocks = [];
}

/** A modal: the schema of its metadata (ids only), and the input a refusal that is about no input is shown by. */
export interface ModalSpec<M extends { promotion: string }> {
  metadata: z.ZodType<M, unknown>;
  mainInput: string;
}

/**
 * The same for a modal's submission. It cannot acknowledge first, because a refusal goes back in the
 * acknowledgement (shown next to an input, so nothing typed is lost): reading the promotion is one quick query.
 * A submission that cannot be read closes the modal (an unacknowledged one hangs) and the person is told why.
 */
export function resolveSubmission<M extends { promotion: string }>(
  modal: ModalSpec<M>,
  act: Act,
): Middleware<SlackViewMiddlewareArgs<ViewSubmitAction>, SubmissionContext<Submission<M>>> {
  return async ({ ack, body, context, next }) => {
    let submission: Submission<M>;
    try {
      submission = parseSubmission(modal.metadata, body);
      context.promotion = await runningPromotion(context.deps, submission.metadata.promotion, submission.userId, act);
    } catch (err) {
      if (err instanceof UserError && !(err instanceof BadPayload)) {
        await ack({ response_action: 'errors', errors: { [modal.mainInput]: plainText(err.message) } });
        return;
      }
      await ack();
      throw err;
    }
    context.submission = submission;
    await next();
  };
}
