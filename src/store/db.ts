import { mkdir } from 'node:fs/promises';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';

/** What the store modules need from a connection: parameterised queries. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }>;
}

/** Inside a transaction, multi-statement scripts (migrations) can run too. */
export interface TxQueryable extends Queryable {
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Run fn in one transaction; commits if it resolves, rolls back if it throws. */
  tx<T>(fn: (q: TxQueryable) => Promise<T>): Promise<T>;
  /**
   * Run fn while holding an advisory lock (a bigint key, as a decimal string), or return `{ acquired: false }`
   * at once if someone else holds it. fn gets the lock's own connection, so holding the lock never needs a
   * second connection from the pool. With PGlite (one process) the lock is an in-process one.
   */
  tryLock<T>(key: string, fn: (q: Queryable) => Promise<T>): Promise<{ acquired: true; value: T } | { acquired: false }>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

// Parse int8 (counts) as numbers: every count here is far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export interface PostgresOptions {
  connectionString: string;
  /** Optional schema to put first on the search_path (tests isolate themselves this way). */
  schema?: string;
  max?: number;
  /** Connections for renders holding their advisory lock (default 4): at most this many render at once. */
  lockMax?: number;
}

export function connectPostgres(opts: PostgresOptions): Db {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    // Clicks and modal submissions must answer within Slack's 3 seconds: fail fast rather than queue.
    connectionTimeoutMillis: 2_000,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // Renders hold their lock's connection while Slack answers (seconds, under rate limiting): a small pool of
  // their own, so they can never take the connections that clicks and modal submissions need.
  const lockPool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.lockMax ?? 4,
    connectionTimeoutMillis: 60_000,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  lockPool.on('error', () => undefined);

  const run = async <T>(client: pg.PoolClient, fn: () => Promise<T>): Promise<T> => {
    await client.query('BEGIN');
    try {
      const value = await fn();
      await client.query('COMMIT');
      return value;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  };
  const wrap = (client: pg.PoolClient | pg.Pool): Queryable => ({
    async query<T>(sql: string, params?: unknown[]) {
      const r = await client.query(sql, params as unknown[]);
      return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
    },
  });

  return {
    kind: 'postgres',
    ...wrap(pool),
    async tx(fn) {
      const client = await pool.connect();
      try {
        // A query without parameters goes as a simple query, which may hold several statements.
        return await run(client, () => fn({ ...wrap(client), exec: async (sql: string) => void (await client.query(sql)) }));
      } finally {
        client.release();
      }
    },
    async tryLock(key, fn) {
      const client = await lockPool.connect();
      let broken = false;
      try {
        const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
        if (!r.rows[0]?.ok) return { acquired: false };
        try {
          return { acquired: true, value: await fn(wrap(client)) };
        } finally {
          await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => {
            // A connection that cannot unlock must not go back to the pool still holding the lock.
            broken = true;
          });
        }
      } finally {
        client.release(broken);
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await Promise.all([pool.end(), lockPool.end()]);
    },
  };
}

/** Embedded Postgres (PGlite). `dataDir` undefined means in memory. */
export async function openPglite(dataDir?: string): Promise<Db> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const lite = await PGlite.create(dataDir);
  const held = new Set<string>();
  const wrap = (q: Pick<PGlite, 'query'>): Queryable => ({
    async query<T>(sql: string, params?: unknown[]) {
      const r = await q.query<T>(sql, params as unknown[]);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
  });
  return {
    kind: 'pglite',
    ...wrap(lite),
    // PGlite runs one statement at a time on one connection and queues other work behind a transaction.
    tx: (fn) => lite.transaction((t) => fn({ ...wrap(t), exec: async (sql: string) => void (await t.exec(sql)) })),
    async tryLock(key, fn) {
      if (held.has(key)) return { acquired: false };
      held.add(key);
      try {
        return { acquired: true, value: await fn(wrap(lite)) };
      } finally {
        held.delete(key);
      }
    },
    async ping() {
      await lite.query('SELECT 1');
    },
    async close() {
      await lite.close();
    },
  };
}
