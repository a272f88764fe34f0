import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { BadPayload, InputError } from '../../errors.js';
import { INPUT, WHOLE_SECTION } from '../../ids.js';
import { saveApplicability } from '../../services/items.js';
import { saveSectionApplicability } from '../../services/sections.js';
import { MODAL_METADATA, type NaModalMetadata } from '../../slack/modal-metadata.js';
import type { SubmissionContext } from '../context.js';
import type { ModalSpec } from '../middleware.js';
import { inputValue, type Submission } from './submissions.js';
import { saveThenClose } from './submit.js';

export const NA_MODAL: ModalSpec<NaModalMetadata> = { metadata: MODAL_METADATA.na, mainInput: INPUT.naItem };

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs<SubmissionContext<Submission<NaModalMetadata>>>;

/** Not applicable (with its reason) or applicable again, for one item or the whole section, saved from the section's modal. */
export async function onNaSubmit({ ack, context }: Args): Promise<void> {
  const { submission: s, deps } = context;
  await saveThenClose(context, ack, NA_MODAL.mainInput, async () => {
    const itemId = inputValue(s.values, INPUT.naItem);
    if (!itemId) throw new InputError(INPUT.naItem, 'Choose an item, or the whole section.', 'item_required');
    // The modal's radio buttons are `mark` and `restore` (none chosen: mark); anything else is not what it sent.
    const chosen = inputValue(s.values, INPUT.naAction);
    if (chosen !== null && chosen !== 'mark' && chosen !== 'restore') throw new BadPayload('form');
    const change = {
      promotionId: s.metadata.promotion,
      sectionId: s.metadata.section,
      userId: s.userId,
      action: chosen === 'restore' ? ('restore' as const) : ('mark' as const),
      reason: inputValue(s.values, INPUT.naReason),
    };
    return itemId === WHOLE_SECTION ? saveSectionApplicability(deps, change) : saveApplicability(deps, { ...change, itemId });
  });
}
