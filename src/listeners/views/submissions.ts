import { z } from 'zod';
import { BadPayload, InputError } from '../../errors.js';
import { INPUT } from '../../ids.js';
import { readMetadata } from '../../slack/modal-metadata.js';

/** `state.values` of a submitted modal: block_id → action_id → the element's state. */
export type ViewValues = Record<string, Record<string, Record<string, unknown>>>;

const viewBody = z.object({
  user: z.object({ id: z.string() }),
  view: z.object({
    id: z.string().optional(),
    private_metadata: z.string(),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown()))) }),
  }),
});

/** A submitted modal: who submitted it, its metadata read with the modal's own schema, and its inputs. */
export interface Submission<M> {
  userId: string;
  metadata: M;
  values: ViewValues;
  /** The modal's id: with the user, it names a submission, so one delivered twice is applied once. */
  viewId: string | undefined;
}

export function parseSubmission<M>(schema: z.ZodType<M, unknown>, body: unknown): Submission<M> {
  const b = viewBody.safeParse(body);
  if (!b.success) throw new BadPayload('form');
  return { userId: b.data.user.id, metadata: readMetadata(schema, b.data.view.private_metadata), values: b.data.view.state.values, viewId: b.data.view.id };
}

/**
 * One input's raw value, whichever element carried it (text, date-time, date, user, select, radio). Slack sends a
 * string, or a number for a date-time; any other type (an array, an object, a boolean, a number for text) is refused,
 * never turned into a string that could pass as a value (`['abc1234']` is not the SHA `abc1234`).
 */
export function inputValue(values: ViewValues, blockId: string): string | null {
  const v = values[blockId]?.[INPUT.value];
  if (!v) return null;
  const raw = v['value'] ?? v['selected_date_time'] ?? v['selected_date'] ?? v['selected_user'] ?? (v['selected_option'] as { value?: unknown } | null)?.value;
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw) && raw === v['selected_date_time']) return String(raw);
  throw new BadPayload('form');
}

/**
 * A free-text input's value, refused beside the input when it is longer than the modal's `max_length` (Slack never
 * sends more; what renders it, blocks/layout.ts, counts on that bound).
 */
export function textValue(values: ViewValues, blockId: string, max: number): string | null {
  const value = inputValue(values, blockId);
  if (value !== null && [...value].length > max) throw new InputError(blockId, `Keep it to ${max} characters; nothing was recorded.`, 'too_long');
  return value;
}
