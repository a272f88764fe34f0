import { z } from 'zod';
import { probeCommon } from './common.js';

export const http = z
  .object({
    type: z.literal('http'),
    ...probeCommon,
    url: z.string().url(),
    expect_status: z.number().int().min(100).max(599).default(200),
  })
  .strict();


