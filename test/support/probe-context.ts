import { createLogger } from '../../src/logger.js';
import { probeSpecSchema, type ProbeOf, type ProbeType } from '../../src/domain/template/probes.js';
import type { ProbeContext } from '../../src/probes/types.js';

/** A probe's settings as the template loader gives them (defaults filled in), narrowed to its type. */
export function specOf<T extends ProbeType>(type: T, settings: Record<string, unknown>): ProbeOf<T> {
  return probeSpecSchema.parse({ type, ...settings }) as ProbeOf<T>;
}

/** What the runner gives a family: a signal that aborts after `timeoutMs` (or the caller's), the environment, clients. */
export function probeContext(over: Partial<ProbeContext> = {}): ProbeContext {
  const timeoutMs = over.timeoutMs ?? 5_000;
  return {
    signal: AbortSignal.timeout(timeoutMs),
    timeoutMs,
    env: {},
    github: undefined,
    cloudwatch: undefined,
    now: new Date(),
    release: 'v1.50',
    window: null,
    log: createLogger('silent'),
    ...over,
  };
}
