/**
 * A deadline for outgoing calls (GitHub, Statuspage): a signal that aborts after `ms`, or as soon as `parent` aborts
 * (the process is stopping).
 *
 * Why not `AbortSignal.any([parent, AbortSignal.timeout(ms)])`: on Node 20 (20.20 here) a signal made by
 * `AbortSignal.any` and handed to `fetch` can be garbage-collected while the request waits, and its abort then never
 * reaches the request: a call to a server that never answers hangs for good, holding its background pass (and, in
 * the gate sender, every later answer) with it (nodejs/node#55428 and undici#3644 describe the same weak link).
 * Here the timer's closure holds the controller, so the signal lives until the deadline fires or `release` is called;
 * test/unit/deadline.test.ts forces garbage collection while a call waits to keep it so.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** The call is over: stop the timer and stop listening to the parent (a long-lived parent would collect listeners). */
  release(): void;
}

export function deadline(ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent!.reason);
  const timer = setTimeout(() => {
    parent?.removeEventListener('abort', onParentAbort);
    controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError'));
  }, ms);
  // A call in progress keeps the process alive by its socket; the timer alone must not delay an exit.
  timer.unref();
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    release() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/**
 * Run `call` with a deadline of `ms` (and `parent`). It settles by the deadline whatever `call` does with the signal:
 * rejected with the signal's reason (a TimeoutError, or the parent's reason) if `call` has not settled by then.
 */
export async function withDeadline<T>(ms: number, parent: AbortSignal | undefined, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const d = deadline(ms, parent);
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(d.signal.reason);
    if (d.signal.aborted) onAbort();
    else d.signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined); // when `call` throws before the race is set, nobody else listens
  try {
    return await Promise.race([call(d.signal), aborted]);
  } finally {
    d.signal.removeEventListener('abort', onAbort);
    d.release();
  }
}

/**
 * `fetch` with a deadline of `ms` on every request, besides the caller's own signal: for a client that makes
 * requests of its own with no signal from the caller (Octokit's App authentication minting an installation token).
 * The deadline is not released when the answer's headers arrive, so it bounds reading the body too; its timer then
 * ends it (and stops listening to the caller's signal) at `ms`.
 */
export function fetchWithDeadline(ms: number, fetchImpl: typeof fetch = fetch): typeof fetch {
  return (input, init) => fetchImpl(input, { ...init, signal: deadline(ms, init?.signal ?? undefined).signal });
}
