import { z } from 'zod';
import { durationSchema } from '../timeline.js';

/** Environment variable names only: templates never hold secret values. */
export const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name like PGHOST_PROD');

/**
 * Keys every probe takes: how long it may run, how old its last result may be when GO is pressed (the GO gate treats
 * an older or failed result as missing), and whether a pass still waits for a person to confirm it (tick the item).
 */
export const probeCommon = {
  timeout: durationSchema.optional(),
  max_age: durationSchema.optional(),
  confirm: z.boolean().default(false),
};
