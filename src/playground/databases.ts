/**
 * Databases for a local stack of bot processes: a throwaway schema on a real PostgreSQL, embedded PGlite in memory,
 * or PGlite in a data directory. Each hands out connections (`open`) that a bot process owns, and `drop` removes
 * what it made. The PostgreSQL URL is always passed in: nothing here reads the environment.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectPostgres, openPglite, type Db } from '../store/db.js';

export interface LocalDatabase {
  kind: 'postgres' | 'pglite';
  /** For PostgreSQL: a DATABASE_URL that puts a separate process in this database's schema. */
  url?: string;
  /** Opens another connection (pool) to the same database: a second bot process, or the same one restarted. */
  open(): Promise<Db>;
  drop(): Promise<void>;
}

/** A fresh schema on the PostgreSQL at `databaseUrl`, so stacks (or test files) running in parallel never see each other's rows. */
export async function postgresDatabase(databaseUrl: string): Promise<LocalDatabase> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const opened: Db[] = [];
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    kind: 'postgres',
    url: url.toString(),
    async open() {
      const db = connectPostgres({ connectionString: databaseUrl, schema });
      opened.push(db);
      return db;
    },
    async drop() {
      await Promise.allSettled(opened.map((d) => d.close()));
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`).finally(() => c.end());
    },
  };
}

/** Embedded PGlite in memory. One process owns it, so `open` hands out the same instance. */
export async function pgliteDatabase(): Promise<LocalDatabase> {
  const db = await openPglite();
  let closed = false;
  const shared: Db = { ...db, close: async () => undefined };
  return {
    kind: 'pglite',
    open: async () => shared,
    async drop() {
      if (!closed) await db.close();
      closed = true;
    },
  };
}

/** PGlite in a data directory, reopened from disk each time: what a restarted single-process bot does. */
export async function pgliteDirDatabase(dir: string): Promise<LocalDatabase> {
  const open: Db[] = [];
  return {
    kind: 'pglite',
    async open() {
      const db = await openPglite(dir);
      open.push(db);
      return db;
    },
    async drop() {
      await Promise.allSettled(open.map((d) => d.close()));
    },
  };
}
