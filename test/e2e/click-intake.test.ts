/**
 * Clicks are stored as they arrive and applied in batches (src/services/intake.ts), in Slack's action_ts order per
 * item: signed requests into the real Bolt app, one or two bot processes on one database, the fake Slack.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseUnavailable } from '../../src/errors.js';
import { listAudit } from '../../src/store/audit.js';
import { storeClick } from '../../src/store/click-intake.js';
import type { Db } from '../../src/store/db.js';
import { endPromotion, findActive, loadView } from '../../src/store/promotions.js';
import { blockActionsPayload, postInteractivity, seenAs, toggleCheckboxes } from '../../src/playground/slack-client/index.js';
import type { LocalDatabase } from '../../src/playground/databases.js';
import { BACKENDS, postgresDatabase, type TestDatabase } from '../support/db.js';
import { CHANNEL, checkboxBlocks, findCheckbox, promotionMessages, startHarness, type BotProcess, type Harness } from '../support/harness.js';

/** Slack's action_ts, `n` seconds after the test began (Slack's clock, which only orders clicks here). */
const BASE = Math.floor(Date.now() / 1000);
const ts = (n: number) => `${BASE + n}.${String(n % 1000).padStart(3, '0')}100`;

async function doneItems(db: Db, promotionId: string): Promise<Set<string>> {
  const view = await loadView(db, promotionId);
  return new Set([...view!.states.values()].filter((s) => s.state === 'done').map((s) => s.itemId));
}

async function storedClicks(db: Db): Promise<number> {
  return (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM click_intake')).rows[0]!.n;
}

/** The same database, with `before` run ahead of each statement a bot sends outside a transaction. */
function intercepted(database: LocalDatabase, before: (sql: string) => Promise<void>): LocalDatabase {
  return {
    ...database,
    async open() {
      const db = await database.open();
      return { ...db, query: async (sql: string, params?: unknown[]) => (await before(sql), db.query(sql, params)) } as Db;
    },
  };
}

describe.each(BACKENDS)('clicks apply in the order Slack sent them, on %s', (_kind, create) => {
  let database: TestDatabase;
  let h: Harness;
  afterEach(async () => {
    await h.close();
    await database.drop();
  });

  async function begin(bots: number): Promise<string> {
    database = await create();
    h = await startHarness({ database, bots, templatesDir: 'test/fixtures/checklists' });
    await h.command('start v1.50');
    await h.settle();
    return (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
  }

  /** `user` ticks or unticks `item` as their client showed it, with Slack's action_ts `at`, sent to `bot`. */
  function click(user: string, item: string, change: 'tick' | 'untick', at: string, bot: BotProcess) {
    const box = findCheckbox(h.fake, item);
    const seen = seenAs(box.message, item, change === 'untick');
    return h.click(user, seen, { ...toggleCheckboxes(seen, box.blockId, [item]), action_ts: at }, bot);
  }

  for (const bots of [1, 2]) {
    it(`ends unticked after a tick then an untick delivered in reverse order, and ticked after the reverse (${bots} bot process${bots > 1 ? 'es' : ''})`, async () => {
      const promotionId = await begin(bots);
      const [first, second] = [h.bots[0]!, h.bots[bots - 1]!];

      // gate-0: ticked at 10, unticked at 11; the untick arrives first (on one process), the tick after (on the other).
      expect((await click('U0ANN', 'gate-0', 'untick', ts(11), first)).status).toBe(200);
      await h.settle();
      expect((await click('U0ANN', 'gate-0', 'tick', ts(10), second)).status).toBe(200);
      await h.settle();

      // gate-1 is ticked; then unticked at 21 and ticked again at 22: the tick arrives first.
      await click('U0BEN', 'gate-1', 'tick', ts(20), first);
      await h.settle();
      expect((await click('U0BEN', 'gate-1', 'tick', ts(22), second)).status).toBe(200);
      await h.settle();
      expect((await click('U0BEN', 'gate-1', 'untick', ts(21), first)).status).toBe(200);
      await h.settle();

      const done = await doneItems(h.bot.db, promotionId);
      expect(done.has('gate-0')).toBe(false);
      expect(done.has('gate-1')).toBe(true);
      expect(findCheckbox(h.fake, 'gate-0').ticked).toBe(false);
      expect(findCheckbox(h.fake, 'gate-1').ticked).toBe(true);
      // Nothing to tell anyone: each click was applied, or skipped as older than one already applied.
      expect(h.fake.ephemerals()).toEqual([]);
      expect(await storedClicks(h.bot.db)).toBe(0);
      // Only the clicks that changed something are in the audit trail: gate-1's first tick.
      expect((await listAudit(h.bot.db, promotionId)).filter((e) => e.action === 'items.toggled')).toMatchObject([
        { actor: 'U0BEN', data: { ticked: ['gate-1'], unticked: [] } },
      ]);
    });
  }

  it('ends with exactly the latest click per item after 200 clicks from stale views, sent at once to two bot processes', async () => {
    const promotionId = await begin(2);
    // Every client has the checklist as first posted (none sees anyone else's click) except its own item's last state.
    const items = promotionMessages(h.fake)[0]!.thread.flatMap((message) =>
      checkboxBlocks(message).flatMap((b) => b.values.map((value) => ({ message, blockId: b.blockId, value }))),
    );
    const sections = new Set(items.map((i) => i.message.ts));
    expect(sections.size).toBeGreaterThan(1);
    expect(items.length).toBeGreaterThan(20);

    // Click k is on item k mod n, and undoes that item's click before it (tick, untick, tick...), Slack's clock rising.
    const expected = new Map<string, boolean>();
    const clicks = Array.from({ length: 200 }, (_, k) => {
      const item = items[k % items.length]!;
      const tick = Math.floor(k / items.length) % 2 === 0;
      expected.set(item.value, tick);
      const seen = seenAs(item.message, item.value, !tick);
      return { user: `U0C${k}`, seen, action: { ...toggleCheckboxes(seen, item.blockId, [item.value]), action_ts: ts(100 + k) } };
    });
    // Delivered in a scrambled order, all at once, alternating between the two processes.
    const order = clicks.map((c, i) => ({ c, key: (i * 7919) % clicks.length })).sort((x, y) => x.key - y.key).map((x) => x.c);
    const results = await Promise.all(order.map((c, i) => h.click(c.user, c.seen, c.action, h.bots[i % 2])));
    expect(results.every((r) => r.status === 200)).toBe(true);
    await h.settle();

    const done = await doneItems(h.bot.db, promotionId);
    for (const [item, ticked] of expected) {
      expect(done.has(item), item).toBe(ticked);
      expect(findCheckbox(h.fake, item).ticked, item).toBe(ticked);
    }
    expect([...expected.values()].some(Boolean)).toBe(true);
    expect([...expected.values()].some((v) => !v)).toBe(true);
    // No clicker was told anything went wrong, and nothing is left stored.
    expect(h.fake.ephemerals()).toEqual([]);
    expect(h.logs.filter((l) => /request (failed|refused)/.test(l))).toEqual([]);
    expect(await storedClicks(h.bot.db)).toBe(0);
  });

  it('applies a click stored by a process that stopped before applying it, by another process\'s sweep', async () => {
    const promotionId = await begin(2);
    const box = findCheckbox(h.fake, 'safe-2');
    // Bot 0 stored the click and stopped: the row is all that is left of it.
    await h.bots[0]!.stop();
    await storeClick(h.bot.db, {
      receiptKey: `toggle:U0DEAD:${ts(300)}:${box.blockId}`,
      promotionId,
      userId: 'U0DEAD',
      actionTs: ts(300),
      payload: { kind: 'toggle', ticked: ['safe-2'], unticked: [] },
      receivedAt: new Date(Date.now() - 60_000),
    });
    await h.bot.preflight.deps.clicks.sweep();
    await h.settle();
    expect((await doneItems(h.bot.db, promotionId)).has('safe-2')).toBe(true);
    expect(findCheckbox(h.fake, 'safe-2').ticked).toBe(true);
    expect(await storedClicks(h.bot.db)).toBe(0);
    expect((await listAudit(h.bot.db, promotionId)).at(-1)).toMatchObject({ actor: 'U0DEAD', action: 'items.toggled', data: { ticked: ['safe-2'] } });
  });

  it('stores and applies a click redelivered to both processes at once only once', async () => {
    const promotionId = await begin(2);
    const box = findCheckbox(h.fake, 'dep-1');
    const payload = blockActionsPayload(h.bot.sender, {
      userId: 'U0RE',
      channelId: CHANNEL,
      message: box.message,
      action: toggleCheckboxes(box.message, box.blockId, ['dep-1']),
      responseUrl: h.fake.responseUrl({ channel: CHANNEL, user: 'U0RE' }),
    });
    const before = (await listAudit(h.bot.db, promotionId)).length;
    const deliveries = await Promise.all([...h.bots, ...h.bots].map((b) => postInteractivity(b.sender, payload)));
    expect(deliveries.every((r) => r.status === 200)).toBe(true);
    await h.settle();
    await postInteractivity(h.bots[1]!.sender, payload);
    await h.settle();
    const audit = await listAudit(h.bot.db, promotionId);
    expect(audit).toHaveLength(before + 1);
    expect(audit.at(-1)).toMatchObject({ action: 'items.toggled', actor: 'U0RE', data: { ticked: ['dep-1'], unticked: [] } });
    expect(findCheckbox(h.fake, 'dep-1').ticked).toBe(true);
    expect(await storedClicks(h.bot.db)).toBe(0);
    expect(h.fake.ephemerals()).toEqual([]);
  });
});

describe('the intake under pressure, and what the clicker hears when it cannot take or apply a click', () => {
  let database: TestDatabase;
  let h: Harness;
  afterEach(async () => {
    await h.close();
    await database.drop();
  });

  it('takes every click of a burst while a change holds the promotion\'s lock, and applies them all once it is released', async () => {
    database = await postgresDatabase();
    h = await startHarness({ database, bots: 2, templatesDir: 'test/fixtures/checklists' });
    await h.command('start v1.50');
    await h.settle();
    const promotionId = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
    const items = promotionMessages(h.fake)[0]!.thread.flatMap((message) =>
      checkboxBlocks(message).flatMap((b) => b.values.map((value) => ({ message, blockId: b.blockId, value }))),
    );
    // Another transaction holds the promotion's row lock (a long change, or a replica's batch) while 100 clicks arrive:
    // before the intake, each waited for the lock holding a pool connection, and those queued behind them for a
    // connection failed at the pool's checkout timeout, answered "something went wrong" though acknowledged.
    const other = await database.open();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = other.tx(async (q) => {
      await q.query('SELECT id FROM promotions WHERE id = $1 FOR NO KEY UPDATE', [promotionId]);
      locked();
      await released;
    });
    await isLocked;
    const clicks = Array.from({ length: 100 }, (_, k) => items[k % items.length]!).map((item, k) => ({ item, k }));
    const acks = await Promise.all(clicks.map(({ item, k }) => h.toggle(`U0Q${k}`, item.message, item.blockId, [item.value], h.bots[k % 2])));
    expect(acks.every((r) => r.status === 200)).toBe(true);
    // Every click is stored while the lock is held (bounded polling, no clock).
    for (let i = 0; i < 1_000 && (await storedClicks(h.bot.db)) < clicks.length; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await storedClicks(h.bot.db)).toBe(clicks.length);
    expect(await doneItems(h.bot.db, promotionId)).toEqual(new Set());
    release();
    await holder;
    await other.close();
    await h.settle();

    // Each item was ticked by the first click on it from the stale view; the later ones found it ticked already.
    const done = await doneItems(h.bot.db, promotionId);
    expect(done).toEqual(new Set(items.map((i) => i.value)));
    for (const i of items) expect(findCheckbox(h.fake, i.value).ticked).toBe(true);
    expect(h.fake.ephemerals()).toEqual([]);
    expect(await storedClicks(h.bot.db)).toBe(0);
  });

  it('does not acknowledge a click it cannot store: Slack is answered 500 at once, the clicker told to try again, nothing changes', async () => {
    database = await postgresDatabase();
    let refuse = false;
    h = await startHarness({
      database: intercepted(database, async (sql) => {
        if (refuse && sql.trim().startsWith('INSERT INTO click_intake')) throw new DatabaseUnavailable(new Error('timeout exceeded when trying to connect'));
      }),
      templatesDir: 'test/fixtures/checklists',
    });
    await h.command('start v1.50');
    await h.settle();
    const promotionId = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
    refuse = true;
    const box = findCheckbox(h.fake, 'gate-3');
    expect((await h.toggle('U0FULL', box.message, box.blockId, ['gate-3'])).status).toBe(500);
    await h.settle();
    expect(h.fake.ephemerals().filter((e) => e.user === 'U0FULL').map((e) => e.text)).toEqual([
      expect.stringContaining("Preflight's database is not answering just now, so this may not have been saved. Please try again in a moment."),
    ]);
    expect((await doneItems(h.bot.db, promotionId)).has('gate-3')).toBe(false);
  });

  it('tells the clicker when the promotion ended after their click was stored and before it was applied', async () => {
    database = await postgresDatabase();
    let end: (() => Promise<unknown>) | undefined;
    h = await startHarness({
      database: intercepted(database, async (sql) => {
        // The abort lands after the checks made on arrival, just as the click is stored.
        if (end && sql.trim().startsWith('INSERT INTO click_intake')) {
          const ending = end;
          end = undefined;
          await ending();
        }
      }),
      templatesDir: 'test/fixtures/checklists',
    });
    await h.command('start v1.50');
    await h.settle();
    const promotionId = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
    end = () => h.bot.db.tx((q) => endPromotion(q, promotionId, { status: 'aborted', by: 'U0LEAD', reason: 'window moved', at: new Date() }));
    const box = findCheckbox(h.fake, 'gate-4');
    expect((await h.toggle('U0LATE', box.message, box.blockId, ['gate-4'])).status).toBe(200);
    await h.settle();
    expect(h.fake.ephemerals().filter((e) => e.user === 'U0LATE').map((e) => e.text)).toEqual([
      expect.stringContaining('Promotion v1.50 was aborted (window moved), so nothing was changed'),
    ]);
    expect((await doneItems(h.bot.db, promotionId)).has('gate-4')).toBe(false);
    expect(await storedClicks(h.bot.db)).toBe(0);
  });
});
