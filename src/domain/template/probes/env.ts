import { z } from 'zod';
import { envName, probeCommon } from './common.js';

/**
 * Variables of the bot's own environment are set (and not empty). Only set or unset is reported, never a value. A
 * workflow's secrets are not the bot's environment: `github-actions` with `check: environment-secrets` looks at those.
 */
export const env = z
  .object({
    type: z.literal('env'),
    ...probeCommon,
    names: z.array(envName).min(1),
  })
  .strict();
