/**
 * A batch of clicks looks each clicked message up once (src/services/live-message.ts): the look-ups are shared by the
 * batch's clicks, but a look-up that failed is asked again by the next click rather than failing it too.
 */
import { describe, expect, it } from 'vitest';
import { assertLiveMessage, type MessageOwners } from '../../src/services/live-message.js';
import type { Queryable } from '../../src/store/db.js';

/** A database answering the message look-up with `owner`, after failing the first `failures` of them. */
function database(owner: string, failures = 0): Queryable & { lookups: number } {
  const q = {
    lookups: 0,
    async query<T>(sql: string): Promise<{ rows: T[]; rowCount: number }> {
      if (!sql.includes('FROM promotion_messages WHERE channel_id')) return { rows: [], rowCount: 0 };
      q.lookups++;
      if (q.lookups <= failures) throw new Error('canceling statement due to statement timeout');
      return { rows: [{ promotion_id: owner } as T], rowCount: 1 };
    },
  };
  return q;
}

describe('the live-message check of a batch of clicks', () => {
  it('looks each message up once for the whole batch', async () => {
    const q = database('P1');
    const seen: MessageOwners = new Map();
    for (let i = 0; i < 5; i++) await assertLiveMessage(q, 'P1', 'C1', '1700000000.000100', seen);
    await assertLiveMessage(q, 'P1', 'C1', '1700000000.000200', seen);
    expect(q.lookups).toBe(2);
  });

  it('asks again after a look-up failed, so one failure refuses one click', async () => {
    const q = database('P1', 1);
    const seen: MessageOwners = new Map();
    await expect(assertLiveMessage(q, 'P1', 'C1', '1700000000.000100', seen)).rejects.toThrow('statement timeout');
    await expect(assertLiveMessage(q, 'P1', 'C1', '1700000000.000100', seen)).resolves.toBeUndefined();
    expect(q.lookups).toBe(2);
  });

  it('refuses a click on another promotion\'s message, pointing at the live checklist', async () => {
    const q = database('P2');
    await expect(assertLiveMessage(q, 'P1', 'C1', '1700000000.000100', new Map())).rejects.toMatchObject({ code: 'stale_copy' });
  });
});
