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

/**
 * A checkbox click in one statement: `claimItemsInOrder` for its items, then, of those it may still change, the
 * ticked ones from open to done and the unticked ones from done to open (only from that state, so a delta applied
 * twice changes nothing), by `by` at `at`. Returns the items it moved, each list sorted. Under the caller's promotion
 * lock, which every writer of item_states takes first, so the row read as it was (`was`) is the row updated.
 */
export async function toggleInOrder(
  q: Queryable,
  promotionId: string,
  change: { ticked: readonly string[]; unticked: readonly string[] },
  actionTs: string,
  by: string,
  at: Date,
): Promise<{ ticked: string[]; unticked: string[] }> {
  // A click never ticks and unticks one item (its lists are a selection's difference both ways); such an item would
  // be ticked here, so it is left out, as no change.
  const both = new Set(change.ticked.filter((id) => change.unticked.includes(id)));
  if (both.size > 0) change = { ticked: change.ticked.filter((id) => !both.has(id)), unticked: change.unticked.filter((id) => !both.has(id)) };
  if (change.ticked.length + change.unticked.length === 0) return { ticked: [], unticked: [] };
  const moves = `(s.item_id = ANY($2::text[]) AND was.state = 'open') OR (s.item_id = ANY($3::text[]) AND was.state = 'done')`;
  const r = await q.query<{ item_id: string; was: string; state: string }>(
    `UPDATE item_states s
     SET last_action_ts = $4::numeric,
         state = CASE WHEN s.item_id = ANY($2::text[]) AND was.state = 'open' THEN 'done'
                      WHEN s.item_id = ANY($3::text[]) AND was.state = 'done' THEN 'open'
                      ELSE was.state END,
         by_user = CASE WHEN ${moves} THEN $5 ELSE was.by_user END,
         at = CASE WHEN ${moves} THEN $6::timestamptz ELSE was.at END
     FROM item_states was
     WHERE s.promotion_id = $1 AND s.item_id = ANY($2::text[] || $3::text[])
       AND was.promotion_id = s.promotion_id AND was.item_id = s.item_id
       AND (s.last_action_ts IS NULL OR s.last_action_ts <= $4::numeric)
     RETURNING s.item_id, was.state AS was, s.state`,
    [promotionId, change.ticked, change.unticked, actionTs, by, at],
  );
  const moved = (from: string, to: string) => r.rows.filter((row) => row.was === from && row.state === to).map((row) => row.item_id).sort();
  return { ticked: moved('open', 'done'), unticked: moved('done', 'open') };
}

/** The action_ts of the latest click applied to an item, as Slack wrote it (null: none yet). */
export async function lastActionTs(q: Queryable, promotionId: string, itemId: string): Promise<string | null> {
  const r = await q.query<{ ts: string | null }>('SELECT last_action_ts::text AS ts FROM item_states WHERE promotion_id = $1 AND item_id = $2', [
    promotionId,
    itemId,
  ]);
  return r.rows[0]?.ts ?? null;
}
