import { z } from 'zod';
import { slugSchema } from '../names.js';
import { readDuration, readOffset, type Reading } from '../offsets.js';

/** Zod's view of the offset parser, so a template and the scheduler can never disagree on what `T-5m` means. */
function parsedBy(read: (text: string) => Reading) {
  return (text: string, ctx: z.RefinementCtx<string>) => {
    const reading = read(text);
    if (!reading.ok) ctx.addIssue({ code: 'custom', message: reading.error });
  };
}

/** An offset from T0, the planned start of the deployment, e.g. `T-24h`, `T0`, `T+2m`. */
export const offsetSchema = z.string().superRefine(parsedBy(readOffset));
export const durationSchema = z.string().superRefine(parsedBy(readDuration));

/** A repeat of every 0m would never reach its `until`. */
const intervalSchema = durationSchema.refine((text) => {
  const reading = readDuration(text);
  return !reading.ok || reading.ms > 0;
}, 'must be longer than 0m');

/** The maintenance window: how long it lasts, and when it opens relative to T0 (usually at T0, sometimes earlier). */
export const windowSchema = z
  .object({ duration: durationSchema.default('30m'), opens: offsetSchema.default('T0') })
  .strict()
  .default({ duration: '30m', opens: 'T0' });

const timelineEntrySchema = z
  .object({
    at: offsetSchema,
    say: z.string().min(1).max(2000),
    /** Roles to mention. */
    mention: z.array(slugSchema).default([]),
    /** Repeat every so often until the given offset, e.g. a runbook's hourly checks. */
    repeat: z.object({ every: intervalSchema, until: offsetSchema }).strict().optional(),
  })
  .strict();

export const timelineSchema = z.array(timelineEntrySchema).default([]);
