import { escLiteral } from '../domain/mrkdwn.js';
import { InputError, UserError } from '../errors.js';
import { INPUT } from '../ids.js';
import { checkItemIds, whyClosed, whyNotMarkable, type ItemState, type Promotion } from '../domain/promotion.js';
import { validateField, NA_REASON_MAX } from '../domain/fields.js';
import { findItem, itemKind } from '../domain/template.js';
import { getItemState, transitionItems, writeItemState } from '../store/promotions.js';
import { applyChange, commitChange } from './change.js';
import type { Deps } from './deps.js';

/**
 * Refuse work on an item whose phase is not open (an after-GO step before GO, a rollback step, a reference list),
 * naming the phase. Checked here, in the change, not only by leaving the checkbox out: a stale message, an old
 * client or a crafted request reaches the service just the same.
 */
function assertOpen(promotion: Promotion, itemIds: readonly string[], inputId?: string): void {
  for (const id of itemIds) {
    const found = findItem(promotion.template, id);
    const why = found && whyClosed(promotion.stage, found.section, found.item);
    if (why) throw inputId ? new InputError(inputId, why, 'phase_closed') : new UserError(why, 'phase_closed');
  }
}

/** An item's state before a change, as the audit trail keeps it. */
export function before(s: ItemState | undefined): { state: ItemState['state']; value: string | null; note: string | null } | null {
  return s ? { state: s.state, value: s.value, note: s.note } : null;
}

export interface ToggleInput {
  promotionId: string;
  userId: string;
  /** Items the clicking client showed unticked and now sends ticked, and the reverse. */
  ticked: string[];
  unticked: string[];
  /** Identifies this one click, so a redelivery is applied once. */
  receiptKey: string;
}

/**
 * Apply a checkbox click as a delta against what the clicker's client showed. Items other people ticked in
 * the meantime are untouched, because only the items this click changed are written, each in its own row.
 */
export function toggleChecks(deps: Deps, input: ToggleInput): Promise<{ changed: boolean }> {
  return applyChange(deps, { promotionId: input.promotionId, actor: input.userId, receiptKey: input.receiptKey }, async ({ q, promotion, now }) => {
    const checks = checkItemIds(promotion.template);
    assertOpen(promotion, [...input.ticked, ...input.unticked].filter((id) => checks.has(id)));
    const ticked = await transitionItems(q, promotion.id, input.ticked.filter((id) => checks.has(id)), 'open', 'done', input.userId, now);
    const unticked = await transitionItems(q, promotion.id, input.unticked.filter((id) => checks.has(id)), 'done', 'open', input.userId, now);
    if (ticked.length === 0 && unticked.length === 0) return null;
    return { action: 'items.toggled', data: { ticked, unticked } };
  });
}

export interface ChooseInput {
  promotionId: string;
  itemId: string;
  optionId: string;
  userId: string;
  receiptKey: string;
}

export function chooseOption(deps: Deps, input: ChooseInput): Promise<{ changed: boolean }> {
  return applyChange(deps, { promotionId: input.promotionId, actor: input.userId, receiptKey: input.receiptKey }, async ({ q, promotion, now }) => {
    const found = findItem(promotion.template, input.itemId);
    const option = found?.item.choice?.options.find((o) => o.id === input.optionId);
    if (!found || !option) throw new UserError('That choice is not part of this checklist any more; nothing was recorded.', 'bad_choice');
    assertOpen(promotion, [input.itemId]);
    const was = await getItemState(q, promotion.id, input.itemId);
    if (was?.state === 'done' && was.value === option.id) return null;
    await writeItemState(q, promotion.id, { itemId: input.itemId, state: 'done', value: option.id, note: null, by: input.userId, at: now });
    return { action: 'item.chosen', data: { item: input.itemId, before: before(was), after: option.id } };
  });
}

export interface SetFieldInput {
  promotionId: string;
  itemId: string;
  userId: string;
  /** As entered; empty clears the value. */
  raw: string | null;
}

/**
 * Save a field's value, checked against the field as the promotion's stored template defines it. Commits
 * only, so a modal can show a refusal before it closes; the caller shows the change.
 */
export function saveField(deps: Deps, input: SetFieldInput): Promise<{ changed: boolean }> {
  return commitChange(deps, { promotionId: input.promotionId, actor: input.userId }, async ({ q, promotion, now }) => {
    const spec = findItem(promotion.template, input.itemId)?.item.field;
    if (!spec) throw new UserError('That field is not part of this checklist; nothing was recorded.', 'bad_field');
    assertOpen(promotion, [input.itemId], INPUT.fieldValue);
    const result = validateField(spec, input.raw);
    if (!result.ok) throw new InputError(INPUT.fieldValue, result.error, 'invalid_value');
    const was = await getItemState(q, promotion.id, input.itemId);
    const state = result.value === null ? 'open' : 'done';
    if (was?.value === result.value && was.state === state) return null;
    await writeItemState(q, promotion.id, { itemId: input.itemId, state, value: result.value, note: null, by: input.userId, at: now });
    const previous = was?.value ?? null;
    return result.value === null
      ? { action: 'field.cleared', data: { item: input.itemId, before: previous, after: null } }
      : { action: 'field.set', data: { item: input.itemId, before: previous, after: result.value } };
  });
}

/** The reason given for marking not applicable, trimmed; refused next to its input when missing or too long. */
export function checkedReason(input: { action: 'mark' | 'restore'; reason: string | null }): string {
  const reason = input.reason?.trim() ?? '';
  if (input.action === 'mark' && reason === '') throw new InputError(INPUT.naReason, 'Say why it does not apply.', 'reason_required');
  if (reason.length > NA_REASON_MAX) {
    throw new InputError(INPUT.naReason, `Keep the reason under ${NA_REASON_MAX} characters; nothing was recorded.`, 'reason_too_long');
  }
  return reason;
}

export interface ApplicabilityInput {
  promotionId: string;
  sectionId: string;
  itemId: string;
  userId: string;
  action: 'mark' | 'restore';
  reason: string | null;
}

/**
 * Mark an item not applicable (with a reason), or make it applicable again (it reopens). Commits only, so a
 * modal can show a refusal before it closes.
 */
export async function saveApplicability(deps: Deps, input: ApplicabilityInput): Promise<{ changed: boolean }> {
  const reason = checkedReason(input);
  return commitChange(deps, { promotionId: input.promotionId, actor: input.userId }, async ({ q, promotion, now }) => {
    const found = findItem(promotion.template, input.itemId);
    if (!found || found.section.id !== input.sectionId) throw new UserError('That item is not part of this section; nothing was recorded.', 'bad_item');
    const closed = whyNotMarkable(promotion.stage, found.section);
    if (closed) throw new InputError(INPUT.naItem, closed, 'phase_closed');
    const was = await getItemState(q, promotion.id, input.itemId);
    if (input.action === 'restore' && was?.state !== 'na') {
      throw new InputError(INPUT.naItem, `“${escLiteral(found.item.label)}” is not marked not applicable, so there is nothing to restore.`, 'not_na');
    }
    if (input.action === 'mark' && was?.state === 'na' && was.note === reason) return null;
    const mark = input.action === 'mark';
    await writeItemState(q, promotion.id, { itemId: input.itemId, state: mark ? 'na' : 'open', value: null, note: mark ? reason : null, by: input.userId, at: now });
    const common = { item: input.itemId, kind: itemKind(found.item), before: before(was) };
    return mark
      ? { action: 'item.not_applicable', data: { ...common, reason } }
      : { action: 'item.applicable', data: { ...common, reason: null } };
  });
}
