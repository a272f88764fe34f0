import { describe, expect, it } from 'vitest';
import { Busy, GroupInsert, MAX_WAITING } from '../../src/services/group-insert.js';
import type { Db } from '../../src/store/db.js';
import type { StoredClick } from '../../src/store/click-intake.js';

const click = (key: string): StoredClick => ({
  receiptKey: key,
  promotionId: '00000000-0000-4000-8000-000000000001',
  userId: 'U1',
  actionTs: '1795300000.000100',
  payload: { kind: 'toggle', ticked: ['a'], unticked: [] },
  receivedAt: new Date('2026-11-22T10:00:00Z'),
});

/** A database whose INSERTs wait until released, recording the keys of each; it answers every key as new. */
function gatedDb() {
  const inserts: string[][] = [];
  let release: () => void = () => undefined;
  let gate = new Promise<void>((r) => (release = r));
  const db = {
    query: async (_sql: string, params: unknown[]) => {
      const keys = params[0] as string[];
      inserts.push(keys);
      await gate;
      return { rows: keys.map((k) => ({ receipt_key: k })), rowCount: keys.length };
    },
  } as unknown as Db;
  return {
    db,
    inserts,
    open() {
      release();
      gate = Promise.resolve();
    },
  };
}

describe('the group insert that stores clicks before they are acknowledged', () => {
  it('stores the clicks that arrive during an INSERT together in the next one, and a key twice only once', async () => {
    const g = gatedDb();
    const store = new GroupInsert(g.db);
    const first = store.store(click('k1'));
    await new Promise((r) => setImmediate(r));
    const rest = ['k2', 'k3', 'k2'].map((k) => store.store(click(k)));
    g.open();
    expect(await first).toBe(true);
    expect(await Promise.all(rest)).toEqual([true, true, false]);
    expect(g.inserts).toEqual([['k1'], ['k2', 'k3', 'k2']]);
  });

  it('refuses a click as Busy, before storing it, once too many are waiting', async () => {
    const g = gatedDb();
    const store = new GroupInsert(g.db);
    const waiting = Array.from({ length: MAX_WAITING }, (_, i) => store.store(click(`k${i}`)));
    await expect(store.store(click('one-too-many'))).rejects.toBeInstanceOf(Busy);
    g.open();
    await Promise.all(waiting);
    expect(g.inserts.flat()).not.toContain('one-too-many');
  });

  it('passes a database failure to every click of the batch, and stores the next ones once it answers', async () => {
    let fail = true;
    const db = {
      query: async (_sql: string, params: unknown[]) => {
        if (fail) throw new Error('connection refused');
        const keys = params[0] as string[];
        return { rows: keys.map((k) => ({ receipt_key: k })), rowCount: keys.length };
      },
    } as unknown as Db;
    const store = new GroupInsert(db);
    await expect(store.store(click('a'))).rejects.toThrow('connection refused');
    fail = false;
    expect(await store.store(click('b'))).toBe(true);
  });
});
