import { z } from 'zod';
import { envName, probeCommon } from './common.js';

export const env = z
  .object({
    type: z.literal('env'),
    ...probeCommon,
    /** The names must be set (and non-empty); their values are never read into evidence. */
    names: z.array(envName).min(1),
  })
  .strict();


