import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, type Logger as SlackLogger } from '@slack/bolt';
import type { Config } from './config.js';
import { newErrorId, unexpectedErrorText, UserError } from './errors.js';
import { scrubSecrets, type Logger } from './logger.js';
import type { Db } from './store/db.js';
import type { Template } from './domain/template.js';
import type { Deps } from './services/deps.js';
import { WebClient } from '@slack/web-api';
import { Publisher } from './slack/publisher.js';
import { EVENTS_PATH, guardRequests } from './slack/request-guard.js';
import { Ticker, type Job } from './scheduler/ticker.js';
import { pruneReceipts } from './store/promotions.js';
import { replyPrivately } from './slack/reply.js';
import { register as registerCommands } from '../commands/index.js';
import { register as registerActions } from './listeners/actions/index.js';
import { register as registerViews } from './listeners/views/index.js';

/** What Bolt passes an error handler when `extendedErrorHandler` is on. */
interface ErrorArgs {
  error: Error & { original?: unknown };
  body: unknown;
  context?: Record<string, unknown>;
}

/** Bolt's own log lines, through pino (and scrubbed, in case a message quotes a token). */
function slackLogger(log: Logger): SlackLogger {
  const line = (msg: unknown[]) => scrubSecrets(msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' '));
  return {
    debug: (...m) => log.debug(line(m)),
    info: (...m) => log.info(line(m)),
    warn: (...m) => log.warn(line(m)),
    error: (...m) => log.error(line(m)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}

/** How long a click's receipt is kept to recognise a redelivery: far longer than Slack ever retries. */
const RECEIPTS_KEPT_MS = 24 * 60 * 60 * 1000;

/** How often messages that fell behind the database (Slack failed) are rendered again. */
const REPAIR_EVERY = '*/20 * * * * *';

export interface PreflightOptions {
  config: Config;
  db: Db;
  templates: ReadonlyMap<string, Template>;
  log: Logger;
  clock?: () => Date;
}

export interface Preflight {
  app: InstanceType<typeof App>;
  deps: Deps;
  publisher: Publisher;
  /** Starts listening (HTTP) or connecting (Socket Mode); resolves with the HTTP port. */
  start(port?: number): Promise<{ port: number }>;
  stop(): Promise<void>;
  /** Resolves once every request this process acknowledged, and every message refresh, has finished. */
  idle(): Promise<void>;
  /** Render now whatever fell behind (what the scheduler does every 20 seconds). */
  repair(): Promise<number>;
}

async function health(db: Db, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const path = (req.url ?? '').split('?')[0];
  if (req.method !== 'GET' || (path !== '/healthz' && path !== '/readyz')) return false;
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return true;
  }
  try {
    await db.ping();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready","database":"ok"}');
  } catch {
    res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"unavailable","database":"unreachable"}');
  }
  return true;
}

export function createPreflight(opts: PreflightOptions): Preflight {
  const { config, db, log } = opts;
  const clientOptions = {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    // A click's follow-up must not hang for minutes: a few quick retries, then the error reaches the person.
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
    timeout: 15_000,
  };
  const logger = slackLogger(log.child({ component: 'bolt' }));
  const receiver = config.mode === 'socket'
      ? new SocketModeReceiver({ appToken: config.slack.appToken!, logger, installerOptions: { clientOptions } })
      : new HTTPReceiver({
          signingSecret: config.slack.signingSecret!,
          logger,
          endpoints: EVENTS_PATH,
          customRoutes: [
            { path: '/healthz', method: 'GET', handler: (req, res) => void health(db, req, res) },
            { path: '/readyz', method: 'GET', handler: (req, res) => void health(db, req, res) },
          ],
        });
  if (receiver instanceof HTTPReceiver) guardRequests(receiver, config.slack.signingSecret!);
  const app = new App({
    token: config.slack.botToken,
    receiver,
    logger,
    clientOptions,
    extendedErrorHandler: true,
  });

  // Posting is never retried by the client: a post that timed out may have landed, and a retry would post
  // the checklist twice. A failed post is left to the repair sweep instead.
  const poster = new WebClient(config.slack.botToken, { ...clientOptions, retryConfig: { retries: 0 }, logger });
  const publisher = new Publisher({ db, client: app.client, poster, log: log.child({ component: 'publisher' }) });
  const ticker = new Ticker(log.child({ component: 'ticker' }));
  const repair: Job = { name: 'repair-stale-messages', every: REPAIR_EVERY, run: () => publisher.repairStale() };
  const prune: Job = {
    name: 'prune-receipts',
    every: '0 17 * * * *',
    run: () => pruneReceipts(db, new Date(deps.clock().getTime() - RECEIPTS_KEPT_MS)),
  };
  const deps: Deps = { db, clock: opts.clock ?? (() => new Date()), log, templates: opts.templates, publisher };

  // Work still running after its ack: shutdown (and tests) wait for it rather than cutting it off.
  const inflight = new Set<Promise<unknown>>();

  /**
   * Where every error ends: the person always hears back, privately. A UserError says what to do instead;
   * anything else is logged with an id, and the person is given that id.
   */
  const handleError = async (error: unknown, body: unknown, reqLog: Logger): Promise<void> => {
    let text: string;
    if (error instanceof UserError) {
      reqLog.info({ code: error.code }, 'request refused: %s', error.message);
      text = `:no_entry_sign: ${error.message}`;
    } else {
      const errorId = newErrorId();
      reqLog.error({ err: error, errorId }, 'request failed');
      text = unexpectedErrorText(errorId);
    }
    try {
      await replyPrivately(app.client, body, { text });
    } catch (replyErr) {
      reqLog.error({ err: replyErr }, 'could not tell the person about an error');
    }
  };

  // One child logger per request, carrying ids that let the request be followed through the logs.
  app.use(async ({ body, context, next }) => {
    const b = body as { user?: { id?: string }; user_id?: string; type?: string; command?: string };
    context['requestId'] = randomUUID();
    context['log'] = log.child({ requestId: context['requestId'], userId: b.user?.id ?? b.user_id, kind: b.type ?? b.command });
    const reqLog = context['log'] as Logger;
    // The error is answered inside the tracked work, so "idle" also covers telling the person.
    const work = next().catch((err: unknown) => handleError(err, body, reqLog));
    inflight.add(work);
    try {
      await work;
    } finally {
      inflight.delete(work);
    }
  });

  const idle = async () => {
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
    await publisher.idle();
  };

  registerCommands(app, deps);
  registerActions(app, deps);
  registerViews(app, deps);

  // Errors Bolt meets before our middleware runs (authorisation, say) end in the same handler.
  app.error((async ({ error, body, context }: ErrorArgs) => {
    await handleError(error.original ?? error, body, (context?.['log'] as Logger | undefined) ?? log);
  }) as never);

  let healthServer: Server | undefined;
  let httpServer: Server | undefined;
  /** Starts listening (HTTP) or connecting (Socket Mode, plus a server for the health probes). */
  const listen = async (port: number): Promise<{ port: number }> => {
    if (config.mode === 'socket') {
      // Socket Mode has no inbound HTTP, but orchestrators still probe health and readiness.
      healthServer = createServer((req, res) => {
        void health(db, req, res).then((handled) => {
          if (!handled) res.writeHead(404).end();
        });
      });
      await new Promise<void>((resolve) => healthServer!.listen(port, resolve));
      await app.start();
      return { port: (healthServer.address() as AddressInfo).port };
    }
    httpServer = (await app.start(port)) as Server;
    return { port: (httpServer.address() as AddressInfo).port };
  };

  return {
    app,
    deps,
    publisher,
    async start(port = config.port) {
      const listening = await listen(port);
      // Catch up on anything a previous run left behind (tracked, so stop waits for it), then keep catching up.
      const first = ticker.runOnce(repair);
      inflight.add(first);
      void first.finally(() => inflight.delete(first));
      ticker.start([repair, prune]);
      return listening;
    },
    async stop() {
      await ticker.stop();
      await app.stop();
      if (healthServer) await new Promise<void>((resolve) => healthServer!.close(() => resolve()));
      await idle();
    },
    idle,
    repair: () => publisher.repairStale(),
  };
}
