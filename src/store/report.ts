import type { ReportProbeRun } from '../domain/report.js';
import type { Queryable } from './db.js';

/**
 * The look-ups of the audit report and of verify-audit (src/services/report.ts, src/cli/): finding a promotion by its
 * release whether it is active or ended, and every probe run of a promotion with its evidence.
 */

/**
 * The latest promotion of a release in a channel, active or ended: its id. The active one when there is one (there is at
 * most one, and it started after every ended one), else the one started last.
 */
export async function latestPromotionId(q: Queryable, channelId: string, release: string): Promise<string | undefined> {
  const r = await q.query<{ id: string }>(
    `SELECT id FROM promotions WHERE channel_id = $1 AND release = $2
     ORDER BY status = 'active' DESC, created_at DESC, ended_at DESC NULLS FIRST, id DESC LIMIT 1`,
    [channelId, release],
  );
  return r.rows[0]?.id;
}

/** Every promotion of a release, in any channel, oldest first (verify-audit with a release). */
export async function promotionsOfRelease(q: Queryable, release: string): Promise<Array<{ id: string; channelId: string; createdAt: Date }>> {
  const r = await q.query<{ id: string; channel_id: string; created_at: Date }>(
    'SELECT id, channel_id, created_at FROM promotions WHERE release = $1 ORDER BY created_at, id',
    [release],
  );
  return r.rows.map((row) => ({ id: row.id, channelId: row.channel_id, createdAt: new Date(row.created_at) }));
}

/** Every probe run of a promotion, in the order they were claimed, with its evidence (scrubbed when it was stored). */
export async function listRunsWithEvidence(q: Queryable, promotionId: string): Promise<ReportProbeRun[]> {
  const r = await q.query<{
    id: string;
    item_id: string;
    status: string;
    summary: string | null;
    started_at: Date;
    finished_at: Date | null;
    duration_ms: number | null;
    by_user: string;
    evidence: unknown;
  }>(
    'SELECT id, item_id, status, summary, started_at, finished_at, duration_ms, by_user, evidence FROM probe_runs WHERE promotion_id = $1 ORDER BY seq',
    [promotionId],
  );
  return r.rows.map((row) => ({
    id: row.id,
    itemId: row.item_id,
    status: row.status,
    summary: row.summary,
    startedAt: new Date(row.started_at),
    finishedAt: row.finished_at ? new Date(row.finished_at) : null,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
    by: row.by_user,
    evidence: typeof row.evidence === 'string' ? (JSON.parse(row.evidence) as unknown) : row.evidence,
  }));
}
