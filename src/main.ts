import path from 'node:path';
import { ConfigError, loadConfig } from './config.js';
import { createLogger, prettyLogsWanted } from './logger.js';
import { connectPostgres, openPglite, type Db } from './store/db.js';
import { migrate } from './store/migrate.js';
import { loadTemplates, startupWarnings, TemplateError, type TemplateProblem } from './templates/loader.js';
import { createPreflight } from './app.js';
import { StartupError } from './slack/startup-checks.js';
import { installProcessGuards } from './process-guards.js';
import { IdleCollector } from './idle-gc.js';

/** How long a shutdown may take before the process exits anyway: under docker stop's 10 s grace period. */
const SHUTDOWN_LIMIT_MS = 8_000;

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
  const log = createLogger(config.logLevel, undefined, {
    pretty: prettyLogsWanted({ stdoutIsTTY: process.stdout.isTTY, nodeEnv: config.nodeEnv }),
  });
  // The safety net: an unhandled rejection is logged and the bot keeps serving; an uncaught exception is logged
  // as fatal and ends the process with exit code 1, through the graceful shutdown once the bot is running.
  let shutdown: ((reason: string, code: number) => Promise<void>) | undefined;
  installProcessGuards(log, (reason, code) => (shutdown ? void shutdown(reason, code) : process.exit(code)));
  let templates;
  try {
    const warnings: TemplateProblem[] = [];
    templates = await loadTemplates(config.checklistsDir, (w) => warnings.push(w));
    // One line per file at most, and nothing about placeholder probe targets (a probe says so when it is run).
    for (const w of startupWarnings(warnings)) log.warn({ template: w.file, count: w.count }, w.message);
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
    db = connectPostgres({
      connectionString: config.databaseUrl,
      // Only the work using a lost connection fails (and is answered "try again"); operators still want to know.
      onConnectionError: (err) => log.warn({ err }, 'lost a database connection; the pool replaces it'),
    });
    log.info({ storage: 'postgres' }, 'storage: PostgreSQL (DATABASE_URL)');
  } else {
    const dir = path.resolve(config.dataDir);
    log.info({ storage: 'pglite', dataDir: dir }, `opening embedded PostgreSQL (PGlite) in ${dir}; the first start takes a few seconds`);
    db = await openPglite(dir);
    log.info({ storage: 'pglite', dataDir: dir }, `storage: embedded PGlite in ${dir} (set DATABASE_URL for PostgreSQL)`);
  }
  const applied = await migrate(db);
  log.info({ applied }, applied.length > 0 ? `applied migrations: ${applied.join(', ')}` : 'database schema up to date');

  const preflight = createPreflight({ config, db, templates, log });
  let port: number;
  try {
    ({ port } = await preflight.start());
  } catch (err) {
    // Close the database either way: PGlite left open is recovered, slowly, on the next start.
    await db.close().catch(() => undefined);
    if (err instanceof StartupError) {
      log.fatal(err.details, err.message);
      console.error(`Preflight failed to start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  log.info({ mode: config.mode, port, templates: [...templates.keys()] }, `Preflight is running (${config.mode === 'socket' ? 'Socket Mode' : `HTTP on port ${port}, POST /slack/events`})`);
  // Memory back after a burst (src/idle-gc.ts): `npm start` and the Dockerfile run node with --expose-gc.
  const collector = IdleCollector.forProcess(log);
  collector?.start();
  if (!collector) log.debug('node runs without --expose-gc: the heap a burst grows is kept until V8 collects it by itself');

  let stopping = false;
  // Raised to 1 by an uncaught exception, also one met while a signal's shutdown is already under way.
  let exitCode = 0;
  shutdown = async (signal: string, code: number) => {
    exitCode = Math.max(exitCode, code);
    if (stopping) return;
    stopping = true;
    collector?.stop();
    log.info({ signal }, 'shutting down');
    // Finish in-flight work and close the database, but never hang: a stuck Slack call or query must not
    // outlive the orchestrator's patience (docker stop kills after 10 s), so give up a little before that.
    const force = setTimeout(() => {
      log.error({ limitMs: SHUTDOWN_LIMIT_MS }, `shutdown did not finish within ${SHUTDOWN_LIMIT_MS / 1000} s; exiting without waiting`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    force.unref();
    try {
      await preflight.stop();
      await db.close();
      log.info({ signal }, 'stopped');
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      exitCode = 1;
    } finally {
      process.exit(exitCode);
    }
  };
  process.on('SIGTERM', () => void shutdown?.('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown?.('SIGINT', 0));
}

main().catch((err: unknown) => {
  console.error('Preflight failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
