import type { Queryable } from './db.js';

/**
 * App Home: who has opened the bot's Home tab (migration 010, table `home_views`). A change republishes the Homes of
 * the people it concerns who are listed here, so the bot never publishes a Home for every user of a workspace.
 * A workspace-less promotion (no team id) is filed under ''.
 */

/** Someone opened their Home tab: remember them (once), so later changes republish it. */
export async function recordHomeOpened(q: Queryable, teamId: string | null, userId: string, at: Date): Promise<void> {
  await q.query(
    `INSERT INTO home_views (team_id, user_id, opened_at) VALUES ($1, $2, $3)
     ON CONFLICT (team_id, user_id) DO UPDATE SET opened_at = excluded.opened_at`,
    [teamId ?? '', userId, at],
  );
}

/** Of these people, those who have opened their Home in this workspace. */
export async function whoOpenedHome(q: Queryable, teamId: string | null, userIds: readonly string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const r = await q.query<{ user_id: string }>(
    'SELECT user_id FROM home_views WHERE team_id = $1 AND user_id = ANY($2::text[]) ORDER BY user_id',
    [teamId ?? '', [...new Set(userIds)]],
  );
  return r.rows.map((row) => row.user_id);
}

/**
 * These people's Homes must be published again (inside a change: a voided approval; or after a publish Slack did not
 * take). Only those who opened their Home are marked; an earlier mark is kept, so the oldest change is the one waited on.
 */
export async function markHomesStale(q: Queryable, teamId: string | null, userIds: readonly string[], at: Date): Promise<void> {
  if (userIds.length === 0) return;
  await q.query(
    'UPDATE home_views SET stale_since = coalesce(stale_since, $3) WHERE team_id = $1 AND user_id = ANY($2::text[])',
    [teamId ?? '', [...new Set(userIds)], at],
  );
}

/**
 * A Home was published from the state read at `readAt`: a mark made before then is cleared (a later one stays, for
 * the next publish).
 */
export async function markHomePublished(q: Queryable, teamId: string | null, userId: string, readAt: Date, at: Date): Promise<void> {
  await q.query(
    `UPDATE home_views SET published_at = $4, stale_since = CASE WHEN stale_since <= $3 THEN NULL ELSE stale_since END
     WHERE team_id = $1 AND user_id = $2`,
    [teamId ?? '', userId, readAt, at],
  );
}

/** Homes marked to publish again, oldest mark first. */
export async function staleHomes(q: Queryable, limit: number): Promise<Array<{ teamId: string; userId: string }>> {
  const r = await q.query<{ team_id: string; user_id: string }>(
    'SELECT team_id, user_id FROM home_views WHERE stale_since IS NOT NULL ORDER BY stale_since LIMIT $1',
    [limit],
  );
  return r.rows.map((row) => ({ teamId: row.team_id, userId: row.user_id }));
}
