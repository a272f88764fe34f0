import type { RollbackView } from '../domain/promotion.js';
import type { Queryable } from './db.js';

/** A promotion's rollback and its stakeholders' acknowledgements (migration 014). */

export interface NewRollback {
  promotionId: string;
  startedBy: string;
  startedAt: Date;
  path: string | null;
  issue: string;
  impact: string | null;
  eta: string | null;
  action: string | null;
  subject: string;
  message: string;
}

/** Record the rollback; false when the promotion already has one (a second start finds it and changes nothing). */
export async function insertRollback(q: Queryable, r: NewRollback): Promise<boolean> {
  const res = await q.query(
    `INSERT INTO rollbacks (promotion_id, started_by, started_at, path, issue, impact, eta, action, subject, message)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (promotion_id) DO NOTHING RETURNING promotion_id`,
    [r.promotionId, r.startedBy, r.startedAt, r.path, r.issue, r.impact, r.eta, r.action, r.subject, r.message],
  );
  return res.rows.length > 0;
}

interface Row {
  started_by: string;
  started_at: Date | string;
  path: string | null;
  issue: string;
  subject: string;
  message: string;
  updates: number;
  last_update_at: Date | string | null;
  completed_by: string | null;
  completed_at: Date | string | null;
  resolution: string | null;
}

export async function getRollback(q: Queryable, promotionId: string): Promise<RollbackView | null> {
  const r = await q.query<Row>(
    `SELECT started_by, started_at, path, issue, subject, message, updates, last_update_at, completed_by, completed_at, resolution
     FROM rollbacks WHERE promotion_id = $1`,
    [promotionId],
  );
  const row = r.rows[0];
  if (!row) return null;
  const acks = await q.query<{ user_id: string; at: Date | string }>('SELECT user_id, at FROM rollback_acks WHERE promotion_id = $1 ORDER BY at, user_id', [promotionId]);
  return {
    startedBy: row.started_by,
    startedAt: new Date(row.started_at),
    path: row.path,
    issue: row.issue,
    subject: row.subject,
    message: row.message,
    updates: row.updates,
    lastUpdateAt: row.last_update_at ? new Date(row.last_update_at) : null,
    completedBy: row.completed_by,
    completedAt: row.completed_at ? new Date(row.completed_at) : null,
    resolution: row.resolution,
    acks: acks.rows.map((a) => ({ userId: a.user_id, at: new Date(a.at) })),
  };
}

/** One more update posted; returns its number (1, 2...). */
export async function countUpdate(q: Queryable, promotionId: string, at: Date): Promise<number> {
  const r = await q.query<{ updates: number }>('UPDATE rollbacks SET updates = updates + 1, last_update_at = $2 WHERE promotion_id = $1 RETURNING updates', [promotionId, at]);
  const row = r.rows[0];
  if (!row) throw new Error(`promotion ${promotionId} is rolling back without a rollback record`);
  return row.updates;
}

export async function completeRollbackRow(q: Queryable, promotionId: string, by: string, at: Date, resolution: string): Promise<void> {
  await q.query('UPDATE rollbacks SET completed_by = $2, completed_at = $3, resolution = $4 WHERE promotion_id = $1', [promotionId, by, at, resolution]);
}

/** A stakeholder acknowledged the broadcast; false when they had already. */
export async function insertAck(q: Queryable, promotionId: string, userId: string, at: Date): Promise<boolean> {
  const r = await q.query('INSERT INTO rollback_acks (promotion_id, user_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING user_id', [promotionId, userId, at]);
  return r.rows.length > 0;
}
