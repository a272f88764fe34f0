import type { KnownBlock, ModalView } from '@slack/types';
import { INPUT, VIEW } from '../src/ids.js';
import { noGoModalMetadata, rejectModalMetadata, writeMetadata } from '../src/slack/modal-metadata.js';
import { REASON_MAX } from './approvals.js';
import { escLiteral, truncate } from './text.js';
import { modalTitle } from './modals.js';

/** A required reason, shown to everyone: at most REASON_MAX characters. */
function reasonInput(blockId: string, label: string): KnownBlock {
  return { type: 'input', block_id: blockId, label: { type: 'plain_text', text: label }, element: { type: 'plain_text_input', action_id: INPUT.value, multiline: true, max_length: REASON_MAX } };
}

/** The modal Reject opens: why, in words everyone in the channel reads. */
export function rejectModal(args: { promotionId: string; release: string; channelId: string; approvalId: string; approvalLabel: string }): ModalView {
  const blocks: KnownBlock[] = [
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Rejecting *${escLiteral(args.approvalLabel)}* blocks GO until you withdraw the rejection (the ⋯ menu next to Approve) or approve. Your reason is shown in the checklist.`,
        },
      ],
    },
    reasonInput(INPUT.rejectReason, 'Why do you reject it?'),
  ];
  return {
    type: 'modal',
    callback_id: VIEW.reject,
    title: modalTitle('Reject', args.release),
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: writeMetadata(rejectModalMetadata, { promotion: args.promotionId, approval: args.approvalId, channel: args.channelId }),
    blocks,
  };
}

/** The modal NO-GO opens: the reason (announced) and, optionally, the new date. */
export function noGoModal(args: { promotionId: string; release: string; channelId: string; templateName: string }): ModalView {
  const blocks: KnownBlock[] = [
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(
            `NO-GO for *${escLiteral(args.release)}* (${escLiteral(args.templateName)}) is announced with your reason. The promotion stays open: it can be rescheduled and decided again.`,
            2000,
          ),
        },
      ],
    },
    reasonInput(INPUT.noGoReason, 'Why NO-GO?'),
    {
      type: 'input',
      block_id: INPUT.noGoDate,
      optional: true,
      label: { type: 'plain_text', text: 'New date' },
      hint: { type: 'plain_text', text: 'When the promotion is planned again, if you know.' },
      element: { type: 'datepicker', action_id: INPUT.value },
    },
  ];
  return {
    type: 'modal',
    callback_id: VIEW.noGo,
    title: modalTitle('NO-GO', args.release),
    submit: { type: 'plain_text', text: 'Record NO-GO' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: writeMetadata(noGoModalMetadata, { promotion: args.promotionId, channel: args.channelId }),
    blocks,
  };
}
