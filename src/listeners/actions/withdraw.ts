import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { findApproval } from '../../domain/approvals.js';
import { escLiteral } from '../../domain/mrkdwn.js';
import { withdrawApproval } from '../../services/approvals.js';
import { replyPrivately } from '../../slack/reply.js';
import type { ClickContext } from '../context.js';
import type { ApprovalClick } from '../payloads.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<ClickContext<ApprovalClick>>;

/** "Withdraw my decision" in an approval's menu: one's own standing approval or rejection stops counting. */
export async function onWithdraw({ context, client, body }: Args): Promise<void> {
  const { click, deps, promotion } = context;
  const { changed } = await withdrawApproval(deps, {
    promotionId: click.promotionId,
    approvalId: click.approvalId,
    userId: click.userId,
    receiptKey: `withdraw:${click.userId}:${click.actionTs}:${click.blockId}`,
  });
  if (!changed) {
    const label = findApproval(promotion.template, click.approvalId)?.label ?? click.approvalId;
    await replyPrivately(client, body, { text: `You have no standing approval or rejection of “${escLiteral(label)}” to withdraw.` });
  }
}
