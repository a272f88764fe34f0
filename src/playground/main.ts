/**
 * `npm run playground`: the whole product in a browser, with no Slack workspace. Starts the real bot, the Slack
 * emulator and the page (./web/), all on 127.0.0.1, prints the URL, and stops cleanly on Ctrl-C.
 *
 *   npm run playground                 the page on http://127.0.0.1:3750/ (or a free port when that one is taken)
 *   npm run playground -- --port 8080  another port
 *   npm run playground -- --reset      start afresh (the same as the page's Reset)
 *   npm run playground -- --socket-mode  the bot in Socket Mode (envelopes over the emulator's WebSocket), not HTTP;
 *                                      PLAYGROUND_SOCKET_MODE=1 does the same
 *
 * State lives in .data/playground (PLAYGROUND_DIR overrides it); the bot's log in .data/playground.log.
 *
 * The template's probes get stand-ins on 127.0.0.1 (./targets.ts): GitHub, a health endpoint on port 3751 (the page's
 * switch makes it fail), CloudWatch, and a PostgreSQL to read: DATABASE_URL's server when it is set, otherwise an
 * embedded one served over the wire.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startPlayground, type Playground } from './web/playground.js';

const DEFAULT_PORT = 3750;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const portArg = args.indexOf('--port');
  const port = portArg >= 0 ? Number(args[portArg + 1]) : DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port takes a port number, not ${args[portArg + 1]}`);
  // The playground is a developer tool: reading its own directory setting here keeps src/config.ts the bot's alone.
  const dataDir = path.resolve(process.env.PLAYGROUND_DIR ?? '.data/playground');
  await mkdir(path.dirname(dataDir), { recursive: true });
  const socketMode = args.includes('--socket-mode') || process.env.PLAYGROUND_SOCKET_MODE === '1';
  // The postgres probes read the developer's server when there is one; the bot's own database stays PGlite.
  const targetDatabaseUrl = process.env.DATABASE_URL || undefined;
  const logFile = `${dataDir}.log`;
  const logTo = createWriteStream(logFile, { flags: 'a' });
  const started = Date.now();
  console.log('Starting the Preflight playground: the bot (%s, PGlite in %s), the Slack emulator and the page…', socketMode ? 'Socket Mode' : 'HTTP', path.relative(process.cwd(), dataDir) || dataDir);
  let playground: Playground;
  try {
    playground = await startPlayground({ dataDir, port, logTo, socketMode, targetDatabaseUrl });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || portArg >= 0) throw err;
    console.log(`Port ${port} is taken; using a free one.`);
    playground = await startPlayground({ dataDir, port: 0, logTo, socketMode, targetDatabaseUrl });
  }
  if (args.includes('--reset')) await playground.reset();
  console.log(`\n  Preflight playground ready in ${((Date.now() - started) / 1000).toFixed(1)} s: open ${playground.url}\n`);
  const t = playground.targets;
  console.log(`  The probes' stand-ins: GitHub ${t.env.GITHUB_API_URL}, health ${t.healthOrigin}/health/ready, CloudWatch ${t.env.CLOUDWATCH_ENDPOINT}, PostgreSQL ${t.database === 'postgres' ? 'from DATABASE_URL' : 'embedded (PGlite over the wire)'}.`);
  console.log(`  The bot's log: ${path.relative(process.cwd(), logFile)}. Ctrl-C stops it; its state is kept for next time.`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the playground…`);
    const force = setTimeout(() => process.exit(1), 8_000);
    force.unref();
    try {
      await playground.close();
      logTo.end();
      console.log('Stopped.');
      process.exit(0);
    } catch (err) {
      console.error('The playground did not stop cleanly:', err);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('The playground failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
