import { z } from 'zod';
import { envName, probeCommon } from './common.js';

export const postgres = z
  .object({
    type: z.literal('postgres'),
    ...probeCommon,
    /** Name of the environment variable holding the connection string; never the string itself. */
    connection: envName,
    sql: z.string().min(1),
    expect: z
      .object({ rows: z.number().int().min(0).optional(), max_rows: z.number().int().min(0).optional() })
      .strict(),
  })
  .strict();


