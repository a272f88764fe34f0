import type { Queryable } from './db.js';

export interface MessageRow {
  idx: number;
  channelId: string;
  ts: string | null;
  /** Template section indexes shown by this message; empty for the overview (idx 0). */
  sections: number[];
  renderedVersion: number;
  renderedHash: string | null;
}

/** The overview (idx 0) and one row per planned thread message, with the sections each shows. */
export async function insertMessages(q: Queryable, promotionId: string, channelId: string, plan: readonly number[][]): Promise<void> {
  await q.query(
    `INSERT INTO promotion_messages (promotion_id, idx, channel_id, sections)
     SELECT $1, m.idx - 1, $2, ARRAY(SELECT jsonb_array_elements_text(m.sections)::int)
     FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS m(sections, idx)`,
    [promotionId, channelId, JSON.stringify([[], ...plan])],
  );
}

export async function listMessages(q: Queryable, promotionId: string): Promise<MessageRow[]> {
  const r = await q.query<{ idx: number; channel_id: string; ts: string | null; sections: number[]; rendered_version: number; rendered_hash: string | null }>(
    'SELECT idx, channel_id, ts, sections, rendered_version, rendered_hash FROM promotion_messages WHERE promotion_id = $1 ORDER BY idx',
    [promotionId],
  );
  return r.rows.map((m) => ({
    idx: m.idx,
    channelId: m.channel_id,
    ts: m.ts,
    sections: m.sections.map(Number),
    renderedVersion: m.rendered_version,
    renderedHash: m.rendered_hash,
  }));
}

export async function markRendered(
  q: Queryable,
  promotionId: string,
  idx: number,
  m: { ts: string; version: number; hash: string },
): Promise<void> {
  await q.query(
    'UPDATE promotion_messages SET ts = $3, rendered_version = GREATEST(rendered_version, $4), rendered_hash = $5 WHERE promotion_id = $1 AND idx = $2',
    [promotionId, idx, m.ts, m.version, m.hash],
  );
}

/** True when some message of the promotion shows an older version than the stored one, or was never posted. */
export async function isStale(q: Queryable, promotionId: string): Promise<boolean> {
  const r = await q.query<{ stale: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM promotion_messages m JOIN promotions p ON p.id = m.promotion_id
       WHERE m.promotion_id = $1 AND (m.ts IS NULL OR m.rendered_version < p.version)
     ) AS stale`,
    [promotionId],
  );
  return r.rows[0]?.stale ?? false;
}

/** The promotion a message belongs to, found by where Slack says the click happened. */
export async function promotionByMessage(q: Queryable, channelId: string, ts: string): Promise<string | undefined> {
  const r = await q.query<{ promotion_id: string }>('SELECT promotion_id FROM promotion_messages WHERE channel_id = $1 AND ts = $2', [
    channelId,
    ts,
  ]);
  return r.rows[0]?.promotion_id;
}

export async function overviewTs(q: Queryable, promotionId: string): Promise<string | null> {
  const r = await q.query<{ ts: string | null }>('SELECT ts FROM promotion_messages WHERE promotion_id = $1 AND idx = 0', [promotionId]);
  return r.rows[0]?.ts ?? null;
}

/**
 * Promotions whose messages are behind the database (a render failed, a process died mid-post), oldest
 * change first. Ended promotions whose overview was never posted are left alone: there is nothing to repair.
 */
export async function stalePromotions(q: Queryable, limit: number): Promise<string[]> {
  const r = await q.query<{ id: string }>(
    `SELECT p.id FROM promotions p
     WHERE EXISTS (SELECT 1 FROM promotion_messages m WHERE m.promotion_id = p.id AND (m.ts IS NULL OR m.rendered_version < p.version))
       AND (p.status = 'active' OR EXISTS (SELECT 1 FROM promotion_messages o WHERE o.promotion_id = p.id AND o.idx = 0 AND o.ts IS NOT NULL))
     ORDER BY p.created_at
     LIMIT $1`,
    [limit],
  );
  return r.rows.map((row) => row.id);
}
