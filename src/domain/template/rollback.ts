import { z } from 'zod';
import { slugSchema } from '../names.js';
import { durationSchema } from './timeline.js';

/**
 * One way back (the seeds list several: an immediate restore, a partial rollback of specific migrations or flags, the
 * previous task definition, CodeDeploy's rollback): its label, and the on-rollback sections that hold its steps.
 */
const pathSchema = z
  .object({
    id: slugSchema,
    label: z.string().min(1).max(75),
    sections: z.array(slugSchema).min(1).max(10),
  })
  .strict();

export const rollbackSchema = z
  .object({
    /**
     * Sent as written when a rollback starts, so nobody composes it under pressure. `[ISSUE]` in the body is replaced by
     * what went wrong, and the bracketed text after `Impact:`, `ETA:` and `Action Required:` by what the lead writes.
     */
    communication: z.object({ subject: z.string().min(1).max(150), body: z.string().min(1).max(2900) }).strict(),
    /** How often the lead is reminded to post an update until the rollback is declared complete. */
    update_every: durationSchema.default('15m'),
    paths: z.array(pathSchema).max(10).default([]),
    /** Who may start, update and complete a rollback: by default the requester, the decider and the `on-call` role. */
    may: z.array(slugSchema).optional(),
    /** Roles mentioned when a rollback starts (on-call, escalation contacts). */
    contacts: z.array(slugSchema).default([]),
    /** Stakeholders whose acknowledgement of the broadcast the lead waits for. */
    acknowledge: z.array(slugSchema).default([]),
  })
  .strict()
  .optional();

export const announceSchema = z
  .object({ channels: z.array(z.string().regex(/^[CG][A-Z0-9]{2,}$/)).default([]) })
  .strict()
  .optional();
