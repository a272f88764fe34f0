import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import {
  pgliteDatabase,
  pgliteDirDatabase,
  postgresDatabase as postgresSchema,
  type LocalDatabase,
} from '../../src/playground/databases.js';

/** The real PostgreSQL the tests use (CI and every developer machine have one on 127.0.0.1:5432). */
export const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export type TestDatabase = LocalDatabase;

/** A fresh schema on the real PostgreSQL, so test files running in parallel never see each other's rows. */
export function postgresDatabase(): Promise<TestDatabase> {
  return postgresSchema(TEST_DATABASE_URL);
}

export { pgliteDatabase, pgliteDirDatabase };

export const BACKENDS = [
  ['postgres', postgresDatabase],
  ['pglite', pgliteDatabase],
] as const;

export async function migrated(t: TestDatabase): Promise<Db> {
  const db = await t.open();
  await migrate(db);
  return db;
}
