import type { Queryable } from './db.js';

/**
 * Render leases are timed by the database's clock, never the injected one (the one exception to "time comes from
 * `deps.clock()`", see docs/ARCHITECTURE.md): a lease is mutual exclusion across replicas, and the database is the
 * one clock they all share. Were each replica to write expiries with its own clock and compare others' with it, a
 * replica whose clock ran ahead would take a live lease, and two renders could post the same message twice.
 * `clock_timestamp()`, not `now()`: a statement inside a transaction must not see the transaction's start time.
 */
const EXPIRES = `clock_timestamp() + $3::double precision * interval '1 millisecond'`;

/**
 * Claim a promotion's render lease for `owner` for `leaseMs` (by the database's clock): it is free, it lapsed (its
 * holder crashed or lost the database), or it is already this owner's (a release that failed while the database
 * was away). One statement, so two replicas claiming at once cannot both win.
 */
export async function claimLease(q: Queryable, promotionId: string, owner: string, leaseMs: number): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO render_leases (promotion_id, owner, expires_at) VALUES ($1, $2, ${EXPIRES})
     ON CONFLICT (promotion_id) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
       WHERE render_leases.owner = EXCLUDED.owner OR render_leases.expires_at <= clock_timestamp()
     RETURNING promotion_id`,
    [promotionId, owner, leaseMs],
  );
  return r.rows.length > 0;
}

/** Extend the lease for another `leaseMs` (by the database's clock); false if another owner took it meanwhile (it had lapsed). */
export async function renewLease(q: Queryable, promotionId: string, owner: string, leaseMs: number): Promise<boolean> {
  const r = await q.query(`UPDATE render_leases SET expires_at = ${EXPIRES} WHERE promotion_id = $1 AND owner = $2 RETURNING promotion_id`, [
    promotionId,
    owner,
    leaseMs,
  ]);
  return r.rows.length > 0;
}

export async function releaseLease(q: Queryable, promotionId: string, owner: string): Promise<void> {
  await q.query('DELETE FROM render_leases WHERE promotion_id = $1 AND owner = $2', [promotionId, owner]);
}

/**
 * Inside a transaction: true if `owner` still holds the lease, which then stays its own until the transaction
 * ends (the row is locked against a concurrent claim).
 */
export async function holdsLease(q: Queryable, promotionId: string, owner: string): Promise<boolean> {
  const r = await q.query('SELECT 1 FROM render_leases WHERE promotion_id = $1 AND owner = $2 FOR UPDATE', [promotionId, owner]);
  return r.rows.length > 0;
}

/**
 * `markRendered` (./messages.ts), fenced by the lease: records only while `owner` holds it, in one statement (a
 * render records every message it looks at). Enough as a fence: the render's Slack call ended before this
 * statement began, so a replica whose claim this statement does not see calls Slack after it, and wins.
 */
export async function markRenderedIfHeld(
  q: Queryable,
  promotionId: string,
  idx: number,
  owner: string,
  m: { ts: string; version: number; hash: string },
): Promise<boolean> {
  const r = await q.query(
    `UPDATE promotion_messages
     SET ts = $3, rendered_version = GREATEST(rendered_version, $4), rendered_hash = $5, attempts = 0, last_error = NULL, next_attempt_at = NULL
     WHERE promotion_id = $1 AND idx = $2 AND EXISTS (SELECT 1 FROM render_leases WHERE promotion_id = $1 AND owner = $6)
     RETURNING idx`,
    [promotionId, idx, m.ts, m.version, m.hash, owner],
  );
  return r.rows.length > 0;
}

/**
 * A message updated by a render that lost its lease meanwhile: Slack may now show that older render on top of
 * the new holder's. Mark the message behind so that it is rendered once more from the latest state.
 */
export async function markBehind(q: Queryable, promotionId: string, idx: number): Promise<void> {
  await q.query('UPDATE promotion_messages SET rendered_version = -1, rendered_hash = NULL WHERE promotion_id = $1 AND idx = $2', [
    promotionId,
    idx,
  ]);
}

/**
 * A message whose rendering may have changed with no new version: the overview, which links to its thread's replies
 * (its "Next:", "Before GO:" and "Blocks GO:" lines) and was posted before them. Marked behind while its hash still
 * says what Slack shows, so the render that follows calls Slack only if the rendering did change. Only while `owner`
 * holds the lease, like `markRenderedIfHeld`; without it nothing changes and nothing says so (the holder renders).
 */
export async function recheckIfHeld(q: Queryable, promotionId: string, idx: number, owner: string): Promise<void> {
  await q.query(
    `UPDATE promotion_messages SET rendered_version = -1
     WHERE promotion_id = $1 AND idx = $2 AND ts IS NOT NULL AND NOT broken
       AND EXISTS (SELECT 1 FROM render_leases WHERE promotion_id = $1 AND owner = $3)`,
    [promotionId, idx, owner],
  );
}

/**
 * Messages a change did not touch (nothing they show changed after the version they last showed) now show `version`
 * too: one statement instead of rendering and recording each. Fenced by the lease like `markRenderedIfHeld`; a
 * message marked behind (-1) or never posted is left alone.
 */
export async function fastForwardIfHeld(q: Queryable, promotionId: string, idxs: readonly number[], owner: string, version: number): Promise<void> {
  await q.query(
    `UPDATE promotion_messages SET rendered_version = $3
     WHERE promotion_id = $1 AND idx = ANY($2::int[]) AND ts IS NOT NULL AND rendered_version >= 0 AND rendered_version < $3
       AND EXISTS (SELECT 1 FROM render_leases WHERE promotion_id = $1 AND owner = $4)`,
    [promotionId, idxs, version, owner],
  );
}
