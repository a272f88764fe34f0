/**
 * Sending reminders exactly once (src/services/reminders.ts over src/store/reminders.ts), on the real PostgreSQL and on
 * PGlite: replicas racing for the same due rows, a claim whose holder died, cancellation of claimed rows, retries after a
 * backoff, and a series whose earlier occurrence a later one superseded. The injected clock is fixed per step; only
 * claims run on the database's clock.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { planReminders, windowFrom, type PlannedReminder } from '../../src/domain/timeline.js';
import type { Template } from '../../src/domain/template.js';
import type { Deps } from '../../src/services/deps.js';
import { ClickIntake } from '../../src/services/intake.js';
import { REMINDER_CLAIM_MS, ReminderSender, reminderPostKey } from '../../src/services/reminders.js';
import { listAudit } from '../../src/store/audit.js';
import type { Db, Queryable } from '../../src/store/db.js';
import { insertPromotion } from '../../src/store/promotions.js';
import {
  cancelPending,
  claimDueReminders,
  insertReminders,
  listReminders,
  retryLater,
  setWindow,
  takeClaimed,
  type Reminder,
} from '../../src/store/reminders.js';
import { parseTemplate } from '../../src/templates/loader.js';
import { BACKENDS, migrated, type TestDatabase } from '../support/db.js';

const loaded = parseTemplate('timeline.yml', readFileSync(new URL('../fixtures/timeline/timeline.yml', import.meta.url), 'utf8'));
if (!loaded.template) throw new Error(`test/fixtures/timeline/timeline.yml: ${JSON.stringify(loaded.problems)}`);
const template: Template = loaded.template;
const ITEM_IDS = template.sections.flatMap((s) => s.items.map((i) => i.id));

const MIN = 60_000;
const T0 = new Date('2026-11-24T02:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the claim statement handed out, call by call: the one place a row could be given to two claimers. */
type ClaimLog = Array<{ owner: string; ids: string[] }>;

/**
 * The database seen through a wrapper: claims recorded, and optional hooks to run right after a claim returns
 * (something happening between a claim and its send) or to fail a statement inside a transaction.
 */
function observed(db: Db, opts: { claims?: ClaimLog; afterClaim?: () => Promise<void>; failInTx?: (sql: string) => boolean } = {}): Db {
  const isClaim = (sql: string) => sql.includes('FOR UPDATE SKIP LOCKED') && sql.includes('UPDATE reminders');
  const through = <Q extends Queryable>(q: Q): Q['query'] =>
    (async (sql: string, params?: unknown[]) => {
      const r = await q.query<Record<string, unknown>>(sql, params);
      if (isClaim(sql)) {
        opts.claims?.push({ owner: String(params![0]), ids: r.rows.map((row) => String(row['id'])) });
        if (opts.afterClaim && r.rows.length > 0) {
          const hook = opts.afterClaim;
          opts.afterClaim = undefined;
          await hook();
        }
      }
      return r;
    }) as Q['query'];
  return {
    kind: db.kind,
    query: through(db),
    tx: (fn, txOpts) =>
      db.tx(
        (q) =>
          fn({
            ...q,
            query: (async (sql: string, params?: unknown[]) => {
              if (opts.failInTx?.(sql)) {
                opts.failInTx = undefined;
                throw new Error('boom: the outbox insert failed');
              }
              return q.query(sql, params);
            }) as typeof q.query,
          }),
        txOpts,
      ),
    ping: () => db.ping(),
    close: () => db.close(),
  };
}

for (const [name, create] of BACKENDS) {
  describe(`reminders sent exactly once on ${name}`, () => {
    let t: TestDatabase;
    /** Two connections (pools) to one database, as two replicas have; on PGlite, the same one. */
    let dbA: Db;
    let dbB: Db;
    const clock = { now: T0 };

    beforeAll(async () => {
      t = await create();
      dbA = await migrated(t);
      dbB = await t.open();
    });
    afterAll(() => t.drop());
    beforeEach(() => {
      clock.now = T0;
    });
    // A claim takes due reminders of every promotion: what one test leaves to send must not reach the next.
    afterEach(async () => {
      await dbA.query(`UPDATE reminders SET state = 'cancelled', claimed_until = NULL WHERE state IN ('pending', 'claimed')`);
    });

    /** A replica: its Deps (fixed injectable clock, a Slack port recording the outbox keys it was asked to send) and sender. */
    function replica(db: Db) {
      const sent: string[] = [];
      const base = {
        db,
        clock: () => clock.now,
        log: createLogger('silent'),
        templates: new Map([[template.id, template]]),
        slack: {
          refresh: async () => undefined,
          post: async () => 'posted' as const,
          send: async (key: string) => (sent.push(key), 'posted' as const),
          publishHome: async () => undefined,
          groupMembers: async () => [],
          layout: (tpl: Template) => tpl.sections.map((_, i) => [i]),
        },
      };
      const deps: Deps = { ...base, clicks: new ClickIntake(base) };
      return { deps, sent, sender: new ReminderSender(deps) };
    }

    /** A running promotion of the fixture template whose window opens at T0. */
    async function promotion(): Promise<string> {
      const id = randomUUID();
      await dbA.tx(async (q) => {
        await insertPromotion(q, { id, release: 'v1.50', template, channelId: `C${id.slice(0, 8).toUpperCase()}`, teamId: null, requestedBy: 'U0LEAD', createdAt: at(-7 * 24 * 60 * MIN) }, ITEM_IDS);
        await setWindow(q, id, windowFrom(template, T0, null, null));
      });
      return id;
    }

    /** Store reminders for a promotion and return them in due order, with their ids. */
    async function plan(promotionId: string, planned: PlannedReminder[]): Promise<Reminder[]> {
      await insertReminders(dbA, promotionId, 1, planned);
      return listReminders(dbA, promotionId);
    }

    /** One timeline reminder of its own series (so nothing supersedes it), about the fixture's T-5m entry. */
    const own = (n: number, dueAt: Date): PlannedReminder => ({ kind: 'timeline', series: `own:${n}`, ref: `1:${n}`, dueAt });

    const rowOf = async (id: string) =>
      (
        await dbA.query<{ state: string; claimed_by: string | null; claimed_until: Date | null; attempts: number; next_attempt_at: Date | null; last_error: string | null; done_reason: string | null }>(
          'SELECT state, claimed_by, claimed_until, attempts, next_attempt_at, last_error, done_reason FROM reminders WHERE id = $1',
          [id],
        )
      ).rows[0]!;
    /** The reminders' posts in the outbox of these promotions. */
    const outboxKeys = async (...promotionIds: string[]) =>
      (
        await dbA.query<{ key: string }>(`SELECT key FROM slack_outbox WHERE key LIKE 'reminder:%' AND promotion_id = ANY($1::uuid[]) ORDER BY key`, [promotionIds])
      ).rows.map((r) => r.key);
    const auditOf = async (promotionId: string, action: string) => (await listAudit(dbA, promotionId)).filter((e) => e.action === action);

    it('two replicas racing for 200 due reminders across 20 promotions send each exactly once, round after round', async () => {
      const claims: ClaimLog = [];
      const a = replica(observed(dbA, { claims }));
      const b = replica(observed(dbB, { claims }));
      const owners = new Set<string>();
      // PGlite has one connection, so its race is only an interleaving of promises: one round says all it can.
      for (let round = 0; round < (name === 'postgres' ? 3 : 1); round++) {
        clock.now = at(round * 60 * MIN);
        const promotions = await Promise.all(Array.from({ length: 20 }, () => promotion()));
        const reminders = (
          await Promise.all(promotions.map((p) => plan(p, Array.from({ length: 10 }, (_, k) => own(k, new Date(clock.now.getTime() - (10 - k) * MIN))))))
        ).flat();
        expect(reminders).toHaveLength(200);
        const ids = reminders.map((r) => r.id).sort();
        claims.length = 0;
        const before = { a: a.sent.length, b: b.sent.length };

        const counts = await Promise.all([a.sender.sendDue(), b.sender.sendDue(), a.sender.sendDue(), b.sender.sendDue()]);

        // The claim statement never handed one row out twice, to either replica or to two passes of one.
        const handed = claims.flatMap((c) => c.ids);
        expect(handed.length).toBe(200);
        expect([...new Set(handed)].sort()).toEqual(ids);
        for (const c of claims) if (c.ids.length > 0) owners.add(c.owner);
        // Every reminder sent, each claimed once (a second claim would have counted an attempt) and posted once.
        expect(counts.reduce((x, y) => x + y, 0)).toBe(200);
        const after = (await Promise.all(promotions.map((p) => listReminders(dbA, p)))).flat();
        expect(after.every((r) => r.state === 'sent' && r.attempts === 1 && r.outboxKey === reminderPostKey(r.id))).toBe(true);
        const keys = await outboxKeys(...promotions);
        expect(keys).toEqual(ids.map(reminderPostKey).sort());
        const asked = [...a.sent.slice(before.a), ...b.sent.slice(before.b)].sort();
        expect(asked).toEqual(ids.map(reminderPostKey).sort());
        const audited = (await Promise.all(promotions.map((p) => auditOf(p, 'reminder.sent')))).flat().map((e) => (e.data as { reminder: string }).reminder);
        expect(audited.sort()).toEqual(ids);
      }
      // Both replicas took part (each claims its first batch before either finishes sending one).
      expect(owners).toEqual(new Set([a.sender.owner, b.sender.owner]));
    });

    it('concurrent claims on two connections never hand one row to two owners', async () => {
      for (let round = 0; round < 5; round++) {
        clock.now = at(round * 60 * MIN);
        const p = await promotion();
        const reminders = await plan(p, Array.from({ length: 200 }, (_, k) => own(k, new Date(clock.now.getTime() - (k % 7) * MIN))));
        const claimers = Array.from({ length: 8 }, (_, i) => ({ db: i % 2 === 0 ? dbA : dbB, owner: `owner-${round}-${i}` }));
        const got = await Promise.all(claimers.map((c) => claimDueReminders(c.db, c.owner, clock.now, 60_000, 30)));
        const handed = got.flat().map((r) => r.id);
        expect(new Set(handed).size).toBe(handed.length);
        // Each claim comes back oldest first, claimed by its owner.
        for (const batch of got) expect(batch.map((r) => r.dueAt.getTime())).toEqual(batch.map((r) => r.dueAt.getTime()).sort((x, y) => x - y));
        // What no one got is still there to claim, once.
        const rest = await claimDueReminders(dbA, `owner-${round}-rest`, clock.now, 60_000, 500);
        expect([...handed, ...rest.map((r) => r.id)].sort()).toEqual(reminders.map((r) => r.id).sort());
        const rows = (await dbA.query<{ claimed_by: string; attempts: number; state: string }>('SELECT claimed_by, attempts, state FROM reminders WHERE promotion_id = $1', [p])).rows;
        expect(rows.every((r) => r.state === 'claimed' && r.attempts === 1 && r.claimed_by.startsWith(`owner-${round}-`))).toBe(true);
        // Live claims are not claimed again.
        expect(await claimDueReminders(dbB, 'latecomer', clock.now, 60_000, 500)).toEqual([]);
      }
    });

    it('takes over a claim whose holder died once it lapses by the database clock, and sends it once; a live claim is left alone', async () => {
      const a = replica(dbA);
      const b = replica(dbB);
      const p = await promotion();
      const [live, dead] = await plan(p, [own(0, at(-60 * MIN)), own(1, at(-59 * MIN))]);
      clock.now = at(-50 * MIN);
      // A claims both and dies before sending either: one claim still runs, the other lapses at once.
      expect((await claimDueReminders(dbA, a.sender.owner, clock.now, REMINDER_CLAIM_MS, 1)).map((r) => r.id)).toEqual([live!.id]);
      expect((await claimDueReminders(dbA, a.sender.owner, clock.now, 1, 1)).map((r) => r.id)).toEqual([dead!.id]);
      await sleep(20);

      expect(await b.sender.sendDue()).toBe(1);
      expect(await b.sender.sendDue()).toBe(0);
      expect(await rowOf(dead!.id)).toMatchObject({ state: 'sent', claimed_by: b.sender.owner, attempts: 2 });
      expect(await rowOf(live!.id)).toMatchObject({ state: 'claimed', claimed_by: a.sender.owner, attempts: 1 });
      expect(await outboxKeys(p)).toEqual([reminderPostKey(dead!.id)]);
      expect(b.sent).toEqual([reminderPostKey(dead!.id)]);
      expect((await auditOf(p, 'reminder.sent')).map((e) => (e.data as { reminder: string }).reminder)).toEqual([dead!.id]);
      // The holder, back, no longer holds it and cannot send it; nor does its next pass.
      expect(await takeClaimed(dbA, dead!.id, a.sender.owner)).toBeUndefined();
      expect(await a.sender.sendDue()).toBe(0);
      expect(await outboxKeys(p)).toEqual([reminderPostKey(dead!.id)]);
    });

    it('gives a lapsed claim to its new holder only: the old one can neither take it nor put it back', async () => {
      const a = replica(dbA);
      const p = await promotion();
      const [r] = await plan(p, [own(0, at(-60 * MIN))]);
      clock.now = at(-50 * MIN);
      await claimDueReminders(dbA, a.sender.owner, clock.now, 1);
      await sleep(20);
      expect((await claimDueReminders(dbB, 'owner-b', clock.now, REMINDER_CLAIM_MS)).map((x) => x.id)).toEqual([r!.id]);
      expect(await takeClaimed(dbA, r!.id, a.sender.owner)).toBeUndefined();
      await retryLater(dbA, r!.id, a.sender.owner, 'late holder', clock.now);
      expect(await rowOf(r!.id)).toMatchObject({ state: 'claimed', claimed_by: 'owner-b', attempts: 2, last_error: null });
      expect(await takeClaimed(dbB, r!.id, 'owner-b')).toMatchObject({ id: r!.id, state: 'claimed', attempts: 2 });
    });

    it('cancels pending and claimed rows, no others, and a claimed row cancelled before its send is not sent by its holder', async () => {
      const a = replica(dbA);
      const p = await promotion();
      const q = await promotion();
      const [early, held, waiting, hold, future] = await plan(p, [
        own(0, at(-60 * MIN)),
        own(1, at(-50 * MIN)),
        own(2, at(-40 * MIN)),
        { kind: 'hold', series: 'hold:ramp-10', ref: 'ramp-10', dueAt: at(30 * MIN) },
        { kind: 'timeline', series: 'timeline:3', ref: '3:0', dueAt: at(60 * MIN) },
      ]);
      const [other] = await plan(q, [own(0, at(-40 * MIN))]);
      clock.now = at(-55 * MIN);
      expect(await a.sender.sendDue()).toBe(1);
      clock.now = at(-30 * MIN);
      expect((await claimDueReminders(dbA, a.sender.owner, clock.now, REMINDER_CLAIM_MS, 1)).map((r) => r.id)).toEqual([held!.id]);

      expect(await cancelPending(dbA, p, 'the step was unticked', clock.now, { kinds: ['hold'] })).toBe(1);
      expect((await rowOf(hold!.id)).state).toBe('cancelled');
      expect((await rowOf(held!.id)).state).toBe('claimed');
      expect(await cancelPending(dbA, p, 'the release is pulled', clock.now)).toBe(3);
      const states = new Map((await listReminders(dbA, p)).map((r) => [r.id, r]));
      expect(states.get(early!.id)).toMatchObject({ state: 'sent', doneReason: null });
      for (const r of [held!, waiting!, future!]) expect(states.get(r.id)).toMatchObject({ state: 'cancelled', doneReason: 'the release is pulled', doneAt: clock.now });
      expect(states.get(hold!.id)).toMatchObject({ state: 'cancelled', doneReason: 'the step was unticked' });
      expect((await rowOf(held!.id)).claimed_until).toBeNull();
      expect((await listReminders(dbA, q))[0]!.state).toBe('pending');
      // Nothing left to cancel.
      expect(await cancelPending(dbA, p, 'again', clock.now)).toBe(0);

      // Its holder finds it no longer claimed, and its next pass sends only the other promotion's.
      expect(await takeClaimed(dbA, held!.id, a.sender.owner)).toBeUndefined();
      expect(await a.sender.sendDue()).toBe(1);
      expect(await outboxKeys(p, q)).toEqual([reminderPostKey(early!.id), reminderPostKey(other!.id)].sort());
    });

    it('sends nothing for a reminder cancelled between the claim and the send', async () => {
      const p = await promotion();
      const [r] = await plan(p, [own(0, at(-5 * MIN))]);
      let cancelled = 0;
      const a = replica(observed(dbA, { afterClaim: async () => void (cancelled = await cancelPending(dbB, p, 'the window was rescheduled', clock.now)) }));
      expect(await a.sender.sendDue()).toBe(0);
      expect(cancelled).toBe(1);
      expect(await rowOf(r!.id)).toMatchObject({ state: 'cancelled', attempts: 1, done_reason: 'the window was rescheduled' });
      expect(await outboxKeys(p)).toEqual([]);
      expect(a.sent).toEqual([]);
      expect(await auditOf(p, 'reminder.sent')).toEqual([]);
      expect(await auditOf(p, 'reminder.skipped')).toEqual([]);
    });

    it('puts a row back with a backoff by the injected clock, and claims it only once that is over', async () => {
      const a = replica(dbA);
      const b = replica(dbB);
      const p = await promotion();
      const [r] = await plan(p, [own(0, at(-60 * MIN))]);
      clock.now = at(-60 * MIN);
      await claimDueReminders(dbA, a.sender.owner, clock.now, REMINDER_CLAIM_MS);
      // Only its holder may put it back.
      await retryLater(dbA, r!.id, 'someone-else', 'not mine', clock.now);
      expect(await rowOf(r!.id)).toMatchObject({ state: 'claimed', last_error: null });
      await retryLater(dbA, r!.id, a.sender.owner, 'boom', clock.now);
      const row = await rowOf(r!.id);
      expect(row).toMatchObject({ state: 'pending', last_error: 'boom', claimed_until: null, attempts: 1 });
      // 2^attempts seconds after the injected now.
      expect(new Date(row.next_attempt_at!).getTime()).toBe(clock.now.getTime() + 2_000);

      const due = clock.now.getTime();
      clock.now = new Date(due + 1_999);
      expect(await claimDueReminders(dbB, 'peek', clock.now, REMINDER_CLAIM_MS)).toEqual([]);
      expect(await b.sender.sendDue()).toBe(0);
      clock.now = new Date(due + 2_000);
      expect(await b.sender.sendDue()).toBe(1);
      expect(await rowOf(r!.id)).toMatchObject({ state: 'sent', attempts: 2, claimed_by: b.sender.owner });
      expect(await outboxKeys(p)).toEqual([reminderPostKey(r!.id)]);
    });

    it('retries a send that failed inside its change after the backoff, posting it once', async () => {
      const p = await promotion();
      const [r] = await plan(p, [own(0, at(-5 * MIN))]);
      const a = replica(observed(dbA, { failInTx: (sql) => sql.includes('INSERT INTO slack_outbox') }));
      expect(await a.sender.sendDue()).toBe(0);
      const row = await rowOf(r!.id);
      expect(row).toMatchObject({ state: 'pending', attempts: 1, last_error: 'boom: the outbox insert failed' });
      expect(new Date(row.next_attempt_at!).getTime()).toBe(T0.getTime() + 2_000);
      expect(await outboxKeys(p)).toEqual([]);
      expect(await auditOf(p, 'reminder.sent')).toEqual([]);
      clock.now = at(1_000);
      expect(await a.sender.sendDue()).toBe(0);
      clock.now = at(2_000);
      expect(await a.sender.sendDue()).toBe(1);
      expect(await outboxKeys(p)).toEqual([reminderPostKey(r!.id)]);
      expect(a.sent).toEqual([reminderPostKey(r!.id)]);
    });

    it('skips and audits an occurrence a later one of its series superseded, sends the later one late, and leaves one not yet due', async () => {
      const a = replica(dbA);
      const p = await promotion();
      const hourly = planReminders(template, T0, at(-60 * 60 * MIN)).filter((r) => r.series === 'timeline:3');
      expect(hourly.map((r) => r.ref)).toEqual(['3:0', '3:1', '3:2']);
      const [first, second, third] = await plan(p, hourly);
      clock.now = at(130 * MIN);
      expect(await a.sender.sendDue()).toBe(1);

      expect(await rowOf(first!.id)).toMatchObject({ state: 'skipped', done_reason: 'superseded by the T+2h reminder, also due' });
      expect(await rowOf(second!.id)).toMatchObject({ state: 'sent' });
      expect(await rowOf(third!.id)).toMatchObject({ state: 'pending', attempts: 0 });
      const skipped = await auditOf(p, 'reminder.skipped');
      expect(skipped.map((e) => e.data)).toEqual([
        { reminder: first!.id, kind: 'timeline', offset: 'T+1h', due_at: at(60 * MIN).toISOString(), why: 'superseded by the T+2h reminder, also due' },
      ]);
      const sent = await auditOf(p, 'reminder.sent');
      expect(sent.map((e) => e.data)).toEqual([{ reminder: second!.id, kind: 'timeline', offset: 'T+2h', due_at: at(120 * MIN).toISOString(), late: true }]);
      expect(await outboxKeys(p)).toEqual([reminderPostKey(second!.id)]);
      const post = (await dbA.query<{ kind: string; data: Record<string, unknown> }>('SELECT kind, data FROM slack_outbox WHERE key = $1', [reminderPostKey(second!.id)])).rows[0]!;
      expect(post).toMatchObject({ kind: 'reminder', data: { variant: 'timeline', offset: 'T+2h', say: 'Hourly health check.', late: true } });

      // The last one, when it comes, is sent: the one sent before it does not supersede it.
      clock.now = at(180 * MIN);
      expect(await a.sender.sendDue()).toBe(1);
      expect(await rowOf(third!.id)).toMatchObject({ state: 'sent' });
      expect(await outboxKeys(p)).toEqual([reminderPostKey(second!.id), reminderPostKey(third!.id)].sort());
    });

    it('does not skip an occurrence for a later one that was cancelled', async () => {
      const a = replica(dbA);
      const p = await promotion();
      const [first, second] = await plan(
        p,
        planReminders(template, T0, at(-60 * MIN)).filter((r) => r.series === 'timeline:3' && r.ref !== '3:2'),
      );
      expect(await cancelPending(dbA, p, 'test', T0, { ref: second!.ref })).toBe(1);
      clock.now = at(130 * MIN);
      expect(await a.sender.sendDue()).toBe(1);
      expect(await rowOf(first!.id)).toMatchObject({ state: 'sent' });
      expect(await auditOf(p, 'reminder.skipped')).toEqual([]);
    });
  });
}
