import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { INPUT } from '../../ids.js';
import { validateField } from '../../domain/fields.js';
import { setField } from '../../services/items.js';
import type { Deps } from '../../services/deps.js';
import { parseFieldSubmission } from '../payloads.js';

/** A value saved from its modal: checked at once so a bad value stays in the modal with the reason beside it. */
export function onFieldSubmit(deps: Deps) {
  return async ({ ack, body }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const submission = parseFieldSubmission(body);
    const check = validateField(submission.meta.spec, submission.raw);
    if (!check.ok) {
      await ack({ response_action: 'errors', errors: { [INPUT.fieldValue]: check.error } });
      return;
    }
    await ack();
    await setField(deps, { promotionId: submission.meta.p, itemId: submission.meta.i, userId: submission.userId, raw: submission.raw });
  };
}
