import { mkdir } from 'node:fs/promises';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { DatabaseUnavailable } from '../errors.js';

/** What the store modules need from a connection: parameterised queries. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }>;
}

/** Inside a transaction, multi-statement scripts (migrations) can run too. */
export interface TxQueryable extends Queryable {
  exec(sql: string): Promise<void>;
}

export interface TxOptions {
  /**
   * How long each statement of this transaction may take, instead of QUERY_TIMEOUT_MS: for migrations (long DDL,
   * and waiting for another replica's migration to finish). Ignored by PGlite, which has no connection to lose.
   */
  queryTimeoutMs?: number;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Run fn in one transaction; commits if it resolves, rolls back if it throws. */
  tx<T>(fn: (q: TxQueryable) => Promise<T>, opts?: TxOptions): Promise<T>;
  /** Resolves if the database answers a trivial query; rejects within about PING_TIMEOUT_MS otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// Parse int8 (counts) as numbers: every count here is far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

/** How long a readiness ping may take: a probe must answer before its own timeout, even with every connection busy. */
export const PING_TIMEOUT_MS = 1_500;

/**
 * How long one statement of the bot's work may take before it fails (client-side) as DatabaseUnavailable, which
 * the person is told as "try again": a click must be answered in Slack's time anyway. Without it, a query on a
 * connection whose server vanished without closing it (a failover, a network path gone) waits until TCP gives up,
 * many minutes later. The connection is then dropped, never reused. Migrations ask for longer (`TxOptions`).
 */
export const QUERY_TIMEOUT_MS = 10_000;

/**
 * Errors that say the database is unreachable or dropped the connection, as opposed to refusing a statement:
 * the server shutting down or restarting (57P01-57P03), too many connections (53300), connection exceptions
 * (class 08), the socket failing, and pg's own messages for a dead client or a pool with no connection to give.
 */
const UNREACHABLE_CODES = new Set(['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNREACHABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|not queryable|Query read timeout|Connection ended unexpectedly/i;

export function isDatabaseUnreachable(err: unknown): boolean {
  if (err instanceof DatabaseUnavailable) return true;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown } | null;
  if (typeof e?.code === 'string' && (e.code.startsWith('08') || UNREACHABLE_CODES.has(e.code))) return true;
  if (typeof e?.message === 'string' && UNREACHABLE_MESSAGES.test(e.message)) return true;
  // Connecting to a name with several addresses fails with an AggregateError of one error per address.
  return Array.isArray(e?.errors) && e.errors.some(isDatabaseUnreachable);
}

/** The error to throw: DatabaseUnavailable (which the person is shown as "try again") for an unreachable database. */
function translated(err: unknown): unknown {
  return err instanceof DatabaseUnavailable || !isDatabaseUnreachable(err) ? err : new DatabaseUnavailable(err);
}

export interface PostgresOptions {
  connectionString: string;
  /** Optional schema to put first on the search_path (tests isolate themselves this way). */
  schema?: string;
  max?: number;
  /** Overrides QUERY_TIMEOUT_MS (tests shorten it). */
  queryTimeoutMs?: number;
  /** Told once per connection the server closes or that breaks (a restart, a failover): for the log. */
  onConnectionError?: (err: Error) => void;
}

export function connectPostgres(opts: PostgresOptions): Db {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    // Clicks and modal submissions must answer within Slack's 3 seconds: fail fast rather than queue.
    connectionTimeoutMillis: 2_000,
    // Bounds each statement (see QUERY_TIMEOUT_MS); a timed-out connection is dropped, never reused.
    query_timeout: opts.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
    // TCP keepalive, first probe after 10 s of silence: keeps NAT and firewalls in between from dropping a quiet
    // connection, and eventually finds a dead one. It does not make a lost server noticed quickly: after the first
    // probe Linux waits out its own interval and count (75 s × 9 by default, which Node 20 cannot set), about 11
    // minutes, and a connection with a query in flight retransmits instead, for longer. query_timeout bounds that.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // Names the bot's sessions in pg_stat_activity (a DATABASE_URL that sets application_name wins).
    application_name: 'preflight',
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // pg-pool listens for errors only on idle connections. A checked-out connection whose server goes away emits
  // 'error' with nobody listening, and Node ends the process. So every connection gets a listener of its own
  // for life; the query that was using it fails (and is answered), and the pool drops it when it is released.
  const reported = new WeakSet<pg.PoolClient>();
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      if (reported.has(client)) return;
      reported.add(client);
      opts.onConnectionError?.(err);
    });
  });
  // The pool's own report of an idle connection's error: the connection's listener above has told it already.
  pool.on('error', () => undefined);

  const checkout = async (): Promise<pg.PoolClient> => {
    try {
      return await pool.connect();
    } catch (err) {
      throw translated(err);
    }
  };
  /** `timeoutMs` overrides the pool's query_timeout for every statement through this wrapper. */
  const wrap = (client: pg.PoolClient | pg.Pool, timeoutMs?: number): Queryable => ({
    async query<T>(sql: string, params?: unknown[]) {
      try {
        const r = await client.query(
          timeoutMs === undefined ? { text: sql, values: params } : ({ text: sql, values: params, query_timeout: timeoutMs } as pg.QueryConfig),
        );
        return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
      } catch (err) {
        throw translated(err);
      }
    },
  });

  return {
    kind: 'postgres',
    ...wrap(pool),
    async tx(fn, txOpts = {}) {
      const timeoutMs = txOpts.queryTimeoutMs;
      for (let attempt = 1; ; attempt++) {
        const client = await checkout();
        const q = wrap(client, timeoutMs);
        let broken: Error | undefined;
        try {
          try {
            await q.query('BEGIN');
          } catch (err) {
            // A pooled connection the server closed since its last use (the database restarted): nothing of fn
            // ran, so one retry on a fresh connection is safe.
            if (isDatabaseUnreachable(err)) broken = err as Error;
            if (broken && attempt === 1) continue;
            throw err;
          }
          try {
            // A query without parameters goes as a simple query, which may hold several statements.
            const value = await fn({ ...q, exec: async (sql: string) => void (await q.query(sql)) });
            await q.query('COMMIT');
            return value;
          } catch (err) {
            if (isDatabaseUnreachable(err)) broken = err as Error;
            else await q.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
            throw err;
          }
        } catch (err) {
          throw translated(err);
        } finally {
          // A broken connection is dropped, never handed to the next request.
          client.release(broken);
        }
      }
    },
    async ping() {
      try {
        // The read timeout bounds a query on a connection that stopped answering; the pool drops that connection.
        await pool.query({ text: 'SELECT 1', query_timeout: PING_TIMEOUT_MS } as pg.QueryConfig);
      } catch (err) {
        throw translated(err);
      }
    },
    async close() {
      await pool.end();
    },
  };
}

/** Embedded Postgres (PGlite). `dataDir` undefined means in memory. */
export async function openPglite(dataDir?: string): Promise<Db> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const lite = await PGlite.create(dataDir);
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
    async ping() {
      await lite.query('SELECT 1');
    },
    async close() {
      await lite.close();
    },
  };
}
