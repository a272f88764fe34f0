import { randomUUID } from 'node:crypto';
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { InputError } from '../../errors.js';
import { INPUT } from '../../ids.js';
import { decideNoGo } from '../../services/decisions.js';
import { MODAL_METADATA, type NoGoModalMetadata } from '../../slack/modal-metadata.js';
import type { SubmissionContext } from '../context.js';
import type { ModalSpec } from '../middleware.js';
import { inputValue, type Submission } from './submissions.js';
import { saveThenClose } from './submit.js';

export const NO_GO_MODAL: ModalSpec<NoGoModalMetadata> = { metadata: MODAL_METADATA.noGo, mainInput: INPUT.noGoReason };

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs<SubmissionContext<Submission<NoGoModalMetadata>>>;

/** NO-GO with its reason and optional new date, recorded and announced; a refusal stays in the modal. */
export async function onNoGoSubmit({ ack, context }: Args): Promise<void> {
  const { submission: s, deps } = context;
  await saveThenClose(context, ack, NO_GO_MODAL.mainInput, async () => {
    const newDate = inputValue(s.values, INPUT.noGoDate);
    if (newDate !== null && !/^\d{4}-\d{2}-\d{2}$/.test(newDate)) throw new InputError(INPUT.noGoDate, 'Pick a date, or leave it empty.', 'bad_date');
    return decideNoGo(
      deps,
      { promotionId: s.metadata.promotion, userId: s.userId, receiptKey: `no-go:${s.userId}:${s.viewId ?? randomUUID()}`, reason: inputValue(s.values, INPUT.noGoReason) ?? '', newDate },
      { refresh: false },
    );
  });
}
