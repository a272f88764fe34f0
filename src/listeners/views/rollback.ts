import { randomUUID } from 'node:crypto';
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { INPUT } from '../../ids.js';
import { completeRollback, postRollbackUpdate, startRollback } from '../../services/rollback.js';
import { MODAL_METADATA, type RollbackModalMetadata } from '../../slack/modal-metadata.js';
import type { SubmissionContext } from '../context.js';
import type { ModalSpec } from '../middleware.js';
import { TEXT_MAX } from '../../../blocks/rollback-modals.js';
import { inputValue, textValue, type Submission } from './submissions.js';
import { saveThenClose } from './submit.js';

export const ROLLBACK_MODAL: ModalSpec<RollbackModalMetadata> = { metadata: MODAL_METADATA.rollback, mainInput: INPUT.rollbackIssue };
export const ROLLBACK_TEXT_MODAL: ModalSpec<RollbackModalMetadata> = { metadata: MODAL_METADATA.rollback, mainInput: INPUT.rollbackText };

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs<SubmissionContext<Submission<RollbackModalMetadata>>>;

/** A submission's receipt: the same view submitted twice (a redelivery) is applied once. */
const receipt = (what: string, s: Submission<RollbackModalMetadata>) => `${what}:${s.userId}:${s.viewId ?? randomUUID()}`;

/** Roll back: the communication filled in, the path; broadcast once. A refusal stays next to its input. */
export async function onRollbackSubmit({ ack, context }: Args): Promise<void> {
  const { submission: s, deps } = context;
  await saveThenClose(context, ack, ROLLBACK_MODAL.mainInput, () =>
    startRollback(
      deps,
      {
        promotionId: s.metadata.promotion,
        userId: s.userId,
        issue: textValue(s.values, INPUT.rollbackIssue, TEXT_MAX) ?? '',
        impact: textValue(s.values, INPUT.rollbackImpact, TEXT_MAX),
        eta: textValue(s.values, INPUT.rollbackEta, TEXT_MAX),
        action: textValue(s.values, INPUT.rollbackAction, TEXT_MAX),
        path: inputValue(s.values, INPUT.rollbackPath),
        checkpointId: s.metadata.checkpoint,
        receiptKey: receipt('rollback', s),
      },
      { refresh: false },
    ),
  );
}

export async function onRollbackUpdateSubmit({ ack, context }: Args): Promise<void> {
  const { submission: s, deps } = context;
  await saveThenClose(context, ack, ROLLBACK_TEXT_MODAL.mainInput, () =>
    postRollbackUpdate(deps, { promotionId: s.metadata.promotion, userId: s.userId, text: textValue(s.values, INPUT.rollbackText, TEXT_MAX) ?? '', receiptKey: receipt('rollback-update', s) }, { refresh: false }),
  );
}

export async function onRollbackCompleteSubmit({ ack, context }: Args): Promise<void> {
  const { submission: s, deps } = context;
  await saveThenClose(context, ack, ROLLBACK_TEXT_MODAL.mainInput, () =>
    completeRollback(deps, { promotionId: s.metadata.promotion, userId: s.userId, resolution: textValue(s.values, INPUT.rollbackText, TEXT_MAX) ?? '', receiptKey: receipt('rollback-complete', s) }, { refresh: false }),
  );
}
