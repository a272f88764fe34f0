import { setTimeout as sleep } from 'node:timers/promises';
import type { Queryable } from '../store/db.js';
import { adjustTokens, createBucket, pauseBucket, takeToken } from '../store/rate-budgets.js';

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
  /**
   * The time a budget shared through the database (`SharedBucket`) is counted on. true (the wall clock): the
   * database's own clock, the one clock replicas share (as render leases do); their own clocks may disagree by
   * seconds, and a replica running ahead would refill the shared bucket early. Otherwise (virtual time): `now()`,
   * passed to every statement. A virtual timer is one object that every bot of a local stack shares, so it is as
   * shared as the database's clock, and it is the clock the fake Slack counts its limits on; the database's clock
   * would be real time there, and a bucket on it would not refill while a test moves virtual time on past a wait.
   */
  readonly databaseClock?: boolean;
}

export const REAL_TIMER: RateTimer = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined),
  databaseClock: true,
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
 * such an install may raise it (PublisherDeps.historyReadsPerMinute). One budget for both methods, shared by the
 * replicas (the limit is per app): a look-up is rare (only after a post whose answer never came), so sharing it
 * between the two methods costs nothing.
 */
export const DEFAULT_HISTORY_READS_PER_MINUTE = 1;

/** chat.postMessage: about one a second per channel, short bursts allowed. */
export const POSTS_PER_CHANNEL: BucketLimit = Object.freeze({ perMinute: 60, burst: 3 });

/** What a bucket answers a taker: a token now, or how long until one may be there. */
export interface BucketAnswer {
  granted: boolean;
  /** When not granted: how long to sleep before asking again (by the budget's timer). */
  waitMs: number;
}

/** Where a budget's tokens are kept: in this process (`LocalBucket`) or in the database for every replica (`SharedBucket`). */
export interface TokenBucket {
  /** Take one token if there is one now (and no pause); otherwise say how long until there may be one. */
  take(): Promise<BucketAnswer>;
  /** Add `delta` tokens (negative: take some back), within [-1, burst]. */
  adjust(delta: number): Promise<void>;
  /** Hand out nothing for `ms`, then start again from an empty bucket. */
  pause(ms: number): Promise<void>;
}

/** Tokens within this of a whole one count as whole (refills are fractions of a token). */
const EPSILON = 1e-9;

/** How long until a bucket holding `tokens` has a whole one, at `perMinute`. */
function untilWhole(tokens: number, perMinute: number): number {
  return tokens >= 1 - EPSILON ? 0 : ((1 - tokens) * 60_000) / perMinute;
}

/** A token bucket in this process's memory, on the budget's timer. */
export class LocalBucket implements TokenBucket {
  private tokens: number;
  private at: number;
  private pausedUntil = 0;

  constructor(
    private readonly limit: BucketLimit,
    private readonly timer: () => RateTimer,
  ) {
    this.tokens = limit.burst;
    this.at = timer().now();
  }

  async take(): Promise<BucketAnswer> {
    const now = this.refill();
    const waitMs = Math.max(this.pausedUntil - now, untilWhole(this.tokens, this.limit.perMinute));
    if (waitMs > 0) return { granted: false, waitMs };
    this.tokens = Math.max(0, this.tokens - 1);
    return { granted: true, waitMs: 0 };
  }

  async adjust(delta: number): Promise<void> {
    this.refill();
    this.tokens = Math.max(-1, Math.min(this.limit.burst, this.tokens + delta));
  }

  async pause(ms: number): Promise<void> {
    const now = this.refill();
    this.pausedUntil = Math.max(this.pausedUntil, now + ms);
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

/** Where a shared budget's bucket is kept. */
export interface SharedBudgetOptions {
  db: Queryable;
  /** The bucket's row in `rate_budgets`: what Slack counts the limit per ('chat.update', 'chat.postMessage C123'...). */
  key: string;
}

/**
 * A token bucket in the database (`rate_budgets`, src/store/rate-budgets.ts), shared by every replica on it: each
 * take, refund and pause is one statement, timed by the database's clock (or by virtual time in tests, see
 * `RateTimer.databaseClock`). A taker that gets nothing is told how long until a token may be there and sleeps that
 * long before asking again: a waiting replica asks about once per token, never in a loop.
 */
export class SharedBucket implements TokenBucket {
  /** The row is known to exist (it is created full on first use). */
  private created = false;

  constructor(
    private readonly limit: BucketLimit,
    private readonly timer: () => RateTimer,
    private readonly shared: SharedBudgetOptions,
  ) {}

  async take(): Promise<BucketAnswer> {
    const { db, key } = this.shared;
    for (;;) {
      if (!this.created) {
        await createBucket(db, key, this.limit, this.at());
        this.created = true;
      }
      const answer = await takeToken(db, key, this.limit, this.at());
      // The row was deleted meanwhile (by hand): it is created again, full.
      if (!answer) {
        this.created = false;
        continue;
      }
      if (answer.granted) return { granted: true, waitMs: 0 };
      return { granted: false, waitMs: Math.max(answer.pausedMs, untilWhole(answer.tokens, this.limit.perMinute)) };
    }
  }

  async adjust(delta: number): Promise<void> {
    await adjustTokens(this.shared.db, this.shared.key, this.limit, delta, this.at());
  }

  async pause(ms: number): Promise<void> {
    await pauseBucket(this.shared.db, this.shared.key, ms, this.at());
  }

  /** The time a statement runs at: null for the database's clock. */
  private at(): Date | null {
    const timer = this.timer();
    return timer.databaseClock ? null : new Date(timer.now());
  }
}

/**
 * One rate budget (a token bucket). Callers in this process queue in arrival order, so only the first of them asks
 * the bucket at a time; `take` resolves when the caller may make one call, and calls `onWait` first when it has to
 * wait (the publisher hands its waiters' state to the queue then, see publisher.ts). `pauseFor` honours a
 * Retry-After: no token is handed out before then.
 *
 * The bucket is this process's (`LocalBucket`) unless `shared` names a row of `rate_budgets`: then every replica on
 * the database spends the same tokens (`SharedBucket`), as Slack counts them (chat.update per workspace, the
 * history look-ups per app, posts per channel), and a 429 one replica meets pauses them all. `refund`, `answered`
 * and `pauseFor` return at once; their writes are made in order, each before this budget's next take, and one that
 * fails (the database away) is told to `onError` and dropped: it only makes the bucket a little off, and the next
 * 429 puts it right.
 */
export class RateBudget {
  private readonly bucket: TokenBucket;
  private tail: Promise<void> = Promise.resolve();
  private writes: Promise<void> = Promise.resolve();
  private queued = 0;
  /** When the latest token was granted (by this budget's timer, read right before the bucket was asked). */
  private grantedAt: number | undefined;
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly limit: BucketLimit,
    private readonly timer: () => RateTimer,
    shared?: SharedBudgetOptions & { onError?: (err: unknown) => void },
  ) {
    if (!(limit.perMinute > 0 && limit.burst >= 1)) throw new Error('a rate budget needs perMinute > 0 and burst >= 1');
    this.bucket = shared ? new SharedBucket(limit, timer, shared) : new LocalBucket(limit, timer);
    this.onError = shared?.onError ?? (() => undefined);
  }

  /** Callers waiting for a token right now (tests, metrics). */
  get waiting(): number {
    return this.queued;
  }

  /**
   * Resolves once one call may be made (false when `signal` aborted first: make no call). Rejects when a shared
   * bucket cannot be read (the database away): the call is not made.
   */
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
        await this.writes;
        const asked = this.timer().now();
        const answer = await this.bucket.take();
        if (answer.granted) {
          this.grantedAt = asked;
          return true;
        }
        if (!told) {
          told = true;
          onWait?.();
        }
        await this.timer().sleep(Math.max(1, Math.ceil(answer.waitMs)), signal);
      }
    } finally {
      this.queued--;
      done();
    }
  }

  /**
   * Call right after `take` granted a token, before the call it was taken for: pass it to `answered` once that call
   * has been answered. It is when the latest token was granted (by this budget's time), not now: the bucket refills
   * from the grant on, while Slack counts the call only when it arrives, and whatever the caller does in between (a
   * database read, a claim renewed, a busy event loop) is latency too. Were another taker granted a token since,
   * it is that grant's time, which is still no later than now.
   */
  now(): number {
    const now = this.timer().now();
    return this.grantedAt === undefined ? now : Math.min(this.grantedAt, now);
  }

  /**
   * The call a token was granted for at `takenAt` (`now()`) has been answered. Slack counted it somewhere in
   * between, perhaps only at the end: the refill this budget credited over that time is taken back, so that a slow
   * call or a slow caller (a first connection, a database read before the call, a busy event loop) cannot leave this
   * bucket ahead of Slack's and earn a 429. (Taken from a full bucket, a token starts this bucket's refill at the
   * grant and Slack's at the call's arrival: without this, this bucket leads Slack's by the difference.)
   */
  answered(takenAt: number): void {
    const latency = Math.max(0, this.timer().now() - takenAt);
    if (latency > 0) this.write(() => this.bucket.adjust(-(latency * this.limit.perMinute) / 60_000));
  }

  /** A token taken but not spent (the message turned out to show the state already). */
  refund(): void {
    this.write(() => this.bucket.adjust(1));
  }

  /** Slack answered 429: hand out nothing before `retryAfterMs` from now, and start again from an empty bucket. */
  pauseFor(retryAfterMs: number): void {
    this.write(() => this.bucket.pause(retryAfterMs));
  }

  private write(fn: () => Promise<void>): void {
    this.writes = this.writes.then(fn).catch((err: unknown) => this.onError(err));
  }
}
