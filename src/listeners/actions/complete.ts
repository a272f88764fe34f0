import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { completePromotion } from '../../services/decisions.js';
import type { ClickContext } from '../context.js';
import type { DecisionClick } from '../payloads.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<ClickContext<DecisionClick>>;

/** Complete, after GO: refused with what is missing until the after-deploy sign-offs are in; then ends and announces. */
export async function onComplete({ context }: Args): Promise<void> {
  const { click, deps } = context;
  await completePromotion(deps, { promotionId: click.promotionId, userId: click.userId, receiptKey: `complete:${click.userId}:${click.actionTs}:${click.blockId}` });
}
