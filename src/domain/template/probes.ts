import { z } from 'zod';
import { cloudwatch, cloudwatchAlarms } from './probes/cloudwatch.js';
import { env } from './probes/env.js';
import { githubActions } from './probes/github.js';
import { http } from './probes/http.js';
import { postgres } from './probes/postgres.js';

/**
 * Read-only verification probes, one file per family under ./probes/ (each family's keys, plus the keys every probe
 * takes: ./probes/common.ts). The runners are in src/probes/, one per family, registered in src/probes/registry.ts.
 */
export const probeSpecSchema = z.discriminatedUnion('type', [githubActions, postgres, http, cloudwatch, cloudwatchAlarms, env]);
export type ProbeSpec = z.infer<typeof probeSpecSchema>;
export type ProbeType = ProbeSpec['type'];
export type ProbeOf<T extends ProbeType> = Extract<ProbeSpec, { type: T }>;
