import { cloudwatchAlarmsFamily, cloudwatchFamily } from './cloudwatch.js';
import { envFamily } from './env.js';
import { githubFamily } from './github.js';
import { httpFamily } from './http.js';
import { postgresFamily } from './postgres.js';
import type { ProbeFamilies } from './types.js';

/**
 * Every probe family, by type (one file each in this folder, each exporting a `ProbeFamily`). The type is exhaustive:
 * a probe type added to the template's union (src/domain/template/probes.ts) without its family here fails typecheck.
 */
export const FAMILIES: ProbeFamilies = {
  'github-actions': githubFamily,
  postgres: postgresFamily,
  http: httpFamily,
  cloudwatch: cloudwatchFamily,
  'cloudwatch-alarms': cloudwatchAlarmsFamily,
  env: envFamily,
};
