import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The time a rate budget runs on: where it reads the time and how it waits. Production uses the wall clock
 * (`REAL_TIMER`); tests and the playground use a virtual one (src/playground/virtual-time.ts) shared with the fake
 * Slack's rate limits, so that waiting out a budget never sleeps on wall-clock time.
 */
export interface RateTimer {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` by this timer (or at once when `signal` aborts). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const REAL_TIMER: RateTimer = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined),
};

/** A token bucket: up to `burst` calls at once, refilled at `perMinute` calls a minute. */
export interface BucketLimit {
  perMinute: number;
  burst: number;
}

/**
 * Slack's Tier 3 (chat.update): 50 a minute per workspace. The burst is kept small (Slack publishes none), so that
 * a burst of clicks spends only a few seconds' worth ahead of the steady rate.
 */
export const DEFAULT_UPDATES_PER_MINUTE = 50;
export const UPDATE_BURST = 5;
/**
 * conversations.history / conversations.replies (the outbox's look-up of a post whose outcome is unknown, see
 * outbox.ts): since 2025-05-29 Slack gives apps distributed outside the Slack Marketplace 1 request a minute for each,
 * with at most 15 messages a page (existing installs followed in 2026). Internal and Marketplace apps keep Tier 3;
 * such an install may raise it (PublisherDeps.historyReadsPerMinute). One budget per process for both methods: a
 * look-up is rare (only after a post whose answer never came), so sharing costs nothing, and with two replicas each
 * spending 1 a minute the odd 429 is waited out (Retry-After).
 */
export const DEFAULT_HISTORY_READS_PER_MINUTE = 1;

/** chat.postMessage: about one a second per channel, short bursts allowed. */
export const POSTS_PER_CHANNEL: BucketLimit = Object.freeze({ perMinute: 60, burst: 3 });

/**
 * One rate budget (a token bucket) in this process. Callers queue in arrival order; `take` resolves when the caller
 * may make one call, and calls `onWait` first when it has to wait (the publisher hands its waiters' state to the
 * queue then, see publisher.ts). `pauseUntil` honours a Retry-After: no token is handed out before then.
 *
 * Per process, deliberately: a budget shared by replicas would need a database round trip per Slack call and the
 * database's clock, and a 429 is harmless (the publisher honours Retry-After and renders the message later). With
 * N replicas, set SLACK_UPDATES_PER_MINUTE to Slack's limit divided by N (see README): the render lease already
 * keeps one promotion's renders on one replica at a time.
 */
export class RateBudget {
  private tokens: number;
  private at: number;
  private pausedUntil = 0;
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly limit: BucketLimit,
    private readonly timer: () => RateTimer,
  ) {
    if (!(limit.perMinute > 0 && limit.burst >= 1)) throw new Error('a rate budget needs perMinute > 0 and burst >= 1');
    this.tokens = limit.burst;
    this.at = timer().now();
  }

  /** Callers waiting for a token right now (tests, metrics). */
  get waiting(): number {
    return this.queued;
  }

  /** Resolves once one call may be made (false when `signal` aborted first: make no call). */
  async take(onWait?: () => void, signal?: AbortSignal): Promise<boolean> {
    const before = this.tail;
    let done!: () => void;
    this.tail = new Promise<void>((resolve) => (done = resolve));
    this.queued++;
    try {
      await before;
      let told = false;
      for (;;) {
        if (signal?.aborted) return false;
        const now = this.refill();
        const wait = Math.max(this.pausedUntil - now, this.tokens >= 1 - 1e-9 ? 0 : ((1 - this.tokens) * 60_000) / this.limit.perMinute);
        if (wait <= 0) {
          this.tokens = Math.max(0, this.tokens - 1);
          return true;
        }
        if (!told) {
          told = true;
          onWait?.();
        }
        await this.timer().sleep(Math.ceil(wait), signal);
      }
    } finally {
      this.queued--;
      done();
    }
  }

  /** Now, by this budget's time: pass it to `answered` once the call it was taken for has been answered. */
  now(): number {
    return this.timer().now();
  }

  /**
   * The call a token was taken for at `takenAt` has been answered. Slack counted it somewhere in between, perhaps
   * only at the end: the refill this budget credited over the call's latency is taken back, so that a slow call
   * (a first connection, a busy event loop) cannot leave this bucket ahead of Slack's and earn a 429.
   */
  answered(takenAt: number): void {
    const now = this.refill();
    const latency = Math.max(0, now - takenAt);
    this.tokens = Math.max(-1, this.tokens - (latency * this.limit.perMinute) / 60_000);
  }

  /** A token taken but not spent (the message turned out to show the state already). */
  refund(): void {
    this.tokens = Math.min(this.limit.burst, this.tokens + 1);
  }

  /** Slack answered 429: hand out nothing before `retryAfterMs` from now, and start again from an empty bucket. */
  pauseFor(retryAfterMs: number): void {
    const now = this.refill();
    this.pausedUntil = Math.max(this.pausedUntil, now + retryAfterMs);
    this.tokens = 0;
    this.at = this.pausedUntil;
  }

  private refill(): number {
    const now = this.timer().now();
    if (now > this.at) {
      this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.at) * this.limit.perMinute) / 60_000);
      this.at = now;
    }
    return now;
  }
}
