import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { firstBrokenLink } from '../../src/domain/audit.js';
import { appendAudit, auditHead, listAudit } from '../../src/store/audit.js';
import type { AuditEvent } from '../../src/domain/audit-events.js';
import { migrate, readMigrations } from '../../src/store/migrate.js';
import { insertMessages, isStale, listMessages, markRendered, recordRenderFailure, stalePromotions } from '../../src/store/messages.js';
import { claimReceipt, endPromotion, findActive, getPromotion, insertPromotion, loadView, pruneReceipts, transitionItems } from '../../src/store/promotions.js';
import type { Queryable } from '../../src/store/db.js';
import { BACKENDS, migrated, type TestDatabase } from '../support/db.js';
import { oneSectionTemplate } from '../support/templates.js';

const template = oneSectionTemplate([{ id: 'a', label: 'A' }, { id: 'b', label: 'B' }], 'mini');

/** A promotion of `template` (release v1 in C1), inserted through `q` with a row for each of `items`: its id. */
async function insertMini(q: Queryable, createdAt = new Date(), items = ['a', 'b']): Promise<string> {
  const id = randomUUID();
  await insertPromotion(q, { id, release: 'v1', template, channelId: 'C1', teamId: null, requestedBy: 'U1', createdAt }, items);
  return id;
}

describe.each(BACKENDS)('store on %s', (_name, create) => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    await t?.drop();
    t = undefined;
  });

  it('applies migrations once, even when two replicas start at the same moment', async () => {
    t = await create();
    const [a, b] = [await t.open(), await t.open()];
    const results = await Promise.all([migrate(a), migrate(b)]);
    const all = (await readMigrations()).map((m) => m.name);
    expect(all[0]).toBe('001_promotions');
    expect(results.flat()).toEqual(all);
    expect(await migrate(a)).toEqual([]);
    const r = await a.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    expect(r.rows[0]!.n).toBe(all.length);
  });

  it('reshapes a promotion (every message re-renders) when the promotion itself changes, not when an audit append moves its bookkeeping', async () => {
    t = await create();
    const db = await migrated(t);
    const id = await db.tx((q) => insertMini(q));
    const shape = async () => (await db.query<{ s: number }>('SELECT shape_version AS s FROM promotions WHERE id = $1', [id])).rows[0]!.s;
    const before = await shape();
    const event: AuditEvent = { action: 'items.toggled', data: { ticked: ['a'], unticked: [] } };
    for (let i = 0; i < 3; i++) await db.tx((q) => appendAudit(q, { promotionId: id, actor: 'U1', at: new Date(), ...event }));
    expect((await auditHead(db, id))?.seq).toBe(3);
    expect(await shape()).toBe(before);
    await db.query("UPDATE promotions SET stage = 'go' WHERE id = $1", [id]);
    expect(await shape()).toBeGreaterThan(before);
    // The trigger fires only for UPDATEs naming some column other than the bookkeeping ones (migration 019): a column
    // added to promotions and missing from its list would change without re-rendering anything.
    const columns = await db.query<{ c: string }>(
      `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'promotions'
       AND column_name NOT IN ('version', 'audit_seq', 'audit_hash', 'shape_version') ORDER BY 1`,
    );
    const watched = await db.query<{ c: string }>(
      `SELECT event_object_column AS c FROM information_schema.triggered_update_columns
       WHERE trigger_schema = current_schema() AND trigger_name = 'promotions_reshaped' ORDER BY 1`,
    );
    expect(watched.rows.map((r) => r.c)).toEqual(columns.rows.map((r) => r.c));
  });

  it('allows one active promotion per release and channel', async () => {
    t = await create();
    const db = await migrated(t);
    const p = { release: 'v1.50', template, channelId: 'C1', teamId: null, requestedBy: 'U1', createdAt: new Date() };
    expect(await db.tx((q) => insertPromotion(q, { id: randomUUID(), ...p }, ['a', 'b']))).toBe(true);
    expect(await db.tx((q) => insertPromotion(q, { id: randomUUID(), ...p }, ['a', 'b']))).toBe(false);
    expect(await db.tx((q) => insertPromotion(q, { id: randomUUID(), ...p, channelId: 'C2' }, ['a', 'b']))).toBe(true);
    expect((await findActive(db, 'C1', 'v1.50'))?.template.sections[0]?.items).toHaveLength(2);
  });

  it('changes an item only from the expected state, and claims a receipt once', async () => {
    t = await create();
    const db = await migrated(t);
    const now = new Date('2026-11-21T10:00:00Z');
    const id = await db.tx((q) => insertMini(q, now));
    expect(await db.tx((q) => transitionItems(q, id, ['a', 'b'], 'open', 'done', 'U2', now))).toEqual(['a', 'b']);
    expect(await db.tx((q) => transitionItems(q, id, ['a'], 'open', 'done', 'U3', now))).toEqual([]);
    const view = await loadView(db, id);
    expect(view?.states.get('a')).toMatchObject({ state: 'done', by: 'U2' });
    expect(view?.states.get('a')?.at?.toISOString()).toBe(now.toISOString());
    expect(await claimReceipt(db, 'k1', id, now)).toBe(true);
    expect(await claimReceipt(db, 'k1', id, now)).toBe(false);
    expect(await claimReceipt(db, 'k2', id, new Date(now.getTime() + 60_000))).toBe(true);
    expect(await pruneReceipts(db, new Date(now.getTime() + 1))).toBe(1);
    expect(await claimReceipt(db, 'k2', id, now)).toBe(false);
  });

  it('retries a failed render at once twice, then backs off, and gives up on a message Slack refuses for good', async () => {
    t = await create();
    const db = await migrated(t);
    const now = new Date('2026-11-21T10:00:00Z');
    const id = await db.tx(async (q) => {
      const id = await insertMini(q, now);
      await insertMessages(q, id, 'C1', [[0]]);
      return id;
    });
    const due = async (at = now) => (await stalePromotions(db, 10, at)).includes(id);
    expect(await isStale(db, id, now)).toBe(true);
    // The thread message is up to date; only the overview keeps failing.
    await markRendered(db, id, 1, { ts: '1700000000.000200', version: 0, hash: 'h' });
    await recordRenderFailure(db, id, 0, { error: 'internal_error', terminal: false, now });
    await recordRenderFailure(db, id, 0, { error: 'internal_error', terminal: false, now });
    expect(await due()).toBe(true);
    await recordRenderFailure(db, id, 0, { error: 'internal_error', terminal: false, now });
    expect(await due()).toBe(false);
    expect(await isStale(db, id, now)).toBe(false);
    // The first backoff is 10 seconds, by the injected clock.
    expect(await due(new Date(now.getTime() + 9_000))).toBe(false);
    expect(await due(new Date(now.getTime() + 10_000))).toBe(true);
    await recordRenderFailure(db, id, 1, { error: 'message_not_found', terminal: true, now });
    expect((await listMessages(db, id)).map((m) => m.broken)).toEqual([false, true]);
  });

  it('repairs the messages of an ended promotion for 7 days after it ended, then no longer looks at it', async () => {
    t = await create();
    const db = await migrated(t);
    const now = new Date('2026-11-21T10:00:00Z');
    const id = await db.tx(async (q) => {
      const id = await insertMini(q, now);
      await insertMessages(q, id, 'C1', [[0]]);
      return id;
    });
    // Posted, then the promotion ends: its end is a change the messages have not shown yet.
    await markRendered(db, id, 0, { ts: '1700000000.000100', version: 0, hash: 'h' });
    await markRendered(db, id, 1, { ts: '1700000000.000200', version: 0, hash: 'h' });
    await db.tx((q) => endPromotion(q, id, { status: 'aborted', by: 'U1', reason: 'test', at: now }));
    await db.query('UPDATE promotions SET version = version + 1 WHERE id = $1', [id]);
    const due = async (at: Date) => (await stalePromotions(db, 10, at)).includes(id);
    expect(await due(new Date(now.getTime() + 60_000))).toBe(true);
    expect(await due(new Date(now.getTime() + 6.9 * 86_400_000))).toBe(true);
    expect(await due(new Date(now.getTime() + 7.1 * 86_400_000))).toBe(false);
  });

  it('reads a promotion\'s template from the database once, and shares it frozen', async () => {
    t = await create();
    const db = await migrated(t);
    const id = await db.tx((q) => insertMini(q));
    const first = (await getPromotion(db, id))!;
    expect(first.template).toEqual(template);
    expect(Object.isFrozen(first.template.sections[0]!.items[0])).toBe(true);
    const statements: string[] = [];
    const watching = { query: (sql: string, params?: unknown[]) => (statements.push(sql), db.query(sql, params)) } as typeof db;
    const again = (await getPromotion(watching, id))!;
    expect(again.template).toBe(first.template);
    expect(statements.join()).not.toMatch(/\btemplate\b,|, template\b/);
    expect(again.version).toBe(first.version);
  });

  it('keeps one unbroken chain when appends come from two connections and one is rolled back', async () => {
    // appendAudit builds on the head this process last wrote (one statement) and checks it in that statement: a head
    // another replica moved, or an append undone with its transaction, must be read afresh, never built on.
    t = await create();
    const [db, other] = [await migrated(t), await t.open()];
    const at = new Date('2026-11-21T10:00:00Z');
    const id = await db.tx((q) => insertMini(q, at, ['a']));
    const tick: AuditEvent = { action: 'items.toggled', data: { ticked: ['a'], unticked: [] } };
    const append = (d: typeof db, actor: string) => d.tx((q) => appendAudit(q, { promotionId: id, actor, at, ...tick }));
    expect((await append(db, 'U1')).seq).toBe(1);
    expect((await append(other, 'U2')).seq).toBe(2);
    await expect(
      db.tx(async (q) => {
        await appendAudit(q, { promotionId: id, actor: 'U-undone', at, ...tick });
        throw new Error('the change failed after its append');
      }),
    ).rejects.toThrow('the change failed');
    // Another replica's append, written without this process's appendAudit (so nothing here knows of it).
    const head = (await auditHead(db, id))!;
    await db.query(
      `UPDATE promotions SET audit_seq = $2, audit_hash = $3, version = version + 1 WHERE id = $1`,
      [id, head.seq + 1, 'f'.repeat(64)],
    );
    await db.query(`INSERT INTO audit_events (promotion_id, seq, at, actor, action, data, prev_hash, hash) VALUES ($1, $2, $3, 'U3', 'items.toggled', $4, $5, $6)`, [
      id,
      head.seq + 1,
      at,
      JSON.stringify(tick.data),
      head.hash,
      'f'.repeat(64),
    ]);
    const { seq, version } = await append(db, 'U1');
    expect(seq).toBe(4);
    const events = await listAudit(db, id);
    expect(events.map((e) => [e.seq, e.actor])).toEqual([[1, 'U1'], [2, 'U2'], [3, 'U3'], [4, 'U1']]);
    expect(events[3]!.prevHash).toBe('f'.repeat(64));
    expect(version).toBe((await db.query<{ v: number }>('SELECT version AS v FROM promotions WHERE id = $1', [id])).rows[0]!.v);
    await other.close();
  });

  it('chains audit events so that an edited or a removed event is detected', async () => {
    t = await create();
    const db = await migrated(t);
    const at = new Date('2026-11-21T10:00:00Z');
    const id = await db.tx((q) => insertMini(q, at, ['a']));
    const events3: AuditEvent[] = [
      { action: 'promotion.started', data: { release: 'v1', template: 't', channel: 'C1' } },
      { action: 'items.toggled', data: { ticked: ['a'], unticked: [] } },
      { action: 'field.set', data: { item: 'a', before: null, after: 'abc1234' } },
    ];
    for (const event of events3) await db.tx((q) => appendAudit(q, { promotionId: id, actor: 'U1', at, ...event }));
    const events = await listAudit(db, id);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(firstBrokenLink(events)).toBeUndefined();
    expect(firstBrokenLink(events, await auditHead(db, id))).toBeUndefined();
    await db.query(`DELETE FROM audit_events WHERE promotion_id = $1 AND seq = 3`, [id]);
    expect(firstBrokenLink(await listAudit(db, id), await auditHead(db, id))).toBe(3);
    await db.query(`UPDATE audit_events SET actor = 'U-mallory' WHERE promotion_id = $1 AND seq = 2`, [id]);
    expect(firstBrokenLink(await listAudit(db, id))).toBe(2);
  });
});
