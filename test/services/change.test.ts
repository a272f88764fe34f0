import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import type { AuditEvent } from '../../src/domain/audit-events.js';
import { applyChange, commitBatch, commitChange, type BatchedChange, type Change } from '../../src/services/change.js';
import type { Deps } from '../../src/services/deps.js';
import { ClickIntake } from '../../src/services/intake.js';
import { listAudit } from '../../src/store/audit.js';
import type { Db } from '../../src/store/db.js';
import { endPromotion, getItemState, getPromotion, insertPromotion, writeItemState } from '../../src/store/promotions.js';
import { BACKENDS, migrated, type TestDatabase } from '../support/db.js';
import { oneSectionTemplate } from '../support/templates.js';

const template = oneSectionTemplate([{ id: 'a', label: 'A' }]);

const NOW = new Date('2026-11-21T10:00:00Z');

/** Marks item `a` done and says so: the smallest real change. */
const tickA: Change = async ({ q, promotion, now }) => {
  await writeItemState(q, promotion.id, { itemId: 'a', state: 'done', value: null, note: null, by: 'U1', at: now });
  return { action: 'items.toggled', data: { ticked: ['a'], unticked: [] } };
};

/** The database, telling `seen` every statement its transactions run. */
function watching(db: Db, seen: (sql: string) => void): Db {
  return {
    ...db,
    tx: (fn) =>
      db.tx((q) =>
        fn({
          ...q,
          query: (sql, params) => {
            seen(sql);
            return q.query(sql, params);
          },
        }),
      ),
  };
}

for (const [name, create] of BACKENDS) {
  describe(`the unit of change on ${name}`, () => {
    let t: TestDatabase;
    let db: Db;
    beforeAll(async () => {
      t = await create();
      db = await migrated(t);
    });
    afterAll(() => t.drop());

    /** A new running promotion, and deps whose refreshes are recorded. */
    async function setUp(): Promise<{ db: Db; deps: Deps; id: string; refreshed: string[] }> {
      const id = randomUUID();
      await db.tx((q) => insertPromotion(q, { id, release: 'v1', template, channelId: `C${id.slice(0, 8)}`, teamId: null, requestedBy: 'U1', createdAt: NOW }, ['a']));
      const refreshed: string[] = [];
      const base = {
        db,
        clock: () => NOW,
        log: createLogger('silent'),
        templates: new Map(),
        slack: {
          refresh: async (promotionId: string) => void refreshed.push(promotionId),
          post: async () => 'posted' as const,
          send: async () => 'posted' as const,
          publishHome: async () => undefined,
          groupMembers: async () => [],
          layout: () => [[0]],
        },
      };
      const deps: Deps = { ...base, clicks: new ClickIntake(base) };
      return { db, deps, id, refreshed };
    }

    it('writes the change, its audit event and a new version together, then refreshes the messages', async () => {
      const { db, deps, id, refreshed } = await setUp();
      expect(await applyChange(deps, { promotionId: id, actor: 'U1' }, tickA)).toEqual({ changed: true });
      expect((await getItemState(db, id, 'a'))?.state).toBe('done');
      expect(await listAudit(db, id)).toMatchObject([{ seq: 1, actor: 'U1', action: 'items.toggled', at: NOW, data: { ticked: ['a'], unticked: [] } }]);
      expect((await getPromotion(db, id))?.version).toBe(1);
      expect(refreshed).toEqual([id]);
    });

    it('writes nothing when the change is refused part way, and the person gets the refusal', async () => {
      const { db, deps, id, refreshed } = await setUp();
      const refused: Change = async (scope) => {
        await tickA(scope);
        throw new UserError('not like that', 'refused');
      };
      await expect(applyChange(deps, { promotionId: id, actor: 'U1' }, refused)).rejects.toThrow('not like that');
      expect((await getItemState(db, id, 'a'))?.state).toBe('open');
      expect(await listAudit(db, id)).toEqual([]);
      expect((await getPromotion(db, id))?.version).toBe(0);
      expect(refreshed).toEqual([]);
    });

    it('writes nothing when the audit event does not have its kind\'s shape', async () => {
      const { db, deps, id } = await setUp();
      const malformed: Change = async (scope) => {
        await tickA(scope);
        return { action: 'items.toggled', data: { ticked: 'a' } } as unknown as AuditEvent;
      };
      await expect(commitChange(deps, { promotionId: id, actor: 'U1' }, malformed)).rejects.toThrow('audit event items.toggled: ticked');
      expect((await getItemState(db, id, 'a'))?.state).toBe('open');
      expect(await listAudit(db, id)).toEqual([]);
    });

    it('applies a redelivered click once: the second delivery never runs the change', async () => {
      const { db, deps, id, refreshed } = await setUp();
      let runs = 0;
      const counted: Change = async (scope) => {
        runs++;
        return tickA(scope);
      };
      const click = { promotionId: id, actor: 'U1', receiptKey: 'toggle:U1:1700000000.000100:blk' };
      expect(await applyChange(deps, click, counted)).toEqual({ changed: true });
      expect(await applyChange(deps, click, counted)).toEqual({ changed: false });
      expect(runs).toBe(1);
      expect(await listAudit(db, id)).toHaveLength(1);
      expect(refreshed).toEqual([id]);
    });

    it('records nothing and refreshes nothing when the change finds nothing to do', async () => {
      const { db, deps, id, refreshed } = await setUp();
      expect(await applyChange(deps, { promotionId: id, actor: 'U1' }, async () => null)).toEqual({ changed: false });
      expect(await listAudit(db, id)).toEqual([]);
      expect((await getPromotion(db, id))?.version).toBe(0);
      expect(refreshed).toEqual([]);
    });

    it('refuses a change to an ended promotion without running it, in the words the caller chose', async () => {
      const { db, deps, id } = await setUp();
      await db.tx((q) => endPromotion(q, id, { status: 'aborted', by: 'U2', reason: 'moved to Friday', at: NOW }));
      let ran = false;
      const change: Change = async (scope) => {
        ran = true;
        return tickA(scope);
      };
      await expect(commitChange(deps, { promotionId: id, actor: 'U1' }, change)).rejects.toThrow('was aborted (moved to Friday)');
      const custom = () => new UserError('already over', 'not_active');
      await expect(commitChange(deps, { promotionId: id, actor: 'U1', refuseEnded: custom }, change)).rejects.toThrow('already over');
      expect(ran).toBe(false);
      expect(await listAudit(db, id)).toEqual([]);
    });

    it('commits without refreshing, so a modal can answer Slack first', async () => {
      const { deps, id, refreshed } = await setUp();
      expect(await commitChange(deps, { promotionId: id, actor: 'U1' }, tickA)).toEqual({ changed: true });
      expect(refreshed).toEqual([]);
    });

    it('applies a batch under one lock, one audit event per click, and undoes only the click that throws', async () => {
      const { db, deps, id } = await setUp();
      const tick = (item: string, actor: string): Change => async ({ q, promotion, now }) => {
        await writeItemState(q, promotion.id, { itemId: item, state: 'done', value: null, note: null, by: actor, at: now });
        return { action: 'items.toggled', data: { ticked: [item], unticked: [] } };
      };
      const broken: Change = async (scope) => {
        await tick('a', 'U2')(scope);
        throw new UserError('not like that', 'refused');
      };
      let locks = 0;
      let savepoints = 0;
      const counting = watching(db, (sql) => {
        locks += /^SELECT id, release\b[^]*FOR NO KEY UPDATE$/.test(sql) ? 1 : 0;
        savepoints += sql.startsWith('SAVEPOINT') ? 1 : 0;
      });
      // Clicks that all go through: one lock for the batch, and no savepoint.
      const fine = await commitBatch({ ...deps, db: counting }, id, {
        take: async () => [
          { key: 'b', actor: 'U1', receiptKey: 'k-b', change: tick('a', 'U1') },
          { key: 'c', actor: 'U1', receiptKey: 'k-c', change: tick('a', 'U1') },
          { key: 'b again', actor: 'U1', receiptKey: 'k-b', change: tick('a', 'U1') },
        ],
        done: async () => undefined,
      });
      expect([...fine.values()].map((o) => o.status)).toEqual(['changed', 'changed', 'duplicate']);
      expect([locks, savepoints]).toEqual([1, 0]);
      locks = 0;
      const clicks: Array<BatchedChange<string>> = [
        { key: 'one', actor: 'U2', receiptKey: 'k-one', change: broken },
        { key: 'two', actor: 'U3', receiptKey: 'k-two', change: tick('a', 'U3') },
        { key: 'three', actor: 'U4', receiptKey: 'k-two', change: tick('a', 'U4') },
        { key: 'four', actor: 'U5', receiptKey: 'k-four', change: async () => null },
      ];
      const taken: string[][] = [];
      const outcomes = await commitBatch({ ...deps, db: counting }, id, { take: async () => clicks, done: async (_q, keys) => void taken.push(keys) });
      expect(Object.fromEntries([...outcomes].map(([k, o]) => [k, o.status]))).toEqual({ one: 'refused', two: 'changed', three: 'duplicate', four: 'unchanged' });
      expect((outcomes.get('one') as { error: Error }).error.message).toBe('not like that');
      expect(taken).toEqual([['one', 'two', 'three', 'four']]);
      expect(await getItemState(db, id, 'a')).toMatchObject({ state: 'done', by: 'U3' });
      expect((await listAudit(db, id)).slice(2)).toMatchObject([{ seq: 3, actor: 'U3', action: 'items.toggled' }]);
      // A click that throws undoes the first attempt whole; the batch is made once more, a savepoint around each click.
      expect([locks, savepoints]).toEqual([2, 4]);
    });

    it('takes the receipts a batch\'s take claimed itself, and claims no more', async () => {
      const { db, deps, id } = await setUp();
      let claims = 0;
      const counting = watching(db, (sql) => void (claims += sql.includes('INSERT INTO interaction_receipts') ? 1 : 0));
      const asked: unknown[] = [];
      const outcomes = await commitBatch({ ...deps, db: counting }, id, {
        take: async (_q, claim) => {
          asked.push(claim);
          return [
            { key: 'new', actor: 'U1', receiptKey: 'k-new', change: tickA, claimed: true },
            { key: 'redelivered', actor: 'U1', receiptKey: 'k-old', change: tickA, claimed: false },
          ];
        },
      });
      expect(Object.fromEntries([...outcomes].map(([k, o]) => [k, o.status]))).toEqual({ new: 'changed', redelivered: 'duplicate' });
      expect(asked).toEqual([{ promotionId: id, at: NOW }]);
      expect(claims).toBe(0);
    });

    it('refuses every click of a batch when the promotion has ended, and still hands them back as taken', async () => {
      const { db, deps, id } = await setUp();
      await db.tx((q) => endPromotion(q, id, { status: 'aborted', by: 'U2', reason: 'moved to Friday', at: NOW }));
      let ran = false;
      const change: Change = async (scope) => {
        ran = true;
        return tickA(scope);
      };
      const taken: string[] = [];
      const outcomes = await commitBatch(deps, id, {
        take: async () => [{ key: 'x', actor: 'U1', receiptKey: 'k-x', change }],
        done: async (_q, keys) => void taken.push(...keys),
      });
      expect(outcomes.get('x')).toMatchObject({ status: 'refused', error: { message: expect.stringContaining('was aborted (moved to Friday)') } });
      expect(taken).toEqual(['x']);
      expect(ran).toBe(false);
      expect(await listAudit(db, id)).toEqual([]);
    });
  });
}
