import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { INPUT } from '../../ids.js';
import { saveField } from '../../services/items.js';
import { MODAL_METADATA, type FieldModalMetadata } from '../../slack/modal-metadata.js';
import type { SubmissionContext } from '../context.js';
import type { ModalSpec } from '../middleware.js';
import { inputValue, type Submission } from './submissions.js';
import { saveThenClose } from './submit.js';

export const FIELD_MODAL: ModalSpec<FieldModalMetadata> = { metadata: MODAL_METADATA.field, mainInput: INPUT.fieldValue };

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs<SubmissionContext<Submission<FieldModalMetadata>>>;

/** A value saved from its modal: a bad value stays in the modal with the reason beside it. */
export async function onFieldSubmit({ ack, context }: Args): Promise<void> {
  const { submission: s, deps } = context;
  await saveThenClose(context, ack, FIELD_MODAL.mainInput, () =>
    saveField(deps, { promotionId: s.metadata.promotion, itemId: s.metadata.item, userId: s.userId, raw: inputValue(s.values, INPUT.fieldValue) }),
  );
}
