import { z } from 'zod';
import { UserError } from '../errors.js';
import { INPUT } from '../ids.js';
import { FIELD_TYPES } from '../domain/template.js';
import type { FieldModalMeta, NaModalMeta } from '../../blocks/modals.js';

/**
 * Every piece of an interaction payload the listeners use, parsed in one place. A payload that does not
 * have the shape Slack sends is refused with a clear message and nothing is written.
 */
const option = z.object({ value: z.string() });
const message = z.object({ ts: z.string(), blocks: z.array(z.record(z.string(), z.unknown())).default([]) });

const blockActionBase = z.object({
  user: z.object({ id: z.string() }),
  team: z.object({ id: z.string() }).nullish(),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
  trigger_id: z.string().optional(),
  message: message.optional(),
});

export class BadPayload extends UserError {
  constructor(what: string) {
    super(`Slack sent something I could not read (${what}); nothing was changed. Please try again.`, 'bad_payload');
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new BadPayload(what);
  return r.data;
}

export interface CheckboxClick {
  userId: string;
  channelId: string;
  messageTs: string;
  blockId: string;
  actionTs: string;
  selected: string[];
  /** What the clicker's client showed ticked before this click. */
  shown: string[];
}

const checkboxAction = z.object({
  block_id: z.string(),
  action_ts: z.string(),
  selected_options: z.array(option).default([]),
});

/** The element's `initial_options` in the message as the clicker's client had it. */
function shownSelection(blocks: Array<Record<string, unknown>>, blockId: string): string[] | undefined {
  const block = blocks.find((b) => b['block_id'] === blockId);
  if (!block) return undefined;
  const elements = (block['elements'] as unknown[] | undefined) ?? (block['accessory'] ? [block['accessory']] : []);
  const element = elements.find((e) => (e as { type?: string } | null)?.type === 'checkboxes') as { initial_options?: unknown } | undefined;
  if (!element) return undefined;
  return parse(z.array(option).default([]), element.initial_options, 'checkbox options').map((o) => o.value);
}

export function parseCheckboxClick(body: unknown, action: unknown): CheckboxClick {
  const b = parse(blockActionBase, body, 'click');
  const a = parse(checkboxAction, action, 'checkbox action');
  if (!b.message) throw new BadPayload('no message');
  const shown = shownSelection(b.message.blocks, a.block_id);
  if (!shown) {
    throw new UserError('The checklist changed while you were looking, so your click was not applied. Tick it again on the updated message.', 'stale_view');
  }
  const channelId = b.channel?.id ?? b.container?.channel_id;
  if (!channelId) throw new BadPayload('no channel');
  return {
    userId: b.user.id,
    channelId,
    messageTs: b.message.ts,
    blockId: a.block_id,
    actionTs: a.action_ts,
    selected: a.selected_options.map((o) => o.value),
    shown,
  };
}

export function parseSelectClick(
  body: unknown,
  action: unknown,
): { userId: string; channelId: string; messageTs: string; blockId: string; actionTs: string; value: string } {
  const b = parse(blockActionBase, body, 'click');
  const a = parse(z.object({ block_id: z.string(), action_ts: z.string(), selected_option: option }), action, 'selection');
  const channelId = b.channel?.id ?? b.container?.channel_id;
  const messageTs = b.message?.ts ?? b.container?.message_ts;
  if (!channelId || !messageTs) throw new BadPayload('no channel or message');
  return { userId: b.user.id, channelId, messageTs, blockId: a.block_id, actionTs: a.action_ts, value: a.selected_option.value };
}

export function parseButtonClick(body: unknown, action: unknown): { userId: string; channelId: string; triggerId: string; value: string } {
  const b = parse(blockActionBase, body, 'click');
  const a = parse(z.object({ value: z.string() }), action, 'button');
  const channelId = b.channel?.id ?? b.container?.channel_id;
  if (!channelId || !b.trigger_id) throw new BadPayload('no channel or trigger');
  return { userId: b.user.id, channelId, triggerId: b.trigger_id, value: a.value };
}

const fieldMeta: z.ZodType<FieldModalMeta> = z.object({
  p: z.string().uuid(),
  i: z.string(),
  c: z.string(),
  spec: z.object({
    type: z.enum(FIELD_TYPES),
    pattern: z.string().optional(),
    unit: z.string().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    placeholder: z.string().optional(),
  }),
});
const naMeta: z.ZodType<NaModalMeta> = z.object({ p: z.string().uuid(), s: z.string(), c: z.string() });

function metadata<T>(schema: z.ZodType<T>, raw: unknown): T {
  let json: unknown;
  try {
    json = JSON.parse(String(raw));
  } catch {
    throw new BadPayload('modal metadata');
  }
  return parse(schema, json, 'modal metadata');
}

const viewBody = z.object({
  user: z.object({ id: z.string() }),
  view: z.object({
    private_metadata: z.string(),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown()))) }),
  }),
});

/** The one input's raw value, whichever element carried it. */
function inputValue(values: Record<string, Record<string, Record<string, unknown>>>, blockId: string): string | null {
  const v = values[blockId]?.[INPUT.value];
  if (!v) return null;
  const raw = v['value'] ?? v['selected_date_time'] ?? v['selected_user'] ?? (v['selected_option'] as { value?: unknown } | null)?.value;
  return raw === undefined || raw === null ? null : String(raw);
}

export function parseFieldSubmission(body: unknown): { userId: string; meta: FieldModalMeta; raw: string | null } {
  const b = parse(viewBody, body, 'form');
  return { userId: b.user.id, meta: metadata(fieldMeta, b.view.private_metadata), raw: inputValue(b.view.state.values, INPUT.fieldValue) };
}

export function parseNaSubmission(body: unknown): {
  userId: string;
  meta: NaModalMeta;
  itemId: string | null;
  action: 'mark' | 'restore';
  reason: string | null;
} {
  const b = parse(viewBody, body, 'form');
  const values = b.view.state.values;
  const action = inputValue(values, INPUT.naAction) === 'restore' ? 'restore' : 'mark';
  return { userId: b.user.id, meta: metadata(naMeta, b.view.private_metadata), itemId: inputValue(values, INPUT.naItem), action, reason: inputValue(values, INPUT.naReason) };
}
