import { randomUUID } from 'node:crypto';
import type { ApprovalDecision, ApprovalRecord } from '../domain/approvals.js';
import type { Queryable } from './db.js';

interface Row {
  id: string;
  approval_id: string;
  role: string;
  user_id: string;
  decision: ApprovalDecision;
  fingerprint: string;
  bound: Record<string, string | null> | string;
  comment: string | null;
  at: Date;
  voided_at: Date | null;
  void_reason: string | null;
}

const COLUMNS = 'id, approval_id, role, user_id, decision, fingerprint, bound, comment, at, voided_at, void_reason';

function toRecord(r: Row): ApprovalRecord {
  return {
    id: r.id,
    approvalId: r.approval_id,
    role: r.role,
    userId: r.user_id,
    decision: r.decision,
    fingerprint: r.fingerprint,
    bound: typeof r.bound === 'string' ? (JSON.parse(r.bound) as Record<string, string | null>) : r.bound,
    comment: r.comment,
    at: new Date(r.at),
    voidedAt: r.voided_at ? new Date(r.voided_at) : null,
    voidReason: r.void_reason,
  };
}

/** Every decision on a promotion's approvals, void ones included, oldest first. */
export async function listApprovals(q: Queryable, promotionId: string): Promise<ApprovalRecord[]> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM approvals WHERE promotion_id = $1 ORDER BY at, user_id, id`, [promotionId]);
  return r.rows.map(toRecord);
}

/** A decision as recorded: a record before the database gives it an id, and before anything voids it. */
export type NewDecision = Omit<ApprovalRecord, 'id' | 'voidedAt' | 'voidReason'>;

/**
 * Record a person's decision on an approval, replacing their standing one (under the caller's promotion lock).
 * Returns the record it replaced, if any.
 */
export async function recordDecision(q: Queryable, promotionId: string, d: NewDecision): Promise<ApprovalRecord | undefined> {
  const replaced = await q.query<Row>(
    `DELETE FROM approvals WHERE promotion_id = $1 AND approval_id = $2 AND user_id = $3 AND voided_at IS NULL RETURNING ${COLUMNS}`,
    [promotionId, d.approvalId, d.userId],
  );
  await q.query(
    `INSERT INTO approvals (id, promotion_id, approval_id, role, user_id, decision, fingerprint, bound, comment, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [randomUUID(), promotionId, d.approvalId, d.role, d.userId, d.decision, d.fingerprint, JSON.stringify(d.bound), d.comment, d.at],
  );
  return replaced.rows[0] && toRecord(replaced.rows[0]);
}

/** Withdraw a person's standing decision (a rejection, say). Returns it, or undefined when there was none. */
export async function withdrawDecision(q: Queryable, promotionId: string, approvalId: string, userId: string): Promise<ApprovalRecord | undefined> {
  const r = await q.query<Row>(
    `DELETE FROM approvals WHERE promotion_id = $1 AND approval_id = $2 AND user_id = $3 AND voided_at IS NULL RETURNING ${COLUMNS}`,
    [promotionId, approvalId, userId],
  );
  return r.rows[0] && toRecord(r.rows[0]);
}

/** Make standing decisions void, with why (a bound value changed). */
export async function voidDecisions(q: Queryable, ids: readonly string[], reason: string, at: Date): Promise<void> {
  if (ids.length === 0) return;
  await q.query('UPDATE approvals SET voided_at = $2, void_reason = $3 WHERE id = ANY($1::uuid[]) AND voided_at IS NULL', [ids, at, reason]);
}

/** The active promotions where this person has standing decisions, for App Home. */
export async function promotionsDecidedBy(q: Queryable, userId: string): Promise<string[]> {
  const r = await q.query<{ promotion_id: string }>(
    `SELECT DISTINCT a.promotion_id FROM approvals a JOIN promotions p ON p.id = a.promotion_id
     WHERE a.user_id = $1 AND p.status = 'active'`,
    [userId],
  );
  return r.rows.map((row) => row.promotion_id);
}
