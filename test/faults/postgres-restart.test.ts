/**
 * PostgreSQL stops (`-m fast`: every session ends with 57P01) while the bot is updating a checklist and taking
 * clicks, then comes back. The bot is the real entry point in a process of its own (`src/main.ts`, DATABASE_URL on
 * a private cluster this file stops and starts), Slack is the fake answering chat.update in 100-250 ms, requests
 * are signed as Slack signs them. It must stay up, say "not ready" and "try again" while the database is away,
 * lose no click it saved, and catch up by itself once the database is back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../src/playground/fake-slack.js';
import { postgresDatabase, type LocalDatabase } from '../../src/playground/databases.js';
import { blockActions, findCheckbox, DEFAULT_CHANNEL, slashCommand, toggleCheckboxes, type SlackSender } from '../../src/playground/slack-client/index.js';
import type { Db } from '../../src/store/db.js';
import { findActive, loadView } from '../../src/store/promotions.js';
import { createPrivateCluster, privateClusterUnavailable, type PrivateCluster } from '../support/private-postgres.js';

const unavailable = await privateClusterUnavailable();
if (unavailable) console.warn(`skipping the PostgreSQL restart test: ${unavailable}`);

const SECRET = 'restart-test-signing-secret';
const SAVED_BUT_BEHIND = 'Saved, but the database stopped answering';
const TRY_AGAIN = "Preflight's database is not answering just now";
/** A click stored in the intake whose batch met the outage: the sweep applies it once the database is back. */
const STORED_NOT_APPLIED = 'Received, but the database stopped answering before your click was applied';

/** Polls until `check` yields something; bounded by attempts, so a condition that never holds fails the test. */
async function eventually<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, attempts = 600): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await Promise.resolve().then(check).catch(() => undefined);
    if (value !== undefined && value !== null && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never happened: ${what}`);
}

/** Slack's own pace: every held call of `method` is answered 100-250 ms after it arrives, unless paused. */
function slackLatency(fake: FakeSlack, method: string) {
  let paused = false;
  let due: NodeJS.Timeout | undefined;
  fake.hold(method);
  const tick = setInterval(() => {
    if (paused || due || fake.pending(method) === 0) return;
    due = setTimeout(() => {
      due = undefined;
      fake.release(method);
      fake.hold(method);
    }, 100 + Math.random() * 150);
  }, 10);
  return {
    /** Calls arriving from now on wait, as long as Slack takes. */
    pause() {
      paused = true;
      clearTimeout(due);
      due = undefined;
    },
    resume() {
      paused = false;
    },
    stop() {
      clearInterval(tick);
      clearTimeout(due);
      fake.release(method);
    },
  };
}

interface BotProcess {
  child: ChildProcess;
  sender: SlackSender;
  readyz(): Promise<number>;
  /** Every line the bot logged (JSON), and anything on stderr. */
  output(): string;
}

async function startBot(env: Record<string, string>): Promise<BotProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  // Starting takes a few seconds (tsx compiles on the fly); a bot that exits early ends the wait at once.
  const running = await eventually('the bot to be running', () => {
    if (child.exitCode !== null) return { exited: child.exitCode };
    const line = out.split('\n').find((l) => l.includes('Preflight is running'));
    return line ? { port: (JSON.parse(line) as { port: number }).port } : undefined;
  }, 2_400);
  if (!('port' in running)) throw new Error(`the bot exited (${running.exited}) before it was running:\n${out}`);
  const { port } = running;
  return {
    child,
    sender: { url: `http://127.0.0.1:${port}/slack/events`, signingSecret: SECRET },
    readyz: async () => (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5_000) })).status,
    output: () => out,
  };
}

describe.skipIf(unavailable !== undefined)('the bot, as its own process, through a PostgreSQL restart', () => {
  let cluster: PrivateCluster;
  let database: LocalDatabase;
  let fake: FakeSlack;
  let bot: BotProcess | undefined;
  let db: Db;
  let slack: ReturnType<typeof slackLatency> | undefined;

  beforeAll(async () => {
    cluster = await createPrivateCluster();
    database = await postgresDatabase(cluster.url);
    db = await database.open();
    fake = await startFakeSlack();
  }, 120_000);
  afterAll(async () => {
    slack?.stop();
    if (bot && bot.child.exitCode === null) {
      const exited = new Promise((resolve) => bot!.child.once('exit', resolve));
      bot.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
    }
    await fake?.close();
    await database?.drop().catch(() => undefined);
    await cluster?.drop();
  }, 120_000);

  it('stays up, answers "try again" and 503 while the database is away, keeps every saved click, and catches up after', async () => {
    bot = await startBot({
      SLACK_BOT_TOKEN: 'xoxb-restart-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
      DATABASE_URL: database.url!,
      PORT: '0',
      CHECKLISTS_DIR: 'test/fixtures/checklists',
      LOG_LEVEL: 'info',
    });
    const alive = () => bot!.child.exitCode === null && bot!.child.signalCode === null;
    const click = (user: string, item: string) => {
      const box = findCheckbox(fake, item);
      return blockActions(bot!.sender, {
        userId: user,
        channelId: DEFAULT_CHANNEL,
        message: box.message,
        action: toggleCheckboxes(box.message, box.blockId, [item]),
        responseUrl: fake.responseUrl({ channel: DEFAULT_CHANNEL, user, messageTs: box.message.ts }),
      });
    };
    const answersTo = (user: string) => fake.ephemerals().filter((e) => e.user === user).map((e) => e.text ?? '');
    const answered = (user: string) => fake.waitFor(() => answersTo(user)[0], { timeoutMs: 30_000, what: `an answer to ${user}` });

    await slashCommand(bot.sender, { text: 'start v1.50', userId: 'U0LEAD', channelId: DEFAULT_CHANNEL, responseUrl: fake.responseUrl({ channel: DEFAULT_CHANNEL, user: 'U0LEAD' }) });
    const promotionId = await eventually('the promotion to start', async () => (await findActive(db, DEFAULT_CHANNEL, 'v1.50'))?.id);
    await eventually('the checklist to be posted', async () => {
      const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM promotion_messages WHERE ts IS NULL');
      return r.rows[0]!.n === 0;
    });
    const done = async () => new Set([...(await loadView(db, promotionId))!.states.values()].filter((s) => s.state === 'done').map((s) => s.itemId));
    slack = slackLatency(fake, 'chat.update');

    // Before the outage: clicks saved and shown.
    for (const [i, item] of ['gate-0', 'gate-1', 'gate-2'].entries()) {
      expect((await click(`U0BEFORE${i}`, item)).status).toBe(200);
      await eventually(`${item} shown ticked`, () => findCheckbox(fake, item).ticked);
    }
    const savedBefore = await done();
    expect([...savedBefore].sort()).toEqual(['gate-0', 'gate-1', 'gate-2']);

    // A click whose update Slack is still answering when the database stops.
    slack.pause();
    expect((await click('U0INFLIGHT', 'gate-3')).status).toBe(200);
    await fake.waitFor(() => fake.pending('chat.update') >= 1, { timeoutMs: 10_000, what: 'the update in flight' });
    // While Slack answers, the bot holds no connection busy: no open transaction, no lock; the lease is a row.
    await eventually('no transaction of the bot open while Slack answers', async () => {
      const r = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'preflight' AND pid <> pg_backend_pid() AND state <> 'idle'`,
      );
      return r.rows[0]!.n === 0;
    });
    expect((await db.query('SELECT 1 FROM pg_locks WHERE locktype = $1', ['advisory'])).rowCount).toBe(0);
    expect((await db.query('SELECT 1 FROM render_leases WHERE promotion_id = $1', [promotionId])).rowCount).toBe(1);

    // More clicks keep arriving, one after another, while the server shuts down (it starts once the first is
    // saved): some are saved first, others are stored but meet it in their batch, others find it gone. Each must end
    // saved, or stored and applied later (both acknowledged, 200), or not acknowledged (500) and answered "try again".
    const statuses: number[] = [];
    const pool = ['gate-4', 'gate-5', 'gate-6', 'gate-7', ...[1, 2, 3, 4, 5, 6, 7].map((n) => `safe-${n}`), ...[0, 1, 2, 3, 4, 5, 6, 7].map((n) => `dep-${n}`)];
    const racing: string[] = [];
    let stopping: Promise<void> | undefined;
    let down = false;
    while (!down && racing.length < pool.length) {
      const item = pool[racing.length]!;
      const status = (await click(`U0RACE${racing.length}`, item)).status;
      expect([200, 500]).toContain(status);
      statuses.push(status);
      racing.push(item);
      stopping ??= eventually('the first racing click saved', async () => (await done()).has(item))
        .then(() => cluster.stop())
        .finally(() => (down = true));
    }
    await stopping;

    // During the outage: alive, not ready, clicks told to try again. (readyz gives up after 5 s: a readiness that
    // waited on the database instead of answering 503 fails there. How long it took is logged, not asserted.)
    expect(alive()).toBe(true);
    const started = performance.now();
    expect(await bot.readyz()).toBe(503);
    console.info(`/readyz answered 503 during the outage in ${Math.round(performance.now() - started)} ms`);
    // Not stored, so not acknowledged: Slack shows the click failed, and the person hears why.
    expect((await click('U0DURING', 'gate-8')).status).toBe(500);
    expect(await answered('U0DURING')).toContain(TRY_AGAIN);

    // Slack answers the update held across the stop; the change it shows was saved, so that is what they hear.
    slack.resume();
    expect(await answered('U0INFLIGHT')).toContain(SAVED_BUT_BEHIND);
    const outcomes = await Promise.all(racing.map((_, i) => answered(`U0RACE${i}`)));
    expect(outcomes[0]).toContain(SAVED_BUT_BEHIND);
    outcomes.forEach((text, i) => {
      // An acknowledged click was stored: it is saved, or applied later; only a click not acknowledged is "try again".
      const expected = statuses[i] === 200 ? [SAVED_BUT_BEHIND, STORED_NOT_APPLIED] : [TRY_AGAIN];
      expect(expected.some((answer) => text.includes(answer)), `${racing[i]} (${statuses[i]}): ${text}`).toBe(true);
    });
    expect(alive()).toBe(true);

    // The database comes back: ready again without restarting the bot, nothing saved was lost.
    await cluster.start();
    await eventually('/readyz to answer 200', async () => (await bot!.readyz()) === 200, 200);
    const after = await done();
    for (const item of [...savedBefore, 'gate-3']) expect(after.has(item)).toBe(true);
    racing.forEach((item, i) => {
      if (outcomes[i]!.includes(SAVED_BUT_BEHIND)) expect(after.has(item)).toBe(true);
    });
    // Clicks stored but not applied are applied by the sweep once orphaned (ORPHANED_AFTER_MS, every few seconds).
    const stored = racing.filter((_, i) => outcomes[i]!.includes(STORED_NOT_APPLIED));
    await eventually('the stored clicks to be applied', async () => {
      const now = await done();
      return stored.every((item) => now.has(item));
    }, 1_600);

    // A new click works, and every message converges on what the database holds.
    expect((await click('U0AFTER', 'safe-0')).status).toBe(200);
    await eventually('the new click saved', async () => (await done()).has('safe-0'));
    const final = await done();
    await eventually('the messages to converge', async () => {
      const behind = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM promotion_messages m JOIN promotions p ON p.id = m.promotion_id WHERE m.rendered_version < p.version',
      );
      return behind.rows[0]!.n === 0 && [...final].every((item) => findCheckbox(fake, item).ticked);
    });
    expect(answersTo('U0AFTER')).toEqual([]);
    for (const item of ['gate-8', 'gate-9']) expect(final.has(item)).toBe(false);

    expect(alive()).toBe(true);
    expect(bot.output()).toContain('request failed: the database is not answering');
    expect(bot.output()).not.toMatch(/uncaught|unhandled/i);
  }, 120_000);
});
