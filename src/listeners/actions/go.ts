import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { enqueueGoDispatch } from '../../github/go-dispatch.js';
import { decideGo } from '../../services/decisions.js';
import type { ClickContext } from '../context.js';
import type { DecisionClick } from '../payloads.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<ClickContext<DecisionClick>>;

/**
 * GO. The service decides under the promotion's lock: only the decider, only when the gate holds (a refusal is the
 * exact list of what is missing, answered privately), and once (a double click or the other replica records nothing).
 * The template's workflow dispatch (on_go) is enqueued in the decision's transaction; the dispatcher sends it once.
 */
export async function onGo({ context }: Args): Promise<void> {
  const { click, deps } = context;
  await decideGo(
    deps,
    { promotionId: click.promotionId, userId: click.userId, receiptKey: `go:${click.userId}:${click.actionTs}:${click.blockId}` },
    async (scope, seq) => {
      await enqueueGoDispatch(scope.q, scope.promotion, seq, scope.now);
    },
  );
}
