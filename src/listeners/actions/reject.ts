import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { rejectModal } from '../../../blocks/approval-modals.js';
import { findApproval } from '../../domain/approvals.js';
import { BadPayload, UserError } from '../../errors.js';
import type { ClickContext } from '../context.js';
import type { ApprovalClick } from '../payloads.js';
import { openModal } from '../../slack/open-modal.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<ClickContext<ApprovalClick>>;

/** Reject…: open the modal that asks why (VIEW.reject); the submission records it (views/reject.ts). */
export async function onReject({ context, client }: Args): Promise<void> {
  const { click, promotion } = context;
  if (!click.triggerId) throw new BadPayload('no trigger');
  const spec = findApproval(promotion.template, click.approvalId);
  if (!spec) throw new UserError('That approval is not part of this checklist; nothing was recorded.', 'bad_approval');
  await openModal(client, {
    trigger_id: click.triggerId,
    view: rejectModal({ promotionId: promotion.id, release: promotion.release, channelId: click.channelId, approvalId: spec.id, approvalLabel: spec.label }),
  });
}
