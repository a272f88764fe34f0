import { randomUUID } from 'node:crypto';
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { InputError } from '../../errors.js';
import { INPUT } from '../../ids.js';
import { assignItem } from '../../services/assign.js';
import { MODAL_METADATA, type AssignModalMetadata } from '../../slack/modal-metadata.js';
import type { SubmissionContext } from '../context.js';
import type { ModalSpec } from '../middleware.js';
import { inputValue, type Submission } from './submissions.js';
import { saveThenClose } from './submit.js';

export const ASSIGN_MODAL: ModalSpec<AssignModalMetadata> = { metadata: MODAL_METADATA.assign, mainInput: INPUT.assignItem };

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs<SubmissionContext<Submission<AssignModalMetadata>>>;

/** An item of the section assigned to the person chosen, or unassigned when nobody is; refusals stay in the modal. */
export async function onAssignSubmit({ ack, context }: Args): Promise<void> {
  const { submission: s, deps } = context;
  await saveThenClose(context, ack, ASSIGN_MODAL.mainInput, async () => {
    const itemId = inputValue(s.values, INPUT.assignItem);
    if (!itemId) throw new InputError(INPUT.assignItem, 'Choose an item.', 'item_required');
    const section = context.promotion.template.sections.find((x) => x.id === s.metadata.section);
    if (!section?.items.some((i) => i.id === itemId)) throw new InputError(INPUT.assignItem, 'That item is not part of this section; nothing was assigned.', 'bad_item');
    return assignItem(
      deps,
      { promotionId: s.metadata.promotion, itemId, assignee: inputValue(s.values, INPUT.assignUser), userId: s.userId, receiptKey: `assign:${s.userId}:${s.viewId ?? randomUUID()}` },
      { refresh: false },
    );
  });
}
