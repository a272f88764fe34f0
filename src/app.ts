import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPModuleFunctions, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { Octokit } from '@octokit/rest';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Db } from './store/db.js';
import type { Template } from './domain/template.js';
import type { Deps } from './services/deps.js';
import { wasNotAcknowledged } from './errors.js';
import { answerHealth } from './health.js';
import type { PreflightApp, RequestContext } from './listeners/context.js';
import { answerError } from './slack/answer-error.js';
import { boltLogger } from './slack/bolt-logger.js';
import { Publisher } from './slack/publisher.js';
import { requestContext } from './slack/request-context.js';
import { arrivedAtOf, EVENTS_PATH, guardRequests } from './slack/request-guard.js';
import { checkAppToken, checkBotToken, listenOn, portProblem } from './slack/startup-checks.js';
import { Ticker, type Job } from './scheduler/ticker.js';
import { pruneReceipts } from './store/promotions.js';
import { SlackAdapter } from './slack/port.js';
import { ClickIntake, SWEEP_EVERY } from './services/intake.js';
import { WorkflowDispatcher } from './github/dispatch.js';
import { StatuspageSender } from './statuspage/sender.js';
import { GithubApp } from './github/app.js';
import { DEFAULT_GATE_TIMING, GateSender, type GateTiming } from './github/gate-sender.js';
import { GITHUB_WEBHOOK_PATH, githubWebhook, type WebhookHandler } from './github/webhook.js';
import { attachWaitingGates } from './services/github-gate.js';
import { register as registerCommands } from '../commands/index.js';
import { register as registerActions } from './listeners/actions/index.js';
import { register as registerViews } from './listeners/views/index.js';
import { register as registerEvents } from './listeners/events/index.js';
import { Routes } from './listeners/router.js';
import { publishStaleHomes, refreshHomesOf } from './services/home.js';
import { ProbeRunner } from './probes/runner.js';
import { ReminderSender } from './services/reminders.js';
import { announceStart } from './services/announce-start.js';
import { FAMILIES } from './probes/registry.js';
import { createCloudWatchClient } from './probes/aws.js';
import type { ProbeFamilies } from './probes/types.js';

/** What Bolt passes an error handler when `extendedErrorHandler` is on. */
interface ErrorArgs {
  error: Error & { original?: unknown };
  body: unknown;
  context?: Partial<RequestContext>;
}

/** How long a click's receipt is kept to recognise a redelivery: far longer than Slack ever retries. */
const RECEIPTS_KEPT_MS = 24 * 60 * 60 * 1000;

/** How often messages that fell behind the database (Slack failed) are rendered again. */
const REPAIR_EVERY = '*/20 * * * * *';
/** How often the outbox's left-behind posts are sent (src/slack/outbox.ts). */
const OUTBOX_EVERY = '*/5 * * * * *';

export interface PreflightOptions {
  config: Config;
  db: Db;
  templates: ReadonlyMap<string, Template>;
  log: Logger;
  clock?: () => Date;
  /**
   * Run the background jobs (a catch-up sweep at start, then the repair sweep every 20 s and the receipt pruning):
   * default true. Tests turn it off so that nothing runs on wall-clock time beside them; `repair()` still sweeps.
   */
  scheduler?: boolean;
  /** The probe families (default: src/probes/registry.ts); tests and the bench pass doubles. */
  probeFamilies?: Partial<ProbeFamilies>;
  /** The GitHub gate sender's timing (src/github/gate-sender.ts): tests shorten its backoff and report interval. */
  gateTiming?: Partial<GateTiming>;
}

export interface Preflight {
  app: PreflightApp;
  deps: Deps;
  publisher: Publisher;
  /** Starts listening (HTTP) or connecting (Socket Mode); resolves with the HTTP port. */
  start(port?: number): Promise<{ port: number }>;
  stop(): Promise<void>;
  /** Resolves once every request this process acknowledged, and every message refresh, has finished. */
  idle(): Promise<void>;
  /** Render now whatever fell behind (what the scheduler does every 20 seconds). */
  repair(): Promise<number>;
  /** Send the reminders due by the clock now (what the scheduler does every few seconds); how many were posted. */
  remind(): Promise<number>;
  /** Send the status page's due calls now (what the scheduler does every few seconds); how many were taken. */
  statuspage(): Promise<number>;
  /**
   * The GitHub gate's sweep now (what the scheduler does every few seconds): jobs still waiting for a promotion join
   * one, then the answers and status reports due are sent; how many answers were sent.
   */
  gates(): Promise<number>;
}

export function createPreflight(opts: PreflightOptions): Preflight {
  const { config, db, log } = opts;
  const clientOptions = {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    // A click's follow-up must not hang for minutes: a few quick retries, then the error reaches the person.
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
    timeout: 15_000,
  };
  const logger = boltLogger(log.child({ component: 'bolt' }));
  // POST /github/webhook (issue 13), answered by the handler made below once the use cases' deps exist.
  let webhook: WebhookHandler | undefined;
  const onWebhook = (req: Parameters<WebhookHandler['handle']>[0], res: Parameters<WebhookHandler['handle']>[1]) =>
    void webhook?.handle(req, res).then(
      (handled) => {
        if (!handled && !res.headersSent) res.writeHead(404).end();
      },
      // The request broke off before its body ended (the client went away): nothing was read, nothing to answer.
      (err: unknown) => {
        log.info({ err: { message: (err as Error)?.message } }, 'GitHub webhook: the request broke off');
        if (!res.headersSent) res.writeHead(400).end();
      },
    );
  const receiver = config.mode === 'socket'
      ? new SocketModeReceiver({ appToken: config.slack.appToken!, logger, installerOptions: { clientOptions } })
      : new HTTPReceiver({
          signingSecret: config.slack.signingSecret!,
          logger,
          endpoints: EVENTS_PATH,
          // The request guard (guardRequests, below) verifies every request routed here, and hands Bolt the body
          // decoded, which Bolt's own check would find unsigned.
          signatureVerification: false,
          customRoutes: [
            { path: '/healthz', method: 'GET', handler: (req, res) => void answerHealth(db, req, res) },
            { path: '/readyz', method: 'GET', handler: (req, res) => void answerHealth(db, req, res) },
            { path: GITHUB_WEBHOOK_PATH, method: 'POST', handler: onWebhook },
          ],
          // When each request arrived, for the deadline to acknowledge a click (Slack waits 3 s from there).
          customPropertiesExtractor: (req) => ({ arrivedAt: arrivedAtOf(req) }),
          // A click that could not be stored is answered 500 on purpose (already told privately, and logged): not
          // the "unhandled error" Bolt's default handler would log. Everything else goes to that default.
          processEventErrorHandler: async (args) => {
            if (!wasNotAcknowledged(args.error)) return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
            if (!args.response.headersSent) args.response.writeHead(500).end();
            // Handled: Bolt marks the request answered, so its 3 s timer does not log "not acknowledged" for it too.
            return true;
          },
        });
  if (receiver instanceof HTTPReceiver) guardRequests(receiver, config.slack.signingSecret!, log.child({ component: 'request-guard' }));
  const app = new App<RequestContext>({
    token: config.slack.botToken,
    receiver,
    logger,
    clientOptions,
    extendedErrorHandler: true,
    // Bolt's conversation store is not used (state lives in PostgreSQL); its default, in memory, looks every request
    // up and builds an Error with its stack for each one it does not find.
    convoStore: false,
    // auth.test runs in start (checkBotToken), where a refused token can be reported, not in this constructor.
    deferInitialization: true,
  });

  // Posting is never retried by the client: a post that timed out may have landed, and a retry would post
  // the checklist twice. A failed post is left to the repair sweep instead.
  // Background publishing has clients of its own, never app.client: a 429 there must not delay views.open or an
  // ephemeral answer. Both reject rate-limited calls rather than sleeping in their queue; the publisher honours
  // Retry-After in its budget (src/slack/rate-budget.ts).
  const poster = new WebClient(config.slack.botToken, { ...clientOptions, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logger });
  const updater = new WebClient(config.slack.botToken, { ...clientOptions, rejectRateLimitedCalls: true, logger });
  const clock = opts.clock ?? (() => new Date());
  const publisher = new Publisher({
    db,
    client: updater,
    poster,
    log: log.child({ component: 'publisher' }),
    clock,
    updatesPerMinute: config.slack.updatesPerMinute,
    historyReadsPerMinute: config.slack.historyReadsPerMinute,
    // The start's announcements in stakeholder channels, enqueued once the overview's link exists.
    onOverviewPosted: (q, promotionId, ts) => announceStart(q, promotionId, ts, clock()),
  });
  // The use cases' Slack: the publisher, its outbox, and App Home and user groups on budgets of their own.
  const slack = new SlackAdapter({ db, clock, log: log.child({ component: 'slack' }), publisher, client: updater });
  const ticker = new Ticker(log.child({ component: 'ticker' }));
  const repair: Job = { name: 'repair-stale-messages', every: REPAIR_EVERY, run: () => publisher.repairStale() };
  const prune: Job = {
    name: 'prune-receipts',
    every: '0 17 * * * *',
    run: () => pruneReceipts(db, new Date(deps.clock().getTime() - RECEIPTS_KEPT_MS)),
  };
  // Clicks are stored on arrival and applied in batches; this job applies what a stopped process left stored.
  const clicks = new ClickIntake({ db, clock, log: log.child({ component: 'intake' }), templates: opts.templates, slack });
  const applyStored: Job = { name: 'apply-stored-clicks', every: SWEEP_EVERY, run: () => clicks.sweep() };
  // One-off posts a request could not send (Slack failed, the process stopped, the answer never came): every few seconds.
  const sendOutbox: Job = { name: 'send-outbox', every: OUTBOX_EVERY, run: () => publisher.outbox.sendDue() };
  // GO's workflow dispatches (src/github/dispatch.ts): exactly once; what a request left, and retries, every few seconds.
  const github = config.github.token ? new Octokit({ auth: config.github.token, baseUrl: config.github.apiUrl.replace(/\/+$/, ''), userAgent: 'preflight', log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } }) : undefined;
  const dispatching = new AbortController();
  const dispatcher = new WorkflowDispatcher({ db, github, clock, log: log.child({ component: 'github' }), sendPost: (key) => publisher.outbox.send(key), signal: dispatching.signal });
  const dispatchWorkflows: Job = { name: 'dispatch-workflows', every: OUTBOX_EVERY, run: () => dispatcher.sweep() };
  // The status page (src/statuspage/sender.ts, issue 12): exactly once, in order, one request a second shared by the
  // replicas; right after the change that enqueued a call (deps.statuspage.kick), and what is left every few seconds.
  const statuspage = new StatuspageSender({
    db,
    apiKey: config.statuspage.apiKey,
    apiUrl: config.statuspage.apiUrl,
    clock,
    log: log.child({ component: 'statuspage' }),
    timer: () => publisher.time,
    sendPost: (key) => publisher.outbox.send(key),
    signal: dispatching.signal,
  });
  const sendStatuspage: Job = { name: 'send-statuspage', every: OUTBOX_EVERY, run: () => statuspage.sweep() };
  // The GitHub deployment gate (src/github/, issue 13): with the App configured, the answers GO, NO-GO, abort, rollback
  // and completion decide are sent once (right after the change, and what is left every few seconds), and jobs waiting
  // for a promotion join one.
  const githubApp = config.githubApp
    ? new GithubApp(config.githubApp, config.github.apiUrl, log.child({ component: 'github-app' }), opts.gateTiming?.requestTimeoutMs ?? DEFAULT_GATE_TIMING.requestTimeoutMs)
    : undefined;
  const gateSender = githubApp
    ? new GateSender({ db, app: githubApp, clock, log: log.child({ component: 'github-gate' }), sendPost: (key) => publisher.outbox.send(key), refresh: (id) => slack.refresh(id), signal: dispatching.signal, ...(opts.gateTiming ? { timing: opts.gateTiming } : {}) })
    : undefined;
  const gates = githubApp && gateSender ? { checkInstallation: (id: number) => githubApp.checkInstallation(id), kick: () => gateSender.kick() } : undefined;
  const deps: Deps = { db, clock, log, templates: opts.templates, slack, clicks, statuspage, gates };
  const sweepGates = async (): Promise<number> => {
    if (!gateSender) return 0;
    await attachWaitingGates(deps);
    return gateSender.sweep();
  };
  const answerGates: Job = { name: 'answer-github-gates', every: OUTBOX_EVERY, run: sweepGates };
  // App Home (src/services/home.ts): after a change, the Homes of the people it concerns; what fell behind, every few seconds.
  slack.republishHomes = (promotionId) => refreshHomesOf(deps, promotionId);
  const publishHomes: Job = { name: 'publish-stale-homes', every: OUTBOX_EVERY, run: () => publishStaleHomes(deps) };
  // Verification probes (src/probes/runner.ts): runs this process claims; those a dead process left running are marked
  // interrupted once their claim lapses, at start and every few seconds.
  const probes = new ProbeRunner({
    deps,
    families: opts.probeFamilies ?? FAMILIES,
    env: config.probes?.env ?? {},
    github,
    cloudwatch: () => createCloudWatchClient(config.aws),
    concurrency: config.probes?.concurrency,
  });
  deps.probes = probes;
  const sweepProbes: Job = { name: 'interrupt-lapsed-probes', every: OUTBOX_EVERY, run: () => probes.sweep() };
  // The timeline's reminders (src/services/reminders.ts): claimed when due by the injected clock, sent once whichever
  // replica claims them; a reminder due while every process was down is sent (or skipped) at the first tick.
  const reminders = new ReminderSender(deps);
  const sendReminders: Job = { name: 'send-reminders', every: OUTBOX_EVERY, run: () => reminders.sendDue() };

  // Work still running after its ack: shutdown (and tests) wait for it rather than cutting it off.
  const inflight = new Set<Promise<unknown>>();
  const track = async (work: Promise<void>): Promise<void> => {
    inflight.add(work);
    try {
      await work;
    } finally {
      inflight.delete(work);
    }
  };
  app.use(requestContext(deps, app.client, track));
  webhook = githubWebhook({ deps, secret: config.githubApp?.webhookSecret, log: log.child({ component: 'github-webhook' }), track: (work) => void track(work) });

  const idle = async () => {
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
    await clicks.idle();
    await publisher.idle();
    await slack.homesIdle();
    await probes.idle();
    await statuspage.idle();
    await gateSender?.idle();
  };

  registerCommands(app);
  // Clicks and modal submissions are routed by id through one Bolt listener each (src/listeners/router.ts).
  const routes = new Routes();
  registerActions(routes);
  registerViews(routes);
  routes.mount(app);
  registerEvents(app);

  // Errors Bolt meets before our middleware runs (authorisation, say) end in the same handler.
  app.error((async ({ error, body, context }: ErrorArgs) => {
    const original = error.original ?? error;
    // A click that could not be stored, already answered privately (src/slack/request-context.ts): rethrown, Bolt
    // answers Slack 500 at once (handled here, the request would stay unanswered until Bolt's 3 s timeout).
    if (wasNotAcknowledged(original)) throw original;
    await answerError(app.client, original, body, context?.log ?? log);
  }) as never);

  let healthServer: Server | undefined;
  let httpServer: Server | undefined;
  /**
   * Starts listening (HTTP) or connecting (Socket Mode, plus a server for the health probes). The tokens are
   * checked first, and in Socket Mode the port too, so a mistake is reported before the start is announced.
   */
  const listen = async (port: number): Promise<{ port: number }> => {
    if (config.mode === 'socket') {
      // Socket Mode has no inbound HTTP, but orchestrators still probe health and readiness.
      // And GitHub's webhook: GitHub delivers over HTTP whatever transport Slack uses.
      const server = createServer((req, res) => {
        void answerHealth(db, req, res)
          .then((handled) => handled || (webhook?.handle(req, res) ?? false))
          .then((handled) => {
            if (!handled) res.writeHead(404).end();
          });
      });
      await listenOn(server, port);
      server.on('error', (err) => log.error({ err }, 'health server error'));
      healthServer = server;
      try {
        await checkBotToken(app);
        await checkAppToken(config.slack.appToken!, { ...clientOptions, logger });
        await app.start();
      } catch (err) {
        healthServer = undefined;
        await new Promise<void>((resolve) => server.close(() => resolve()));
        throw err;
      }
      return { port: (server.address() as AddressInfo).port };
    }
    await checkBotToken(app);
    try {
      httpServer = (await app.start(port)) as Server;
    } catch (err) {
      throw portProblem(err, port);
    }
    return { port: (httpServer.address() as AddressInfo).port };
  };

  return {
    app,
    deps,
    publisher,
    async start(port = config.port) {
      const listening = await listen(port);
      if (opts.scheduler === false) return listening;
      // Catch up on anything a previous run left behind (tracked, so stop waits for it), then keep catching up.
      const first = ticker.runOnce(repair);
      inflight.add(first);
      void first.finally(() => inflight.delete(first));
      ticker.start([repair, prune]);
      // Apply clicks a stopped process stored and never applied, now and every few seconds (`clicks.idle` waits).
      void ticker.runOnce(applyStored);
      ticker.start([applyStored]);
      // Posts left in the outbox by a previous run, now and every few seconds.
      void ticker.runOnce(sendOutbox);
      ticker.start([sendOutbox]);
      ticker.start([publishHomes]);
      void ticker.runOnce(dispatchWorkflows);
      ticker.start([dispatchWorkflows]);
      if (statuspage.enabled) {
        void ticker.runOnce(sendStatuspage);
        ticker.start([sendStatuspage]);
      }
      void ticker.runOnce(sweepProbes);
      ticker.start([sweepProbes]);
      void ticker.runOnce(sendReminders);
      ticker.start([sendReminders]);
      if (gateSender) {
        void ticker.runOnce(answerGates);
        ticker.start([answerGates]);
      }
      return listening;
    },
    async stop() {
      dispatching.abort();
      await ticker.stop();
      await app.stop();
      // Runs still going end interrupted, recorded while the database is still there.
      await probes.stop();
      if (healthServer) await new Promise<void>((resolve) => healthServer!.close(() => resolve()));
      // A post still waiting for the database to record it is given up (and logged) rather than waited on.
      publisher.stop();
      await idle();
    },
    idle,
    repair: () => publisher.repairStale(),
    remind: () => reminders.sendDue(),
    statuspage: () => statuspage.sweep(),
    gates: sweepGates,
  };
}
