import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { INPUT } from '../../ids.js';
import { setApplicability } from '../../services/items.js';
import type { Deps } from '../../services/deps.js';
import { parseNaSubmission } from '../payloads.js';

/** Not applicable (with its reason) or applicable again, saved from the section's modal. */
export function onNaSubmit(deps: Deps) {
  return async ({ ack, body }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const s = parseNaSubmission(body);
    if (!s.itemId) {
      await ack({ response_action: 'errors', errors: { [INPUT.naItem]: 'Choose an item.' } });
      return;
    }
    if (s.action === 'mark' && !s.reason?.trim()) {
      await ack({ response_action: 'errors', errors: { [INPUT.naReason]: 'Say why it does not apply.' } });
      return;
    }
    await ack();
    await setApplicability(deps, {
      promotionId: s.meta.p,
      sectionId: s.meta.s,
      itemId: s.itemId,
      userId: s.userId,
      action: s.action,
      reason: s.reason,
    });
  };
}
