import { auditHash } from '../domain/audit.js';
import { parseAuditEvent, type AuditEvent } from '../domain/audit-events.js';
import type { LastEvent } from '../domain/promotion.js';
import type { Queryable } from './db.js';
import { RecentMap } from './recent-map.js';

export type AuditInput = AuditEvent & {
  promotionId: string;
  actor: string;
  at: Date;
};

/**
 * Where each promotion's chain ended after this process's last append to it: a guess, never trusted. An append
 * states the head it builds on, and the statement writes only if the promotion's row still ends there (under its row
 * lock), so a guess made stale by another replica, or by an append rolled back with its transaction, costs one more
 * statement and is never written on.
 */
const heads = new RecentMap<string, { seq: number; hash: string }>(1_000);

/**
 * The event chained onto `prev`, and the promotion's row moved to it (its version bumped), in one statement, only if
 * the row's chain ends at `prev`: the version afterwards, or undefined when it did not (nothing written).
 */
async function appendOnto(q: Queryable, e: AuditInput, prev: { seq: number; hash: string }): Promise<{ seq: number; hash: string; version: number } | undefined> {
  const seq = prev.seq + 1;
  const hash = auditHash(prev.hash, { seq, at: e.at, actor: e.actor, action: e.action, data: e.data });
  const r = await q.query<{ version: number }>(
    `WITH moved AS (
       UPDATE promotions SET audit_seq = $2, audit_hash = $3, version = version + 1
       WHERE id = $1 AND audit_seq = $2 - 1 AND audit_hash = $4
       RETURNING version
     ), appended AS (
       INSERT INTO audit_events (promotion_id, seq, at, actor, action, data, prev_hash, hash)
       SELECT $1, $2, $5, $6, $7, $8, $4, $3 FROM moved
     )
     SELECT version FROM moved`,
    [e.promotionId, seq, hash, prev.hash, e.at, e.actor, e.action, JSON.stringify(e.data)],
  );
  const row = r.rows[0];
  return row && { seq, hash, version: row.version };
}

/**
 * Append an audit event and bump the promotion's version, inside the caller's transaction. The event is
 * checked against its kind's schema first: the trail holds only kinds the report knows how to show.
 * Locks the promotion row, which also serialises concurrent changes to one promotion's audit chain.
 *
 * One statement when this process made the promotion's last append (a click's, usually); otherwise the head is read
 * (and locked) first.
 */
export async function appendAudit(q: Queryable, input: AuditInput): Promise<{ seq: number; version: number }> {
  const e = { ...input, ...parseAuditEvent(input.action, input.data) };
  const guess = heads.get(e.promotionId);
  let appended = guess && (await appendOnto(q, e, guess));
  if (!appended) {
    const head = await q.query<{ audit_seq: number; audit_hash: string }>(
      'SELECT audit_seq, audit_hash FROM promotions WHERE id = $1 FOR NO KEY UPDATE',
      [e.promotionId],
    );
    const row = head.rows[0];
    if (!row) throw new Error(`promotion ${e.promotionId} not found for audit`);
    appended = await appendOnto(q, e, { seq: row.audit_seq, hash: row.audit_hash });
    if (!appended) throw new Error(`promotion ${e.promotionId}: its audit chain moved while locked`);
  }
  heads.set(e.promotionId, appended);
  return { seq: appended.seq, version: appended.version };
}

export interface AuditEventRow {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  data: unknown;
  prevHash: string;
  hash: string;
}

export async function listAudit(q: Queryable, promotionId: string): Promise<AuditEventRow[]> {
  const r = await q.query<{ seq: number; at: Date; actor: string; action: string; data: unknown; prev_hash: string; hash: string }>(
    'SELECT seq, at, actor, action, data, prev_hash, hash FROM audit_events WHERE promotion_id = $1 ORDER BY seq',
    [promotionId],
  );
  return r.rows.map((e) => ({ seq: e.seq, at: new Date(e.at), actor: e.actor, action: e.action, data: e.data, prevHash: e.prev_hash, hash: e.hash }));
}

/**
 * The promotion's latest event, for the overview's last activity: null when there is none, or when it is of a kind
 * this version does not know (written by a newer replica during a rolling deploy), which the overview then leaves out.
 */
export async function lastAuditEvent(q: Queryable, promotionId: string): Promise<LastEvent | null> {
  const r = await q.query<{ at: Date; actor: string; action: string; data: unknown }>(
    'SELECT at, actor, action, data FROM audit_events WHERE promotion_id = $1 ORDER BY seq DESC LIMIT 1',
    [promotionId],
  );
  const row = r.rows[0];
  if (!row) return null;
  try {
    return { actor: row.actor, at: new Date(row.at), event: parseAuditEvent(row.action, typeof row.data === 'string' ? JSON.parse(row.data) : row.data) };
  } catch {
    return null;
  }
}

/** Where the promotion's audit chain ends, as recorded with every append. */
export async function auditHead(q: Queryable, promotionId: string): Promise<{ seq: number; hash: string } | undefined> {
  const r = await q.query<{ audit_seq: number; audit_hash: string }>('SELECT audit_seq, audit_hash FROM promotions WHERE id = $1', [promotionId]);
  const row = r.rows[0];
  return row && { seq: row.audit_seq, hash: row.audit_hash };
}
