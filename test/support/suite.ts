import { afterAll, beforeAll } from 'vitest';
import { postgresDatabase, type TestDatabase } from './db.js';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';

/**
 * One harness on a fresh PostgreSQL schema for a whole describe block: started before its tests, closed
 * and dropped after. `use` receives it (and the database) once it is up.
 */
export function harnessForSuite(use: (h: Harness, database: TestDatabase) => void, opts: Omit<HarnessOptions, 'database'> = {}): void {
  let database: TestDatabase | undefined;
  let h: Harness | undefined;
  beforeAll(async () => {
    database = await postgresDatabase();
    h = await startHarness({ ...opts, database });
    use(h, database);
  });
  afterAll(async () => {
    await h?.close();
    await database?.drop();
  });
}
