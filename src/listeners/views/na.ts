import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { InputError } from '../../errors.js';
import { INPUT } from '../../ids.js';
import { saveApplicability } from '../../services/items.js';
import { MODAL_METADATA, type NaModalMetadata } from '../../slack/modal-metadata.js';
import type { SubmissionContext } from '../context.js';
import type { ModalSpec } from '../middleware.js';
import { inputValue, type Submission } from './submissions.js';
import { saveThenClose } from './submit.js';

export const NA_MODAL: ModalSpec<NaModalMetadata> = { metadata: MODAL_METADATA.na, mainInput: INPUT.naItem };

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs<SubmissionContext<Submission<NaModalMetadata>>>;

/** Not applicable (with its reason) or applicable again, saved from the section's modal. */
export async function onNaSubmit({ ack, context }: Args): Promise<void> {
  const { submission: s, deps } = context;
  await saveThenClose(context, ack, NA_MODAL.mainInput, async () => {
    const itemId = inputValue(s.values, INPUT.naItem);
    if (!itemId) throw new InputError(INPUT.naItem, 'Choose an item.', 'item_required');
    return saveApplicability(deps, {
      promotionId: s.metadata.promotion,
      sectionId: s.metadata.section,
      itemId,
      userId: s.userId,
      action: inputValue(s.values, INPUT.naAction) === 'restore' ? 'restore' : 'mark',
      reason: inputValue(s.values, INPUT.naReason),
    });
  });
}
