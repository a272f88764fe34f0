import { z } from 'zod';
import { BadPayload } from '../../errors.js';
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

/** One input's raw value, whichever element carried it (text, date-time, date, user, select, radio). */
export function inputValue(values: ViewValues, blockId: string): string | null {
  const v = values[blockId]?.[INPUT.value];
  if (!v) return null;
  const raw = v['value'] ?? v['selected_date_time'] ?? v['selected_date'] ?? v['selected_user'] ?? (v['selected_option'] as { value?: unknown } | null)?.value;
  return raw === undefined || raw === null ? null : String(raw);
}
