/**
 * Fault: PostgreSQL restarted during load (issue 14). `tsx test/faults/postgres-restart.fault.ts [--quick]`.
 *
 * Two bot processes (src/main.ts, each its own OS process) share one database on a private cluster
 * (test/support/private-postgres.ts; the shared cluster on 5432 is never touched), Slack is the fake. A promotion is
 * started and its window scheduled so that its reminders fall due while the database is away. Then load goes
 * through the outage: checkbox clicks at a steady rate alternating between the bots, Approve clicks, and `/readyz` of
 * both bots polled every 200 ms, while the cluster is stopped (`-m fast`) and started again. Afterwards, from the
 * database and from what the fake Slack shows:
 *
 * - every click answered 200 was applied (its receipt is there; the items end as the clicks applied say), and every
 *   click that was not was told to try again (and was either not applied, or kept by the intake and applied later);
 * - both bots said not ready (503) during the outage and ready after it, without being restarted (same processes);
 * - each reminder due during the outage was posted once after it (none lost, none twice);
 * - each approval made during the outage was recorded, or its sender told to try again;
 * - the checklist messages show what item_states holds.
 *
 * Quick form (CI): a 5 s outage and 10 clicks a second. Full form: a 30 s outage and 20 clicks a second. Times are
 * printed as figures, never asserted (the machine is shared).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { cpuMs, rssMiB, spawnBot, type BotProcess } from '../../src/playground/bot-process.js';
import { postgresDatabase, type LocalDatabase } from '../../src/playground/databases.js';
import { startFakeSlack, type FakeMessage, type FakeSlack } from '../../src/playground/fake-slack.js';
import {
  blockActions,
  DEFAULT_CHANNEL,
  findCheckbox,
  promotionMessages,
  slackNowTs,
  slashCommand,
  toggleCheckboxes,
  type SlackSender,
} from '../../src/playground/slack-client/index.js';
import { ACTION } from '../../src/ids.js';
import type { Db } from '../../src/store/db.js';
import { findActive } from '../../src/store/promotions.js';
import { createPrivateCluster, privateClusterUnavailable, type PrivateCluster } from '../support/private-postgres.js';
import { crashed, eventually, finish, QUICK, type Figures } from './support.js';

const NAME = 'postgres-restart';
const SECRET = 'postgres-restart-fault-signing-secret';
const RELEASE = 'v14.0';
const LEAD = 'U0LEAD';

/** What the bot tells a person whose click or request met the database away (src/errors.ts DatabaseUnavailable). */
const TRY_AGAIN = "Preflight's database is not answering just now";
/** Busy (src/services/group-insert.ts): not stored, not acknowledged, "click again". */
const BUSY = 'too busy to take this click right now';
/** Stored and applied, but the messages could not be updated (src/services/show.ts). */
const SAVED_BUT_BEHIND = 'Saved, but the database stopped answering';
/** Stored, its batch met the outage: the sweep applies it once the database is back (src/services/intake.ts). */
const STORED_NOT_APPLIED = 'Received, but the database stopped answering before your click was applied';

const PLAN = QUICK
  ? { outageMs: 5_000, beforeMs: 3_000, afterMs: 5_000, clickEveryMs: 100, approveEveryMs: 1_000, dueAfterStopMs: 1_000, settleMs: 45_000 }
  : { outageMs: 30_000, beforeMs: 6_000, afterMs: 10_000, clickEveryMs: 50, approveEveryMs: 500, dueAfterStopMs: 5_000, settleMs: 90_000 };

/** Items the clicks tick and untick (two checkbox elements), and one item due during the outage that nobody ticks. */
const LOAD_ITEMS = Array.from({ length: 16 }, (_, i) => `load-${i}`);
const DUE_ITEM = 'due-0';
const APPROVERS_GROUP = 'S0APPROVERS';
const REMINDER_SAYS = ['Outage reminder A', 'Outage reminder B', 'Outage reminder C'];

/** Every reminder and the item's due time sit at T-1m: the window's T0 is chosen so that T-1m falls in the outage. */
function template(): string {
  return [
    '# Written by test/faults/postgres-restart.fault.ts into a temporary directory.',
    'name: PostgreSQL restart fault checklist',
    'roles:',
    '  approvers:',
    '    label: Approver',
    `    groups: [${APPROVERS_GROUP}]`,
    'approvals:',
    '  - role: approvers',
    '    label: Outage sign-off',
    '    required: 10',
    'window:',
    '  duration: 1h',
    'timeline:',
    ...REMINDER_SAYS.flatMap((say) => ['  - at: T-1m', `    say: "${say}"`]),
    'sections:',
    '  - id: load',
    '    title: Load',
    '    kind: gates',
    '    items:',
    ...LOAD_ITEMS.flatMap((id) => [`      - id: ${id}`, `        label: Load check ${id.slice(5)}`]),
    '  - id: due',
    '    title: Due in the outage',
    '    kind: safety',
    '    items:',
    `      - id: ${DUE_ITEM}`,
    '        label: Due while the database is away',
    '        at: T-1m',
    '',
  ].join('\n');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const seconds = (ms: number | undefined) => (ms === undefined ? 'n/a' : (ms / 1000).toFixed(2));

interface Click {
  i: number;
  item: string;
  dir: 'tick' | 'untick';
  bot: number;
  user: string;
  actionTs: string;
  receiptKey: string;
  sentAt: number;
  tookMs?: number;
  status?: number;
  error?: string;
}

interface Approval {
  i: number;
  bot: number;
  user: string;
  sentAt: number;
  status?: number;
  error?: string;
}

interface Sample {
  at: number;
  status: number;
}

/** Polls a bot's /readyz every 200 ms until stopped; each sample is timed by its answer. */
function pollReadyz(bot: BotProcess, samples: Sample[]): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      const asked = Date.now();
      const status = await bot.readyz();
      // When it answered: what it said held then.
      samples.push({ at: Date.now(), status });
      await sleep(asked + 200 - Date.now());
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** The message as a client that shows `item` unticked (to tick it) or ticked (to untick it) has it. */
function clientView(message: FakeMessage, blockId: string, item: string, dir: 'tick' | 'untick'): FakeMessage {
  const copy = structuredClone(message);
  const block = copy.blocks.find((b) => b?.block_id === blockId);
  const element = block.elements.find((e: { type?: string }) => e?.type === 'checkboxes');
  const shown = new Set<string>(((element.initial_options ?? []) as Array<{ value: string }>).map((o) => o.value));
  if (dir === 'tick') shown.delete(item);
  else shown.add(item);
  const initial = (element.options as Array<{ value: string }>).filter((o) => shown.has(o.value)).map((o) => structuredClone(o));
  if (initial.length > 0) element.initial_options = initial;
  else delete element.initial_options;
  return copy;
}

/** The overview's Approve button for the template's one approval. */
function approveButton(fake: FakeSlack): { message: FakeMessage; blockId: string; value: string } {
  for (const { overview } of promotionMessages(fake)) {
    for (const b of overview.blocks) {
      const button = (b.elements ?? []).find((e: { action_id?: string }) => e?.action_id === ACTION.approve);
      if (button) return { message: overview, blockId: b.block_id, value: button.value };
    }
  }
  throw new Error('no Approve button in the overview');
}

async function run(cleanup: Array<() => Promise<unknown>>): Promise<{ figures: Figures; checks: Array<[string, boolean]> }> {
  const began = Date.now();
  const cluster: PrivateCluster = await createPrivateCluster();
  cleanup.push(() => cluster.drop());
  const database: LocalDatabase = await postgresDatabase(cluster.url);
  cleanup.push(() => database.drop());
  const db: Db = await database.open();
  const approvers = Array.from({ length: 200 }, (_, i) => `U0APPR${String(i).padStart(3, '0')}`);
  const fake = await startFakeSlack({ usergroups: { [APPROVERS_GROUP]: approvers } });
  cleanup.push(() => fake.close());
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-postgres-restart-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'postgres-restart.yml'), template());

  const env = {
    SLACK_BOT_TOKEN: 'xoxb-postgres-restart-fault',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: fake.apiUrl,
    DATABASE_URL: database.url!,
    CHECKLISTS_DIR: dir,
    LOG_LEVEL: 'info',
  };
  const bots = await Promise.all([spawnBot('bot-a', env), spawnBot('bot-b', env)]);
  cleanup.push(() => Promise.all(bots.map((b) => b.stop())));
  const pids = bots.map((b) => b.pid);
  const senders: SlackSender[] = bots.map((b) => ({ url: `${b.url}/slack/events`, signingSecret: SECRET }));
  const botsUpAt = Date.now();

  // The promotion, its messages posted, its window scheduled so that T-1m falls `dueAfterStopMs` into the outage.
  const started = await slashCommand(senders[0]!, {
    text: `start ${RELEASE}`,
    userId: LEAD,
    channelId: DEFAULT_CHANNEL,
    responseUrl: fake.responseUrl({ channel: DEFAULT_CHANNEL, user: LEAD }),
  });
  if (started.status !== 200) throw new Error(`/promote start answered ${started.status}: ${started.body}`);
  const promotionId = await eventually('the promotion to start', async () => (await findActive(db, DEFAULT_CHANNEL, RELEASE))?.id, 30_000);
  await eventually('the checklist to be posted', async () => {
    const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM promotion_messages WHERE promotion_id = $1 AND ts IS NULL', [promotionId]);
    return r.rows[0]!.n === 0 && LOAD_ITEMS.every((item) => findCheckbox(fake, item));
  }, 30_000);
  const stopAt = Date.now() + PLAN.beforeMs + 1_000;
  const dueAt = stopAt + PLAN.dueAfterStopMs;
  const t0 = new Date(dueAt + 60_000);
  const scheduled = await slashCommand(senders[1]!, {
    text: `schedule ${RELEASE} ${t0.toISOString()} 1h`,
    userId: LEAD,
    channelId: DEFAULT_CHANNEL,
    responseUrl: fake.responseUrl({ channel: DEFAULT_CHANNEL, user: LEAD }),
  });
  if (scheduled.status !== 200) throw new Error(`/promote schedule answered ${scheduled.status}: ${scheduled.body}`);
  const planned = await eventually('the reminders to be planned', async () => {
    const r = await db.query<{ id: string; kind: string; due_at: Date }>(
      `SELECT id, kind, due_at FROM reminders WHERE promotion_id = $1 AND state = 'pending' ORDER BY due_at, id`,
      [promotionId],
    );
    return r.rows.length === REMINDER_SAYS.length + 1 ? r.rows : undefined;
  }, 30_000);
  const approve = approveButton(fake);

  // Readiness of both bots, every 200 ms, from before the load to the end.
  const samples: Sample[][] = bots.map(() => []);
  const pollers = bots.map((b, i) => pollReadyz(b, samples[i]!));

  // Load, open loop: a click every clickEveryMs and an approval every approveEveryMs, alternating the bots.
  const clicks: Click[] = [];
  const approvals: Approval[] = [];
  const inflight: Array<Promise<unknown>> = [];
  const timesClicked = new Map<string, number>();
  let loading = true;
  const sendClick = async (i: number) => {
    const item = LOAD_ITEMS[i % LOAD_ITEMS.length]!;
    const n = timesClicked.get(item) ?? 0;
    timesClicked.set(item, n + 1);
    const dir = n % 2 === 0 ? 'tick' : 'untick';
    const bot = i % bots.length;
    const user = `U0CLICK${String(i).padStart(5, '0')}`;
    const box = findCheckbox(fake, item);
    const message = clientView(box.message, box.blockId, item, dir);
    const action = toggleCheckboxes(message, box.blockId, [item]);
    const actionTs = action['action_ts'] as string;
    const click: Click = { i, item, dir, bot, user, actionTs, receiptKey: `toggle:${user}:${actionTs}:${box.blockId}`, sentAt: Date.now() };
    clicks.push(click);
    try {
      const r = await blockActions(senders[bot]!, {
        userId: user,
        channelId: DEFAULT_CHANNEL,
        message,
        action,
        responseUrl: fake.responseUrl({ channel: DEFAULT_CHANNEL, user, messageTs: message.ts }),
      });
      click.status = r.status;
    } catch (err) {
      click.error = (err as Error).message;
    }
    click.tookMs = Date.now() - click.sentAt;
  };
  const sendApproval = async (i: number) => {
    const bot = (i + 1) % bots.length;
    const user = approvers[i]!;
    const a: Approval = { i, bot, user, sentAt: Date.now() };
    approvals.push(a);
    try {
      const r = await blockActions(senders[bot]!, {
        userId: user,
        channelId: DEFAULT_CHANNEL,
        message: approve.message,
        action: { type: 'button', action_id: ACTION.approve, block_id: approve.blockId, value: approve.value, text: { type: 'plain_text', text: 'Approve' }, action_ts: slackNowTs() },
        responseUrl: fake.responseUrl({ channel: DEFAULT_CHANNEL, user, messageTs: approve.message.ts }),
      });
      a.status = r.status;
    } catch (err) {
      a.error = (err as Error).message;
    }
  };
  const openLoop = async (everyMs: number, limit: number, send: (i: number) => Promise<void>) => {
    const from = Date.now();
    for (let i = 0; loading && i < limit; i++) {
      await sleep(from + i * everyMs - Date.now());
      if (!loading) break;
      inflight.push(send(i));
    }
  };
  const loadStartedAt = Date.now();
  const loops = [openLoop(PLAN.clickEveryMs, Number.MAX_SAFE_INTEGER, sendClick), openLoop(PLAN.approveEveryMs, approvers.length, sendApproval)];

  // The outage.
  await sleep(stopAt - Date.now());
  const stopIssuedAt = Date.now();
  await cluster.stop();
  const stoppedAt = Date.now();
  console.log(`  (cluster stopped: pg_ctlcluster stop -m fast took ${stoppedAt - stopIssuedAt} ms)`);
  await sleep(PLAN.outageMs);
  const startIssuedAt = Date.now();
  // When the cluster accepts connections again, by a fresh connection of ours every 10 ms or so. (The bots' own
  // pools can get there a few ms earlier: a figure measured from it may read slightly below zero.)
  let acceptingAt: number | undefined;
  const probe = (async () => {
    while (acceptingAt === undefined && Date.now() - startIssuedAt < 60_000) {
      const c = new pg.Client({ connectionString: cluster.url, connectionTimeoutMillis: 1_000 });
      try {
        await c.connect();
        await c.query('SELECT 1');
        acceptingAt = Date.now();
      } catch {
        await sleep(10);
      } finally {
        await c.end().catch(() => undefined);
      }
    }
  })();
  await cluster.start();
  const startReturnedAt = Date.now();
  await probe;
  if (acceptingAt === undefined) throw new Error('the cluster did not accept connections within 60 s of starting it');
  const accepting = acceptingAt;
  console.log(`  (cluster started: pg_ctlcluster start took ${startReturnedAt - startIssuedAt} ms, accepting after ${accepting - startIssuedAt} ms)`);

  await sleep(PLAN.afterMs);
  loading = false;
  await Promise.all(loops);
  await Promise.allSettled(inflight);
  const loadEndedAt = Date.now();

  // Settling: stored clicks applied by the sweep, approvals answered or recorded, reminders posted, messages converged.
  const settleBy = Date.now() + PLAN.settleMs;
  const left = () => Math.max(1_000, settleBy - Date.now());
  const problems: string[] = [];
  const settle = async <T>(what: string, check: () => Promise<T | undefined | false>): Promise<T | undefined> => {
    try {
      return await eventually(what, check, left(), 200);
    } catch (err) {
      problems.push((err as Error).message);
      return undefined;
    }
  };
  const answersOf = (user: string) => fake.ephemerals().filter((e) => e.user === user).map((e) => e.text ?? '');
  const leftInIntake = await settle('a look at the click intake', async () => {
    const r = await db.query<{ receipt_key: string; received_at: Date }>('SELECT receipt_key, received_at FROM click_intake WHERE promotion_id = $1', [promotionId]);
    return r.rows;
  });
  const intakeEmptyAt = await settle('the click intake to be empty (stored clicks applied)', async () => {
    const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM click_intake WHERE promotion_id = $1', [promotionId]);
    return r.rows[0]!.n === 0 && Date.now();
  });
  await settle('every approval recorded or answered', async () => {
    const r = await db.query<{ user_id: string }>('SELECT user_id FROM approvals WHERE promotion_id = $1', [promotionId]);
    const recorded = new Set(r.rows.map((row) => row.user_id));
    return approvals.every((a) => recorded.has(a.user) || answersOf(a.user).length > 0) && recorded;
  });
  const reminderKeys = planned.map((p) => `reminder:${p.id}`);
  const postsOf = (key: string) => fake.messages(DEFAULT_CHANNEL).filter((m) => m.metadata?.event_payload?.['key'] === key);
  await settle('the reminders due in the outage to be posted', async () => {
    const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM reminders WHERE promotion_id = $1 AND state IN ('pending', 'claimed')`, [promotionId]);
    return r.rows[0]!.n === 0 && reminderKeys.every((k) => postsOf(k).length > 0);
  });
  const stateOf = async () => {
    const r = await db.query<{ item_id: string; state: string; last_action_ts: string | null; by_user: string | null }>(
      'SELECT item_id, state, last_action_ts::text AS last_action_ts, by_user FROM item_states WHERE promotion_id = $1',
      [promotionId],
    );
    return new Map(r.rows.map((row) => [row.item_id, row]));
  };
  const shownTicked = (item: string) => findCheckbox(fake, item).ticked;
  const convergedAt = await settle('the checklist messages to show item_states', async () => {
    const states = await stateOf();
    const behind = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM promotion_messages m JOIN promotions p ON p.id = m.promotion_id WHERE p.id = $1 AND m.rendered_version < p.version',
      [promotionId],
    );
    return behind.rows[0]!.n === 0 && [...LOAD_ITEMS, DUE_ITEM].every((item) => shownTicked(item) === (states.get(item)?.state === 'done')) && Date.now();
  });
  // A quiet moment, then a last look at readiness.
  await sleep(600);
  await Promise.all(pollers.map((p) => p.stop()));

  // What the database holds.
  const receiptAt = new Map(
    (await db.query<{ key: string; at: Date }>('SELECT key, at FROM interaction_receipts WHERE promotion_id = $1', [promotionId])).rows.map((r) => [
      r.key,
      new Date(r.at).getTime(),
    ]),
  );
  const receipts = new Set(receiptAt.keys());
  const firstAppliedAfter = (
    await db.query<{ at: Date | null }>(`SELECT min(at) AS at FROM interaction_receipts WHERE promotion_id = $1 AND key LIKE 'toggle:%' AND at >= $2`, [
      promotionId,
      new Date(startIssuedAt),
    ])
  ).rows[0]!.at;
  const states = await stateOf();
  const recordedApprovals = new Set(
    (await db.query<{ user_id: string }>(`SELECT user_id FROM approvals WHERE promotion_id = $1 AND decision = 'approve'`, [promotionId])).rows.map((r) => r.user_id),
  );
  const reminders = (
    await db.query<{ id: string; kind: string; state: string; due_at: Date; done_at: Date | null; outbox_key: string | null }>(
      'SELECT id, kind, state, due_at, done_at, outbox_key FROM reminders WHERE promotion_id = $1 ORDER BY due_at, id',
      [promotionId],
    )
  ).rows;
  const renderedBehind = (
    await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM promotion_messages m JOIN promotions p ON p.id = m.promotion_id WHERE p.id = $1 AND m.rendered_version < p.version',
      [promotionId],
    )
  ).rows[0]!.n;
  const stillStored = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM click_intake WHERE promotion_id = $1', [promotionId])).rows[0]!.n;

  // Clicks: acknowledged (200) must be applied; the others told to try again, and applied or not.
  const applied = (c: Click) => receipts.has(c.receiptKey);
  const acked = clicks.filter((c) => c.status === 200);
  const refused = clicks.filter((c) => c.status !== undefined && c.status !== 200);
  const failedToSend = clicks.filter((c) => c.status === undefined);
  const ackedLost = acked.filter((c) => !applied(c));
  const refusedApplied = refused.filter(applied);
  const refusedNotTold = refused.filter((c) => !answersOf(c.user).some((t) => t.includes(TRY_AGAIN) || t.includes(BUSY)));
  const during = clicks.filter((c) => c.sentAt >= stoppedAt && c.sentAt < startIssuedAt);
  const answerKinds = new Map<string, number>();
  for (const c of clicks) {
    const texts = answersOf(c.user);
    const kind = `${c.status ?? 'no answer'} ${
      texts.length === 0
        ? '(no message)'
        : texts.map((t) => (t.includes(TRY_AGAIN) ? 'try-again' : t.includes(BUSY) ? 'busy' : t.includes(SAVED_BUT_BEHIND) ? 'saved-but-behind' : t.includes(STORED_NOT_APPLIED) ? 'stored-not-applied' : `other: ${t.slice(0, 80)}`)).join(' + ')
    }`;
    answerKinds.set(kind, (answerKinds.get(kind) ?? 0) + 1);
  }
  // Clicks stored whose batch met the outage: when the sweep applied them, from the cluster accepting again.
  const storedNotApplied = acked.filter((c) => answersOf(c.user).some((t) => t.includes(STORED_NOT_APPLIED)));
  const sweptAfter = storedNotApplied.map((c) => (receiptAt.has(c.receiptKey) ? seconds(receiptAt.get(c.receiptKey)! - accepting) : 'not applied'));
  const ackedRefusedLater = acked.filter((c) =>
    answersOf(c.user).some((t) => !t.includes(SAVED_BUT_BEHIND) && !t.includes(STORED_NOT_APPLIED) && (t.includes(':no_entry_sign:') || t.includes(':warning:'))),
  );
  // Each item ends as its latest applied click (by action_ts) left it; last_action_ts is that click's.
  const itemMismatches: string[] = [];
  for (const item of LOAD_ITEMS) {
    const latest = clicks
      .filter((c) => c.item === item && applied(c))
      .sort((a, b) => Number(a.actionTs) - Number(b.actionTs))
      .at(-1);
    const s = states.get(item);
    const want = latest?.dir === 'tick' ? 'done' : 'open';
    if (s?.state !== want || (latest && Number(s?.last_action_ts) !== Number(latest.actionTs))) {
      itemMismatches.push(`${item}: ${s?.state}@${s?.last_action_ts} but its latest applied click is ${latest ? `${latest.dir}@${latest.actionTs}` : 'none'}`);
    }
  }
  const displayMismatches = [...LOAD_ITEMS, DUE_ITEM].filter((item) => shownTicked(item) !== (states.get(item)?.state === 'done'));

  // Approvals.
  const approvalOutcome = (a: Approval) => {
    const texts = answersOf(a.user);
    const told = texts.some((t) => t.includes(TRY_AGAIN));
    const recorded = recordedApprovals.has(a.user);
    if (recorded && !told && texts.length === 0) return 'recorded';
    // Recorded; the overview could not be updated before the database went: it catches up by itself.
    if (recorded && texts.length > 0 && texts.every((t) => t.includes(SAVED_BUT_BEHIND))) return 'recorded, told the display is behind';
    if (!recorded && told) return 'refused';
    if (recorded && told) return 'refused-but-recorded';
    if (!recorded && texts.length === 0) return 'lost';
    return `other: ${texts.join(' | ').slice(0, 100)}`;
  };
  const approvalCounts = new Map<string, number>();
  for (const a of approvals) approvalCounts.set(approvalOutcome(a), (approvalCounts.get(approvalOutcome(a)) ?? 0) + 1);
  const approvalsDuring = approvals.filter((a) => a.sentAt >= stoppedAt && a.sentAt < startIssuedAt);
  const approvalsLost = approvals.filter((a) => approvalOutcome(a) === 'lost');
  const approvalsOther = approvals.filter((a) => approvalOutcome(a).startsWith('other'));
  const approvalsNot200 = approvals.filter((a) => a.status !== 200);

  // Readiness.
  const readiness = samples.map((list) => {
    const before = list.filter((s) => s.at < stopIssuedAt);
    const notReady = list.find((s) => s.at >= stopIssuedAt && s.status !== 200);
    const readyAgain = list.find((s) => s.at >= startIssuedAt && s.status === 200 && notReady !== undefined && s.at > notReady.at);
    const afterReady = readyAgain ? list.filter((s) => s.at > readyAgain.at) : [];
    const inOutage = list.filter((s) => s.at >= stoppedAt + 500 && s.at < startIssuedAt);
    return {
      readyBefore: before.length > 0 && before.every((s) => s.status === 200),
      notReady,
      readyAgain,
      outage503: inOutage.length > 0 && inOutage.every((s) => s.status === 503),
      outageCodes: [...new Set(inOutage.map((s) => s.status))].join('/'),
      flapsAfter: afterReady.filter((s) => s.status !== 200).length,
      samples: list.length,
    };
  });
  const readyBothAt = readiness.every((r) => r.readyAgain) ? Math.max(...readiness.map((r) => r.readyAgain!.at)) : undefined;
  const firstApplied = firstAppliedAfter ? new Date(firstAppliedAfter).getTime() : undefined;
  const recoveredAt = readyBothAt !== undefined && firstApplied !== undefined ? Math.max(readyBothAt, firstApplied) : undefined;

  // Reminders: each due in the outage, posted once after it.
  const reminderPosts = reminders.map((r) => ({ r, posts: postsOf(r.outbox_key ?? `reminder:${r.id}`).length }));
  const dueInOutage = reminders.filter((r) => r.due_at.getTime() >= stopIssuedAt && r.due_at.getTime() < startIssuedAt);
  const remindersSent = reminderPosts.filter((p) => p.posts > 0).length;
  const reminderDuplicates = reminderPosts.reduce((n, p) => n + Math.max(0, p.posts - 1), 0);
  const remindersLost = reminderPosts.filter((p) => p.posts === 0).length;
  const remindersEarly = reminders.filter((r) => r.done_at && r.done_at.getTime() < startIssuedAt).length;
  const reminderSentAfter = reminders.filter((r) => r.done_at).map((r) => r.done_at!.getTime() - accepting);

  // The bots: the same processes, alive, nothing uncaught.
  const alive = bots.map((b, i) => b.alive() && b.pid === pids[i] && processExists(pids[i]!));
  const outputs = bots.map((b) => b.output());
  const uncaught = outputs.filter((o) => /uncaught|unhandled/i.test(o)).length;
  const fatal = outputs.filter((o) => o.includes('"level":60')).length;
  const toldTryAgainLogged = outputs.some((o) => o.includes('request failed: the database is not answering'));
  // Bolt's "not acknowledged within 3 seconds": a refused click is answered 500 at once, never left to that timer.
  const ackTimeouts = outputs.reduce((n, o) => n + (o.match(/not acknowledged within 3 seconds/g) ?? []).length, 0);
  const schedulerFailures = outputs.reduce((n, o) => n + (o.match(/background job failed/g) ?? []).length, 0);
  // Error-level lines (pino level 50) by message: what an operator would be paged for.
  const errorLines = new Map<string, number>();
  for (const line of outputs.join('\n').split('\n')) {
    if (!line.includes('"level":50')) continue;
    const msg = /"msg":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? line.slice(0, 120);
    errorLines.set(msg, (errorLines.get(msg) ?? 0) + 1);
  }
  const cpu = bots.map((b) => (b.alive() ? cpuMs(b.pid) : NaN));
  const rss = bots.map((b) => (b.alive() ? rssMiB(b.pid) : NaN));

  const p = (list: number[], q: number) => {
    const sorted = [...list].sort((a, b) => a - b);
    return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
  };
  const tookDuring = during.map((c) => c.tookMs ?? NaN).filter(Number.isFinite);
  const tookAll = clicks.map((c) => c.tookMs ?? NaN).filter(Number.isFinite);

  const figures: Figures = {
    mode: QUICK ? 'quick' : 'full',
    'outage planned (s)': seconds(PLAN.outageMs),
    'outage, stop issued to cluster accepting (s)': seconds(accepting - stopIssuedAt),
    'pg_ctlcluster stop / start (ms)': `${stoppedAt - stopIssuedAt} / ${startReturnedAt - startIssuedAt}`,
    'click rate (per s)': 1000 / PLAN.clickEveryMs,
    'clicks sent': clicks.length,
    'clicks sent during the outage': during.length,
    'clicks acked (200)': acked.length,
    'clicks refused (not 200)': refused.length,
    'clicks not answered (network error)': failedToSend.length,
    'clicks acked and lost': ackedLost.length,
    'clicks refused, not applied': refused.length - refusedApplied.length,
    'clicks refused, applied later (kept by the intake)': refusedApplied.length,
    'clicks refused and not told to try again': refusedNotTold.length,
    'click answers': [...answerKinds].map(([k, n]) => `${n}× ${k}`).join('; '),
    'click answer time p50 / p99 / max, all (ms)': `${p(tookAll, 0.5)} / ${p(tookAll, 0.99)} / ${Math.max(...tookAll)}`,
    'click answer time p50 / max, during the outage (ms)': tookDuring.length ? `${p(tookDuring, 0.5)} / ${Math.max(...tookDuring)}` : 'n/a',
    'clicks stored but not applied in the outage, applied after cluster accepting (s)': sweptAfter.length ? sweptAfter.join(', ') : 'none',
    'items whose state disagrees with their clicks': itemMismatches.length,
    'clicks stored, not yet applied, when the load ended (received after stop issued, s)': leftInIntake?.length
      ? `${leftInIntake.length} (${leftInIntake.map((r) => seconds(new Date(r.received_at).getTime() - stopIssuedAt)).join(', ')})`
      : 0,
    'clicks still stored in the intake at the end': stillStored,
    'approvals sent (during the outage)': `${approvals.length} (${approvalsDuring.length})`,
    'approval outcomes': [...approvalCounts].map(([k, n]) => `${n}× ${k}`).join('; '),
    ...Object.fromEntries(
      readiness.flatMap((r, i) => [
        [`${bots[i]!.name} readyz not-ready after stop issued (s)`, seconds(r.notReady && r.notReady.at - stopIssuedAt)],
        [`${bots[i]!.name} readyz ready after cluster accepting (s)`, seconds(r.readyAgain && r.readyAgain.at - accepting)],
        [`${bots[i]!.name} readyz not-ready (s)`, seconds(r.notReady && r.readyAgain && r.readyAgain.at - r.notReady.at)],
        [`${bots[i]!.name} readyz codes during the outage / samples / non-200 after ready`, `${r.outageCodes || 'none'} / ${r.samples} / ${r.flapsAfter}`],
      ]),
    ),
    'first click applied after cluster accepting (s)': seconds(firstApplied !== undefined ? firstApplied - accepting : undefined),
    'recovery (s): cluster accepting to a click applied and both ready': seconds(recoveredAt !== undefined ? recoveredAt - accepting : undefined),
    'stored clicks applied (intake empty) after cluster accepting (s)': leftInIntake?.length ? seconds(intakeEmptyAt ? intakeEmptyAt - accepting : undefined) : 'n/a (none left when the load ended)',
    'messages converged after cluster accepting (s)': seconds(convergedAt ? convergedAt - accepting : undefined),
    'reminders due / due in the outage / sent / duplicates / lost': `${reminders.length} / ${dueInOutage.length} / ${remindersSent} / ${reminderDuplicates} / ${remindersLost}`,
    'reminders sent after cluster accepting (s)': reminderSentAfter.map((ms) => seconds(ms)).join(', '),
    'scheduler passes that failed (logged)': schedulerFailures,
    'error-level log lines': errorLines.size ? [...errorLines].map(([m, n]) => `${n}× ${m}`).join('; ') : 0,
    'bot pids (start → end)': bots.map((b, i) => `${pids[i]} → ${b.alive() ? b.pid : 'gone'}`).join(', '),
    'bot CPU (ms) / RSS (MiB)': bots.map((_, i) => `${Math.round(cpu[i]!)} / ${rss[i]!.toFixed(0)}`).join(', '),
    'bots up / load / settle / whole run (s)': `${seconds(botsUpAt - began)} / ${seconds(loadEndedAt - loadStartedAt)} / ${seconds(Date.now() - loadEndedAt)} / ${seconds(Date.now() - began)}`,
  };
  for (const m of itemMismatches.slice(0, 5)) console.log(`  item mismatch: ${m}`);
  for (const c of ackedLost.slice(0, 5)) console.log(`  acked and lost: #${c.i} ${c.dir} ${c.item} on ${bots[c.bot]!.name} at +${c.sentAt - stopIssuedAt} ms: ${answersOf(c.user).join(' | ') || 'no message'}`);
  for (const c of ackedRefusedLater.slice(0, 5)) console.log(`  acked, then refused: #${c.i} ${c.item}: ${answersOf(c.user).join(' | ')}`);
  for (const a of [...approvalsLost, ...approvalsOther].slice(0, 5)) console.log(`  approval ${a.user} (${a.status}): ${approvalOutcome(a)}`);
  for (const problem of problems) console.log(`  settling: ${problem}`);

  const checks: Array<[string, boolean]> = [
    ['load went through the outage (clicks sent while the database was away)', during.length > 0],
    ['0 clicks acknowledged (200) and lost', ackedLost.length === 0 && acked.length > 0],
    ['every click not acknowledged was told to try again', refusedNotTold.length === 0],
    ['some clicks were refused during the outage (none acknowledged without being stored)', refused.length > 0],
    ['every click request was answered', failedToSend.length === 0],
    ['every item ends as its latest applied click left it', itemMismatches.length === 0],
    ['no click left stored in the intake', stillStored === 0],
    ['every approval recorded, or its sender told to try again (0 lost)', approvalsLost.length === 0 && approvalsOther.length === 0 && approvalsNot200.length === 0],
    ['approvals were made during the outage', approvalsDuring.length > 0],
    ['both bots ready (200) before the outage', readiness.every((r) => r.readyBefore)],
    ['both bots answered 503 throughout the outage', readiness.every((r) => r.outage503)],
    ['both bots ready (200) again after, and stayed ready', readiness.every((r) => r.readyAgain !== undefined && r.flapsAfter === 0)],
    ['a click was applied after the database came back', firstApplied !== undefined],
    [`every reminder due in the outage (${dueInOutage.length}) posted once after it: 0 lost, 0 duplicates`, dueInOutage.length === reminders.length && reminders.length === REMINDER_SAYS.length + 1 && remindersLost === 0 && reminderDuplicates === 0 && remindersEarly === 0],
    ['the checklist messages show item_states', displayMismatches.length === 0 && renderedBehind === 0],
    ['both bots are the same processes, alive, not restarted', alive.every(Boolean)],
    ['the bots logged "the database is not answering", nothing uncaught or fatal', toldTryAgainLogged && uncaught === 0 && fatal === 0],
    ['no refused click logged by Bolt as "not acknowledged within 3 seconds"', ackTimeouts === 0],
  ];
  return { figures, checks };
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<never> {
  const unavailable = await privateClusterUnavailable();
  if (unavailable) {
    if (QUICK) {
      console.log(`PASS ${NAME}: skipped (${unavailable})`);
      process.exit(0);
    }
    return finish(NAME, {}, [[`a private PostgreSQL cluster can be made (${unavailable})`, false]]);
  }
  const cleanup: Array<() => Promise<unknown>> = [];
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await run(cleanup);
  } finally {
    for (const step of cleanup.reverse()) await step().catch((err: unknown) => console.error(`cleanup: ${(err as Error).message}`));
  }
  return finish(NAME, result.figures, result.checks);
}

main().catch((err: unknown) => crashed(NAME, err));
