import { z } from 'zod';
import { readDuration } from '../../offsets.js';
import { durationSchema } from '../timeline.js';
import { probeCommon } from './common.js';

const ms = (text: string): number => {
  const reading = readDuration(text);
  return reading.ok ? reading.ms : NaN;
};

/** CloudWatch's statistics, and any percentile (`p95`, `p99`, `p99.9`): percentiles need raw data points. */
const statistic = z.union([
  z.enum(['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount']),
  z.string().regex(/^p(\d{1,2}(\.\d{1,2})?|100)$/, 'must be Average, Sum, Minimum, Maximum, SampleCount or a percentile like p95, p99'),
]);

/**
 * A metric's statistic, per `period`, over the last `window`, through GetMetricData: every period's value must meet
 * the threshold (the worst one is reported). With no data points at all, `missing_data` decides (default fail: a
 * dimension typo also gives no data).
 */
export const cloudwatch = z
  .object({
    type: z.literal('cloudwatch'),
    ...probeCommon,
    namespace: z.string().min(1).max(255),
    metric: z.string().min(1).max(255),
    dimensions: z.record(z.string().min(1).max(255), z.string().min(1).max(1024)).optional(),
    statistic: statistic.default('Average'),
    period: durationSchema.default('5m'),
    window: durationSchema.default('15m'),
    threshold: z.object({ op: z.enum(['<', '<=', '>', '>=']), value: z.number() }).strict(),
    missing_data: z.enum(['fail', 'pass']).default('fail'),
  })
  .strict()
  .refine((p) => !(ms(p.window) < ms(p.period)), { message: 'must be at least the period', path: ['window'] })
  .refine((p) => !(ms(p.window) > 455 * 86_400_000), { message: 'must be at most 455d (CloudWatch keeps metrics 15 months)', path: ['window'] });

/**
 * Alarms whose names start with `prefix`, metric and composite alike. Without `during` or `since`: none is in ALARM now
 * (DescribeAlarms). With `during: window`: none was in ALARM at any moment of the promotion's maintenance window (up to
 * now, when it is still open), through DescribeAlarmHistory; a promotion with no window scheduled falls back to the
 * last `since` when given, and is an error otherwise. With `since` alone: the last `since`, up to now.
 */
export const cloudwatchAlarms = z
  .object({
    type: z.literal('cloudwatch-alarms'),
    ...probeCommon,
    prefix: z.string().min(1).max(255),
    expect: z.enum(['OK']).default('OK'),
    during: z.enum(['window']).optional(),
    since: durationSchema.optional(),
  })
  .strict();
