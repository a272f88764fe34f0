import type { Queryable } from './db.js';

/**
 * Token buckets shared by every replica on this database (table `rate_budgets`, migration 007): what
 * src/slack/rate-budget.ts keeps in memory for a budget of one process, kept in a row for a budget of them all.
 * Each function is one statement, so replicas taking, refunding and pausing at once never lose each other's
 * changes. The limits (`perMinute`, `burst`) are passed in, not stored: they are configuration.
 *
 * `at` is the time the statement runs at. null: the database's clock (`clock_timestamp()`), which is what production
 * passes: the replicas' own clocks may disagree, the database's is the one they share (as for render leases). A test
 * on virtual time passes its virtual now instead (see `RateTimer.databaseClock` in src/slack/rate-budget.ts).
 */
export interface SharedLimit {
  perMinute: number;
  burst: number;
}

/** What the bucket said to a taker. */
export interface TakeAnswer {
  /** A token was taken: make the call. */
  granted: boolean;
  /** Tokens the bucket held (refilled up to `at`) before this take. */
  tokens: number;
  /** How much longer the bucket is paused by a 429 (0: not paused). */
  pausedMs: number;
}

/** The statement's time: the one passed, or the database's clock. */
/**
 * The time a statement works at. On the database's clock it is read when the statement starts, before it waits for
 * the row's lock: a writer that held the lock may have refreshed the bucket later than that, so every statement keeps
 * the later of the two (GREATEST(b.refreshed_at, t)); moving refreshed_at back would credit that stretch twice.
 */
const AT = `(SELECT COALESCE($2::timestamptz, clock_timestamp()) AS t)`;

/**
 * The bucket `b` refilled up to `at` (`c.t`), at $4 a minute up to $3: from its last refresh, or from the end of its
 * pause if that is later (a pause credits nothing), never backwards (a clock that went back credits nothing).
 */
const REFILLED = `LEAST($3::float8, b.tokens + $4::float8 / 60000 * GREATEST(0, 1000 * extract(epoch FROM c.t - GREATEST(b.refreshed_at, b.paused_until))::float8))`;

/**
 * Take one token if the bucket has one and is not paused; either way write back the refill (refreshed to `at`) and
 * answer what the bucket held, so a taker that got nothing can sleep exactly until a token may be there.
 * undefined: there is no bucket under this key yet (`createBucket`).
 *
 * One statement: the row is locked first (`FOR UPDATE`, which under READ COMMITTED yields the row as the last
 * concurrent taker left it), so two replicas taking the last token at once cannot both have it.
 */
export async function takeToken(q: Queryable, key: string, limit: SharedLimit, at: Date | null): Promise<TakeAnswer | undefined> {
  const r = await q.query<{ granted: boolean; tokens: number; paused_ms: number }>(
    `WITH cur AS (
       SELECT b.key, c.t, ${REFILLED} AS tokens,
              GREATEST(0, COALESCE(1000 * extract(epoch FROM b.paused_until - c.t)::float8, 0)) AS paused_ms
       FROM rate_budgets b, ${AT} c WHERE b.key = $1 FOR UPDATE OF b
     ), answer AS (
       SELECT cur.*, cur.paused_ms = 0 AND cur.tokens >= 1 - 1e-9 AS granted FROM cur
     )
     UPDATE rate_budgets b SET tokens = CASE WHEN a.granted THEN GREATEST(0, a.tokens - 1) ELSE a.tokens END, refreshed_at = GREATEST(b.refreshed_at, a.t)
     FROM answer a WHERE b.key = a.key
     RETURNING a.granted, a.tokens, a.paused_ms`,
    [key, at, limit.burst, limit.perMinute],
  );
  const row = r.rows[0];
  return row && { granted: row.granted, tokens: Number(row.tokens), pausedMs: Number(row.paused_ms) };
}

/** A full bucket under `key`, unless one is there already. */
export async function createBucket(q: Queryable, key: string, limit: SharedLimit, at: Date | null): Promise<void> {
  await q.query(`INSERT INTO rate_budgets (key, tokens, refreshed_at) SELECT $1, $3::float8, c.t FROM ${AT} c ON CONFLICT (key) DO NOTHING`, [
    key,
    at,
    limit.burst,
  ]);
}

/**
 * Add `delta` tokens to the bucket (refilled up to `at` first), keeping it within [-1, burst]: +1 gives back a token
 * taken but not spent, a fraction below zero takes back the refill credited over a slow call (see RateBudget.answered).
 */
export async function adjustTokens(q: Queryable, key: string, limit: SharedLimit, delta: number, at: Date | null): Promise<void> {
  await q.query(
    `UPDATE rate_budgets b SET tokens = GREATEST(-1, LEAST($3::float8, ${REFILLED} + $5::float8)), refreshed_at = GREATEST(b.refreshed_at, c.t)
     FROM ${AT} c WHERE b.key = $1`,
    [key, at, limit.burst, limit.perMinute, delta],
  );
}

/**
 * Slack answered 429 with Retry-After `ms`: nobody is handed a token before `at` + `ms` (a longer pause already set
 * stands), and the bucket starts again empty then, as Slack's does.
 */
export async function pauseBucket(q: Queryable, key: string, ms: number, at: Date | null): Promise<void> {
  await q.query(
    `INSERT INTO rate_budgets AS b (key, tokens, refreshed_at, paused_until)
     SELECT $1, 0, c.t, c.t + $3::float8 * interval '1 millisecond' FROM ${AT} c
     ON CONFLICT (key) DO UPDATE SET tokens = 0, refreshed_at = GREATEST(b.refreshed_at, EXCLUDED.refreshed_at), paused_until = GREATEST(b.paused_until, EXCLUDED.paused_until)`,
    [key, at, ms],
  );
}
