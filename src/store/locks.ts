import type { Queryable } from './db.js';

export interface EnvironmentLock {
  teamId: string;
  environment: string;
  promotionId: string;
  release: string;
  channelId: string;
  lockedAt: Date;
}

interface Row {
  team_id: string;
  environment: string;
  promotion_id: string;
  release: string;
  channel_id: string;
  locked_at: Date;
}

const SELECT = `SELECT l.team_id, l.environment, l.promotion_id, p.release, p.channel_id, l.locked_at
  FROM environment_locks l JOIN promotions p ON p.id = l.promotion_id`;

const toLock = (r: Row): EnvironmentLock => ({
  teamId: r.team_id,
  environment: r.environment,
  promotionId: r.promotion_id,
  release: r.release,
  channelId: r.channel_id,
  lockedAt: new Date(r.locked_at),
});

/**
 * Take an environment's lock for a promotion, in the start's transaction. Returns undefined when taken, else the lock
 * that holds it. Two starts at once: the primary key lets one insert; the other waits for its transaction and then
 * finds the row (ON CONFLICT DO NOTHING), so exactly one promotion starts.
 */
export async function takeLock(q: Queryable, l: { teamId: string | null; environment: string; promotionId: string; at: Date }): Promise<EnvironmentLock | undefined> {
  const r = await q.query(
    `INSERT INTO environment_locks (team_id, environment, promotion_id, locked_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (team_id, environment) DO NOTHING`,
    [l.teamId ?? '', l.environment, l.promotionId, l.at],
  );
  if (r.rowCount > 0) return undefined;
  const held = await q.query<Row>(`${SELECT} WHERE l.team_id = $1 AND l.environment = $2`, [l.teamId ?? '', l.environment]);
  return held.rows[0] && toLock(held.rows[0]);
}

/** Release whatever lock a promotion holds, in the transaction that ends it (or ends its rollback). */
export async function releaseLock(q: Queryable, promotionId: string): Promise<boolean> {
  const r = await q.query('DELETE FROM environment_locks WHERE promotion_id = $1', [promotionId]);
  return r.rowCount > 0;
}

/** The locks held in a workspace, oldest first (`/promote locks`). */
export async function listLocks(q: Queryable, teamId: string | null): Promise<EnvironmentLock[]> {
  const r = await q.query<Row>(`${SELECT} WHERE l.team_id = $1 ORDER BY l.locked_at, l.environment`, [teamId ?? '']);
  return r.rows.map(toLock);
}
