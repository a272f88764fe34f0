import type { Decision } from '../domain/promotion.js';
import type { Queryable } from './db.js';

export type GoDecision = Decision['decision'];

export interface DecisionRecord extends Decision {
  promotionId: string;
  seq: number;
  /** What GO was given with: approval id -> the fingerprint and who had approved. */
  approvals: Record<string, { fingerprint: string; by: string[] }>;
}

interface Row {
  promotion_id: string;
  seq: number;
  decision: GoDecision;
  by_user: string;
  at: Date;
  reason: string | null;
  new_date: string | Date | null;
  approvals: DecisionRecord['approvals'] | string;
}

const COLUMNS = "promotion_id, seq, decision, by_user, at, reason, to_char(new_date, 'YYYY-MM-DD') AS new_date, approvals";

function toRecord(r: Row): DecisionRecord {
  return {
    promotionId: r.promotion_id,
    seq: r.seq,
    decision: r.decision,
    by: r.by_user,
    at: new Date(r.at),
    reason: r.reason,
    newDate: r.new_date === null ? null : String(r.new_date),
    approvals: typeof r.approvals === 'string' ? (JSON.parse(r.approvals) as DecisionRecord['approvals']) : r.approvals,
  };
}

/** Append a decision (under the caller's promotion lock). Returns its sequence number. */
export async function appendDecision(q: Queryable, d: Omit<DecisionRecord, 'seq'>): Promise<number> {
  const r = await q.query<{ seq: number }>(
    `INSERT INTO decisions (promotion_id, seq, decision, by_user, at, reason, new_date, approvals)
     SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6::date, $7 FROM decisions WHERE promotion_id = $1
     RETURNING seq`,
    [d.promotionId, d.decision, d.by, d.at, d.reason, d.newDate, JSON.stringify(d.approvals)],
  );
  return r.rows[0]!.seq;
}

export async function listDecisions(q: Queryable, promotionId: string): Promise<DecisionRecord[]> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM decisions WHERE promotion_id = $1 ORDER BY seq`, [promotionId]);
  return r.rows.map(toRecord);
}

/** The latest decisions of the promotions a person is part of (App Home's "recent decisions"). */
export async function recentDecisions(q: Queryable, promotionIds: readonly string[], limit: number): Promise<DecisionRecord[]> {
  if (promotionIds.length === 0) return [];
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM decisions WHERE promotion_id = ANY($1::uuid[]) ORDER BY at DESC LIMIT $2`, [promotionIds, limit]);
  return r.rows.map(toRecord);
}
