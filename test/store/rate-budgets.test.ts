/**
 * The shared token buckets (`rate_budgets`, src/store/rate-budgets.ts) and the budget over them (SharedBucket in
 * src/slack/rate-budget.ts): a burst, then one token per 60 / perMinute seconds; a pause hands out nothing until it
 * ends and refills only from then; refunds and take-backs stay within [-1, burst]; takers racing on separate
 * connections share the burst, never more; on the database's clock when no time is passed. On PostgreSQL and PGlite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RateBudget, REAL_TIMER, type RateTimer } from '../../src/slack/rate-budget.js';
import type { Db } from '../../src/store/db.js';
import { adjustTokens, createBucket, pauseBucket, takeToken } from '../../src/store/rate-budgets.js';
import { VirtualTime } from '../../src/playground/virtual-time.js';
import { BACKENDS, migrated, type TestDatabase } from '../support/db.js';

const T0 = Date.parse('2026-11-21T10:00:00Z');
const at = (ms: number) => new Date(T0 + ms);
/** One a second, three at once. */
const LIMIT = { perMinute: 60, burst: 3 };

describe.each(BACKENDS)('shared rate budgets on %s', (_name, create) => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    await t?.drop();
    t = undefined;
  });

  async function setUp(): Promise<Db> {
    t = await create();
    const db = await migrated(t);
    await createBucket(db, 'k', LIMIT, at(0));
    return db;
  }

  it('grants the burst at once, then one token a second, up to the burst', async () => {
    const db = await setUp();
    for (let i = 0; i < 3; i++) expect((await takeToken(db, 'k', LIMIT, at(0)))!.granted).toBe(true);
    const refused = (await takeToken(db, 'k', LIMIT, at(0)))!;
    expect(refused).toMatchObject({ granted: false, pausedMs: 0 });
    expect(refused.tokens).toBeCloseTo(0, 9);
    // Half a second later, half a token: still nothing, and the refill so far is kept.
    expect((await takeToken(db, 'k', LIMIT, at(500)))!.tokens).toBeCloseTo(0.5, 9);
    expect((await takeToken(db, 'k', LIMIT, at(1_000)))!.granted).toBe(true);
    // Ten minutes on, the bucket holds its burst, no more.
    const later = (await takeToken(db, 'k', LIMIT, at(601_000)))!;
    expect(later.granted).toBe(true);
    expect(later.tokens).toBeCloseTo(3, 9);
    // A second createBucket leaves the bucket as it is.
    await createBucket(db, 'k', LIMIT, at(601_000));
    expect((await takeToken(db, 'k', LIMIT, at(601_000)))!.tokens).toBeCloseTo(2, 9);
    expect(await takeToken(db, 'missing', LIMIT, at(0))).toBeUndefined();
  });

  it('hands out nothing during a pause, refills only from its end, and keeps the longer of two pauses', async () => {
    const db = await setUp();
    await pauseBucket(db, 'k', 5_000, at(0));
    await pauseBucket(db, 'k', 2_000, at(1_000));
    const paused = (await takeToken(db, 'k', LIMIT, at(1_000)))!;
    expect(paused.granted).toBe(false);
    expect(paused.pausedMs).toBeCloseTo(4_000, 3);
    // The pause is over, but the bucket starts from empty then: a token a second later.
    expect((await takeToken(db, 'k', LIMIT, at(5_000)))!).toMatchObject({ granted: false, pausedMs: 0, tokens: 0 });
    expect((await takeToken(db, 'k', LIMIT, at(5_500)))!.tokens).toBeCloseTo(0.5, 9);
    expect((await takeToken(db, 'k', LIMIT, at(6_000)))!.granted).toBe(true);
    // A pause of a bucket nobody took from yet creates it, paused.
    await pauseBucket(db, 'fresh', 1_000, at(0));
    expect((await takeToken(db, 'fresh', LIMIT, at(500)))!.granted).toBe(false);
  });

  it('never moves the refill time back: a statement that waited for the lock credits nothing twice', async () => {
    const db = await setUp();
    for (let i = 0; i < 3; i++) await takeToken(db, 'k', LIMIT, at(0));
    // A take refreshed the bucket at 2 s (two tokens earned, one taken); then a statement that began at 1 s (it
    // waited for the row's lock) takes the other, and so do an adjustment and a pause that began before 2 s.
    expect((await takeToken(db, 'k', LIMIT, at(2_000)))!.granted).toBe(true);
    expect((await takeToken(db, 'k', LIMIT, at(1_000)))!.granted).toBe(true);
    await adjustTokens(db, 'k', LIMIT, 0, at(1_500));
    await pauseBucket(db, 'k', 0, at(1_800));
    // Half a second after 2 s: half a token, not the time since 1 s (or 1.5 s, or 1.8 s) credited again.
    const next = (await takeToken(db, 'k', LIMIT, at(2_500)))!;
    expect(next.granted).toBe(false);
    expect(next.tokens).toBeCloseTo(0.5, 9);
  });

  it('keeps refunds and take-backs within [-1, burst]', async () => {
    const db = await setUp();
    await adjustTokens(db, 'k', LIMIT, 5, at(0));
    expect((await takeToken(db, 'k', LIMIT, at(0)))!.tokens).toBeCloseTo(3, 9);
    await adjustTokens(db, 'k', LIMIT, -10, at(0));
    const owed = (await takeToken(db, 'k', LIMIT, at(0)))!;
    expect(owed.granted).toBe(false);
    expect(owed.tokens).toBeCloseTo(-1, 9);
    // Two seconds to pay back the debt and earn one token.
    expect((await takeToken(db, 'k', LIMIT, at(1_999)))!.granted).toBe(false);
    expect((await takeToken(db, 'k', LIMIT, at(2_000)))!.granted).toBe(true);
  });

  it('grants no more than the burst to takers racing on separate connections', async () => {
    t = await create();
    const dbs = [await migrated(t), await t.open(), await t.open()];
    const limit = { perMinute: 1, burst: 5 };
    await createBucket(dbs[0]!, 'race', limit, at(0));
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => takeToken(dbs[i % dbs.length]!, 'race', limit, at(0))));
    expect(answers.filter((a) => a!.granted)).toHaveLength(5);
  });

  it('runs on the database clock for the wall-clock timer, on the timer for virtual time', async () => {
    const db = await setUp();
    const budget = (timer: RateTimer, key: string) => new RateBudget({ perMinute: 60, burst: 2 }, () => timer, { db, key });
    const wall = budget(REAL_TIMER, 'wall');
    expect(await wall.take()).toBe(true);
    const row = async (key: string) =>
      (await db.query<{ lag: number }>('SELECT extract(epoch FROM clock_timestamp() - refreshed_at)::float8 AS lag FROM rate_budgets WHERE key = $1', [key])).rows[0]!;
    expect(Math.abs((await row('wall')).lag)).toBeLessThan(5);

    // Manual virtual time: the budget waits on it, and the wait ends when the test moves it on, not before.
    const time = new VirtualTime('manual', T0);
    const virtual = budget(time, 'virtual');
    expect(await virtual.take()).toBe(true);
    expect(await virtual.take()).toBe(true);
    let third = false;
    const taking = virtual.take().then((ok) => (third = ok));
    while (time.waiting === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(third).toBe(false);
    time.advance(999);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(third).toBe(false);
    while (!third) {
      time.advanceToNext();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await taking;
    expect(time.now() - T0).toBe(1_000);
    const stored = (await db.query<{ at: Date }>("SELECT refreshed_at AS at FROM rate_budgets WHERE key = 'virtual'")).rows[0]!.at;
    expect(new Date(stored).getTime()).toBe(T0 + 1_000);
  });

  it('pauses every budget on the row when one is told a Retry-After, and orders its own writes before its next take', async () => {
    const db = await setUp();
    const time = new VirtualTime('manual', T0);
    const one = new RateBudget(LIMIT, () => time, { db, key: 'shared' });
    const other = new RateBudget(LIMIT, () => time, { db, key: 'shared' });
    expect(await one.take()).toBe(true);
    one.pauseFor(3_000);
    let got = 0;
    const taking = other.take().then(() => got++);
    // `one`'s own next take sees its pause, even though pauseFor returned before writing it.
    const mine = one.take().then(() => got++);
    while (time.waiting < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    time.advance(2_999);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(got).toBe(0);
    while (got < 2) {
      time.advanceToNext();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all([taking, mine]);
    // After the pause the bucket starts empty: the two tokens took a second each.
    expect(time.now() - T0).toBe(5_000);
  });
});
