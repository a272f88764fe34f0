import type { Octokit } from '@octokit/rest';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Logger } from '../logger.js';
import type { ProbeOf, ProbeType } from '../domain/template/probes.js';

/**
 * The contract between the probe runner (./runner.ts: timeouts, one run at a time, secrets scrubbed, evidence stored)
 * and the probe families (one file each: ./github.ts, ./postgres.ts, ./http.ts, ./cloudwatch.ts, ./env.ts),
 * registered in ./registry.ts. A family only asks its target and says what it found.
 */

/** What a probe found: pass, fail (the target answered, and it is not as expected), or error (no answer). */
export type ProbeStatus = 'pass' | 'fail' | 'error';

/** The details, posted in the item's thread and kept for the report. Never a secret value. */
export interface Evidence {
  /** Plain lines: what was asked and what came back (a run's conclusion, a status code, an alarm's state). */
  lines: string[];
  /** Rows a query returned (at most ROWS_KEPT, the rest counted in `lines`). */
  rows?: Array<Record<string, string | number | boolean | null>>;
  /** Links: the run, the dashboard, the endpoint. */
  links?: Array<{ label: string; url: string }>;
  /** Metric values against their threshold. */
  metrics?: Array<{ name: string; value: number | null; threshold?: string }>;
}

/** The most rows a probe keeps as evidence. */
export const ROWS_KEPT = 20;

export interface ProbeOutcome {
  status: ProbeStatus;
  /** One line for the item: "run 123 on main succeeded", "2 queries over 5 min", "503 in 120 ms". */
  summary: string;
  evidence: Evidence;
  /** Values for the template's fields (e.g. a GitHub run's id and head SHA into `records`' items): item id -> value. */
  records?: Record<string, string>;
}

/** What a family gets besides its spec. */
export interface ProbeContext {
  /** Aborted when the probe's timeout passes (or the process stops): stop asking, and return or throw. */
  signal: AbortSignal;
  timeoutMs: number;
  /** The bot's own environment (connection strings are read from it by name; never put into evidence). */
  env: Readonly<Record<string, string | undefined>>;
  /** Present when GITHUB_TOKEN is set. */
  github: Octokit | undefined;
  cloudwatch: CloudWatchClient | undefined;
  now: Date;
  /** The promotion's release, and its maintenance window when scheduled (e.g. "no alarm during the deployment"). */
  release: string;
  window: { start: Date; end: Date } | null;
  log: Logger;
}

export interface ProbeFamily<T extends ProbeType> {
  type: T;
  run(spec: ProbeOf<T>, ctx: ProbeContext): Promise<ProbeOutcome>;
  /** The template keys still holding a placeholder (example.com, REPLACE_ME...): the probe does not run, and says which. */
  placeholders(spec: ProbeOf<T>): Array<{ key: string; value: string }>;
  /**
   * The secret values this probe could meet (the connection string it reads, a token): the runner strips them, and
   * the parts of a connection string (password, user, host), from evidence and errors, whatever the driver says.
   */
  secrets(spec: ProbeOf<T>, ctx: ProbeContext): string[];
}

/** Every family, by type: the mapped type makes the registry exhaustive (a new type without a family fails typecheck). */
export type ProbeFamilies = { [T in ProbeType]: ProbeFamily<T> };
