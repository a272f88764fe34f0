import { escLiteral } from '../domain/mrkdwn.js';
import { InputError, UserError } from '../errors.js';
import { INPUT } from '../ids.js';
import { checkItemIds, whyClosed, whyNotMarkable, type ItemState, type Promotion } from '../domain/promotion.js';
import { validateField, NA_REASON_MAX } from '../domain/fields.js';
import { findItem, itemKind } from '../domain/template.js';
import { getItemState, writeItemState } from '../store/promotions.js';
import type { ClickPayload } from '../store/click-intake.js';
import { claimItemsInOrder, toggleInOrder } from '../store/item-order.js';
import { commitChange, type Change, type ChangeScope } from './change.js';
import { endHold, startHold } from './reminders.js';
import { heldBy } from '../domain/timeline.js';
import { parseDuration } from '../domain/offsets.js';
import { slackDate } from '../domain/mrkdwn.js';
import type { Deps } from './deps.js';
import { voidApprovalsBoundTo } from './approvals.js';

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

/**
 * Refuse to tick a ramp step while the hold after the step before it runs ("10% → monitor 30 minutes → 50%"), or in
 * the same click as that step: the hold starts when the step before is ticked. Says when the hold ends.
 */
async function assertNotHeld(scope: ChangeScope, ticked: readonly string[]): Promise<void> {
  const { q, promotion, now } = scope;
  for (const id of ticked) {
    const previous = heldBy(promotion.template, id);
    if (!previous?.hold) continue;
    const label = findItem(promotion.template, id)!.item.label;
    if (ticked.includes(previous.id)) {
      throw new UserError(`“${escLiteral(label)}” waits ${previous.hold.for} after “${escLiteral(previous.label)}”: tick that first; the hold starts then.`, 'held');
    }
    const was = await getItemState(q, promotion.id, previous.id);
    if (was?.state !== 'done' || !was.at) continue;
    const until = new Date(was.at.getTime() + parseDuration(previous.hold.for));
    if (until.getTime() > now.getTime()) {
      throw new UserError(
        `“${escLiteral(label)}” is held: the ${previous.hold.for} hold after “${escLiteral(previous.label)}” ends at ${slackDate(until)}. The thread is told when it is over, with what to check first.`,
        'held',
      );
    }
  }
}

/** An item's state before a change, as the audit trail keeps it. */
export function before(s: ItemState | undefined): { state: ItemState['state']; value: string | null; note: string | null } | null {
  return s ? { state: s.state, value: s.value, note: s.note } : null;
}

/** What every click the intake stores carries besides what it does (a tick's delta, a choice). */
interface StoredClickInput {
  promotionId: string;
  userId: string;
  /** When Slack sent the click ("seconds.micros"): a click sent earlier never overwrites a later one. */
  actionTs: string;
  /** Identifies this one click, so a redelivery is applied once. */
  receiptKey: string;
  /** The message clicked on (checked to be the promotion's live one when applied). */
  on?: { channel: string; ts: string };
  /** Called once the click is stored, before it is applied: the listener acknowledges it to Slack there. */
  stored: () => Promise<void>;
  /** When the request arrived (performance.now()): the deadline to acknowledge it counts from then. */
  arrivedAt?: number;
}

/** Hand a click to the intake: stored, acknowledged through `stored`, applied, shown. */
function submitClick(deps: Deps, input: StoredClickInput, payload: ClickPayload): Promise<{ changed: boolean }> {
  return deps.clicks.submit(
    {
      receiptKey: input.receiptKey,
      promotionId: input.promotionId,
      userId: input.userId,
      actionTs: input.actionTs,
      payload,
      ...(input.arrivedAt !== undefined ? { arrivedAt: input.arrivedAt } : {}),
    },
    input.stored,
    deps.log,
  );
}

export interface ToggleInput extends StoredClickInput {
  /** Items the clicking client showed unticked and now sends ticked, and the reverse. */
  ticked: string[];
  unticked: string[];
}

/**
 * Apply a checkbox click as a delta against what the clicker's client showed. Items other people ticked in
 * the meantime are untouched, because only the items this click changed are written, each in its own row.
 * The click is stored first and applied by the intake (./intake.ts) with the clicks that arrived with it; this
 * resolves once it is applied and shown, or throws what the person should hear.
 */
export function toggleChecks(deps: Deps, input: ToggleInput): Promise<{ changed: boolean }> {
  return submitClick(deps, input, { kind: 'toggle', ticked: input.ticked, unticked: input.unticked, on: input.on });
}

/**
 * A checkbox click's change, applied in Slack's order per item: an item a later click has already decided (by
 * action_ts) is left as that click made it. Of the rest, ticked items go from open to done and unticked ones back,
 * only where they are in that state now (a delta applied twice changes nothing).
 */
export function toggleChange(click: { userId: string; actionTs: string; ticked: readonly string[]; unticked: readonly string[] }): Change {
  return async (scope) => {
    const { q, promotion, now } = scope;
    const checks = checkItemIds(promotion.template);
    const wantTicked = click.ticked.filter((id) => checks.has(id));
    const wantUnticked = click.unticked.filter((id) => checks.has(id));
    // A click on no checkbox of this checklist (a payload not as Slack sends it) is refused, its receipt undone with it.
    if (wantTicked.length + wantUnticked.length === 0) throw new UserError('That checkbox is not part of this checklist; nothing was recorded.', 'bad_checkbox');
    assertOpen(promotion, [...wantTicked, ...wantUnticked]);
    await assertNotHeld(scope, wantTicked);
    const { ticked, unticked } = await toggleInOrder(q, promotion.id, { ticked: wantTicked, unticked: wantUnticked }, click.actionTs, click.userId, now);
    if (ticked.length === 0 && unticked.length === 0) return null;
    // A ramp step ticked starts its hold (the next step waits, its end is reminded); unticked, the hold is off.
    for (const id of ticked) await startHold(scope, click.userId, id);
    for (const id of unticked) await endHold(scope, id);
    return { action: 'items.toggled', data: { ticked, unticked } };
  };
}

export interface ChooseInput extends StoredClickInput {
  itemId: string;
  optionId: string;
}

/** Choose one option of a choose-one item; stored and applied by the intake, as a checkbox click is. */
export function chooseOption(deps: Deps, input: ChooseInput): Promise<{ changed: boolean }> {
  return submitClick(deps, input, { kind: 'choose', item: input.itemId, option: input.optionId, on: input.on });
}

/** A choice's change: skipped when a choice Slack sent later is already applied to the item. */
export function chooseChange(click: { userId: string; actionTs: string; itemId: string; optionId: string }): Change {
  return async (scope) => {
    const { q, promotion, now } = scope;
    const found = findItem(promotion.template, click.itemId);
    const option = found?.item.choice?.options.find((o) => o.id === click.optionId);
    if (!found || !option) throw new UserError('That choice is not part of this checklist any more; nothing was recorded.', 'bad_choice');
    assertOpen(promotion, [click.itemId]);
    if (!(await claimItemsInOrder(q, promotion.id, [click.itemId], click.actionTs)).has(click.itemId)) return null;
    const was = await getItemState(q, promotion.id, click.itemId);
    if (was?.state === 'done' && was.value === option.id) return null;
    await writeItemState(q, promotion.id, { itemId: click.itemId, state: 'done', value: option.id, note: null, by: click.userId, at: now });
    await voidApprovalsBoundTo(scope, click.itemId, valueOf(was), option.id);
    return { action: 'item.chosen', data: { item: click.itemId, before: before(was), after: option.id } };
  };
}

/** An item's value as an approval binds it: its value when done, else none. */
function valueOf(s: { state: string; value: string | null } | undefined): string | null {
  return s?.state === 'done' ? s.value : null;
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
 *
 * Modal submissions (this and `saveApplicability`) are applied at once, as before, and leave the item's
 * `last_action_ts` alone: Slack gives a submission no action_ts, and stamping it with this process's clock would
 * compare two different clocks, so a click made just after the submission could look older and be skipped.
 */
export function saveField(deps: Deps, input: SetFieldInput): Promise<{ changed: boolean }> {
  return commitChange(deps, { promotionId: input.promotionId, actor: input.userId }, async (scope) => {
    const { q, promotion, now } = scope;
    const spec = findItem(promotion.template, input.itemId)?.item.field;
    if (!spec) throw new UserError('That field is not part of this checklist; nothing was recorded.', 'bad_field');
    assertOpen(promotion, [input.itemId], INPUT.fieldValue);
    const result = validateField(spec, input.raw);
    if (!result.ok) throw new InputError(INPUT.fieldValue, result.error, 'invalid_value');
    const was = await getItemState(q, promotion.id, input.itemId);
    const state = result.value === null ? 'open' : 'done';
    if (was?.value === result.value && was.state === state) return null;
    await writeItemState(q, promotion.id, { itemId: input.itemId, state, value: result.value, note: null, by: input.userId, at: now });
    await voidApprovalsBoundTo(scope, input.itemId, valueOf(was), result.value);
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
  return commitChange(deps, { promotionId: input.promotionId, actor: input.userId }, async (scope) => {
    const { q, promotion, now } = scope;
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
    await voidApprovalsBoundTo(scope, input.itemId, valueOf(was), null);
    const common = { item: input.itemId, kind: itemKind(found.item), before: before(was) };
    return mark
      ? { action: 'item.not_applicable', data: { ...common, reason } }
      : { action: 'item.applicable', data: { ...common, reason: null } };
  });
}
