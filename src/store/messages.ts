import type { Queryable } from './db.js';

export interface MessageRow {
  idx: number;
  channelId: string;
  ts: string | null;
  /** Template section indexes shown by this message; empty for the overview (idx 0). */
  sections: number[];
  renderedVersion: number;
  renderedHash: string | null;
  /** Slack will never accept this message's updates (deleted, channel archived...): left alone. */
  broken: boolean;
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
  const r = await q.query<{
    idx: number;
    channel_id: string;
    ts: string | null;
    sections: number[];
    rendered_version: number;
    rendered_hash: string | null;
    broken: boolean;
  }>(
    'SELECT idx, channel_id, ts, sections, rendered_version, rendered_hash, broken FROM promotion_messages WHERE promotion_id = $1 ORDER BY idx',
    [promotionId],
  );
  return r.rows.map((m) => ({
    idx: m.idx,
    channelId: m.channel_id,
    ts: m.ts,
    sections: m.sections.map(Number),
    renderedVersion: m.rendered_version,
    renderedHash: m.rendered_hash,
    broken: m.broken,
  }));
}

export async function markRendered(
  q: Queryable,
  promotionId: string,
  idx: number,
  m: { ts: string; version: number; hash: string },
): Promise<void> {
  await q.query(
    `UPDATE promotion_messages
     SET ts = $3, rendered_version = GREATEST(rendered_version, $4), rendered_hash = $5, attempts = 0, last_error = NULL, next_attempt_at = NULL
     WHERE promotion_id = $1 AND idx = $2`,
    [promotionId, idx, m.ts, m.version, m.hash],
  );
}

/** Retries right away this many times before backing off. */
const QUICK_RETRIES = 2;
/** After this many failures in a row a message is given up on (marked broken). */
export const MAX_ATTEMPTS = 12;

/**
 * Record a failed render. Transient failures are retried by the sweep, first at once, then after 10 s,
 * 20 s, 40 s... up to 30 minutes; a terminal one (or too many in a row) marks the message broken.
 */
export async function recordRenderFailure(
  q: Queryable,
  promotionId: string,
  idx: number,
  f: { error: string; terminal: boolean; now: Date },
): Promise<void> {
  await q.query(
    `UPDATE promotion_messages
     SET attempts = attempts + 1,
         last_error = $3,
         broken = broken OR $4 OR attempts + 1 >= $5,
         next_attempt_at = CASE WHEN attempts + 1 <= $6 THEN NULL
                                ELSE $7::timestamptz + LEAST(interval '30 minutes', interval '10 seconds' * power(2, attempts + 1 - $6 - 1)) END
     WHERE promotion_id = $1 AND idx = $2`,
    [promotionId, idx, f.error.slice(0, 500), f.terminal, MAX_ATTEMPTS, QUICK_RETRIES, f.now],
  );
}

/**
 * A message that should be rendered now: behind the database, not given up on, not waiting out a backoff.
 * `now` names the parameter holding the injected clock's time, so a fake clock drives the backoff.
 */
const due = (now: string) =>
  `(m.ts IS NULL OR m.rendered_version < p.version) AND NOT m.broken AND (m.next_attempt_at IS NULL OR m.next_attempt_at <= ${now}::timestamptz)`;

/** True when some message of the promotion is due: older than the stored state, or never posted. */
export async function isStale(q: Queryable, promotionId: string, now: Date): Promise<boolean> {
  const r = await q.query<{ stale: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM promotion_messages m JOIN promotions p ON p.id = m.promotion_id WHERE m.promotion_id = $1 AND ${due('$2')}) AS stale`,
    [promotionId, now],
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
 * Promotions with messages due (see `due`), those waiting longest first. A promotion nobody has tried to post
 * yet is left to its starter for half a minute; ended promotions whose overview was never posted are left
 * alone: there is nothing to repair. Only active promotions and those ended in the last 7 days are looked at (indexes
 * of migration 018): an older one changes no more, and its failing messages were given up long ago, so the sweep's
 * cost does not grow with history.
 */
export async function stalePromotions(q: Queryable, limit: number, now: Date): Promise<string[]> {
  const r = await q.query<{ id: string }>(
    `WITH p AS (
       SELECT id, version, created_at FROM promotions WHERE status = 'active'
       UNION ALL
       SELECT p.id, p.version, p.created_at FROM promotions p
       WHERE p.status <> 'active' AND p.ended_at > $2::timestamptz - interval '7 days'
         AND EXISTS (SELECT 1 FROM promotion_messages o WHERE o.promotion_id = p.id AND o.idx = 0 AND o.ts IS NOT NULL))
     SELECT p.id FROM p JOIN promotion_messages m ON m.promotion_id = p.id
     WHERE ${due('$2')}
       AND (m.attempts > 0 OR m.ts IS NOT NULL OR p.created_at < $2::timestamptz - interval '30 seconds')
     GROUP BY p.id
     ORDER BY min(m.next_attempt_at) NULLS FIRST, min(p.created_at)
     LIMIT $1`,
    [limit, now],
  );
  return r.rows.map((row) => row.id);
}

/** What changed in a promotion after `since` (see migration 004): which items, and whether the promotion itself did. */
export interface ChangesSince {
  /** Item id → the version its last change committed as (LEAST with the promotion's version `upTo`). */
  items: Map<string, number>;
  /** The version of the last change to the promotion row itself (status, release...), which every message shows. */
  shapeVersion: number;
}

/**
 * The items changed after version `since`, as of version `upTo` (the version of the view the caller rendered from).
 * Read after the view: a change committed in between shows up here as newer than `upTo`, which only makes its
 * messages due (never skipped).
 */
export async function changesSince(q: Queryable, promotionId: string, since: number, upTo: number): Promise<ChangesSince> {
  const r = await q.query<{ item_id: string | null; v: number }>(
    `SELECT item_id, LEAST(changed_version, $3) AS v FROM item_states WHERE promotion_id = $1 AND LEAST(changed_version, $3) > $2
     UNION ALL SELECT NULL, LEAST(shape_version, $3) FROM promotions WHERE id = $1`,
    [promotionId, since, upTo],
  );
  const items = new Map<string, number>();
  let shapeVersion = 0;
  for (const row of r.rows) {
    if (row.item_id === null) shapeVersion = Number(row.v);
    else items.set(row.item_id, Number(row.v));
  }
  return { items, shapeVersion };
}
