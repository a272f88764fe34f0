/**
 * A local stack: the fake Slack Web API (./fake-slack.ts), N real bot processes (`createPreflight`, each on a
 * loopback port with its own pool on one shared database) and a simulated Slack client (./slack-client/) bound to
 * them, so a caller can type a command, tick a checkbox, click or submit as a given user would and watch what the
 * channel shows. Used by the end-to-end tests, the bench and the playground.
 */
import { Writable } from 'node:stream';
import { createPreflight, type Preflight } from '../app.js';
import type { GateTiming } from '../github/gate-sender.js';
import type { ProbeFamilies } from '../probes/types.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import type { RateTimer } from '../slack/rate-budget.js';
import type { Db } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { loadTemplates } from '../templates/loader.js';
import type { LocalDatabase } from './databases.js';
import { startFakeSlack, type FakeMessage, type FakeSlack, type FakeSlackOptions } from './fake-slack.js';
import { VirtualTime } from './virtual-time.js';
import {
  blockActions,
  DEFAULT_CHANNEL,
  slashCommand,
  socketSender,
  toggleCheckboxes,
  viewBlockActions,
  viewSubmission,
  type SignedRequestOptions,
  type SlackHttpResult,
  type SlackSender,
  type SubmittedView,
} from './slack-client/index.js';

/** The bot token every bot process of the stack uses (the fake accepts any). */
export const DEFAULT_BOT_TOKEN = 'xoxb-test-0000-secret-bot-token';
/** The signing secret the bots verify and the simulated client signs with. */
export const DEFAULT_SIGNING_SECRET = 'test-signing-secret-do-not-log';
/** The app-level token the bots connect with in Socket Mode (the fake accepts any `xapp-` token). */
export const DEFAULT_APP_TOKEN = 'xapp-1-A0PREFLIGHT-1-test-app-level-token';

/** One bot process: the real Bolt app on a loopback port, its own database pool, the shared fake Slack. */
export interface BotProcess {
  preflight: Preflight;
  db: Db;
  /** Where the simulated client's requests go: the bot's /slack/events, or in Socket Mode the fake's envelopes. */
  sender: SlackSender;
  /** The port it listens on: Bolt's HTTP server, or in Socket Mode the health server (/healthz, /readyz). */
  port: number;
  stop(): Promise<void>;
}

export interface LocalStack {
  fake: FakeSlack;
  /** The time the fake Slack and the bots' rate budgets run on. */
  time: VirtualTime;
  bots: BotProcess[];
  /** The first bot: where requests go unless a caller says otherwise. */
  bot: BotProcess;
  /** Everything the bots logged, as JSON lines. */
  logs: string[];
  /** `/promote <text>` as `user` (default U0ALICE) in `channel` (default DEFAULT_CHANNEL). */
  command(text: string, opts?: { user?: string; channel?: string; bot?: BotProcess; signed?: SignedRequestOptions }): Promise<SlackHttpResult>;
  /** Tick/untick checkbox options as a user who sees `message` (possibly stale) would. */
  toggle(user: string, message: FakeMessage, blockId: string, values: string[], bot?: BotProcess): Promise<SlackHttpResult>;
  click(user: string, message: FakeMessage, action: Record<string, unknown>, bot?: BotProcess): Promise<SlackHttpResult>;
  submit(user: string, view: SubmittedView, bot?: BotProcess): Promise<SlackHttpResult>;
  /** Use an element with dispatch_action inside an open modal (`view` as the client shows it). */
  clickInView(user: string, view: SubmittedView, action: Record<string, unknown>, bot?: BotProcess): Promise<SlackHttpResult>;
  /** Wait until every bot has finished what it acknowledged. */
  settle(): Promise<void>;
  /** Start one more bot process on the same database (a replica, or the restarted bot). */
  addBot(): Promise<BotProcess>;
  /** Stops every bot and the fake Slack; the database is the caller's to drop. */
  close(): Promise<void>;
}

export interface LocalStackOptions {
  database: LocalDatabase;
  /** Default `checklists` (relative to the working directory). */
  templatesDir?: string;
  /** How many bot processes to start; default 1. */
  bots?: number;
  clock?: () => Date;
  /** Run each bot's background jobs (`createPreflight`'s `scheduler`); default true. */
  scheduler?: boolean;
  /** Options for the fake Slack (`rateLimits: false` for a test that needs unlimited calls). Its clock is `time`'s. */
  fake?: Omit<FakeSlackOptions, 'clock'>;
  /** The time the fake and the bots' rate budgets run on; default a VirtualTime in auto mode (waits take no time). */
  time?: VirtualTime;
  /**
   * Overrides `time` for the fake's clock and the bots' rate budgets: pass REAL_TIMER (src/slack/rate-budget.ts) to
   * wait out Slack's limits on the wall clock, as real Slack does (bench/open-loop.ts).
   */
  timer?: RateTimer;
  /** Where the bots log (JSON lines) instead of `logs`, which then stays empty: a long-running playground. */
  logTo?: Writable;
  /** Default 'debug'. */
  logLevel?: string;
  /**
   * Run the bots in Socket Mode (SLACK_APP_TOKEN set): they connect to the fake's WebSocket, and the stack's
   * requests go as envelopes (slack-client/socket-mode.ts). Slack picks the connection, so `bot` options choose none.
   */
  socketMode?: boolean;
  /** More of the bots' environment (a probe's variables: the env family reads names from it). */
  env?: Record<string, string>;
  /** The bots' probe families instead of src/probes/registry.ts (a test double, the bench's). */
  probeFamilies?: Partial<ProbeFamilies>;
  /** The bots' GitHub gate sender timing (`createPreflight`'s `gateTiming`): a short backoff or report interval. */
  gateTiming?: Partial<GateTiming>;
}

export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const time = opts.time ?? new VirtualTime('auto');
  const timer: RateTimer = opts.timer ?? time;
  const fake = await startFakeSlack({ ...opts.fake, clock: () => timer.now() });
  const templates = await loadTemplates(opts.templatesDir ?? 'checklists');
  const logs: string[] = [];
  const sink = opts.logTo ?? new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const config = loadConfig({
    SLACK_BOT_TOKEN: DEFAULT_BOT_TOKEN,
    SLACK_SIGNING_SECRET: DEFAULT_SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    PORT: '0',
    LOG_LEVEL: opts.logLevel ?? 'debug',
    ...(opts.socketMode ? { SLACK_APP_TOKEN: DEFAULT_APP_TOKEN } : {}),
    ...opts.env,
  });
  const bots: BotProcess[] = [];

  const addBot = async (): Promise<BotProcess> => {
    const db = await opts.database.open();
    await migrate(db);
    const preflight = createPreflight({ config, db, templates, log: createLogger(config.logLevel, sink), clock: opts.clock, scheduler: opts.scheduler, ...(opts.probeFamilies ? { probeFamilies: opts.probeFamilies } : {}), ...(opts.gateTiming ? { gateTiming: opts.gateTiming } : {}) });
    preflight.publisher.useTimer(timer);
    const { port } = await preflight.start(0);
    const bot: BotProcess = {
      preflight,
      db,
      sender: opts.socketMode ? socketSender(fake.socketMode) : { url: `http://127.0.0.1:${port}/slack/events`, signingSecret: DEFAULT_SIGNING_SECRET },
      port,
      async stop() {
        await preflight.stop();
        await db.close();
        bots.splice(bots.indexOf(bot), 1);
      },
    };
    bots.push(bot);
    return bot;
  };
  for (let i = 0; i < (opts.bots ?? 1); i++) await addBot();

  const pick = (bot?: BotProcess) => bot ?? bots[0]!;
  return {
    fake,
    time,
    bots,
    get bot() {
      return bots[0]!;
    },
    logs,
    command: (text, o = {}) =>
      slashCommand(
        pick(o.bot).sender,
        { text, userId: o.user ?? 'U0ALICE', channelId: o.channel ?? DEFAULT_CHANNEL, responseUrl: fake.responseUrl({ channel: o.channel ?? DEFAULT_CHANNEL, user: o.user ?? 'U0ALICE' }) },
        o.signed,
      ),
    toggle: (user, message, blockId, values, bot) =>
      blockActions(pick(bot).sender, {
        userId: user,
        channelId: message.channel,
        message,
        action: toggleCheckboxes(message, blockId, values),
        responseUrl: fake.responseUrl({ channel: message.channel, user, messageTs: message.ts }),
        triggerId: fake.triggerId(),
      }),
    click: (user, message, action, bot) =>
      blockActions(pick(bot).sender, {
        userId: user,
        channelId: message.channel,
        message,
        action,
        responseUrl: fake.responseUrl({ channel: message.channel, user, messageTs: message.ts }),
        triggerId: fake.triggerId(),
      }),
    submit: (user, view, bot) => viewSubmission(pick(bot).sender, { userId: user, view }),
    clickInView: (user, view, action, bot) => viewBlockActions(pick(bot).sender, { userId: user, view, action, triggerId: fake.triggerId() }),
    async settle() {
      await Promise.all(bots.map((b) => b.preflight.idle()));
    },
    addBot,
    async close() {
      for (const b of [...bots]) await b.stop();
      await fake.close();
    },
  };
}
