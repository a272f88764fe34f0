import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { INPUT } from '../../ids.js';
import { validateField } from '../../domain/fields.js';
import { saveField } from '../../services/items.js';
import type { Deps } from '../../services/deps.js';
import { parseFieldSubmission } from '../payloads.js';
import { parseOrClose, saveThenClose } from './submit.js';

/** A value saved from its modal: a bad value stays in the modal with the reason beside it. */
export function onFieldSubmit(deps: Deps) {
  return async ({ ack, body }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const s = await parseOrClose(ack, () => parseFieldSubmission(body));
    const check = validateField(s.meta.spec, s.raw);
    if (!check.ok) {
      await ack({ response_action: 'errors', errors: { [INPUT.fieldValue]: check.error } });
      return;
    }
    await saveThenClose(
      deps,
      ack,
      s.meta.p,
      () => saveField(deps, { promotionId: s.meta.p, itemId: s.meta.i, userId: s.userId, raw: s.raw }),
      () => INPUT.fieldValue,
    );
  };
}
