import { escLiteral } from '../domain/mrkdwn.js';
import { InputError, UserError } from '../errors.js';
import { INPUT } from '../ids.js';
import { isSettled, whyNotMarkable } from '../domain/promotion.js';
import { itemKind } from '../domain/template.js';
import { getItemStates, writeItemState } from '../store/promotions.js';
import { voidApprovalsBoundTo } from './approvals.js';
import { commitChange } from './change.js';
import type { Deps } from './deps.js';
import { before, checkedReason } from './items.js';

export interface SectionApplicabilityInput {
  promotionId: string;
  sectionId: string;
  userId: string;
  action: 'mark' | 'restore';
  reason: string | null;
}

/**
 * Mark a whole section not applicable with one reason, or make it applicable again, as one change and one audit
 * event listing the items it moved. Marking takes the items not settled yet (open, or a choice that blocks GO); what
 * was done stays done, and an item already not applicable keeps its own reason. Restoring reopens every item of the
 * section that is not applicable. Commits only, like every modal's change.
 */
export async function saveSectionApplicability(deps: Deps, input: SectionApplicabilityInput): Promise<{ changed: boolean }> {
  const reason = checkedReason(input);
  return commitChange(deps, { promotionId: input.promotionId, actor: input.userId }, async (scope) => {
    const { q, promotion, now } = scope;
    const section = promotion.template.sections.find((s) => s.id === input.sectionId);
    if (!section) throw new UserError('That section is not part of this checklist; nothing was recorded.', 'bad_section');
    const closed = whyNotMarkable(promotion.stage, section);
    if (closed) throw new InputError(INPUT.naItem, closed, 'phase_closed');
    const states = await getItemStates(q, promotion.id, section.items.map((i) => i.id));
    const mark = input.action === 'mark';
    const targets = section.items.filter((item) => (mark ? !isSettled(item, states.get(item.id)) : states.get(item.id)?.state === 'na'));
    if (targets.length === 0) {
      const why = mark
        ? `Every item of “${escLiteral(section.title)}” is already done or not applicable: there is nothing to mark.`
        : `No item of “${escLiteral(section.title)}” is marked not applicable: there is nothing to restore.`;
      throw new InputError(INPUT.naItem, why, mark ? 'nothing_open' : 'not_na');
    }
    for (const item of targets) {
      await writeItemState(q, promotion.id, { itemId: item.id, state: mark ? 'na' : 'open', value: null, note: mark ? reason : null, by: input.userId, at: now });
      // A choice that blocked GO loses its value: approvals bound to it were given for that value.
      const was = states.get(item.id);
      await voidApprovalsBoundTo(scope, item.id, was?.state === 'done' ? was.value : null, null);
    }
    const items = targets.map((item) => ({ item: item.id, kind: itemKind(item), before: before(states.get(item.id)) }));
    return mark
      ? { action: 'section.not_applicable', data: { section: section.id, reason, items } }
      : { action: 'section.applicable', data: { section: section.id, items } };
  });
}
