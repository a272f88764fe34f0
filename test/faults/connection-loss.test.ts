/**
 * The store's connections when PostgreSQL goes away, on a private cluster this file stops and starts (never the
 * shared one): a connection lost while checked out fails only the work using it, as DatabaseUnavailable (which
 * the person is shown as "try again"), nothing reaches the process as an unhandled 'error' event, the same pool
 * works again once the server is back, and readiness fails, rather than waits, when the database is down or has
 * no connection to spare. And a connection whose server silently stopped answering (no reset, no close: a
 * failover, a network path gone) fails its query once the query timeout passes, as DatabaseUnavailable, while
 * migrations, one long transaction, are not cut by that timeout (through a proxy to the shared cluster that can
 * stop forwarding, and a schema of their own). How long anything took is logged, never asserted: speed belongs
 * to bench/.
 */
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailable } from '../../src/errors.js';
import { databaseAnswers } from '../../src/health.js';
import { connectPostgres, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { TEST_DATABASE_URL } from '../support/db.js';
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

/** `work`, or 'still waiting' if it has not settled after `ms`: a bound on the wait, so a hang fails the test rather than stalls it. */
function orStillWaiting<T>(work: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'still waiting'>((resolve) => (timer = setTimeout(() => resolve('still waiting'), ms)));
  return Promise.race([work, bound]).finally(() => clearTimeout(timer));
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

/**
 * A TCP proxy to PostgreSQL that can go silent: while `silent`, whatever either side sends is swallowed, and no
 * connection is closed or reset, as when a server or the path to it vanishes without a word.
 */
async function silenceableProxy(target: URL): Promise<{ url: string; silent: boolean; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { silent: false };
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(from);
      from.on('data', (chunk) => {
        if (!state.silent) to.write(chunk);
      });
      from.on('close', () => to.destroy());
      from.on('error', () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as { port: number }).port);
  return {
    url: url.toString(),
    get silent() {
      return state.silent;
    },
    set silent(value: boolean) {
      state.silent = value;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a PostgreSQL server that stops answering without closing the connection', () => {
  /** Far shorter than the bot's QUERY_TIMEOUT_MS, to keep the test short; what is tested is that there is one. */
  const QUERY_TIMEOUT = 300;
  /** How long a test waits for what should happen after QUERY_TIMEOUT before calling it a hang. */
  const HANG = 15_000;
  let proxy: Awaited<ReturnType<typeof silenceableProxy>>;
  let schema: string;
  const dbs: Db[] = [];
  const admin = async <T>(work: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    try {
      return await work(c);
    } finally {
      await c.end();
    }
  };
  const open = (connectionString: string) => {
    const db = connectPostgres({ connectionString, schema, queryTimeoutMs: QUERY_TIMEOUT });
    dbs.push(db);
    return db;
  };

  beforeAll(async () => {
    schema = `t_${randomBytes(6).toString('hex')}`;
    await admin((c) => c.query(`CREATE SCHEMA ${schema}`));
    proxy = await silenceableProxy(new URL(TEST_DATABASE_URL));
  });
  afterAll(async () => {
    await Promise.allSettled(dbs.splice(0).map((db) => db.close()));
    await proxy?.close();
    await admin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  });

  it('fails the query and the transaction as DatabaseUnavailable, and the pool works once the server answers again', async () => {
    const db = open(proxy.url);
    await db.query('SELECT 1');
    proxy.silent = true;

    const start = performance.now();
    const query = await orStillWaiting(db.query('SELECT 1').catch((err: unknown) => err), HANG);
    console.info(`a query to a silent server ended after ${Math.round(performance.now() - start)} ms`);
    expect(query).toBeInstanceOf(DatabaseUnavailable);
    const tx = db.tx((q) => q.query('SELECT 1'));
    expect(await orStillWaiting(tx.catch((err: unknown) => err), HANG)).toBeInstanceOf(DatabaseUnavailable);

    // The silent connections were dropped, not handed out again: with the server answering, the pool works.
    proxy.silent = false;
    expect((await db.query<{ n: number }>('SELECT 1 AS n')).rows).toEqual([{ n: 1 }]);
    expect(await db.tx(async (q) => (await q.query<{ n: number }>('SELECT 2 AS n')).rows[0])).toEqual({ n: 2 });
  });

  it('lets a migration take longer than the query timeout', async () => {
    const db = open(TEST_DATABASE_URL);
    const slow = `SELECT pg_sleep(${(QUERY_TIMEOUT * 3) / 1000})`;
    // Request work taking as long is cut off...
    await expect(db.query(slow)).rejects.toBeInstanceOf(DatabaseUnavailable);
    // ...a migration is not.
    expect(await migrate(db, [{ version: 1, name: '001_slow', sql: `${slow};\nCREATE TABLE slow_done (id int)` }])).toEqual(['001_slow']);
    expect((await db.query('SELECT 1 FROM slow_done')).rowCount).toBe(0);
  });
});
