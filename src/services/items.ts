import { UserError } from '../errors.js';
import { checkItemIds } from '../domain/promotion.js';
import { validateField, NA_REASON_MAX } from '../domain/fields.js';
import { findItem, itemKind } from '../domain/template.js';
import { appendAudit } from '../store/audit.js';
import { claimReceipt, getItemState, transitionItems, writeItemState } from '../store/promotions.js';
import type { Deps } from './deps.js';
import { lockActivePromotion } from './guard.js';
import { showChange } from './show.js';

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
export async function toggleChecks(deps: Deps, input: ToggleInput): Promise<{ changed: boolean }> {
  const now = deps.clock();
  const changed = await deps.db.tx(async (q) => {
    const promotion = await lockActivePromotion(q, input.promotionId);
    if (!(await claimReceipt(q, input.receiptKey, promotion.id, now))) return false;
    const checks = checkItemIds(promotion.template);
    const ticked = await transitionItems(q, promotion.id, input.ticked.filter((id) => checks.has(id)), 'open', 'done', input.userId, now);
    const unticked = await transitionItems(q, promotion.id, input.unticked.filter((id) => checks.has(id)), 'done', 'open', input.userId, now);
    if (ticked.length === 0 && unticked.length === 0) return false;
    await appendAudit(q, { promotionId: promotion.id, actor: input.userId, action: 'items.toggled', data: { ticked, unticked }, at: now });
    return true;
  });
  if (changed) await showChange(deps, input.promotionId);
  return { changed };
}

export interface ChooseInput {
  promotionId: string;
  itemId: string;
  optionId: string;
  userId: string;
  receiptKey: string;
}

export async function chooseOption(deps: Deps, input: ChooseInput): Promise<{ changed: boolean }> {
  const now = deps.clock();
  const changed = await deps.db.tx(async (q) => {
    const promotion = await lockActivePromotion(q, input.promotionId);
    if (!(await claimReceipt(q, input.receiptKey, promotion.id, now))) return false;
    const found = findItem(promotion.template, input.itemId);
    const option = found?.item.choice?.options.find((o) => o.id === input.optionId);
    if (!found || !option) throw new UserError('That choice is not part of this checklist any more; nothing was recorded.', 'bad_choice');
    const before = await getItemState(q, promotion.id, input.itemId);
    if (before?.state === 'done' && before.value === option.id) return false;
    await writeItemState(q, promotion.id, { itemId: input.itemId, state: 'done', value: option.id, note: null, by: input.userId, at: now });
    await appendAudit(q, {
      promotionId: promotion.id,
      actor: input.userId,
      action: 'item.chosen',
      data: { item: input.itemId, before: before ? { state: before.state, value: before.value, note: before.note } : null, after: option.id },
      at: now,
    });
    return true;
  });
  if (changed) await showChange(deps, input.promotionId);
  return { changed };
}

export interface SetFieldInput {
  promotionId: string;
  itemId: string;
  userId: string;
  /** As entered; empty clears the value. */
  raw: string | null;
}

/** Save a value (the transaction only, so a modal can show a refusal before it closes). True if it changed. */
export async function saveField(deps: Deps, input: SetFieldInput): Promise<boolean> {
  const now = deps.clock();
  return deps.db.tx(async (q) => {
    const promotion = await lockActivePromotion(q, input.promotionId);
    const spec = findItem(promotion.template, input.itemId)?.item.field;
    if (!spec) throw new UserError('That field is not part of this checklist; nothing was recorded.', 'bad_field');
    const result = validateField(spec, input.raw);
    if (!result.ok) throw new UserError(`Not saved: ${result.error}`, 'invalid_value');
    const before = await getItemState(q, promotion.id, input.itemId);
    if (before?.value === result.value && before.state === (result.value === null ? 'open' : 'done')) return false;
    await writeItemState(q, promotion.id, {
      itemId: input.itemId,
      state: result.value === null ? 'open' : 'done',
      value: result.value,
      note: null,
      by: input.userId,
      at: now,
    });
    await appendAudit(q, {
      promotionId: promotion.id,
      actor: input.userId,
      action: result.value === null ? 'field.cleared' : 'field.set',
      data: { item: input.itemId, before: before?.value ?? null, after: result.value },
      at: now,
    });
    return true;
  });
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
 * Mark an item not applicable (with a reason), or make it applicable again (it reopens). The transaction
 * only, so a modal can show a refusal before it closes. True if it changed.
 */
export async function saveApplicability(deps: Deps, input: ApplicabilityInput): Promise<boolean> {
  const now = deps.clock();
  const reason = input.reason?.trim() ?? '';
  if (input.action === 'mark' && reason === '') throw new UserError('Say why it does not apply.', 'reason_required');
  if (reason.length > NA_REASON_MAX) throw new UserError(`Keep the reason under ${NA_REASON_MAX} characters; nothing was recorded.`, 'reason_too_long');
  return deps.db.tx(async (q) => {
    const promotion = await lockActivePromotion(q, input.promotionId);
    const found = findItem(promotion.template, input.itemId);
    if (!found || found.section.id !== input.sectionId) throw new UserError('That item is not part of this section; nothing was recorded.', 'bad_item');
    const before = await getItemState(q, promotion.id, input.itemId);
    if (input.action === 'restore' && before?.state !== 'na') {
      throw new UserError(`"${found.item.label}" is not marked not applicable, so there is nothing to restore.`, 'not_na');
    }
    if (input.action === 'mark' && before?.state === 'na' && before.note === reason) return false;
    await writeItemState(q, promotion.id, {
      itemId: input.itemId,
      state: input.action === 'mark' ? 'na' : 'open',
      value: null,
      note: input.action === 'mark' ? reason : null,
      by: input.userId,
      at: now,
    });
    await appendAudit(q, {
      promotionId: promotion.id,
      actor: input.userId,
      action: input.action === 'mark' ? 'item.not_applicable' : 'item.applicable',
      data: {
        item: input.itemId,
        kind: itemKind(found.item),
        before: before ? { state: before.state, value: before.value, note: before.note } : null,
        reason: input.action === 'mark' ? reason : null,
      },
      at: now,
    });
    return true;
  });
}
