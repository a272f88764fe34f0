import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectPostgres, openPglite, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';

/** The real PostgreSQL the tests use (CI and every developer machine have one on 127.0.0.1:5432). */
export const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  kind: 'postgres' | 'pglite';
  /** For PostgreSQL: a DATABASE_URL that puts a separate process in this database's schema. */
  url?: string;
  /** Opens another connection (pool) to the same database: a second bot process, or the same one restarted. */
  open(): Promise<Db>;
  drop(): Promise<void>;
}

/** A fresh schema on the real PostgreSQL, so test files running in parallel never see each other's rows. */
export async function postgresDatabase(): Promise<TestDatabase> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const opened: Db[] = [];
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    kind: 'postgres',
    url: url.toString(),
    async open() {
      const db = connectPostgres({ connectionString: TEST_DATABASE_URL, schema });
      opened.push(db);
      return db;
    },
    async drop() {
      await Promise.allSettled(opened.map((d) => d.close()));
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`).finally(() => c.end());
    },
  };
}

/** Embedded PGlite in memory. One process owns it, so `open` hands out the same instance. */
export async function pgliteDatabase(): Promise<TestDatabase> {
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

export const BACKENDS = [
  ['postgres', postgresDatabase],
  ['pglite', pgliteDatabase],
] as const;

export async function migrated(t: TestDatabase): Promise<Db> {
  const db = await t.open();
  await migrate(db);
  return db;
}

/** PGlite in a data directory, reopened from disk each time: what a restarted single-process bot does. */
export async function pgliteDirDatabase(dir: string): Promise<TestDatabase> {
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
