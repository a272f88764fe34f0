import { Writable } from 'node:stream';
import { createPreflight, type Preflight } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { loadTemplates } from '../../src/templates/loader.js';
import { startFakeSlack, type FakeMessage, type FakeSlack } from '../../src/playground/fake-slack.js';
import {
  blockActions,
  slashCommand,
  toggleCheckboxes,
  viewSubmission,
  type SignedRequestOptions,
  type SlackHttpResult,
  type SlackSender,
} from './slack-requests.js';
import type { TestDatabase } from './db.js';

export const BOT_TOKEN = 'xoxb-test-0000-secret-bot-token';
export const SIGNING_SECRET = 'test-signing-secret-do-not-log';
export const CHANNEL = 'C0DEPLOYS';

/** One bot process: the real Bolt app on a loopback port, its own database pool, the shared fake Slack. */
export interface BotProcess {
  preflight: Preflight;
  db: Db;
  sender: SlackSender;
  stop(): Promise<void>;
}

export interface Harness {
  fake: FakeSlack;
  bots: BotProcess[];
  /** The first bot: where requests go unless a test says otherwise. */
  bot: BotProcess;
  /** Everything the bots logged, as JSON lines. */
  logs: string[];
  command(text: string, opts?: { user?: string; channel?: string; bot?: BotProcess; signed?: SignedRequestOptions }): Promise<SlackHttpResult>;
  /** Tick/untick checkbox options as a user who sees `message` (possibly stale) would. */
  toggle(user: string, message: FakeMessage, blockId: string, values: string[], bot?: BotProcess): Promise<SlackHttpResult>;
  click(user: string, message: FakeMessage, action: Record<string, unknown>, bot?: BotProcess): Promise<SlackHttpResult>;
  submit(user: string, view: Parameters<typeof viewSubmission>[1]['view'], bot?: BotProcess): Promise<SlackHttpResult>;
  /** Wait until every bot has finished what it acknowledged. */
  settle(): Promise<void>;
  /** Start one more bot process on the same database (a replica, or the restarted bot). */
  addBot(): Promise<BotProcess>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  database: TestDatabase;
  templatesDir?: string;
  bots?: number;
  clock?: () => Date;
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const fake = await startFakeSlack();
  const templates = await loadTemplates(opts.templatesDir ?? 'checklists');
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const config = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    PORT: '0',
    LOG_LEVEL: 'debug',
  });
  const bots: BotProcess[] = [];

  const addBot = async (): Promise<BotProcess> => {
    const db = await opts.database.open();
    await migrate(db);
    const preflight = createPreflight({ config, db, templates, log: createLogger('debug', sink), clock: opts.clock });
    const { port } = await preflight.start(0);
    const bot: BotProcess = {
      preflight,
      db,
      sender: { url: `http://127.0.0.1:${port}/slack/events`, signingSecret: SIGNING_SECRET },
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
    bots,
    get bot() {
      return bots[0]!;
    },
    logs,
    command: (text, o = {}) =>
      slashCommand(
        pick(o.bot).sender,
        { text, userId: o.user ?? 'U0ALICE', channelId: o.channel ?? CHANNEL, responseUrl: fake.responseUrl({ channel: o.channel ?? CHANNEL, user: o.user ?? 'U0ALICE' }) },
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

/** The promotion's messages as the channel shows them: the overview, then its thread in order. */
export function promotionMessages(fake: FakeSlack, channel = CHANNEL): { overview: FakeMessage; thread: FakeMessage[] }[] {
  const all = fake.messages(channel);
  return all
    .filter((m) => !m.thread_ts || m.thread_ts === m.ts)
    .map((overview) => ({ overview, thread: all.filter((m) => m.thread_ts === overview.ts && m.ts !== overview.ts) }));
}

/** Every checkbox block in a message, with its options' values and which of them show ticked. */
export function checkboxBlocks(message: FakeMessage): Array<{ blockId: string; values: string[]; ticked: string[] }> {
  return message.blocks
    .filter((b) => b.type === 'actions' && b.elements?.[0]?.type === 'checkboxes')
    .map((b) => ({
      blockId: b.block_id as string,
      values: (b.elements[0].options as Array<{ value: string }>).map((o) => o.value),
      ticked: ((b.elements[0].initial_options ?? []) as Array<{ value: string }>).map((o) => o.value),
    }));
}

/** Find the message and block that hold an item's checkbox. */
export function findCheckbox(fake: FakeSlack, itemId: string, channel = CHANNEL): { message: FakeMessage; blockId: string; ticked: boolean } {
  for (const message of fake.messages(channel)) {
    for (const b of checkboxBlocks(message)) {
      if (b.values.includes(itemId)) return { message, blockId: b.blockId, ticked: b.ticked.includes(itemId) };
    }
  }
  throw new Error(`no checkbox for item ${itemId}`);
}

/** All of a message's block text, for assertions about what a reader sees. */
export function visibleText(message: FakeMessage): string {
  const out: string[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (typeof o['text'] === 'string') out.push(o['text']);
    Object.values(o).forEach(walk);
  };
  walk(message.blocks);
  return out.join('\n');
}

