import { z } from 'zod';
import { slugSchema } from '../names.js';
import { durationSchema } from './timeline.js';

/** Environment variable names only: templates never hold secret values. */
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name like PGHOST_PROD');

const githubActions = z
  .object({
    type: z.literal('github-actions'),
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name').optional(),
    workflow: z.string().min(1),
    branch: z.string().min(1).default('main'),
    /** Field item ids that receive the run id and head SHA as evidence. */
    records: z.object({ run_id: slugSchema.optional(), sha: slugSchema.optional() }).strict().optional(),
  })
  .strict();

const postgres = z
  .object({
    type: z.literal('postgres'),
    /** Name of the environment variable holding the connection string; never the string itself. */
    connection: envName,
    sql: z.string().min(1),
    expect: z
      .object({ rows: z.number().int().min(0).optional(), max_rows: z.number().int().min(0).optional() })
      .strict(),
    timeout: durationSchema.default('5m').optional(),
  })
  .strict();

const http = z
  .object({
    type: z.literal('http'),
    url: z.string().url(),
    expect_status: z.number().int().min(100).max(599).default(200),
  })
  .strict();

const cloudwatch = z
  .object({
    type: z.literal('cloudwatch'),
    namespace: z.string().min(1),
    metric: z.string().min(1),
    dimensions: z.record(z.string(), z.string()).optional(),
    statistic: z.enum(['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount', 'p95', 'p99']).default('Average'),
    period: durationSchema.default('5m'),
    window: durationSchema.default('15m'),
    threshold: z.object({ op: z.enum(['<', '<=', '>', '>=']), value: z.number() }).strict(),
  })
  .strict();

const cloudwatchAlarms = z
  .object({
    type: z.literal('cloudwatch-alarms'),
    prefix: z.string().min(1),
    expect: z.enum(['OK']).default('OK'),
  })
  .strict();

const env = z
  .object({
    type: z.literal('env'),
    /** The names must be set (and non-empty); their values are never read into evidence. */
    names: z.array(envName).min(1),
  })
  .strict();

/** Read-only verification probes. Their runner arrives with a later capability; the specs are validated now. */
export const probeSpecSchema = z.discriminatedUnion('type', [githubActions, postgres, http, cloudwatch, cloudwatchAlarms, env]);
export type ProbeSpec = z.infer<typeof probeSpecSchema>;
