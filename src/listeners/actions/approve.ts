import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { decideApproval } from '../../services/approvals.js';
import type { ClickContext } from '../context.js';
import type { ApprovalClick } from '../payloads.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<ClickContext<ApprovalClick>>;

/**
 * Approve, in the overview's approvals panel (blocks/approvals.ts) or wherever an approval's button is shown. The
 * service checks who may, under the promotion's lock, and answers a refusal with who can (told privately by the
 * request's error handling); approving twice counts once, and the same click delivered twice is one receipt.
 */
export async function onApprove({ context }: Args): Promise<void> {
  const { click, deps } = context;
  await decideApproval(deps, {
    promotionId: click.promotionId,
    approvalId: click.approvalId,
    userId: click.userId,
    receiptKey: `approve:${click.userId}:${click.actionTs}:${click.blockId}`,
    decision: 'approve',
  });
}
