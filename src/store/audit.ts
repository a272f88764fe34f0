import { auditHash } from '../domain/audit.js';
import { parseAuditEvent, type AuditEvent } from '../domain/audit-events.js';
import type { LastEvent } from '../domain/promotion.js';
import type { Queryable } from './db.js';

export type AuditInput = AuditEvent & {
  promotionId: string;
  actor: string;
  at: Date;
};

/**
 * Append an audit event and bump the promotion's version, inside the caller's transaction. The event is
 * checked against its kind's schema first: the trail holds only kinds the report knows how to show.
 * Locks the promotion row, which also serialises concurrent changes to one promotion's audit chain.
 */
export async function appendAudit(q: Queryable, input: AuditInput): Promise<{ seq: number; version: number }> {
  const e = { ...input, ...parseAuditEvent(input.action, input.data) };
  const head = await q.query<{ audit_seq: number; audit_hash: string }>(
    'SELECT audit_seq, audit_hash FROM promotions WHERE id = $1 FOR NO KEY UPDATE',
    [e.promotionId],
  );
  const row = head.rows[0];
  if (!row) throw new Error(`promotion ${e.promotionId} not found for audit`);
  const seq = row.audit_seq + 1;
  const hash = auditHash(row.audit_hash, { seq, at: e.at, actor: e.actor, action: e.action, data: e.data });
  await q.query(
    `INSERT INTO audit_events (promotion_id, seq, at, actor, action, data, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [e.promotionId, seq, e.at, e.actor, e.action, JSON.stringify(e.data), row.audit_hash, hash],
  );
  const updated = await q.query<{ version: number }>(
    'UPDATE promotions SET audit_seq = $2, audit_hash = $3, version = version + 1 WHERE id = $1 RETURNING version',
    [e.promotionId, seq, hash],
  );
  return { seq, version: updated.rows[0]!.version };
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
