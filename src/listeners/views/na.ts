import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { INPUT } from '../../ids.js';
import { saveApplicability } from '../../services/items.js';
import type { Deps } from '../../services/deps.js';
import { parseNaSubmission } from '../payloads.js';
import { parseOrClose, saveThenClose } from './submit.js';

const REASON_ERRORS = new Set(['reason_required', 'reason_too_long']);

/** Not applicable (with its reason) or applicable again, saved from the section's modal. */
export function onNaSubmit(deps: Deps) {
  return async ({ ack, body }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const s = await parseOrClose(ack, () => parseNaSubmission(body));
    const itemId = s.itemId;
    if (!itemId) {
      await ack({ response_action: 'errors', errors: { [INPUT.naItem]: 'Choose an item.' } });
      return;
    }
    await saveThenClose(
      deps,
      ack,
      s.meta.p,
      () => saveApplicability(deps, { promotionId: s.meta.p, sectionId: s.meta.s, itemId, userId: s.userId, action: s.action, reason: s.reason }),
      (err) => (REASON_ERRORS.has(err.code) ? INPUT.naReason : INPUT.naItem),
    );
  };
}
