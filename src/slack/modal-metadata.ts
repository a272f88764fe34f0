import { z } from 'zod';
import { BadPayload } from '../errors.js';

/**
 * What each modal carries in `private_metadata` (3000 characters at most): ids only, never state. The
 * submission is checked against the promotion's stored template, once, in the service. One schema per modal,
 * used both to write the metadata and to read it back.
 */
const promotion = z.string().uuid();
/** Where the modal was opened from: a refusal after it closed is answered there, visible to the person only. */
const channel = z.string().min(1);

export const fieldModalMetadata = z.object({ promotion, item: z.string().min(1), channel }).strict();
export const naModalMetadata = z.object({ promotion, section: z.string().min(1), channel }).strict();
/** The assign modal: which section of which promotion (its items are read again when it is submitted). */
export const assignModalMetadata = z.object({ promotion, section: z.string().min(1), channel }).strict();

/** The reject modal: which approval of which promotion. */
export const rejectModalMetadata = z.object({ promotion, approval: z.string().min(1), channel }).strict();
/** The NO-GO modal: which promotion. */
export const noGoModalMetadata = z.object({ promotion, channel }).strict();

export type FieldModalMetadata = z.infer<typeof fieldModalMetadata>;
export type RejectModalMetadata = z.infer<typeof rejectModalMetadata>;
export type NoGoModalMetadata = z.infer<typeof noGoModalMetadata>;
/** The Schedule window modal: which promotion. */
export const scheduleModalMetadata = z.object({ promotion, channel }).strict();
export type ScheduleModalMetadata = z.infer<typeof scheduleModalMetadata>;
/** The rollback forms: which promotion, and for Roll back, the decision point that opened it if one did. */
export const rollbackModalMetadata = z.object({ promotion, channel, checkpoint: z.string().uuid().nullable().default(null) }).strict();
export type RollbackModalMetadata = z.infer<typeof rollbackModalMetadata>;
export type NaModalMetadata = z.infer<typeof naModalMetadata>;
export type AssignModalMetadata = z.infer<typeof assignModalMetadata>;

/**
 * Modals opened by an older version carried short keys (`p`, `i`, `s`, `c`, and a copy of the field spec).
 * Someone may have one open across an upgrade, so these are still read; the copied spec is ignored.
 */
const legacy = {
  field: z.object({ p: promotion, i: z.string().min(1), c: channel }).transform((m) => ({ promotion: m.p, item: m.i, channel: m.c })),
  na: z.object({ p: promotion, s: z.string().min(1), c: channel }).transform((m) => ({ promotion: m.p, section: m.s, channel: m.c })),
};

export const MODAL_METADATA = {
  field: z.union([fieldModalMetadata, legacy.field]),
  na: z.union([naModalMetadata, legacy.na]),
  assign: assignModalMetadata,
  reject: rejectModalMetadata,
  noGo: noGoModalMetadata,
  schedule: scheduleModalMetadata,
  rollback: rollbackModalMetadata,
};

export function writeMetadata<T>(schema: z.ZodType<T>, value: T): string {
  return JSON.stringify(schema.parse(value));
}

export function readMetadata<T>(schema: z.ZodType<T, unknown>, raw: string): T {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new BadPayload('modal metadata');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new BadPayload('modal metadata');
  return parsed.data;
}

/** The channel a modal was opened from, whatever the modal, or undefined when its metadata does not say. */
export function modalChannel(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const m = JSON.parse(raw) as { channel?: unknown; c?: unknown };
    const c = m.channel ?? m.c;
    return typeof c === 'string' ? c : undefined;
  } catch {
    return undefined;
  }
}
