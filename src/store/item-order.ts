import type { Queryable } from './db.js';

/**
 * Of these items, those a click sent by Slack at `actionTs` may still change: no later click has been applied to
 * them. Records `actionTs` on each of them, so that a click sent earlier and applied later is skipped (a tick sent
 * before an untick never overwrites it, whichever arrives first, on whichever replica). Under the caller's promotion
 * lock. Items are recorded even when the click then finds nothing to change on them: an untick applied to an open item
 * changes nothing, yet the tick sent before it must still be skipped.
 */
export async function claimItemsInOrder(q: Queryable, promotionId: string, itemIds: readonly string[], actionTs: string): Promise<Set<string>> {
  if (itemIds.length === 0) return new Set();
  const r = await q.query<{ item_id: string }>(
    `UPDATE item_states SET last_action_ts = $3::numeric
     WHERE promotion_id = $1 AND item_id = ANY($2::text[]) AND (last_action_ts IS NULL OR last_action_ts <= $3::numeric)
     RETURNING item_id`,
    [promotionId, itemIds, actionTs],
  );
  return new Set(r.rows.map((row) => row.item_id));
}

/** The action_ts of the latest click applied to an item, as Slack wrote it (null: none yet). */
export async function lastActionTs(q: Queryable, promotionId: string, itemId: string): Promise<string | null> {
  const r = await q.query<{ ts: string | null }>('SELECT last_action_ts::text AS ts FROM item_states WHERE promotion_id = $1 AND item_id = $2', [
    promotionId,
    itemId,
  ]);
  return r.rows[0]?.ts ?? null;
}
