import { z } from 'zod';
import { BadPayload, UserError } from '../errors.js';
import { INPUT, isPromotionId, parseApprovalBlockId, parseBlockId, parseRefValue } from '../ids.js';
import { MODAL_METADATA, readMetadata } from '../slack/modal-metadata.js';
import { inputValue } from './views/submissions.js';

/**
 * Every piece of a `block_actions` payload the listeners use, parsed in one place into what the click refers
 * to. A payload that does not have the shape Slack sends is refused with a clear message and nothing is written.
 */
const option = z.object({ value: z.string() });
/**
 * When Slack sent the action, "seconds.micros" by Slack's clock: clicks on an item apply in this order (a click
 * sent earlier and delivered later never overwrites a later one), so it must read as a number.
 */
const actionTs = z.string().regex(/^\d{1,12}(\.\d{1,9})?$/);
/**
 * A block of the message clicked on, checked as an object but not copied: a click's message carries the whole checklist
 * section, and a record schema would rebuild every block of it on every click only for `shownSelection` to read one.
 */
const block = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
const message = z.object({ ts: z.string(), blocks: z.array(block).default([]) });

const blockActionBase = z.object({
  user: z.object({ id: z.string() }),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
  trigger_id: z.string().optional(),
  message: message.optional(),
});

/** The schemas below are built once, at load: zod compiles a schema on first use, so one built per click costs that every click. */
const options = z.array(option).default([]);
const checkboxAction = z.object({ block_id: z.string(), action_ts: actionTs, selected_options: options });
const selectAction = z.object({ block_id: z.string(), action_ts: actionTs, selected_option: option });
const valueAction = z.object({ value: z.string() });
const optionAction = z.object({ selected_option: option });

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new BadPayload(what);
  return r.data;
}

/** What every click names: who, which promotion, and where (the message, when the click was on one). */
export interface ClickTarget {
  userId: string;
  promotionId: string;
  channelId: string;
  /** The message clicked on; it must be one of the promotion's own, live messages. */
  messageTs: string | undefined;
}

function target(body: unknown, promotionId: string): ClickTarget {
  const b = parse(blockActionBase, body, 'click');
  const channelId = b.channel?.id ?? b.container?.channel_id;
  if (!channelId) throw new BadPayload('no channel');
  return { userId: b.user.id, promotionId, channelId, messageTs: b.message?.ts ?? b.container?.message_ts };
}

export interface CheckboxClick extends ClickTarget {
  blockId: string;
  actionTs: string;
  selected: string[];
  /** What the clicker's client showed ticked before this click. */
  shown: string[];
}

/** The element's `initial_options` and `options` in the message as the clicker's client had it. */
function shownSelection(blocks: Array<Record<string, unknown>>, blockId: string): { shown: string[]; options: Set<string> } | undefined {
  const block = blocks.find((b) => b['block_id'] === blockId);
  if (!block) return undefined;
  const elements = (block['elements'] as unknown[] | undefined) ?? (block['accessory'] ? [block['accessory']] : []);
  const element = elements.find((e) => (e as { type?: string } | null)?.type === 'checkboxes') as { initial_options?: unknown; options?: unknown } | undefined;
  if (!element) return undefined;
  const shown = parse(options, element.initial_options, 'checkbox options').map((o) => o.value);
  const offered = parse(options, element.options, 'checkbox options').map((o) => o.value);
  return { shown, options: new Set(offered) };
}

export function parseCheckboxClick(body: unknown, action: unknown): CheckboxClick {
  const a = parse(checkboxAction, action, 'checkbox action');
  const ref = parseBlockId(a.block_id);
  if (ref?.kind !== 'chk') throw new BadPayload('checkbox block id');
  const b = parse(blockActionBase, body, 'click');
  if (!b.message) throw new BadPayload('no message');
  const view = shownSelection(b.message.blocks, a.block_id);
  if (!view) {
    throw new UserError('The checklist changed while you were looking, so your click was not applied. Tick it again on the updated message.', 'stale_view');
  }
  const selected = a.selected_options.map((o) => o.value);
  // Slack sends only the element's own options, and a click changes one of them: anything else is not a click.
  if ([...selected, ...view.shown].some((v) => !view.options.has(v))) throw new BadPayload('checkbox options');
  const shown = new Set(view.shown);
  if (selected.length === shown.size && selected.every((v) => shown.has(v))) throw new BadPayload('checkbox click');
  return { ...target(body, ref.promotionId), blockId: a.block_id, actionTs: a.action_ts, selected, shown: view.shown };
}

export interface ChoiceClick extends ClickTarget {
  itemId: string;
  blockId: string;
  actionTs: string;
  optionId: string;
}

export function parseChoiceClick(body: unknown, action: unknown): ChoiceClick {
  const a = parse(selectAction, action, 'selection');
  const ref = parseBlockId(a.block_id);
  if (ref?.kind !== 'choice') throw new BadPayload('choice block id');
  const t = target(body, ref.promotionId);
  if (!t.messageTs) throw new BadPayload('no channel or message');
  return { ...t, itemId: ref.key, blockId: a.block_id, actionTs: a.action_ts, optionId: a.selected_option.value };
}

/** A button whose value is `<promotion>|<item or section>`, which opens a modal with the trigger. */
export interface RefButtonClick extends ClickTarget {
  id: string;
  triggerId: string;
}

export function parseRefButtonClick(body: unknown, action: unknown): RefButtonClick {
  const ref = parseRefValue(parse(valueAction, action, 'button').value);
  if (!ref) throw new BadPayload('button value');
  const triggerId = parse(blockActionBase, body, 'click').trigger_id;
  if (!triggerId) throw new BadPayload('no channel or trigger');
  return { ...target(body, ref.promotionId), id: ref.id, triggerId };
}

/** The not-applicable modal's switch between marking and restoring, dispatched from inside the open modal. */
export interface NaSwitchClick extends ClickTarget {
  sectionId: string;
  viewId: string;
  /** The view's hash: the update is refused if the modal changed meanwhile, rather than overwrite it. */
  hash: string;
  change: 'mark' | 'restore';
  /** What the person had chosen in the item menu, kept across the switch. */
  chosen: string | undefined;
}

const modalClick = z.object({
  user: z.object({ id: z.string() }),
  view: z.object({
    id: z.string(),
    hash: z.string(),
    private_metadata: z.string(),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown()))) }),
  }),
});

export function parseNaSwitchClick(body: unknown, action: unknown): NaSwitchClick {
  const b = parse(modalClick, body, 'modal');
  const a = parse(optionAction, action, 'change');
  const meta = readMetadata(MODAL_METADATA.na, b.view.private_metadata);
  return {
    userId: b.user.id,
    promotionId: meta.promotion,
    channelId: meta.channel,
    messageTs: undefined,
    sectionId: meta.section,
    viewId: b.view.id,
    hash: b.view.hash,
    change: a.selected_option.value === 'restore' ? 'restore' : 'mark',
    chosen: inputValue(b.view.state.values, INPUT.naItem) ?? undefined,
  };
}

/**
 * A click on an approval's Approve or Reject (value `<promotion>|<approval id>`), in the overview or elsewhere (App
 * Home has no channel: a refusal is then answered by direct message). The receipt key is made of the user, the
 * action's `action_ts` and its block id, so the same click delivered twice is applied once.
 */
export interface ApprovalClick extends ClickTarget {
  approvalId: string;
  blockId: string;
  actionTs: string;
  triggerId: string | undefined;
}

const buttonAction = z.object({ value: z.string(), block_id: z.string(), action_ts: actionTs });

function clickTarget(body: unknown, promotionId: string): ClickTarget {
  const b = parse(blockActionBase, body, 'click');
  return { userId: b.user.id, promotionId, channelId: b.channel?.id ?? b.container?.channel_id ?? '', messageTs: b.message?.ts ?? b.container?.message_ts };
}

export function parseApprovalClick(body: unknown, action: unknown): ApprovalClick {
  const a = parse(buttonAction, action, 'approval button');
  const ref = parseRefValue(a.value);
  if (!ref) throw new BadPayload('approval button value');
  const triggerId = parse(blockActionBase, body, 'click').trigger_id;
  return { ...clickTarget(body, ref.promotionId), approvalId: ref.id, blockId: a.block_id, actionTs: a.action_ts, triggerId };
}

/** "Withdraw my decision" in an approval's menu: the block names the promotion and the approval, the option the approval. */
export function parseWithdrawClick(body: unknown, action: unknown): ApprovalClick {
  const a = parse(selectAction, action, 'approval menu');
  const ref = parseApprovalBlockId(a.block_id);
  if (!ref || ref.approvalId !== a.selected_option.value) throw new BadPayload('approval menu');
  return { ...clickTarget(body, ref.promotionId), approvalId: ref.approvalId, blockId: a.block_id, actionTs: a.action_ts, triggerId: undefined };
}

/** GO, NO-GO or Complete: the value is the promotion id. */
export interface DecisionClick extends ClickTarget {
  blockId: string;
  actionTs: string;
  triggerId: string | undefined;
}

export function parseDecisionClick(body: unknown, action: unknown): DecisionClick {
  const a = parse(buttonAction, action, 'decision button');
  if (!isPromotionId(a.value)) throw new BadPayload('decision button value');
  const triggerId = parse(blockActionBase, body, 'click').trigger_id;
  return { ...clickTarget(body, a.value), blockId: a.block_id, actionTs: a.action_ts, triggerId };
}

/** Run check (value: promotion|item) or Run all checks (value: promotion|section), with when Slack sent it. */
export interface ProbeClick extends ClickTarget {
  /** The item or the section. */
  id: string;
  blockId: string;
  actionTs: string;
}

const probeAction = z.object({ value: z.string(), block_id: z.string().default(''), action_ts: actionTs });

export function parseProbeClick(body: unknown, action: unknown): ProbeClick {
  const a = parse(probeAction, action, 'check button');
  const ref = parseRefValue(a.value);
  if (!ref) throw new BadPayload('check button value');
  return { ...target(body, ref.promotionId), id: ref.id, blockId: a.block_id, actionTs: a.action_ts };
}

/**
 * A decision point's Continue / Roll back (value: promotion|checkpoint reminder id). The post is a one-off thread reply,
 * not one of the checklist's live messages, so the click names no message to check.
 */
export interface CheckpointClick extends ClickTarget {
  checkpointId: string;
  blockId: string;
  actionTs: string;
  /** To open the rollback form (Roll back after GO). */
  triggerId: string | undefined;
}

export function parseCheckpointClick(body: unknown, action: unknown): CheckpointClick {
  const a = parse(buttonAction, action, 'decision point button');
  const ref = parseRefValue(a.value);
  if (!ref || !isPromotionId(ref.id)) throw new BadPayload('decision point button value');
  const triggerId = parse(blockActionBase, body, 'click').trigger_id;
  return { ...clickTarget(body, ref.promotionId), messageTs: undefined, checkpointId: ref.id, blockId: a.block_id, actionTs: a.action_ts, triggerId };
}

/**
 * A rollback button (Roll back… on the overview, Post update… / Rollback complete… on its panel or on the update
 * reminder, Acknowledge on a stakeholder channel's broadcast): the value is the promotion id. Some sit on one-off posts,
 * not on the checklist's live messages, so the click names no message to check.
 */
export interface RollbackClick extends ClickTarget {
  blockId: string;
  actionTs: string;
  triggerId: string | undefined;
}

export function parseRollbackClick(body: unknown, action: unknown): RollbackClick {
  const a = parse(buttonAction, action, 'rollback button');
  if (!isPromotionId(a.value)) throw new BadPayload('rollback button value');
  const triggerId = parse(blockActionBase, body, 'click').trigger_id;
  return { ...clickTarget(body, a.value), messageTs: undefined, blockId: a.block_id, actionTs: a.action_ts, triggerId };
}
