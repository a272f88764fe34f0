/**
 * A deadline for one outgoing call (GitHub, Statuspage): a signal that aborts after `ms`, or as soon as `parent`
 * aborts (the process is stopping).
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
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms);
  const onParentAbort = () => controller.abort(parent!.reason);
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

/** Run `call` with a deadline of `ms` (and `parent`), releasing it once the call settles. */
export async function withDeadline<T>(ms: number, parent: AbortSignal | undefined, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const d = deadline(ms, parent);
  try {
    return await call(d.signal);
  } finally {
    d.release();
  }
}
