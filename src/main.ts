import path from 'node:path';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { connectPostgres, openPglite, type Db } from './store/db.js';
import { migrate } from './store/migrate.js';
import { loadTemplates, TemplateError } from './templates/loader.js';
import { createPreflight } from './app.js';

/** Start the bot: configuration, templates and database are checked before anything listens. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  let templates;
  try {
    templates = await loadTemplates(config.checklistsDir);
  } catch (err) {
    if (err instanceof TemplateError) {
      log.fatal({ problems: err.problems }, err.message);
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  let db: Db;
  if (config.databaseUrl) {
    db = connectPostgres({ connectionString: config.databaseUrl });
    log.info({ storage: 'postgres' }, 'storage: PostgreSQL (DATABASE_URL)');
  } else {
    const dir = path.resolve(config.dataDir);
    db = await openPglite(dir);
    log.info({ storage: 'pglite', dataDir: dir }, `storage: embedded PGlite in ${dir} (set DATABASE_URL for PostgreSQL)`);
  }
  const applied = await migrate(db);
  log.info({ applied }, applied.length > 0 ? `applied migrations: ${applied.join(', ')}` : 'database schema up to date');

  const preflight = createPreflight({ config, db, templates, log });
  const { port } = await preflight.start();
  log.info({ mode: config.mode, port, templates: [...templates.keys()] }, `Preflight is running (${config.mode === 'socket' ? 'Socket Mode' : `HTTP on port ${port}, POST /slack/events`})`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    try {
      await preflight.stop();
      await db.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('Preflight failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
