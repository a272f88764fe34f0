import { randomUUID } from 'node:crypto';
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { INPUT } from '../../ids.js';
import { decideApproval } from '../../services/approvals.js';
import { MODAL_METADATA, type RejectModalMetadata } from '../../slack/modal-metadata.js';
import type { SubmissionContext } from '../context.js';
import type { ModalSpec } from '../middleware.js';
import { REASON_MAX } from '../../../blocks/approvals.js';
import { textValue, type Submission } from './submissions.js';
import { saveThenClose } from './submit.js';

export const REJECT_MODAL: ModalSpec<RejectModalMetadata> = { metadata: MODAL_METADATA.reject, mainInput: INPUT.rejectReason };

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs<SubmissionContext<Submission<RejectModalMetadata>>>;

/** A rejection with its reason; a refusal (not an approver, no reason) stays in the modal beside the reason. */
export async function onRejectSubmit({ ack, context }: Args): Promise<void> {
  const { submission: s, deps } = context;
  await saveThenClose(context, ack, REJECT_MODAL.mainInput, () =>
    decideApproval(
      deps,
      {
        promotionId: s.metadata.promotion,
        approvalId: s.metadata.approval,
        userId: s.userId,
        receiptKey: `reject:${s.userId}:${s.viewId ?? randomUUID()}`,
        decision: 'reject',
        reason: textValue(s.values, INPUT.rejectReason, REASON_MAX) ?? '',
      },
      { refresh: false },
    ),
  );
}
