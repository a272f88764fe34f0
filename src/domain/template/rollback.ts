import { z } from 'zod';
import { durationSchema } from './timeline.js';

export const rollbackSchema = z
  .object({
    /** Sent as written when a rollback starts, so nobody composes it under pressure. */
    communication: z.object({ subject: z.string().min(1).max(150), body: z.string().min(1).max(2900) }).strict(),
    update_every: durationSchema.default('15m'),
  })
  .strict()
  .optional();

export const announceSchema = z
  .object({ channels: z.array(z.string().regex(/^[CG][A-Z0-9]{2,}$/)).default([]) })
  .strict()
  .optional();
