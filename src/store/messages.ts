import type { Queryable } from './db.js';

export interface MessageRow {
  idx: number;
  channelId: string;
  ts: string | null;
  renderedVersion: number;
  renderedHash: string | null;
}

export async function insertMessages(q: Queryable, promotionId: string, channelId: string, count: number): Promise<void> {
  await q.query(
    `INSERT INTO promotion_messages (promotion_id, idx, channel_id)
     SELECT $1, idx, $2 FROM generate_series(0, $3 - 1) AS idx`,
    [promotionId, channelId, count],
  );
}

export async function listMessages(q: Queryable, promotionId: string): Promise<MessageRow[]> {
  const r = await q.query<{ idx: number; channel_id: string; ts: string | null; rendered_version: number; rendered_hash: string | null }>(
    'SELECT idx, channel_id, ts, rendered_version, rendered_hash FROM promotion_messages WHERE promotion_id = $1 ORDER BY idx',
    [promotionId],
  );
  return r.rows.map((m) => ({ idx: m.idx, channelId: m.channel_id, ts: m.ts, renderedVersion: m.rendered_version, renderedHash: m.rendered_hash }));
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
