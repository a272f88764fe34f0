import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailable, wasNotAcknowledged } from '../../src/errors.js';
import { Busy } from '../../src/services/group-insert.js';
import { createLogger } from '../../src/logger.js';
import type { Deps } from '../../src/services/deps.js';
import { ClickIntake, ORPHANED_AFTER_MS, type ClickSubmission } from '../../src/services/intake.js';
import { listAudit } from '../../src/store/audit.js';
import { storeClick } from '../../src/store/click-intake.js';
import type { Db } from '../../src/store/db.js';
import { lastActionTs } from '../../src/store/item-order.js';
import { insertMessages, markRendered } from '../../src/store/messages.js';
import { endPromotion, getItemState, insertPromotion, loadView } from '../../src/store/promotions.js';
import { BACKENDS, migrated, type TestDatabase } from '../support/db.js';
import { oneSectionTemplate } from '../support/templates.js';

const CHECKS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const template = oneSectionTemplate([
  ...CHECKS.map((id) => ({ id, label: id.toUpperCase() })),
  { id: 'pick', label: 'Pick', choice: { options: [{ id: 'x', label: 'X' }, { id: 'y', label: 'Y' }] } },
]);

const START = new Date('2026-11-21T10:00:00Z');

/** Slack's action_ts for the n-th second after a fixed moment. */
const ts = (n: number) => `${1795300000 + n}.000100`;

for (const [name, create] of BACKENDS) {
  describe(`the click intake on ${name}`, () => {
    let t: TestDatabase;
    let db: Db;
    beforeAll(async () => {
      t = await create();
      db = await migrated(t);
    });
    afterAll(() => t.drop());

    /**
     * A running promotion and an intake on `through` (default the database itself), with a clock the test moves,
     * the refreshes it asks for, and what it logged.
     */
    async function setUp(through?: (db: Db) => Db) {
      const id = randomUUID();
      await db.tx((q) =>
        insertPromotion(q, { id, release: 'v1', template, channelId: `C${id.slice(0, 8)}`, teamId: null, requestedBy: 'U1', createdAt: START }, [...CHECKS, 'pick']),
      );
      const refreshed: string[] = [];
      /** The message each refresh was asked to render first. */
      const firsts: Array<string | undefined> = [];
      const logs: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          done();
        },
      });
      const clock = { now: START };
      const base = {
        db: through ? through(db) : db,
        clock: () => clock.now,
        log: createLogger('debug', sink),
        templates: new Map(),
        slack: {
          refresh: async (promotionId: string, opts?: { first?: string }) => {
            refreshed.push(promotionId);
            firsts.push(opts?.first);
          },
          post: async () => 'posted' as const,
          send: async () => 'posted' as const,
          publishHome: async () => undefined,
          groupMembers: async () => [],
          layout: () => [[0]],
        },
      };
      const intake = new ClickIntake(base);
      const deps: Deps = { ...base, clicks: intake };
      let n = 0;
      const toggle = (user: string, actionTs: string, change: { ticked?: string[]; unticked?: string[] }, receiptKey = `toggle:${user}:${actionTs}:${n++}`): ClickSubmission => ({
        receiptKey,
        promotionId: id,
        userId: user,
        actionTs,
        payload: { kind: 'toggle', ticked: change.ticked ?? [], unticked: change.unticked ?? [] },
      });
      const choose = (user: string, actionTs: string, option: string): ClickSubmission => ({
        receiptKey: `choose:${user}:${actionTs}`,
        promotionId: id,
        userId: user,
        actionTs,
        payload: { kind: 'choose', item: 'pick', option },
      });
      const state = async (item: string) => (await getItemState(db, id, item))?.state;
      const stored = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM click_intake WHERE promotion_id = $1', [id])).rows[0]!.n;
      /** The receipt keys acknowledged, in order: the intake calls back once a click is stored. */
      const acked: string[] = [];
      const submit = (c: ClickSubmission) =>
        intake.submit(c, async () => {
          // Acknowledged only once stored: the row is there when the acknowledgement goes.
          const r = await db.query('SELECT 1 FROM click_intake WHERE receipt_key = $1 UNION ALL SELECT 1 FROM interaction_receipts WHERE key = $1', [c.receiptKey]);
          if (r.rows.length === 0) throw new Error(`acknowledged ${c.receiptKey} before it was stored`);
          acked.push(c.receiptKey);
        });
      return { id, deps, intake, clock, refreshed, firsts, logs, toggle, choose, state, stored, submit, acked };
    }

    it('applies a stored click, shows it, and keeps nothing stored; a redelivery is stored and applied once', async () => {
      const { id, submit, refreshed, toggle, state, stored, acked } = await setUp();
      const click = toggle('U1', ts(1), { ticked: ['a'] });
      expect(await submit(click)).toEqual({ changed: true });
      expect(await state('a')).toBe('done');
      expect(refreshed).toEqual([id]);
      expect(await stored()).toBe(0);
      // Delivered again, at once twice and then later: stored once at a time, and the receipt stops it applying again.
      const again = await Promise.all([submit(click), submit(click)]);
      expect(again).toEqual([{ changed: false }, { changed: false }]);
      expect(await submit(click)).toEqual({ changed: false });
      expect(await listAudit(db, id)).toHaveLength(1);
      expect(await stored()).toBe(0);
      // Every delivery was acknowledged, each only once the click was stored.
      expect(acked).toEqual([click.receiptKey, click.receiptKey, click.receiptKey, click.receiptKey]);
    });

    it('checks, when it applies a click, that it was made on the live message, and renders that message first', async () => {
      const { id, submit, firsts, toggle, state } = await setUp();
      const channel = `C${id.slice(0, 8)}`;
      await db.tx(async (q) => {
        await insertMessages(q, id, channel, [[0]]);
        await markRendered(q, id, 0, { ts: '1795300000.000001', version: 0, hash: 'h0' });
        await markRendered(q, id, 1, { ts: '1795300000.000002', version: 0, hash: 'h1' });
      });
      const onSection = { ...toggle('U1', ts(90), { ticked: ['a'] }), payload: { kind: 'toggle' as const, ticked: ['a'], unticked: [], on: { channel, ts: '1795300000.000002' } } };
      expect(await submit(onSection)).toEqual({ changed: true });
      expect(firsts).toEqual(['1795300000.000002']);
      // A stray copy (a message that is not one of the promotion's): stored and acknowledged, then refused when applied.
      const stray = { ...toggle('U2', ts(91), { ticked: ['b'] }), payload: { kind: 'toggle' as const, ticked: ['b'], unticked: [], on: { channel, ts: '1795300999.000009' } } };
      await expect(submit(stray)).rejects.toThrow('This copy of the checklist is out of date and nothing was changed.');
      expect(await state('b')).toBe('open');
    });

    it('applies clicks on an item in the order Slack sent them, whichever arrives first', async () => {
      const { id, submit, toggle, choose, state } = await setUp();
      // A tick then an untick of a, delivered untick first: the untick changes nothing but the tick is then too old.
      expect(await submit(toggle('U1', ts(11), { unticked: ['a'] }))).toEqual({ changed: false });
      expect(await lastActionTs(db, id, 'a')).toBe(ts(11));
      expect(await submit(toggle('U1', ts(10), { ticked: ['a'] }))).toEqual({ changed: false });
      expect(await state('a')).toBe('open');
      expect(await lastActionTs(db, id, 'a')).toBe(ts(11));

      // b ticked; then an untick and a tick again, delivered tick first: it stays ticked.
      await submit(toggle('U1', ts(20), { ticked: ['b'] }));
      await submit(toggle('U2', ts(22), { ticked: ['b'] }));
      await submit(toggle('U3', ts(21), { unticked: ['b'] }));
      expect(await state('b')).toBe('done');

      // A click naming two items is applied to the one no later click has decided, and skipped for the other.
      expect(await submit(toggle('U4', ts(5), { ticked: ['a', 'c'] }))).toEqual({ changed: true });
      expect([await state('a'), await state('c')]).toEqual(['open', 'done']);

      // Choices: Y chosen after X, delivered first.
      expect(await submit(choose('U5', ts(31), 'y'))).toEqual({ changed: true });
      expect(await submit(choose('U6', ts(30), 'x'))).toEqual({ changed: false });
      expect(await getItemState(db, id, 'pick')).toMatchObject({ state: 'done', value: 'y', by: 'U5' });
    });

    it('coalesces a burst of clicks into a few batches, and ends on the latest click per item', async () => {
      let transactions = 0;
      let inserts = 0;
      const { submit, toggle, state, acked } = await setUp((inner) => ({
        ...inner,
        tx: (fn) => (transactions++, inner.tx(fn)),
        query: (sql, params) => (/^INSERT INTO click_intake/.test(sql.trim()) && inserts++, inner.query(sql, params)),
      }));
      // Every item gets a run of clicks, each undoing the one before, sent in one order and delivered shuffled.
      const clicks: ClickSubmission[] = [];
      const expected = new Map<string, string>();
      let second = 100;
      for (const [i, item] of CHECKS.entries()) {
        const runs = 1 + (i % 4);
        for (let k = 0; k < runs; k++) clicks.push(toggle(`U${i}${k}`, ts(second++), k % 2 === 0 ? { ticked: [item] } : { unticked: [item] }));
        expected.set(item, runs % 2 === 1 ? 'done' : 'open');
      }
      const shuffled = clicks.map((c, i) => ({ c, key: (i * 7919) % clicks.length })).sort((x, y) => x.key - y.key).map((x) => x.c);
      const results = await Promise.allSettled(shuffled.map((c) => submit(c)));
      expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
      for (const [item, want] of expected) expect(await state(item)).toBe(want);
      expect(transactions).toBeLessThan(clicks.length);
      // Stored by group insert: the clicks that arrived during an INSERT went in the next one.
      expect(inserts).toBeLessThan(clicks.length);
      expect(acked).toHaveLength(clicks.length);
    });

    it('tells the person when the promotion ended between storing the click and applying it', async () => {
      let end: (() => Promise<unknown>) | undefined;
      const { id, submit, toggle, state, stored } = await setUp((inner) => ({
        ...inner,
        query: async (sql, params) => {
          const r = await inner.query(sql, params);
          if (/^INSERT INTO click_intake/.test(sql.trim())) await end?.();
          return r as never;
        },
      }));
      end = () => db.tx((q) => endPromotion(q, id, { status: 'aborted', by: 'U9', reason: 'moved to Friday', at: START }));
      await expect(submit(toggle('U1', ts(40), { ticked: ['a'] }))).rejects.toThrow('Promotion v1 was aborted (moved to Friday), so nothing was changed');
      expect(await state('a')).toBe('open');
      expect(await stored()).toBe(0);
      expect(await listAudit(db, id)).toEqual([]);
    });

    it('does not acknowledge a click it cannot store, and says to try again', async () => {
      const { submit, toggle, stored, acked } = await setUp((inner) => ({
        ...inner,
        query: async (sql, params) => {
          if (/^INSERT INTO click_intake/.test(sql.trim())) throw new DatabaseUnavailable(new Error('timeout exceeded when trying to connect'));
          return inner.query(sql, params);
        },
      }));
      await expect(submit(toggle('U1', ts(50), { ticked: ['a'] }))).rejects.toBeInstanceOf(DatabaseUnavailable);
      expect(await stored()).toBe(0);
      // Not acknowledged: Slack shows the person the click did not go through, besides the private answer.
      expect(acked).toEqual([]);
    });

    it('takes back, unacknowledged, a click stored too late to be acknowledged within Slack\'s 3 seconds', async () => {
      let inserts = 0;
      // The INSERT takes a second: the click arrived 2 s before it is submitted, so it is stored at about 3 s.
      const { intake, toggle, stored, state, acked } = await setUp((inner) => ({
        ...inner,
        query: async (sql, params) => {
          if (/^INSERT INTO click_intake/.test(sql.trim())) {
            inserts++;
            await new Promise((r) => setTimeout(r, 1_000));
          }
          return inner.query(sql, params);
        },
      }));
      const late = { ...toggle('U1', ts(55), { ticked: ['a'] }), arrivedAt: performance.now() - 2_000 };
      const err = await intake.submit(late, async () => void acked.push(late.receiptKey)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Busy);
      expect(wasNotAcknowledged(err)).toBe(true);
      // It was stored, then taken back: nothing acknowledged, nothing left, nothing applied.
      expect(inserts).toBe(1);
      expect(acked).toEqual([]);
      expect(await stored()).toBe(0);
      expect(await state('a')).toBe('open');
    });

    it('refuses, before storing it, a click whose request arrived too long ago to be stored in time', async () => {
      const { intake, toggle, stored, acked } = await setUp();
      const stale = { ...toggle('U1', ts(56), { ticked: ['a'] }), arrivedAt: performance.now() - 2_600 };
      const err = await intake.submit(stale, async () => void acked.push(stale.receiptKey)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Busy);
      expect(acked).toEqual([]);
      expect(await stored()).toBe(0);
    });

    it('keeps a click whose batch failed, tells the person it will be applied, and the sweep applies it once orphaned', async () => {
      let failing = true;
      const { id, intake, submit, clock, refreshed, toggle, state, stored } = await setUp((inner) => ({
        ...inner,
        tx: (fn) => (failing ? Promise.reject(new DatabaseUnavailable(new Error('Connection terminated unexpectedly'))) : inner.tx(fn)),
      }));
      await expect(submit(toggle('U1', ts(60), { ticked: ['a'] }))).rejects.toThrow(
        'Received, but the database stopped answering before your click was applied. It is applied by itself once the database is back',
      );
      expect(await stored()).toBe(1);
      failing = false;
      // Still fresh: the sweep leaves it to the process that stored it.
      expect(await intake.sweep()).toBe(0);
      expect(await state('a')).toBe('open');
      clock.now = new Date(START.getTime() + ORPHANED_AFTER_MS + 1);
      expect(await intake.sweep()).toBe(1);
      expect(await state('a')).toBe('done');
      expect(await stored()).toBe(0);
      expect(refreshed).toEqual([id]);
    });

    it('sweeps clicks another process stored and never applied, refusing (and logging) those for an ended promotion', async () => {
      const live = await setUp();
      const ended = await setUp();
      const old = new Date(START.getTime() - ORPHANED_AFTER_MS - 1);
      await storeClick(db, { ...live.toggle('U1', ts(70), { ticked: ['a', 'b'] }), receivedAt: old });
      await storeClick(db, { ...live.choose('U2', ts(71), 'x'), receivedAt: old });
      await storeClick(db, { ...live.toggle('U3', ts(72), { ticked: ['c'] }), receivedAt: START });
      await storeClick(db, { ...ended.toggle('U4', ts(73), { ticked: ['a'] }), receivedAt: old });
      await db.tx((q) => endPromotion(q, ended.id, { status: 'completed', by: 'U9', reason: 'shipped', at: START }));

      // Another process's intake (this one stored nothing itself) sweeps.
      expect(await live.intake.sweep()).toBe(3);
      const view = (await loadView(db, live.id))!;
      expect([view.states.get('a')!.state, view.states.get('b')!.state, view.states.get('pick')!.value]).toEqual(['done', 'done', 'x']);
      // The fresh click belongs to the process that stored it, which is still applying it.
      expect(view.states.get('c')!.state).toBe('open');
      expect(await live.stored()).toBe(1);
      expect(await listAudit(db, live.id)).toMatchObject([{ actor: 'U1' }, { actor: 'U2' }]);
      expect(live.refreshed).toEqual([live.id]);
      expect(await ended.state('a')).toBe('open');
      expect(await ended.stored()).toBe(0);
      expect(live.logs.some((l) => l.includes('stored click refused') && l.includes('was completed (shipped)'))).toBe(true);
    });
  });
}

