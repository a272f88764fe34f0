import type { Queryable } from './db.js';

/**
 * Who an item is assigned to (`item_states.assignee`, migration 012): a Slack user id, null when nobody is. Read with
 * the item's state (src/store/promotions.ts `toItemState`); written here only, under the caller's promotion lock.
 * Changing it marks the item's row changed (migration 004's trigger), so its message is rendered again.
 */
export async function setAssignee(q: Queryable, promotionId: string, itemId: string, assignee: string | null): Promise<boolean> {
  const r = await q.query('UPDATE item_states SET assignee = $3 WHERE promotion_id = $1 AND item_id = $2', [promotionId, itemId, assignee]);
  return r.rowCount > 0;
}
