/**
 * The store's connections when PostgreSQL goes away, on a private cluster this file stops and starts (never the
 * shared one): a connection lost while checked out fails only the work using it, as DatabaseUnavailable (which
 * the person is shown as "try again"), nothing reaches the process as an unhandled 'error' event, the same pool
 * works again once the server is back, and readiness fails, rather than waits, when the database is down or has
 * no connection to spare. How long anything took is logged, never asserted: speed belongs to bench/.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailable } from '../../src/errors.js';
import { databaseAnswers } from '../../src/health.js';
import { connectPostgres, type Db } from '../../src/store/db.js';
import { createPrivateCluster, privateClusterUnavailable, type PrivateCluster } from '../support/private-postgres.js';

const unavailable = await privateClusterUnavailable();
if (unavailable) console.warn(`skipping the connection-loss tests: ${unavailable}`);

/** Everything that reached the process unhandled while a test ran. */
function watchProcess(): { seen: unknown[]; stop(): void } {
  const seen: unknown[] = [];
  const record = (err: unknown) => seen.push(err);
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  return {
    seen,
    stop() {
      process.off('uncaughtException', record);
      process.off('unhandledRejection', record);
    },
  };
}

/** Logs how long `work` took to settle (a figure for whoever reads the output, not something to assert). */
async function timed(what: string, work: Promise<unknown>): Promise<void> {
  const start = performance.now();
  await work.catch(() => undefined);
  console.info(`${what}: ${Math.round(performance.now() - start)} ms`);
}

describe.skipIf(unavailable !== undefined)('a PostgreSQL connection lost mid-work', () => {
  let cluster: PrivateCluster;
  const dbs: Db[] = [];
  let watch: ReturnType<typeof watchProcess>;
  const open = (opts: { max?: number; lost?: Error[] } = {}) => {
    const db = connectPostgres({ connectionString: cluster.url, max: opts.max, onConnectionError: (err) => opts.lost?.push(err) });
    dbs.push(db);
    return db;
  };

  beforeAll(async () => {
    cluster = await createPrivateCluster();
  }, 120_000);
  afterAll(async () => {
    await cluster?.drop();
  }, 120_000);
  afterEach(async () => {
    watch?.stop();
    await Promise.allSettled(dbs.splice(0).map((db) => db.close()));
  });

  it('fails the transaction that held it, not the process, and the same pool works once the server is back', async () => {
    watch = watchProcess();
    const lost: Error[] = [];
    const db = open({ lost });
    // One connection idle in the pool, one checked out by a transaction that is between statements when the
    // server ends every session (57P01): the case pg-pool does not listen for.
    await db.query('SELECT 1');
    const held = db.tx(async (q) => {
      await q.query('SELECT 1');
      await cluster.stop();
      return q.query('SELECT 2');
    });
    await expect(held).rejects.toBeInstanceOf(DatabaseUnavailable);

    // While it is down, everything fails the same way, and at once.
    await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseUnavailable);
    await expect(db.tx((q) => q.query('SELECT 1'))).rejects.toBeInstanceOf(DatabaseUnavailable);
    const down = databaseAnswers(db);
    await timed('readiness with the server down answered in', down);
    await expect(down).rejects.toBeInstanceOf(DatabaseUnavailable);

    await cluster.start();
    expect((await db.query<{ n: number }>('SELECT 1 AS n')).rows).toEqual([{ n: 1 }]);
    expect(await db.tx(async (q) => (await q.query<{ n: number }>('SELECT 2 AS n')).rows[0])).toEqual({ n: 2 });
    await databaseAnswers(db);
    expect(watch.seen).toEqual([]);
    expect(lost.some((err) => (err as { code?: string }).code === '57P01' || /terminat/i.test(err.message))).toBe(true);
  });

  it('a statement the server refuses is not mistaken for the database being away', async () => {
    const db = open();
    const refused = db.tx((q) => q.query('SELECT * FROM no_such_table'));
    await expect(refused).rejects.toMatchObject({ code: '42P01' });
    await expect(refused).rejects.not.toBeInstanceOf(DatabaseUnavailable);
  });

  it('readiness fails while every connection is busy, rather than waiting for one, and passes again once one is free', async () => {
    const db = open({ max: 1 });
    let free!: () => void;
    const gate = new Promise<void>((resolve) => (free = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const busy = db.tx(async (q) => {
      await q.query('SELECT 1');
      holding();
      await gate;
    });
    await held;
    // The one connection stays busy until readiness has answered: were readiness to wait for it, it would never answer.
    const exhausted = databaseAnswers(db);
    await timed('readiness with every connection busy answered in', exhausted);
    await expect(exhausted).rejects.toThrow();
    free();
    await busy;
    await databaseAnswers(db);
  });
});
