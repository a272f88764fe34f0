import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { clicksStoredBefore, pendingClicks, promotionsWithClicksBefore, removeClicks, storeClick, type StoredClick } from '../../src/store/click-intake.js';
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

  it('stores a click once per receipt key, and reads a promotion\'s clicks back in Slack\'s order as numbers', async () => {
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

    const pending = await db.tx((q) => pendingClicks(q, id, ['late', 'early', 'old', 'missing']));
    expect(pending.map((c) => [c.receiptKey, c.actionTs])).toEqual([
      ['early', '999999999.900000'],
      ['late', '1000000000.000001'],
      ['old', '1000000000.000002'],
    ]);
    expect(pending[0]).toMatchObject({ promotionId: id, userId: 'U1', payload: { kind: 'toggle', ticked: ['a'], unticked: [] } });
    expect(await promotionsWithClicksBefore(db, new Date(NOW.getTime() - 1), 10)).toEqual([id]);
    expect(await promotionsWithClicksBefore(db, new Date(NOW.getTime() - 120_000), 10)).toEqual([]);
    expect((await db.tx((q) => clicksStoredBefore(q, id, NOW, 10))).map((c) => c.receiptKey)).toEqual(['old']);
    await db.tx((q) => removeClicks(q, ['early', 'old']));
    expect((await db.tx((q) => pendingClicks(q, id, ['late', 'early', 'old']))).map((c) => c.receiptKey)).toEqual(['late']);
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
