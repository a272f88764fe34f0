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

/**
 * A decision point (the seeds' "T+2 min: are canary metrics healthy? YES - Continue / NO - Rollback"): the reminder
 * carries Continue and Roll back buttons for the decider, and is posted again, mentioning the decider and the
 * escalation contacts, when nobody has answered after `escalate_after`.
 */
const decisionSchema = z
  .object({
    /** The buttons' words (75 characters at most, a button's limit). */
    continue: z.string().min(1).max(60).default('Continue'),
    rollback: z.string().min(1).max(60).default('Roll back'),
    escalate_after: intervalSchema.default('5m'),
    /** Roles mentioned, beside the decider, when the decision point is escalated. */
    escalate_to: z.array(slugSchema).default([]),
    /** Items whose probes' latest results are shown with the question. */
    probes: z.array(slugSchema).max(10).default([]),
  })
  .strict();

const timelineEntrySchema = z
  .object({
    at: offsetSchema,
    say: z.string().min(1).max(2000),
    /** Roles to mention. */
    mention: z.array(slugSchema).default([]),
    /** Repeat every so often until the given offset, e.g. a runbook's hourly checks. */
    repeat: z.object({ every: intervalSchema, until: offsetSchema }).strict().optional(),
    /** The sections whose open items the reminder lists; by default every section open for work at the time. */
    sections: z.array(slugSchema).optional(),
    /** Also show it in the channel (a thread reply broadcast), not only in the checklist's thread. */
    channel: z.boolean().default(false),
    decision: decisionSchema.optional(),
  })
  .strict();

/**
 * A ramp step's hold (the ingest ramp's "10% → monitor 30 minutes → 50%"): once the step's item is ticked, the next
 * step waits `for` that long; the bot says when the hold is over and what to check (`checks`: items, with their
 * probes' latest results) before moving on.
 */
export const holdSchema = z
  .object({ for: intervalSchema, checks: z.array(slugSchema).max(10).default([]) })
  .strict()
  .optional();

export const timelineSchema = z.array(timelineEntrySchema).default([]);
