import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { promotionsWithClicksBefore, removeClicks, storeClick, takeClicks, takeClicksStoredBefore, type StoredClick } from '../../src/store/click-intake.js';
import { insertMessages, markRendered } from '../../src/store/messages.js';
import { claimItemsInOrder, lastActionTs, toggleInOrder } from '../../src/store/item-order.js';
import { getItemStates, insertPromotion } from '../../src/store/promotions.js';
import { BACKENDS, migrated, type TestDatabase } from '../support/db.js';
import { oneSectionTemplate } from '../support/templates.js';

const template = oneSectionTemplate([{ id: 'a', label: 'A' }, { id: 'b', label: 'B' }], 'mini');

const NOW = new Date('2026-11-21T10:00:00Z');

describe.each(BACKENDS)('the click intake and per-item order on %s', (_name, create) => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    await t?.drop();
    t = undefined;
  });

  async function setUp() {
    t = await create();
    const db = await migrated(t);
    const id = randomUUID();
    await db.tx((q) => insertPromotion(q, { id, release: 'v1', template, channelId: 'C1', teamId: null, requestedBy: 'U1', createdAt: NOW }, ['a', 'b']));
    return { db, id };
  }

  it('stores a click once per receipt key, and takes a promotion\'s clicks in Slack\'s order as numbers', async () => {
    const { db, id } = await setUp();
    const click = (key: string, actionTs: string, receivedAt = NOW): StoredClick => ({
      receiptKey: key,
      promotionId: id,
      userId: 'U1',
      actionTs,
      payload: { kind: 'toggle', ticked: ['a'], unticked: [] },
      receivedAt,
    });
    // Compared as text, '999999999.9' would sort after '1000000000.000001'.
    expect(await storeClick(db, click('late', '1000000000.000001'))).toBe(true);
    expect(await storeClick(db, click('early', '999999999.900000'))).toBe(true);
    expect(await storeClick(db, click('early', '999999999.900000'))).toBe(false);
    expect(await storeClick(db, click('old', '1000000000.000002', new Date(NOW.getTime() - 60_000)))).toBe(true);
    expect(await storeClick(db, click('older', '1000000000.000003', new Date(NOW.getTime() - 90_000)))).toBe(true);
    expect(await promotionsWithClicksBefore(db, new Date(NOW.getTime() - 1), 10)).toEqual([id]);
    expect(await promotionsWithClicksBefore(db, new Date(NOW.getTime() - 120_000), 10)).toEqual([]);

    // Taking is undone with the transaction that took them: a batch that fails leaves its clicks stored.
    await expect(
      db.tx(async (q) => {
        expect((await takeClicks(q, id, ['late', 'early'])).map((c) => c.receiptKey)).toEqual(['early', 'late']);
        throw new Error('the batch failed');
      }),
    ).rejects.toThrow('the batch failed');
    // The sweep's take: those stored before a time, the first `limit` in Slack's order.
    expect((await db.tx((q) => takeClicksStoredBefore(q, id, NOW, 1))).map((c) => c.receiptKey)).toEqual(['old']);
    const taken = await db.tx((q) => takeClicks(q, id, ['late', 'early', 'old', 'missing']));
    expect(taken.map((c) => [c.receiptKey, c.actionTs])).toEqual([
      ['early', '999999999.900000'],
      ['late', '1000000000.000001'],
    ]);
    expect(taken[0]).toMatchObject({ promotionId: id, userId: 'U1', payload: { kind: 'toggle', ticked: ['a'], unticked: [] }, claimed: undefined });
    // Taken means gone: a second take finds nothing.
    expect(await db.tx((q) => takeClicks(q, id, ['late', 'early']))).toEqual([]);
    await removeClicks(db, ['older']);
    expect(await promotionsWithClicksBefore(db, NOW, 10)).toEqual([]);
  });

  it('claims the receipts of the clicks it takes when asked, and reads who owns the message each was made on', async () => {
    const { db, id } = await setUp();
    await insertMessages(db, id, 'C1', [[0]]);
    await markRendered(db, id, 0, { ts: '1795300000.000100', version: 0, hash: 'h' });
    const click = (key: string, on?: { channel: string; ts: string }): StoredClick => ({
      receiptKey: key,
      promotionId: id,
      userId: 'U1',
      actionTs: '1795300010.000001',
      payload: { kind: 'toggle', ticked: ['a'], unticked: [], ...(on ? { on } : {}) },
      receivedAt: NOW,
    });
    await storeClick(db, click('live', { channel: 'C1', ts: '1795300000.000100' }));
    await storeClick(db, click('stray', { channel: 'C1', ts: '1795300000.000999' }));
    await storeClick(db, click('nowhere'));
    const claim = { promotionId: id, at: NOW };
    const taken = await db.tx((q) => takeClicks(q, id, ['live', 'stray', 'nowhere'], claim));
    expect(Object.fromEntries(taken.map((c) => [c.receiptKey, [c.clickedOnOwner, c.claimed]]))).toEqual({
      live: [id, true],
      stray: [null, true],
      nowhere: [null, true],
    });
    // The same click stored again (a redelivery once the first was applied): its receipt is claimed already.
    await storeClick(db, click('live', { channel: 'C1', ts: '1795300000.000100' }));
    expect((await db.tx((q) => takeClicks(q, id, ['live'], claim))).map((c) => c.claimed)).toEqual([false]);
  });

  it('applies a checkbox click in Slack\'s order per item, moving only items in the state it expects', async () => {
    const { db, id } = await setUp();
    const toggle = (ticked: string[], unticked: string[], ts: string, by: string) => db.tx((q) => toggleInOrder(q, id, { ticked, unticked }, ts, by, NOW));
    const changedVersions = async () =>
      Object.fromEntries((await db.query<{ item_id: string; v: number }>('SELECT item_id, changed_version AS v FROM item_states WHERE promotion_id = $1', [id])).rows.map((r) => [r.item_id, r.v]));
    expect(await toggle(['a', 'b'], [], '1795300010.000001', 'U1')).toEqual({ ticked: ['a', 'b'], unticked: [] });
    const afterTick = await changedVersions();
    // Ticking what is ticked moves nothing, and does not count as a change of the row.
    expect(await toggle(['a'], [], '1795300010.500000', 'U2')).toEqual({ ticked: [], unticked: [] });
    expect(await changedVersions()).toEqual(afterTick);
    expect((await getItemStates(db, id, ['a'])).get('a')).toMatchObject({ state: 'done', by: 'U1' });
    // An untick sent later moves b; a tick of b sent before it, arriving after, is skipped.
    expect(await toggle([], ['b'], '1795300012.000000', 'U3')).toEqual({ ticked: [], unticked: ['b'] });
    expect(await toggle(['b'], [], '1795300011.000000', 'U4')).toEqual({ ticked: [], unticked: [] });
    expect((await getItemStates(db, id, ['b'])).get('b')).toMatchObject({ state: 'open', by: 'U3' });
    expect(await lastActionTs(db, id, 'b')).toBe('1795300012.000000');
    // An untick of an open item changes nothing, yet a tick sent before it is still skipped.
    expect(await toggle([], ['b'], '1795300013.000000', 'U5')).toEqual({ ticked: [], unticked: [] });
    expect(await toggle(['b'], [], '1795300012.500000', 'U6')).toEqual({ ticked: [], unticked: [] });
    expect((await getItemStates(db, id, ['b'])).get('b')).toMatchObject({ state: 'open', by: 'U3' });
  });

  it('lets a click change an item only if no click Slack sent later was applied to it, and records the latest', async () => {
    const { db, id } = await setUp();
    expect(await db.tx((q) => claimItemsInOrder(q, id, ['a', 'b'], '1795300010.000001'))).toEqual(new Set(['a', 'b']));
    // An earlier click is too old for both; a later one for a only; the same action_ts again still counts.
    expect(await db.tx((q) => claimItemsInOrder(q, id, ['a', 'b'], '1795300009.999999'))).toEqual(new Set());
    expect(await db.tx((q) => claimItemsInOrder(q, id, ['a'], '1795300011.000000'))).toEqual(new Set(['a']));
    expect(await db.tx((q) => claimItemsInOrder(q, id, ['b'], '1795300010.000001'))).toEqual(new Set(['b']));
    expect(await lastActionTs(db, id, 'a')).toBe('1795300011.000000');
    expect(await lastActionTs(db, id, 'b')).toBe('1795300010.000001');
    expect(await db.tx((q) => claimItemsInOrder(q, id, [], '1795300012.000000'))).toEqual(new Set());
  });
});
