/**
 * Virtual time for the local stack: the fake Slack's clock (rate limit buckets, trigger_id and response_url expiry)
 * and the bots' rate budgets (src/slack/rate-budget.ts) read it, so waiting out Slack's limits never sleeps on
 * wall-clock time.
 *
 * `auto` (the stack's default): time runs with the wall clock, and whoever waits moves it forward to the end of the
 * wait at once; a burst that must wait a minute for its budget takes milliseconds. `manual`: time stands still
 * until the test calls `advance`, and waits end only then, so a test can say exactly how much time went by.
 */
import type { RateTimer } from '../slack/rate-budget.js';

export class VirtualTime implements RateTimer {
  private offset = 0;
  private frozenAt: number;
  private readonly sleepers = new Set<{ until: number; wake: () => void }>();

  constructor(
    readonly mode: 'auto' | 'manual' = 'auto',
    start = Date.now(),
  ) {
    this.frozenAt = start;
  }

  now = (): number => (this.mode === 'auto' ? Date.now() + this.offset : this.frozenAt);

  /** Epoch ms as a Date (for a bot's injected clock). */
  date = (): Date => new Date(this.now());

  sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (this.mode === 'auto') {
      this.offset = Math.max(this.offset, this.now() + Math.max(0, ms) - Date.now());
      return new Promise((resolve) => setImmediate(resolve));
    }
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper = {
        until: this.now() + ms,
        wake: () => {
          this.sleepers.delete(sleeper);
          signal?.removeEventListener('abort', sleeper.wake);
          resolve();
        },
      };
      this.sleepers.add(sleeper);
      signal?.addEventListener('abort', sleeper.wake, { once: true });
    });
  };

  /** Move time forward by `ms` and end every wait that is over by then. */
  advance(ms: number): void {
    if (this.mode === 'auto') this.offset += ms;
    else this.frozenAt += ms;
    const now = this.now();
    for (const s of [...this.sleepers]) if (s.until <= now) s.wake();
  }

  /** Move time forward to the end of the earliest wait in progress (manual mode); false when nobody waits. */
  advanceToNext(): boolean {
    if (this.sleepers.size === 0) return false;
    const until = Math.min(...[...this.sleepers].map((s) => s.until));
    this.advance(Math.max(0, until - this.now()));
    return true;
  }

  /** Waits in progress (manual mode). */
  get waiting(): number {
    return this.sleepers.size;
  }
}
