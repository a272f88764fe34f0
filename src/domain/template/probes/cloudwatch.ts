import { z } from 'zod';
import { durationSchema } from '../timeline.js';
import { probeCommon } from './common.js';

export const cloudwatch = z
  .object({
    type: z.literal('cloudwatch'),
    ...probeCommon,
    namespace: z.string().min(1),
    metric: z.string().min(1),
    dimensions: z.record(z.string(), z.string()).optional(),
    statistic: z.enum(['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount', 'p95', 'p99']).default('Average'),
    period: durationSchema.default('5m'),
    window: durationSchema.default('15m'),
    threshold: z.object({ op: z.enum(['<', '<=', '>', '>=']), value: z.number() }).strict(),
  })
  .strict();

export const cloudwatchAlarms = z
  .object({
    type: z.literal('cloudwatch-alarms'),
    ...probeCommon,
    prefix: z.string().min(1),
    expect: z.enum(['OK']).default('OK'),
  })
  .strict();


