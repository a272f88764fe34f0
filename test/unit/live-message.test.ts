/**
 * A click must come from one of its promotion's live messages (src/services/live-message.ts). A batch of clicks reads
 * each click's message owner with the click itself, so the check asks the database only when it was not given one.
 */
import { describe, expect, it } from 'vitest';
import { assertLiveMessage } from '../../src/services/live-message.js';
import type { Queryable } from '../../src/store/db.js';

/** A database answering the message look-up with `owner` (null: no message of any promotion) and the overview's ts. */
function database(owner: string | null): Queryable & { lookups: number } {
  const q = {
    lookups: 0,
    async query<T>(sql: string): Promise<{ rows: T[]; rowCount: number }> {
      if (sql.includes('SELECT ts FROM promotion_messages')) return { rows: [{ ts: '1700000000.000001' } as T], rowCount: 1 };
      if (!sql.includes('FROM promotion_messages WHERE channel_id')) return { rows: [], rowCount: 0 };
      q.lookups++;
      return owner === null ? { rows: [], rowCount: 0 } : { rows: [{ promotion_id: owner } as T], rowCount: 1 };
    },
  };
  return q;
}

describe('the live-message check of a click', () => {
  it('takes the owner read with the click, without asking the database', async () => {
    const q = database('P2');
    await assertLiveMessage(q, 'P1', 'C1', '1700000000.000100', 'P1');
    expect(q.lookups).toBe(0);
  });

  it('looks the owner up when it was not read with the click', async () => {
    const q = database('P1');
    await assertLiveMessage(q, 'P1', 'C1', '1700000000.000100');
    expect(q.lookups).toBe(1);
  });

  it('refuses a click on a stray copy or another promotion\'s message, pointing at the live checklist', async () => {
    for (const owner of [null, 'P2']) {
      const q = database(owner);
      await expect(assertLiveMessage(q, 'P1', 'C1', '1700000000.000100', owner)).rejects.toMatchObject({
        code: 'stale_copy',
        message: expect.stringContaining('|the live checklist>'),
      });
      await expect(assertLiveMessage(q, 'P1', 'C1', '1700000000.000100')).rejects.toMatchObject({ code: 'stale_copy' });
    }
  });
});
