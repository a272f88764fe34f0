/**
 * Issue 7's benchmark: signed checkbox clicks sent open loop (at a fixed rate, never waiting for answers) from a
 * separate process (bench/open-loop-sender.ts) at the largest template (rls-rollout), against a bare Bolt app that
 * only acknowledges (same HTTPReceiver and signing secret) and against the bot on a real PostgreSQL
 * (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test, a throwaway schema) with the fake Slack, its
 * rate limits on, and the bot's chat.update budget on the wall clock (REAL_TIMER: real Slack is real time).
 *   npm run bench:open-loop
 * Env: OPEN_LOOP_RATES (default 50,100,200,400,800), OPEN_LOOP_SECONDS (5 per rate), OPEN_LOOP_BOTS (1,2),
 *      OPEN_LOOP_SETTLE_SECONDS (longest wait for the messages to show the final state, 90).
 * The bots and the fake Slack run in this process, so its CPU and RSS include the fake's; the sender does not.
 * Prints a table; asserts nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import bolt from '@slack/bolt';
import pg from 'pg';
import { postgresDatabase, type LocalDatabase } from '../src/playground/databases.js';
import type { FakeMessage } from '../src/playground/fake-slack.js';
import { checkboxBlocks, promotionMessages } from '../src/playground/slack-client/index.js';
import { DEFAULT_BOT_TOKEN, DEFAULT_SIGNING_SECRET, startLocalStack, type LocalStack } from '../src/playground/stack.js';
import { REAL_TIMER } from '../src/slack/rate-budget.js';
import type { SentClick } from './open-loop-sender.js';

const DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const RATES = (process.env['OPEN_LOOP_RATES'] ?? '50,100,200,400,800').split(',').map(Number);
const SECONDS = Number(process.env['OPEN_LOOP_SECONDS'] ?? 5);
const BOTS = (process.env['OPEN_LOOP_BOTS'] ?? '1,2').split(',').filter(Boolean).map(Number);
const SETTLE_MS = Number(process.env['OPEN_LOOP_SETTLE_SECONDS'] ?? 90) * 1000;
const USERS = Array.from({ length: 40 }, (_, i) => `U0OPEN${i}`);
const dir = mkdtempSync(join(tmpdir(), 'open-loop-'));

function pct(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;

interface Target {
  message: FakeMessage;
  blockId: string;
  value: string;
}
function targetsOf(thread: FakeMessage[]): Target[] {
  return thread.flatMap((message) => checkboxBlocks(message).flatMap((b) => b.values.map((value) => ({ message, blockId: b.blockId, value }))));
}

let lastMicros = 0;
let runNo = 0;
async function runSender(urls: string[], rate: number, targets: Target[], responseUrl: string): Promise<{ sent: SentClick[]; sentInMs: number }> {
  const n = runNo++;
  const cfgPath = join(dir, `cfg-${n}.json`);
  const outPath = join(dir, `out-${n}.json`);
  writeFileSync(cfgPath, JSON.stringify({ urls, signingSecret: DEFAULT_SIGNING_SECRET, rate, durationMs: SECONDS * 1000, targets, users: USERS, responseUrl, afterMicros: lastMicros }));
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/open-loop-sender.ts', cfgPath, outPath], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sender exited ${code}`))));
  });
  const out = JSON.parse(readFileSync(outPath, 'utf8')) as { sent: SentClick[]; sentInMs: number; lastMicros: number };
  lastMicros = out.lastMicros;
  return out;
}

interface Row {
  target: string;
  rate: number;
  clicks: number;
  non200: number;
  p50: number;
  p99: number;
  wrongItems?: number;
  noReceipt?: number;
  updatesPerMinute?: number;
  rateLimited?: number;
  shownMs?: number | 'not within cap';
  cpuMsPerClick: number;
  rss: number;
}
const rows: Row[] = [];
const bareP99 = new Map<number, number>();

async function bare(targets: Target[], responseUrl: string): Promise<void> {
  const receiver = new bolt.HTTPReceiver({ signingSecret: DEFAULT_SIGNING_SECRET });
  // authorize answers from memory: a token alone would make Bolt ask auth.test on every request.
  const app = new bolt.App({
    receiver,
    authorize: async () => ({ botToken: DEFAULT_BOT_TOKEN, botId: 'B0BARE', botUserId: 'U0BARE' }),
    logLevel: bolt.LogLevel.ERROR,
  });
  // Every request acknowledged at once, whatever it is (the bot's listeners do more before theirs).
  app.use(async (args) => {
    const ack = (args as { ack?: () => Promise<void> }).ack;
    if (ack) await ack();
  });
  app.error(async (e) => {
    console.error('bare app:', e);
  });
  const server = (await app.start(0)) as unknown as import('node:http').Server;
  const port = (server.address() as { port: number }).port;
  try {
    for (const rate of RATES) {
      const cpu = process.cpuUsage();
      const { sent } = await runSender([`http://127.0.0.1:${port}/slack/events`], rate, targets, responseUrl);
      const used = process.cpuUsage(cpu);
      const ok = sent.filter((c) => c.status === 200);
      const p99 = pct(ok.map((c) => c.ackMs), 99);
      bareP99.set(rate, p99);
      rows.push({ target: 'bare Bolt', rate, clicks: sent.length, non200: sent.length - ok.length, p50: pct(ok.map((c) => c.ackMs), 50), p99, cpuMsPerClick: (used.user + used.system) / 1000 / sent.length, rss: process.memoryUsage().rss });
      console.log(JSON.stringify(rows.at(-1)));
    }
  } finally {
    await app.stop();
  }
}

async function bot(nBots: number, database: LocalDatabase, h: LocalStack, targets: Target[], responseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const expected = new Map<string, { ts: number; ticked: boolean }>();
  let total = 0;
  try {
    const idle = process.memoryUsage().rss;
    console.log(`bots=${nBots}: RSS idle ${mib(idle)}`);
    for (const rate of RATES) {
      // The views the sender holds: the messages as they show now (stale by the time the clicks land).
      const thread = promotionMessages(h.fake)[0]!.thread.map((m) => h.fake.message(m.channel, m.ts)!);
      const views = targetsOf(structuredClone(thread));
      const updatesBefore = h.fake.callsTo('chat.update');
      const okBefore = updatesBefore.filter((c) => !c.rateLimited).length;
      const limitedBefore = updatesBefore.length - okBefore;
      const cpu = process.cpuUsage();
      const started = Date.now();
      const { sent } = await runSender(
        h.bots.map((b) => b.sender.url),
        rate,
        views,
        responseUrl,
      );
      total += sent.length;
      const ok = sent.filter((c) => c.status === 200);
      for (const c of ok) {
        const ts = Number(c.actionTs);
        const e = expected.get(c.value);
        if (!e || e.ts < ts) expected.set(c.value, { ts, ticked: c.ticked });
      }
      // Until every message shows the final state.
      const lastClick = Date.now();
      let shownMs: number | 'not within cap' = 'not within cap';
      while (Date.now() - lastClick < SETTLE_MS) {
        const now = promotionMessages(h.fake)[0]!.thread.map((m) => h.fake.message(m.channel, m.ts)!);
        const shown = new Map<string, boolean>();
        for (const m of now) for (const b of checkboxBlocks(m)) for (const v of b.values) shown.set(v, b.ticked.includes(v));
        if ([...expected].every(([v, e]) => shown.get(v) === e.ticked)) {
          shownMs = Date.now() - lastClick;
          break;
        }
        await sleep(200);
      }
      await h.settle();
      const used = process.cpuUsage(cpu);
      const elapsedMin = (Date.now() - started) / 60000;
      const updates = h.fake.callsTo('chat.update');
      const okUpdates = updates.filter((c) => !c.rateLimited).length - okBefore;
      const limited = updates.length - okUpdates - okBefore - limitedBefore;
      const states = await client.query<{ item_id: string; state: string }>('SELECT item_id, state FROM item_states');
      const stored = new Map(states.rows.map((r) => [r.item_id, r.state === 'done']));
      const wrongItems = [...expected].filter(([v, e]) => stored.get(v) !== e.ticked).length;
      const receipts = await client.query<{ key: string }>('SELECT key FROM interaction_receipts');
      const keys = new Set(receipts.rows.map((r) => r.key));
      const noReceipt = ok.filter((c) => !keys.has(`toggle:${c.user}:${c.actionTs}:${c.blockId}`)).length;
      const okMs = ok.map((c) => c.ackMs);
      const p99 = pct(okMs, 99);
      rows.push({
        target: `bot x${nBots} (PostgreSQL)`,
        rate,
        clicks: sent.length,
        non200: sent.length - ok.length,
        p50: pct(okMs, 50),
        p99,
        wrongItems,
        noReceipt,
        updatesPerMinute: okUpdates / elapsedMin,
        rateLimited: limited,
        shownMs,
        cpuMsPerClick: (used.user + used.system) / 1000 / sent.length,
        rss: process.memoryUsage().rss,
      });
      console.log(JSON.stringify({ ...rows.at(-1), bareP99: bareP99.get(rate), totalClicks: total }));
    }
    console.log(`bots=${nBots}: RSS idle ${mib(idle)}, after ${total} clicks ${mib(process.memoryUsage().rss)}`);
  } finally {
    await client.end();
  }
}

async function setup(nBots: number): Promise<{ h: LocalStack; database: LocalDatabase; targets: Target[]; responseUrl: string }> {
  const database = await postgresDatabase(DATABASE_URL);
  const h = await startLocalStack({ database, bots: nBots, templatesDir: 'checklists', timer: REAL_TIMER, fake: { rateLimits: true } });
  await h.command('start v1.50 rls-rollout');
  // chat.postMessage runs at about one a second per channel on the wall clock: wait for the whole thread.
  let seen = -1;
  for (;;) {
    await h.settle();
    await sleep(2500);
    const count = promotionMessages(h.fake)[0]?.thread.length ?? 0;
    if (count === seen) break;
    seen = count;
  }
  const thread = promotionMessages(h.fake)[0]!.thread;
  return { h, database, targets: targetsOf(structuredClone(thread)), responseUrl: h.fake.responseUrl({ channel: thread[0]!.channel, user: USERS[0]! }) };
}

// The bare app first, on the same views.
{
  const { h, database, targets, responseUrl } = await setup(1);
  await h.close();
  await database.drop();
  console.log(`rls-rollout: ${targets.length} checkbox options`);
  await bare(targets, responseUrl);
}
for (const n of BOTS) {
  const { h, database, targets, responseUrl } = await setup(n);
  try {
    await bot(n, database, h, targets, responseUrl);
  } finally {
    await h.close();
    await database.drop();
  }
}

const f = (v: number | undefined, d = 1) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(d));
console.log('\n| target | rate/s | clicks | non-200 | ack p50 ms | ack p99 ms | p99 / bare p99 | wrong items | acked, no receipt | chat.update/min ok (429s) | final state shown after last click | CPU ms/click | RSS |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const ratio = r.target.startsWith('bot') ? f(r.p99 / (bareP99.get(r.rate) ?? NaN), 2) : '-';
  const shown = r.shownMs === undefined ? '-' : typeof r.shownMs === 'number' ? `${(r.shownMs / 1000).toFixed(1)} s` : r.shownMs;
  const upd = r.updatesPerMinute === undefined ? '-' : `${f(r.updatesPerMinute)} (${r.rateLimited})`;
  console.log(`| ${r.target} | ${r.rate} | ${r.clicks} | ${r.non200} | ${f(r.p50)} | ${f(r.p99)} | ${ratio} | ${r.wrongItems ?? '-'} | ${r.noReceipt ?? '-'} | ${upd} | ${shown} | ${f(r.cpuMsPerClick, 2)} | ${mib(r.rss)} |`);
}
