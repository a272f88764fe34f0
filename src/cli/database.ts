import path from 'node:path';
import { loadStorageConfig } from '../config.js';
import { connectPostgres, openPglite, type Db } from '../store/db.js';

/**
 * The bot's database, opened as the bot opens it (src/main.ts): `DATABASE_URL` read through src/config.ts, else the
 * embedded PGlite in `PREFLIGHT_DATA_DIR`. For the tools (verify-audit, report), which read and never migrate: a
 * PGlite directory is one process's at a time, so stop the bot before pointing a tool at it.
 */
export async function openBotDatabase(env?: Record<string, string | undefined>): Promise<{ db: Db; where: string }> {
  const storage = loadStorageConfig(env);
  if (storage.databaseUrl) {
    return { db: connectPostgres({ connectionString: storage.databaseUrl, max: 2, queryTimeoutMs: 60_000 }), where: 'PostgreSQL (DATABASE_URL)' };
  }
  const dir = path.resolve(storage.dataDir);
  return { db: await openPglite(dir), where: `PGlite in ${dir}` };
}

/** A promotion id as stored (uuid), as opposed to a release. */
export const PROMOTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
