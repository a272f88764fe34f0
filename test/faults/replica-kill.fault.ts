/**
 * Issue 14, "One of three replicas killed with SIGKILL": three bot processes (the real src/main.ts, each its own OS
 * process: src/playground/bot-process.ts) on one throwaway PostgreSQL schema, the fake Slack and the loopback GitHub,
 * their schedulers on (reminders, outbox and gate answers every 5 s; claims lapse by the database's clock). Four
 * scenarios; in each, one of the three is SIGKILLed at the worst moment, the other two go on, and what it was doing
 * must happen exactly once:
 *
 * 1. Click load: checkbox clicks at ~20/s spread over the three; one is killed right after it acknowledged a click
 *    (mid-load; in the full form the one holding the checklist's render lease). Every click answered 200 is applied
 *    (its receipt is in interaction_receipts: the clicks the dead bot stored and never applied are applied by a
 *    survivor's sweep), clicks sent to the dead bot fail at the HTTP level (connection refused: what Slack would see),
 *    none is applied twice (every `items.toggled` audit event is one applied click), each item ends as the latest
 *    applied click (Slack's order) says, and the messages converge to the stored state.
 * 2. A reminder tick: many promotions (inserted through the store, each in a channel of its own) with their T0
 *    reminder due at one instant; the bot seen holding the most claimed reminders (reminders.claimed_by names the
 *    process) is killed right after its claim. Once its claims lapse (20 s by the database's clock) the others send
 *    them: each reminder posted exactly once (the fake's stored messages by their outbox key `reminder:<id>` in the
 *    message metadata), none lost; prints how late the dead bot's reminders were.
 * 3. A rollback broadcast (full form only): the rollback submitted to one bot, to the checklist's thread and four
 *    stakeholder channels; the fake holds chat.postMessage, so the bot is stuck mid-post; the bot holding the
 *    broadcast's outbox rows is killed, then the fake is let go (the held post lands: an outcome the dead bot never
 *    learnt). Once the outbox claims lapse (30 s) the others look for what may have been posted (conversations.history
 *    / replies by metadata, SLACK_HISTORY_READS_PER_MINUTE raised to 50 here) and post the rest: every channel gets
 *    the broadcast exactly once.
 * 4. A GitHub gate answer: a job waiting at the gate, GO clicked; the loopback GitHub applies the approval and never
 *    answers (`hangAfterApplying`), so the answering bot is stuck mid-call; it is killed. Once the gate's claim lapses
 *    (30 s, the product's default: no knob) another bot sends the answer again, GitHub says 422 (nothing waits), and
 *    that is recorded as answered (send_state 'sent'), not as failed: GitHub took exactly one answer, the thread says
 *    "GitHub took the GO" once and no refusal.
 *
 * After each scenario the killed bot is replaced (a fresh process), so the next one starts with three again.
 *
 *   tsx test/faults/replica-kill.fault.ts [--quick]
 * --quick (CI, `npm test`): scenarios 1, 2 and 4, smaller (160 clicks over 8 s, 60 reminders; ~100 s). Full: all
 * four, larger (480 clicks over 24 s, 150 reminders; ~3 minutes).
 * Env: TEST_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test), REPLICA_KILL_SCENARIOS (e.g. "1,4": only those),
 * REPLICA_KILL_KEEP_LOGS=1 (print every bot's log tail at the end).
 * Prints figures (times are figures, never checks), then exactly one PASS/FAIL line.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ACTION, INPUT, VIEW } from '../../src/ids.js';
import { allItems, type Template } from '../../src/domain/template.js';
import { parseOffset } from '../../src/domain/offsets.js';
import { planReminders, windowFrom } from '../../src/domain/timeline.js';
import { spawnBot, type BotProcess } from '../../src/playground/bot-process.js';
import { postgresDatabase, type LocalDatabase } from '../../src/playground/databases.js';
import { FakeGitHub } from '../../src/playground/fake-github.js';
import { FakeGitHubApp } from '../../src/playground/fake-github-app.js';
import { startFakeSlack, type FakeMessage, type FakeSlack } from '../../src/playground/fake-slack.js';
import { deliver, signedDelivery } from '../../src/playground/github-deliveries.js';
import {
  blockActions,
  checkboxBlocks,
  promotionMessages,
  seenAs,
  slashCommand,
  toggleCheckboxes,
  viewSubmission,
  visibleText,
  type SlackHttpResult,
  type SlackSender,
} from '../../src/playground/slack-client/index.js';
import { DEFAULT_BOT_TOKEN, DEFAULT_SIGNING_SECRET } from '../../src/playground/stack.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { findActive, insertPromotion, listActive } from '../../src/store/promotions.js';
import { insertReminders, setWindow } from '../../src/store/reminders.js';
import { parseTemplate } from '../../src/templates/loader.js';
import { crashed, eventually, finish, QUICK, type Figures } from './support.js';

const NAME = 'replica-kill';
/** The bots' CHECKLISTS_DIR: this script's templates only (other fault scripts keep theirs beside it). */
const FIXTURES = 'test/faults/fixtures/replica-kill';
const DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const ONLY = new Set((process.env['REPLICA_KILL_SCENARIOS'] ?? '').split(',').map((s) => s.trim()).filter(Boolean));
const runs = (n: number, inQuick: boolean) => (ONLY.size > 0 ? ONLY.has(String(n)) : inQuick || !QUICK);

/** The sizes: the quick form (CI) and the full one. */
const SIZE = QUICK
  ? { clicksPerSecond: 20, loadSeconds: 8, reminders: 60 }
  : { clicksPerSecond: 20, loadSeconds: 24, reminders: 150 };

const APP_ID = 414141;
const INSTALLATION = 6160;
const WEBHOOK_SECRET = 'whsec-replica-kill-5d2e8a';
const REPO = 'acme/platform';
const CLICK_CHANNEL = 'C0RKCLICK';
const ROLLBACK_CHANNEL = 'C0RKROLL';
const STAKEHOLDER_CHANNELS = ['C0RKSTK1', 'C0RKSTK2', 'C0RKSTK3', 'C0RKSTK4'];
const GATE_CHANNEL = 'C0RKGATE';

const figures: Figures = {};
const checks: Array<[string, boolean]> = [];
const check = (what: string, ok: boolean) => checks.push([what, ok]);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const started = Date.now();

// ---- the stack ----------------------------------------------------------------------------------------------------

let database: LocalDatabase | undefined;
let db: Db;
let fake: FakeSlack | undefined;
let github: FakeGitHub | undefined;
let app: FakeGitHubApp;
let botEnv: Record<string, string>;
/** The three replicas; a killed one is replaced by a fresh process before the next scenario. */
const bots: BotProcess[] = [];
/** Every process started, for the log figures and the cleanup. */
const everyBot: BotProcess[] = [];
let botSeq = 0;

process.on('exit', () => {
  for (const b of everyBot) if (b.alive()) b.child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

const senderOf = (bot: BotProcess): SlackSender => ({ url: `${bot.url}/slack/events`, signingSecret: DEFAULT_SIGNING_SECRET });
const alive = () => bots.filter((b) => b.alive());
const pidOf = (owner: string | null | undefined) => Number(owner?.split('/')[1]);
const botByPid = (pid: number) => bots.find((b) => b.pid === pid);
/** A process's name for the figures (any process this script started, dead or alive), else its owner string. */
const nameOf = (owner: string | null | undefined) => everyBot.find((b) => b.pid === pidOf(owner))?.name ?? owner ?? '-';

async function startBot(): Promise<BotProcess> {
  const bot = await spawnBot(`bot${++botSeq}`, botEnv, { readyWithinMs: 90_000 });
  everyBot.push(bot);
  return bot;
}

/** A replacement being started (once a scenario's takeover is over, while it waits for stragglers). */
let replacing: Promise<number> | undefined;
/** Whether another scenario follows (the last one starts no replacement). */
let another = true;
const replaceLater = () => void (another && (replacing ??= ensureThree()));

/** Three live replicas again: a fresh process for each dead one. Returns how long that took. */
async function ensureThree(): Promise<number> {
  const t = Date.now();
  for (let i = bots.length - 1; i >= 0; i--) if (!bots[i]!.alive()) bots.splice(i, 1);
  const more = await Promise.all(Array.from({ length: 3 - bots.length }, () => startBot()));
  bots.push(...more);
  return Date.now() - t;
}

async function kill(bot: BotProcess): Promise<number> {
  await bot.kill();
  return Date.now();
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  return Number((await db.query<{ n: number }>(sql, params)).rows[0]!.n);
}

/** Warnings and errors a bot logged (pino JSON, level 40 and up), the most frequent first. */
function logProblems(bot: BotProcess): { count: number; top: string } {
  const by = new Map<string, number>();
  let n = 0;
  for (const line of bot.output().split('\n')) {
    const m = /"level":(\d+)/.exec(line);
    if (!m || Number(m[1]) < 40) continue;
    n++;
    const msg = /"msg":"([^"]{0,90})/.exec(line)?.[1] ?? line.slice(0, 90);
    by.set(msg, (by.get(msg) ?? 0) + 1);
  }
  return { count: n, top: [...by].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([t, c]) => `${c}x "${t}"`).join('; ') };
}

/** How many lines of the surviving bots' logs say `text`. */
const logsSaying = (text: string, among: BotProcess[] = everyBot) => among.reduce((a, b) => a + b.output().split('\n').filter((l) => l.includes(text)).length, 0);

/** What the fake shows of a post carrying the outbox key `key` (message metadata), however many there are. */
function postsWithKey(key: string, channel?: string): FakeMessage[] {
  return fake!.messages(channel).filter((m) => m.metadata?.event_payload['key'] === key);
}

/** A button of `message` as Slack sends it when clicked. */
function button(message: FakeMessage, blockId: string, actionId: string, actionTs: string): Record<string, unknown> {
  const block = message.blocks.find((b: any) => b.block_id === blockId);
  const el = block?.elements?.find((e: any) => e.action_id === actionId) ?? (block?.accessory?.action_id === actionId ? block.accessory : undefined);
  if (!el) throw new Error(`no ${actionId} in block ${blockId} of message ${message.ts}`);
  return { ...el, block_id: blockId, action_ts: actionTs };
}

let tsCounter = 0;
const actionTsBase = Math.floor(Date.now() / 1000);
/** Slack's action_ts, increasing: "seconds.micros". */
const nextActionTs = () => `${actionTsBase}.${String(++tsCounter).padStart(6, '0')}`;

function click(bot: BotProcess, user: string, message: FakeMessage, action: Record<string, unknown>): Promise<SlackHttpResult> {
  return blockActions(senderOf(bot), {
    userId: user,
    channelId: message.channel,
    message,
    action,
    responseUrl: fake!.responseUrl({ channel: message.channel, user, messageTs: message.ts }),
    triggerId: fake!.triggerId(),
  });
}

function command(bot: BotProcess, user: string, channel: string, text: string): Promise<SlackHttpResult> {
  return slashCommand(senderOf(bot), { text, userId: user, channelId: channel, responseUrl: fake!.responseUrl({ channel, user }) });
}

/** The message and block that show an item's checkbox in `channel`, and whether it shows ticked. */
function checkbox(channel: string, itemId: string): { message: FakeMessage; blockId: string; ticked: boolean } | undefined {
  for (const message of fake!.messages(channel)) {
    for (const b of checkboxBlocks(message)) if (b.values.includes(itemId)) return { message, blockId: b.blockId, ticked: b.ticked.includes(itemId) };
  }
  return undefined;
}

/** Tick an item as `user` sees the checklist now, and wait until it is stored done. */
async function tick(bot: BotProcess, user: string, channel: string, promotionId: string, itemId: string): Promise<void> {
  const box = await eventually(`the checkbox of ${itemId} in ${channel}`, () => checkbox(channel, itemId), 30_000);
  const res = await click(bot, user, box.message, { ...toggleCheckboxes(box.message, box.blockId, [itemId]), action_ts: nextActionTs() });
  if (res.status !== 200) throw new Error(`ticking ${itemId} answered ${res.status}`);
  await eventually(`${itemId} stored done`, async () => (await count("SELECT count(*) AS n FROM item_states WHERE promotion_id = $1 AND item_id = $2 AND state = 'done'", [promotionId, itemId])) === 1, 30_000);
}

/** The overview of the promotion in `channel` (the first one posted there). */
const overviewIn = (channel: string) => promotionMessages(fake!, channel)[0]?.overview;

/** Click GO as the decider, and wait until the stage is `go`. */
async function go(bot: BotProcess, promotionId: string, channel: string): Promise<SlackHttpResult> {
  const overview = await eventually('the overview with GO', () => {
    const o = overviewIn(channel);
    return o && JSON.stringify(o.blocks).includes(ACTION.go) ? o : undefined;
  }, 30_000);
  return click(bot, 'U0CHAIR', overview, button(overview, `decision|${promotionId}`, ACTION.go, nextActionTs()));
}

const stageOf = async (promotionId: string) => (await db.query<{ stage: string }>('SELECT stage FROM promotions WHERE id = $1', [promotionId])).rows[0]?.stage;

// ---- scenario 1: click load -------------------------------------------------------------------------------------

interface SentClick {
  k: number;
  bot: number;
  pid: number;
  user: string;
  item: string;
  /** What the click asks for: ticked (true) or unticked. */
  tick: boolean;
  actionTs: string;
  blockId: string;
  receipt: string;
  sentAt: number;
  /** 'ok' (200), 'status <n>', 'refused' (ECONNREFUSED: nothing reached a process) or 'unknown' (the connection broke mid-request). */
  result?: string;
  ms?: number;
}

function errorCode(err: unknown): string {
  const e = err as { cause?: { code?: string; message?: string }; code?: string; message?: string };
  return e?.cause?.code ?? e?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

async function clickLoad(): Promise<void> {
  const f = (k: string, v: string | number | boolean) => (figures[`1 clicks: ${k}`] = v);
  const starter = bots[0]!;
  const res = await command(starter, 'U0LEAD', CLICK_CHANNEL, 'start v1.0 replica-clicks');
  if (res.status !== 200) throw new Error(`/promote start answered ${res.status}`);
  const promotionId = (await eventually('the click promotion', () => findActive(db, CLICK_CHANNEL, 'v1.0'), 30_000)).id;
  const items = allItemsOf('replica-clicks');
  await eventually('every checkbox of the click checklist posted', () => items.every((i) => checkbox(CLICK_CHANNEL, i)), 30_000);

  const users = Array.from({ length: 20 }, (_, i) => `U0CLK${String(i + 1).padStart(2, '0')}`);
  // What each client last asked of each item (its view of it): the next click on the item asks the opposite.
  const asked = new Map<string, boolean>(items.map((i) => [i, false]));
  const sent: SentClick[] = [];
  const inflight = new Set<Promise<void>>();
  // The victim is chosen mid-load. Full form: the bot holding the checklist's render lease then, if any (the messages
  // stay as they were until the lease lapses, 30 s, and a repair sweep renders them, every 20 s). Quick form: one that
  // does not hold it (the clicks it stored are what matters; CI does not wait for the lease).
  let victim = bots[1]!;
  let victimIndex = 1;
  let killedAt = 0;
  let killAfterNextOk = false;
  let killing: Promise<void> | undefined;
  let storedAtKill = 0;
  let leaseAtKill = '';
  const everyMs = 1000 / SIZE.clicksPerSecond;
  const total = SIZE.clicksPerSecond * SIZE.loadSeconds;
  const t0 = Date.now();
  for (let k = 0; k < total; k++) {
    await sleep(Math.max(0, t0 + k * everyMs - Date.now()));
    if (k === Math.floor(total / 2)) {
      const owner = (await db.query<{ owner: string }>('SELECT owner FROM render_leases WHERE promotion_id = $1 AND expires_at > clock_timestamp()', [promotionId])).rows[0]?.owner;
      const holder = bots.findIndex((b) => b.pid === pidOf(owner));
      const i = QUICK ? [1, 2, 0].find((j) => j !== holder)! : holder;
      if (i >= 0) [victim, victimIndex] = [bots[i]!, i];
      killAfterNextOk = true;
    }
    const item = items[Math.floor(Math.random() * items.length)]!;
    const user = users[k % users.length]!;
    const wantTick = !asked.get(item)!;
    asked.set(item, wantTick);
    const box = checkbox(CLICK_CHANNEL, item)!;
    const seen = seenAs(box.message, item, !wantTick);
    const actionTs = nextActionTs();
    const action = { ...toggleCheckboxes(seen, box.blockId, [item]), action_ts: actionTs };
    const botIndex = k % 3;
    const bot = bots[botIndex]!;
    const c: SentClick = { k, bot: botIndex, pid: bot.pid, user, item, tick: wantTick, actionTs, blockId: box.blockId, receipt: `toggle:${user}:${actionTs}:${box.blockId}`, sentAt: Date.now() };
    sent.push(c);
    const p = click(bot, user, seen, action).then(
      (r) => {
        c.result = r.status === 200 ? 'ok' : `status ${r.status}`;
        c.ms = Date.now() - c.sentAt;
        // The worst moment: right after the victim acknowledged a click (stored, most likely not applied yet).
        if (killAfterNextOk && !killing && botIndex === victimIndex && r.status === 200) {
          killing = (async () => {
            killedAt = await kill(victim);
            storedAtKill = await count('SELECT count(*) AS n FROM click_intake');
            const lease = (await db.query<{ owner: string; left_ms: number }>('SELECT owner, extract(epoch FROM expires_at - clock_timestamp()) * 1000 AS left_ms FROM render_leases WHERE promotion_id = $1', [promotionId])).rows[0];
            leaseAtKill = lease ? `the render lease held by ${nameOf(lease.owner)}${pidOf(lease.owner) === victim.pid ? ' (the dead bot)' : ''}, lapsing in ${secs(Number(lease.left_ms))}` : 'no render lease held';
          })();
        }
      },
      (err: unknown) => {
        const code = errorCode(err);
        c.result = code === 'ECONNREFUSED' ? 'refused' : `unknown (${code})`;
        c.ms = Date.now() - c.sentAt;
      },
    );
    const tracked = p.finally(() => inflight.delete(tracked));
    inflight.add(tracked);
  }
  const loadMs = Date.now() - t0;
  await Promise.all([...inflight]);
  await killing;
  if (!killedAt) throw new Error('the victim never acknowledged a click after mid-load: it was not killed');

  const toVictimAfter = sent.filter((c) => c.bot === victimIndex && c.sentAt > killedAt);
  const ok = sent.filter((c) => c.result === 'ok');
  const refused = sent.filter((c) => c.result === 'refused');
  const unknown = sent.filter((c) => c.result?.startsWith('unknown'));
  const otherStatus = sent.filter((c) => c.result?.startsWith('status'));
  const receiptsOf = async () => new Set((await db.query<{ key: string }>('SELECT key FROM interaction_receipts WHERE promotion_id = $1', [promotionId])).rows.map((r) => r.key));

  // Every click answered 200 applied: the dead bot's stored clicks by a survivor's sweep (ORPHANED_AFTER_MS, 10 s).
  const applyStart = Date.now();
  let receipts = new Set<string>();
  try {
    await eventually('every acknowledged click applied and the intake empty', async () => {
      receipts = await receiptsOf();
      return ok.every((c) => receipts.has(c.receipt)) && (await count('SELECT count(*) AS n FROM click_intake')) === 0;
    }, 60_000, 250);
  } catch {
    receipts = await receiptsOf();
  }
  const appliedAfterLoadMs = Date.now() - applyStart;
  replaceLater();
  const lost = ok.filter((c) => !receipts.has(c.receipt));
  const refusedApplied = refused.filter((c) => receipts.has(c.receipt));
  const unknownApplied = unknown.filter((c) => receipts.has(c.receipt));
  const applied = sent.filter((c) => receipts.has(c.receipt));

  // None applied twice: every items.toggled audit event is one applied click (person, item, direction), at most once each.
  const events = (await db.query<{ actor: string; data: { ticked: string[]; unticked: string[] } }>(
    "SELECT actor, data FROM audit_events WHERE promotion_id = $1 AND action = 'items.toggled'",
    [promotionId],
  )).rows;
  const budget = new Map<string, number>();
  for (const c of applied) budget.set(`${c.user}|${c.item}|${c.tick}`, (budget.get(`${c.user}|${c.item}|${c.tick}`) ?? 0) + 1);
  let twice = 0;
  let transitions = 0;
  for (const e of events) {
    for (const [list, tickd] of [[e.data.ticked, true], [e.data.unticked, false]] as const) {
      for (const item of list) {
        transitions++;
        const key = `${e.actor}|${item}|${tickd}`;
        const left = budget.get(key) ?? 0;
        if (left <= 0) twice++;
        else budget.set(key, left - 1);
      }
    }
  }

  // Each item as the latest applied click (Slack's order) asks; the messages converge to what is stored.
  const expected = new Map<string, boolean>(items.map((i) => [i, false]));
  for (const c of [...applied].sort((a, b) => Number(a.actionTs) - Number(b.actionTs))) expected.set(c.item, c.tick);
  const stored = async () =>
    new Map((await db.query<{ item_id: string; state: string }>('SELECT item_id, state FROM item_states WHERE promotion_id = $1', [promotionId])).rows.map((r) => [r.item_id, r.state === 'done']));
  const storedNow = await stored();
  const wrongState = items.filter((i) => storedNow.get(i) !== expected.get(i));
  const convergeStart = Date.now();
  let shownWrong: string[] = [];
  try {
    await eventually('the checklist messages showing the stored state', async () => {
      const s = await stored();
      shownWrong = items.filter((i) => checkbox(CLICK_CHANNEL, i)?.ticked !== s.get(i));
      return shownWrong.length === 0;
    }, 90_000, 250);
  } catch {
    // reported below
  }
  const convergedAt = Date.now();
  const convergeMs = convergedAt - convergeStart;
  const latency = ok.map((c) => c.ms!).sort((a, b) => a - b);
  const p = (q: number) => latency[Math.min(latency.length - 1, Math.floor(q * latency.length))] ?? NaN;

  f('killed', `${victim.name} (pid ${victim.pid}) ${secs(killedAt - t0)} into the load, right after it acknowledged a click; ${storedAtKill} clicks stored and not yet applied (by any bot) at that moment; ${leaseAtKill}`);
  f('sent', `${sent.length} in ${secs(loadMs)} (${(sent.length / (loadMs / 1000)).toFixed(1)}/s) to 3 bots; after the kill ${toVictimAfter.length} went to the dead one`);
  f('answers', `${ok.length} answered 200, ${refused.length} connection refused, ${unknown.length} broken mid-request (${[...new Set(unknown.map((c) => c.result))].join(', ') || '-'}), ${otherStatus.length} other statuses (${[...new Set(otherStatus.map((c) => c.result))].join(', ') || '-'})`);
  f('200 latency', `p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${latency.at(-1) ?? '-'} ms`);
  const orphans = everyBot.flatMap((b) => b.output().split('\n')).filter((l) => l.includes('applied clicks a stopped process had stored')).reduce((a, l) => a + Number(/"clicks":(\d+)/.exec(l)?.[1] ?? 0), 0);
  f('applied', `${applied.length} (of them ${unknownApplied.length} of the ${unknown.length} broken mid-request; ${orphans} stored by the dead bot and applied by a survivor's sweep); acknowledged and lost ${lost.length}; all applied ${secs(appliedAfterLoadMs)} after the load's last answer`);
  f('duplicates', `${twice} audit transitions beyond one per applied click (${events.length} items.toggled events, ${transitions} transitions)`);
  f('state', `${wrongState.length} of ${items.length} items differ from the latest applied click${wrongState.length ? ` (${wrongState.join(', ')})` : ''}; messages converged ${shownWrong.length === 0 ? `${secs(convergeMs)} after that (${secs(convergedAt - killedAt)} after the kill, ${secs(convergedAt - t0 - loadMs)} after the load)` : `NOT within ${secs(convergeMs)} (${shownWrong.join(', ')})`}`);

  check('scenario 1: every click answered 200 was applied (0 acknowledged and lost)', lost.length === 0);
  check('scenario 1: every click sent to the dead bot after the kill failed at the HTTP level (connection refused)', toVictimAfter.length > 0 && toVictimAfter.every((c) => c.result === 'refused'));
  check('scenario 1: no click refused at the HTTP level was applied', refusedApplied.length === 0);
  check('scenario 1: no click applied twice', twice === 0);
  check('scenario 1: every item is as the latest applied click says', wrongState.length === 0);
  check('scenario 1: the checklist messages converged to the stored state', shownWrong.length === 0);
}

function allItemsOf(templateId: string): string[] {
  return allItems(template(templateId)).map((i) => i.id);
}

function template(id: string): Template {
  const file = `${FIXTURES}/${id}.yml`;
  const r = parseTemplate(file, readFileSync(file, 'utf8'));
  if (!r.template) throw new Error(`${file}: ${JSON.stringify(r.problems)}`);
  return r.template;
}

// ---- scenario 2: a reminder tick --------------------------------------------------------------------------------

async function reminderTick(): Promise<void> {
  const f = (k: string, v: string | number | boolean) => (figures[`2 reminders: ${k}`] = v);
  const tpl = template('replica-reminders');
  const itemIds = allItems(tpl).map((i) => i.id);
  // When each call reached the fake (its listeners run synchronously as a call is recorded).
  const seenAt: number[] = [];
  const stopStamping = fake!.onChange(() => {
    const now = Date.now();
    for (let i = seenAt.length; i < fake!.calls.length; i++) seenAt.push(now);
  });
  try {
    // Every T0 at one instant, just before a tick (the scheduler runs at every multiple of 5 s), at least 1.5 s ahead.
    const now = new Date();
    const tickAt = Math.ceil((now.getTime() + 2_000) / 5_000) * 5_000;
    const t0 = new Date(tickAt - 500);
    const base = `rk${Date.now().toString(36)}`;
    const channels: string[] = [];
    await db.tx(async (q) => {
      for (let i = 0; i < SIZE.reminders; i++) {
        const id = randomUUID();
        const channel = `C0RKREM${String(i).padStart(4, '0')}`;
        channels.push(channel);
        const inserted = await insertPromotion(q, { id, release: `${base}.${i}`, template: tpl, channelId: channel, teamId: null, requestedBy: 'U0LEAD', createdAt: now }, itemIds);
        if (!inserted) throw new Error(`promotion ${i} not inserted`);
        const w = windowFrom(tpl, new Date(t0.getTime() + parseOffset(tpl.window.opens)), null, null);
        const seq = await setWindow(q, id, w);
        await insertReminders(q, id, seq, planReminders(tpl, w.t0, now));
      }
    });
    const due = new Map((await db.query<{ id: string; due_at: Date }>("SELECT r.id, r.due_at FROM reminders r JOIN promotions p ON p.id = r.promotion_id WHERE p.template_id = 'replica-reminders'")).rows.map((r) => [r.id, new Date(r.due_at).getTime()]));
    if (due.size !== SIZE.reminders) throw new Error(`${due.size} reminders planned, ${SIZE.reminders} expected`);

    // Right after the claim: the first process seen holding claimed reminders, the one holding the most of them then.
    await sleep(Math.max(0, t0.getTime() - Date.now()));
    const holders = async () =>
      (await db.query<{ claimed_by: string; n: number }>("SELECT claimed_by, count(*)::int AS n FROM reminders WHERE state = 'claimed' GROUP BY 1 ORDER BY 2 DESC")).rows;
    let held = await eventually('a replica holding claimed reminders', async () => {
      const h = await holders();
      return h.length > 0 && botByPid(pidOf(h[0]!.claimed_by)) ? h : undefined;
    }, 20_000, 5);
    const victim = botByPid(pidOf(held[0]!.claimed_by))!;
    const killedAt = await kill(victim);
    const heldAtKill = (await db.query<{ id: string }>("SELECT id FROM reminders WHERE state = 'claimed' AND claimed_by LIKE $1", [`%/${victim.pid}/%`])).rows.map((r) => r.id);
    const sentByVictim = await count("SELECT count(*) AS n FROM reminders WHERE state = 'sent' AND claimed_by LIKE $1", [`%/${victim.pid}/%`]);
    const outboxHeld = await count("SELECT count(*) AS n FROM slack_outbox WHERE state = 'claimed' AND claimed_by LIKE $1", [`%/${victim.pid}/%`]);
    held = await holders();
    const claimedAt = Math.min(...[...due.values()]);

    // Until every reminder is posted (or the bound: the claims lapse after 20 s, the tick after that sends them).
    const isPosted = (id: string) => postsWithKey(`reminder:${id}`).length > 0;
    let lastPost = 0;
    try {
      await eventually('every reminder posted', () => [...due.keys()].every(isPosted), 90_000, 250);
      lastPost = Date.now();
      replaceLater();
    } catch {
      // reported below
    }
    // Anything still in flight lands (another tick and outbox sweep), then the posts are counted.
    await eventually('nothing left to send', async () => (await count("SELECT count(*) AS n FROM reminders r JOIN promotions p ON p.id = r.promotion_id WHERE p.template_id = 'replica-reminders' AND r.state IN ('pending', 'claimed')")) === 0 && (await count("SELECT count(*) AS n FROM slack_outbox WHERE key LIKE 'reminder:%' AND state IN ('pending', 'claimed')")) === 0, 60_000, 250).catch(() => undefined);
    await sleep(6_000);

    const postedAt = new Map<string, number>();
    fake!.calls.forEach((c, i) => {
      if (c.method !== 'chat.postMessage' || c.rateLimited || c.answer?.['ok'] !== true) return;
      const key = (c.args['metadata'] as { event_payload?: { key?: string } } | undefined)?.event_payload?.key;
      if (!key?.startsWith('reminder:')) return;
      const id = key.slice('reminder:'.length);
      if (due.has(id) && !postedAt.has(id)) postedAt.set(id, seenAt[i] ?? Date.now());
    });
    const perKey = new Map<string, number>();
    for (const m of fake!.messages()) {
      const key = m.metadata?.event_payload['key'];
      if (typeof key === 'string' && key.startsWith('reminder:') && due.has(key.slice(9))) perKey.set(key, (perKey.get(key) ?? 0) + 1);
    }
    const duplicates = [...perKey.values()].reduce((a, n) => a + Math.max(0, n - 1), 0);
    const lost = [...due.keys()].filter((id) => !perKey.has(`reminder:${id}`));
    const rows = (await db.query<{ id: string; state: string; claimed_by: string | null; attempts: number }>("SELECT r.id, r.state, r.claimed_by, r.attempts FROM reminders r JOIN promotions p ON p.id = r.promotion_id WHERE p.template_id = 'replica-reminders'")).rows;
    const states = new Map<string, number>();
    for (const r of rows) states.set(r.state, (states.get(r.state) ?? 0) + 1);
    const sentBy = everyBot.map((b) => [b.name, rows.filter((r) => r.state === 'sent' && pidOf(r.claimed_by) === b.pid).length] as const).filter(([, n]) => n > 0).map(([name, n]) => `${name} ${n}`).join(', ');
    const heldSet = new Set(heldAtKill);
    const lateness = (ids: string[]) => ids.filter((id) => postedAt.has(id)).map((id) => postedAt.get(id)! - due.get(id)!).sort((a, b) => a - b);
    const victimLate = lateness(heldAtKill);
    const othersLate = lateness([...due.keys()].filter((id) => !heldSet.has(id)));
    const heldPosted = heldAtKill.filter((id) => postedAt.has(id));
    const takeover = heldPosted.length ? Math.min(...heldPosted.map((id) => postedAt.get(id)!)) - killedAt : NaN;

    f('due at once', `${due.size} reminders in ${channels.length} channels, due ${new Date(claimedAt).toISOString()}`);
    f('claims right after the tick', held.map((h) => `${nameOf(h.claimed_by)}: ${h.n}`).join(', ') || '-');
    f('killed', `${victim.name} (pid ${victim.pid}) ${secs(killedAt - claimedAt)} after the due time, holding ${heldAtKill.length} claimed reminders (and ${outboxHeld} claimed outbox rows; ${sentByVictim} it had already sent)`);
    f('time to take over', Number.isNaN(takeover) ? '- (none of its reminders posted)' : `${secs(takeover)} from the kill to the first of its reminders posted by another bot`);
    f('lateness of the killed bot\'s reminders', victimLate.length ? `min ${secs(victimLate[0]!)}, median ${secs(victimLate[Math.floor(victimLate.length / 2)]!)}, max ${secs(victimLate.at(-1)!)} (${victimLate.length} posted of ${heldAtKill.length})` : '-');
    f('lateness of the others', othersLate.length ? `median ${secs(othersLate[Math.floor(othersLate.length / 2)]!)}, max ${secs(othersLate.at(-1)!)}` : '-');
    f('outcome', `posted ${perKey.size}/${due.size}, duplicates ${duplicates}, lost ${lost.length}; rows ${[...states].map(([s, n]) => `${s} ${n}`).join(', ')}; sent by ${sentBy}; claimed more than once ${rows.filter((r) => r.attempts > 1).length}; all posted ${lastPost ? secs(lastPost - killedAt) : 'NOT'} after the kill`);
    f('429s from the fake (chat.postMessage)', fake!.calls.filter((c) => c.method === 'chat.postMessage' && c.rateLimited).length);

    check('scenario 2: the killed bot held claimed reminders when it died', heldAtKill.length > 0);
    check('scenario 2: every reminder posted exactly once (0 duplicates)', duplicates === 0);
    check('scenario 2: 0 reminders lost', lost.length === 0);
    check('scenario 2: every reminder the killed bot held was posted by another bot', heldAtKill.every((id) => perKey.has(`reminder:${id}`)));
  } finally {
    stopStamping();
  }
}

// ---- scenario 3: a rollback broadcast ---------------------------------------------------------------------------

async function rollbackBroadcast(): Promise<void> {
  const f = (k: string, v: string | number | boolean) => (figures[`3 broadcast: ${k}`] = v);
  const starter = bots[0]!;
  const res = await command(starter, 'U0LEAD', ROLLBACK_CHANNEL, 'start v3.0 replica-rollback');
  if (res.status !== 200) throw new Error(`/promote start answered ${res.status}`);
  const promotionId = (await eventually('the rollback promotion', () => findActive(db, ROLLBACK_CHANNEL, 'v3.0'), 30_000)).id;
  await tick(bots[1]!, 'U0LEAD', ROLLBACK_CHANNEL, promotionId, 'backup');
  await go(bots[2]!, promotionId, ROLLBACK_CHANNEL);
  await eventually('GO recorded', async () => (await stageOf(promotionId)) === 'go', 30_000);
  // The rollback form, opened from the overview's Roll back… (once the overview shows it).
  const overview = await eventually('the overview with Roll back…', () => {
    const o = overviewIn(ROLLBACK_CHANNEL);
    return o && JSON.stringify(o.blocks).includes(ACTION.rollback) ? o : undefined;
  }, 60_000, 250);
  const views = fake!.views().length;
  await click(bots[0]!, 'U0LEAD', overview, button(overview, `decision|${promotionId}`, ACTION.rollback, nextActionTs()));
  const form = await eventually('the rollback form', () => fake!.views().slice(views).find((v) => v.view.callback_id === VIEW.rollback), 30_000);
  // Everything the start and GO posted is out before Slack is made slow.
  await eventually('the outbox empty before the rollback', async () => (await count("SELECT count(*) AS n FROM slack_outbox WHERE state IN ('pending', 'claimed')")) === 0, 60_000, 250);

  const text = (value: string | null) => ({ [INPUT.value]: { type: 'plain_text_input', value } });
  const values = {
    [INPUT.rollbackIssue]: text('error rate over 5% for 5 minutes'),
    [INPUT.rollbackImpact]: text('checkout is slow for 20% of users'),
    [INPUT.rollbackEta]: text('20 minutes'),
    [INPUT.rollbackAction]: text(null),
  };
  const channels = [ROLLBACK_CHANNEL, ...STAKEHOLDER_CHANNELS];
  const keys = channels.map((c) => `rollback:${promotionId}:${c}`);
  const callsBefore = fake!.calls.length;
  // Slack turns slow: every chat.postMessage is held (recorded, not answered) until released.
  fake!.hold('chat.postMessage');
  const target = bots[1]!;
  const submittedAt = Date.now();
  let submitOutcome = 'pending';
  const submitting = viewSubmission(senderOf(target), { userId: 'U0LEAD', view: { ...form.view, id: form.id, state: { values } } }).then(
    (r) => void (submitOutcome = `answered ${r.status} after ${Date.now() - submittedAt} ms`),
    (err: unknown) => void (submitOutcome = `failed at the HTTP level (${errorCode(err)}) after ${Date.now() - submittedAt} ms`),
  );
  // The bot is stuck posting the broadcast: its first post is held, its row claimed.
  const holder = await eventually('a broadcast post held mid-call and its row claimed', async () => {
    const heldPost = fake!.calls.slice(callsBefore).some((c) => c.method === 'chat.postMessage' && keys.includes(String((c.args['metadata'] as any)?.event_payload?.key)));
    if (!heldPost) return undefined;
    const rows = (await db.query<{ claimed_by: string; n: number }>("SELECT claimed_by, count(*)::int AS n FROM slack_outbox WHERE key = ANY($1) AND state = 'claimed' GROUP BY 1 ORDER BY 2 DESC", [keys])).rows;
    return rows.find((r) => botByPid(pidOf(r.claimed_by)));
  }, 30_000, 20);
  const victim = botByPid(pidOf(holder.claimed_by))!;
  const killedAt = await kill(victim);
  const heldRows = (await db.query<{ key: string }>("SELECT key FROM slack_outbox WHERE key = ANY($1) AND state = 'claimed' AND claimed_by LIKE $2", [keys, `%/${victim.pid}/%`])).rows.map((r) => r.key);
  const heldCalls = fake!.pending('chat.postMessage');
  // Slack recovers: the held posts are carried out (the dead bot's lands without anyone hearing the answer).
  fake!.release('chat.postMessage');
  await submitting;

  let allPostedAt = 0;
  try {
    await eventually('every broadcast row posted', async () => (await count("SELECT count(*) AS n FROM slack_outbox WHERE key = ANY($1) AND state = 'posted'", [keys])) === keys.length, 120_000, 250);
    allPostedAt = Date.now();
    replaceLater();
  } catch {
    // reported below
  }
  // A sweep more, then count what each channel shows.
  await sleep(6_000);
  const perChannel = channels.map((c, i) => ({ channel: c, byKey: postsWithKey(keys[i]!, c).length, byText: fake!.messages(c).filter((m) => visibleText(m).includes('[ROLLBACK INITIATED]')).length }));
  const lookups = fake!.calls.slice(callsBefore).filter((c) => c.method === 'conversations.history' || c.method === 'conversations.replies');
  const rows = (await db.query<{ key: string; state: string; attempts: number; last_error: string | null }>('SELECT key, state, attempts, last_error FROM slack_outbox WHERE key = ANY($1) ORDER BY key', [keys])).rows;

  f('killed', `${victim.name} (pid ${victim.pid}), ${secs(killedAt - submittedAt)} after the submission, stuck in chat.postMessage, holding ${heldRows.length} of the ${keys.length} broadcast rows claimed; ${heldCalls} posts held by the fake then released`);
  f('submission', submitOutcome);
  f('time to take over', allPostedAt ? `${secs(allPostedAt - killedAt)} from the kill to every broadcast recorded posted` : 'NOT every broadcast recorded posted within 120 s');
  f('lookups', `${lookups.length} conversations.history/replies calls (${lookups.filter((c) => c.rateLimited).length} answered 429); ${logsSaying('had been posted: recorded, not posted again')} posts found already posted, not posted again`);
  f('per channel', perChannel.map((p) => `${p.channel} ${p.byKey}`).join(', '));
  f('rows', rows.map((r) => `${r.key.split(':').at(-1)} ${r.state} after ${r.attempts} claims${r.last_error ? ` (${r.last_error.slice(0, 60)})` : ''}`).join('; '));

  check('scenario 3: the killed bot held broadcast rows mid-post', heldRows.length > 0);
  check('scenario 3: every channel got the broadcast exactly once (0 duplicates, 0 lost)', perChannel.every((p) => p.byKey === 1 && p.byText === 1));
}

// ---- scenario 4: a GitHub gate answer ---------------------------------------------------------------------------

async function gateAnswer(): Promise<void> {
  const f = (k: string, v: string | number | boolean) => (figures[`4 gate: ${k}`] = v);
  const gate = app.requestGate({ repo: REPO, environment: 'production', sha: 'c0ffee1234567890abcdef1234567890abcdef12', ref: 'main', installationId: INSTALLATION });
  const answer = await deliver(`${bots[0]!.url}/github/webhook`, signedDelivery(gate.payload, WEBHOOK_SECRET));
  if (answer.status !== 202) throw new Error(`the delivery was answered ${answer.status}: ${answer.text}`);
  const promotion = await eventually('the gated promotion', async () => (await listActive(db, GATE_CHANNEL))[0], 30_000);
  // The job joined to it (waiting), before anyone decides: GO must be what answers it.
  await eventually('the job joined to the promotion', async () => (await count("SELECT count(*) AS n FROM github_gates WHERE run_id = $1 AND promotion_id = $2 AND state = 'waiting'", [gate.runId, promotion.id])) === 1, 30_000);
  await tick(bots[1]!, 'U0LEAD', GATE_CHANNEL, promotion.id, 'backup');
  // The job's first status report (sent by a sweep once it joined) is out: the next may not come for a minute
  // (reportEveryMs), and none once GO decided it, so the hang below is the answer's, never a report's.
  await eventually('the first status report to the waiting job', () => app.reviews.some((r) => r.runId === gate.runId && !r.state && r.httpStatus === 204), 30_000, 100);
  // GitHub will apply the approval and never answer: the answering bot is stuck mid-call.
  app.hangAfterApplying = 1;
  const goAt = Date.now();
  const goAnswer = await go(bots[2]!, promotion.id, GATE_CHANNEL);
  const answers = () => app.reviews.filter((r) => r.runId === gate.runId && r.state);
  await eventually('the approval applied by GitHub and left unanswered', () => answers().some((r) => r.httpStatus === 'hung'), 30_000, 20);
  const claim = (await db.query<{ claimed_by: string; send_state: string; maybe_sent: boolean }>('SELECT claimed_by, send_state, maybe_sent FROM github_gates WHERE run_id = $1', [gate.runId])).rows[0]!;
  const victim = botByPid(pidOf(claim.claimed_by));
  if (!victim) throw new Error(`the gate answer is claimed by ${claim.claimed_by}, not one of the bots`);
  const killedAt = await kill(victim);

  let sentAt = 0;
  try {
    await eventually('the answer recorded sent by another bot', async () => (await count("SELECT count(*) AS n FROM github_gates WHERE run_id = $1 AND send_state IN ('sent', 'failed')", [gate.runId])) === 1, 90_000, 200);
    sentAt = Date.now();
    replaceLater();
  } catch {
    // reported below
  }
  const thread = () => promotionMessages(fake!, GATE_CHANNEL)[0]?.thread ?? [];
  await eventually('the thread saying GitHub took the GO', () => thread().some((m) => visibleText(m).includes('GitHub took the GO')), 30_000, 250).catch(() => undefined);
  await sleep(6_000);
  const row = (await db.query<{ state: string; send_state: string; last_error: string | null; attempts: number; claimed_by: string | null }>('SELECT state, send_state, last_error, attempts, claimed_by FROM github_gates WHERE run_id = $1', [gate.runId])).rows[0]!;
  const statuses = answers().map((r) => r.httpStatus);
  const taken = app.gates.filter((g) => g.runId === gate.runId);
  const audit = (await db.query<{ action: string }>("SELECT action FROM audit_events WHERE promotion_id = $1 AND action LIKE 'github.%'", [promotion.id])).rows.map((r) => r.action);
  const tookGo = thread().filter((m) => visibleText(m).includes('GitHub took the GO')).length;
  const refusedNotices = thread().filter((m) => /refused/i.test(visibleText(m))).length;

  f('killed', `${victim.name} (pid ${victim.pid}) ${secs(killedAt - goAt)} after GO, holding the answer claimed (send_state ${claim.send_state}, maybe_sent ${claim.maybe_sent}) mid-call to GitHub; GO answered ${goAnswer.status}`);
  f('time to take over', sentAt ? `${secs(sentAt - killedAt)} from the kill to the answer recorded sent (${nameOf(row.claimed_by)})` : 'NOT within 90 s');
  f('GitHub', `answer calls ${statuses.join(', ')}; gate ${taken.map((g) => g.status).join(', ')}`);
  f('row', `state ${row.state}, send_state ${row.send_state}, attempts ${row.attempts}, last_error ${row.last_error ?? '-'}`);
  f('thread', `"GitHub took the GO" ${tookGo}, notices saying refused ${refusedNotices}; audit ${audit.join(', ')}`);

  check('scenario 4: GitHub applied exactly one answer (approved)', taken.length === 1 && taken[0]!.status === 'approved' && statuses.filter((s) => s === 'hung' || s === 204).length === 1);
  check('scenario 4: the retry after the lapse got 422 and nothing else was sent', statuses.length === 2 && statuses[1] === 422);
  check("scenario 4: the answer is recorded sent (send_state 'sent'), not failed", row.send_state === 'sent' && !audit.includes('github.gate_failed') && audit.filter((a) => a === 'github.gate_answered').length === 1);
  check('scenario 4: the thread says GitHub took the GO once, and no refusal', tookGo === 1 && refusedNotices === 0);
}

// ---- main ---------------------------------------------------------------------------------------------------------

async function scenario(n: number, what: string, fn: () => Promise<void>, last: boolean): Promise<void> {
  another = !last;
  const t0 = Date.now();
  if (replacing) await replacing.catch(() => undefined);
  replacing = undefined;
  await ensureThree();
  const replaced = Date.now() - t0;
  const t = Date.now();
  console.log(`${NAME}: scenario ${n}, ${what}: bots ${bots.map((b) => `${b.name} pid ${b.pid}`).join(', ')}${replaced > 100 ? ` (waited ${secs(replaced)} for a replacement)` : ''}`);
  try {
    await fn();
  } catch (err) {
    console.error(err);
    check(`scenario ${n} ran to its end (${(err as Error).message.split('\n')[0]})`, false);
  }
  figures[`${n} ran`] = secs(Date.now() - t);
}

async function main(): Promise<void> {
  database = await postgresDatabase(DATABASE_URL);
  db = await database.open();
  await migrate(db);
  // Slack's limits on, with the history reads of an internal app (Tier 3): the outbox's look-ups after a crash.
  const tier3 = { perMinute: 50, burst: 10 };
  fake = await startFakeSlack({ rateLimits: { methods: { 'conversations.history': tier3, 'conversations.replies': tier3 } } });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  app = new FakeGitHubApp({ appId: APP_ID, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), installations: [{ id: INSTALLATION, account: 'acme' }] });
  github = await new FakeGitHub({ app }).start();
  botEnv = {
    SLACK_BOT_TOKEN: DEFAULT_BOT_TOKEN,
    SLACK_SIGNING_SECRET: DEFAULT_SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    SLACK_HISTORY_READS_PER_MINUTE: '50',
    DATABASE_URL: database.url!,
    CHECKLISTS_DIR: FIXTURES,
    LOG_LEVEL: 'info',
    GITHUB_API_URL: github.url,
    GITHUB_APP_ID: String(APP_ID),
    GITHUB_APP_PRIVATE_KEY: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
  };
  const t = Date.now();
  await ensureThree();
  figures['bots started'] = `3 in ${secs(Date.now() - t)} (${bots.map((b) => `${b.name} pid ${b.pid}`).join(', ')})`;
  const chosen = ([
    [1, 'click load', clickLoad, true],
    [2, 'a reminder tick', reminderTick, true],
    [3, 'a rollback broadcast', rollbackBroadcast, false],
    [4, 'a GitHub gate answer', gateAnswer, true],
  ] as const).filter(([n, , , inQuick]) => runs(n, inQuick));
  for (const [i, [n, what, fn]] of chosen.entries()) await scenario(n, what, fn, i === chosen.length - 1);
  figures['bots\' warnings/errors'] = everyBot.map((b) => `${b.name}${b.alive() ? '' : ' (killed)'} ${logProblems(b).count}${logProblems(b).count ? ` (${logProblems(b).top})` : ''}`).join(' | ');
  figures['ran'] = `${secs(Date.now() - started)} (${QUICK ? 'quick' : 'full'} form)`;
  if (process.env['REPLICA_KILL_KEEP_LOGS'] === '1' || checks.some(([, ok]) => !ok)) {
    for (const b of everyBot) console.log(`--- ${b.name} (pid ${b.pid}), last lines:\n${b.output().split('\n').filter(Boolean).slice(-15).join('\n')}`);
  }
}

async function cleanup(): Promise<void> {
  await replacing?.catch(() => undefined);
  await Promise.allSettled(everyBot.map((b) => b.stop(5_000)));
  await fake?.close().catch(() => undefined);
  await github?.close().catch(() => undefined);
  await database?.drop().catch((err: unknown) => console.error('could not drop the schema:', err));
}

try {
  await main();
} catch (err) {
  await cleanup();
  crashed(NAME, err);
}
await cleanup();
finish(NAME, figures, checks);
