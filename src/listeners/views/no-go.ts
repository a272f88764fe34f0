import { randomUUID } from 'node:crypto';
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { InputError } from '../../errors.js';
import { INPUT } from '../../ids.js';
import { decideNoGo } from '../../services/decisions.js';
import { MODAL_METADATA, type NoGoModalMetadata } from '../../slack/modal-metadata.js';
import type { SubmissionContext } from '../context.js';
import type { ModalSpec } from '../middleware.js';
import { REASON_MAX } from '../../../blocks/approvals.js';
import { inputValue, textValue, type Submission } from './submissions.js';
import { saveThenClose } from './submit.js';

/** YYYY-MM-DD of a day that exists (`2031-02-31` does not), as PostgreSQL's date takes it. */
function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || text < '0001') return false;
  const day = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === text;
}

export const NO_GO_MODAL: ModalSpec<NoGoModalMetadata> = { metadata: MODAL_METADATA.noGo, mainInput: INPUT.noGoReason };

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs<SubmissionContext<Submission<NoGoModalMetadata>>>;

/** NO-GO with its reason and optional new date, recorded and announced; a refusal stays in the modal. */
export async function onNoGoSubmit({ ack, context }: Args): Promise<void> {
  const { submission: s, deps } = context;
  await saveThenClose(context, ack, NO_GO_MODAL.mainInput, async () => {
    const newDate = inputValue(s.values, INPUT.noGoDate);
    if (newDate !== null && !isCalendarDate(newDate)) throw new InputError(INPUT.noGoDate, 'Pick a date, or leave it empty.', 'bad_date');
    return decideNoGo(
      deps,
      { promotionId: s.metadata.promotion, userId: s.userId, receiptKey: `no-go:${s.userId}:${s.viewId ?? randomUUID()}`, reason: textValue(s.values, INPUT.noGoReason, REASON_MAX) ?? '', newDate },
      { refresh: false },
    );
  });
}
