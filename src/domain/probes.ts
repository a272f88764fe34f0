import { parseDuration } from './offsets.js';
import type { Item } from './template.js';

/**
 * Probe runs as the checklist and the GO gate see them (stored in `probe_runs`, src/store/probe-runs.ts; run by
 * src/probes/runner.ts). Pure: what an item's probe shows, and whether its evidence is fresh enough for GO.
 */
export type ProbeRunStatus = 'running' | 'pass' | 'fail' | 'error' | 'interrupted';

export interface ProbeRunView {
  id: string;
  itemId: string;
  status: ProbeRunStatus;
  /** The one line for the item (never a secret: scrubbed by the runner). Null while running. */
  summary: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  by: string;
}

/** An item's probe: its latest run (maybe still running), and its latest finished run (the result GO looks at). */
export interface ItemProbe {
  latest: ProbeRunView;
  result: ProbeRunView | null;
}

/** How long a probe may run when its template says nothing (`timeout`). */
export const DEFAULT_PROBE_TIMEOUT_MS = 30_000;

export function probeTimeoutMs(item: Item): number {
  return item.probe?.timeout ? parseDuration(item.probe.timeout) : DEFAULT_PROBE_TIMEOUT_MS;
}

/** The longest summary an item shows (the thread reply has the details). */
export const PROBE_SUMMARY_MAX = 300;

/**
 * Why the item's probe evidence does not let GO through, or null when it does. A probe with `max_age` needs a pass no
 * older than that at `now` (never run, or only running, is missing). Any probe whose last result is not a pass (fail,
 * error, interrupted, a placeholder that could not run) is missing: re-run it. A probe without `max_age` that was never
 * run leaves the item to its tick: a person may attest by hand what the bot could not check.
 */
export function staleProbe(item: Item, probe: ItemProbe | undefined, now: Date): string | null {
  if (!item.probe) return null;
  const result = probe?.result;
  if (!result) {
    if (!item.probe.max_age) return null;
    return probe?.latest.status === 'running' ? 'still running, with no result yet' : `not run in the last ${item.probe.max_age}`;
  }
  if (result.status !== 'pass') return `last result: ${result.status}`;
  if (item.probe.max_age) {
    const at = result.finishedAt ?? result.startedAt;
    if (now.getTime() - at.getTime() > parseDuration(item.probe.max_age)) return `last pass older than ${item.probe.max_age}`;
  }
  return null;
}

/** "1.2 s", "340 ms", "2 min 5 s": how long a run took. */
export function formatRunDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}
