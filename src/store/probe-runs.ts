import type { ItemProbe, ProbeRunStatus, ProbeRunView } from '../domain/probes.js';
import type { Queryable } from './db.js';

/**
 * Probe runs (migration 011). Claims are timed by the database's clock (`clock_timestamp()`), like render leases and
 * the outbox: a run's claim is mutual exclusion across replicas. Times shown and compared with `max_age` (started,
 * finished) are the injected clock's, like every other time of a promotion.
 */
const UNTIL = `clock_timestamp() + $2::double precision * interval '1 millisecond'`;

export interface NewRun {
  id: string;
  promotionId: string;
  itemId: string;
  by: string;
  startedAt: Date;
  claimedBy: string;
  leaseMs: number;
}

/**
 * Claim the item's run: insert it `running`, unless a run of the item is running already (on any replica: the
 * partial unique index). True when this run is now the item's one running run.
 */
export async function claimRun(q: Queryable, run: NewRun): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO probe_runs (id, promotion_id, item_id, status, started_at, by_user, claimed_by, claimed_until)
     VALUES ($1, $3, $4, 'running', $5, $6, $7, clock_timestamp() + $2::double precision * interval '1 millisecond')
     ON CONFLICT (promotion_id, item_id) WHERE status = 'running' DO NOTHING`,
    [run.id, run.leaseMs, run.promotionId, run.itemId, run.startedAt, run.by, run.claimedBy],
  );
  return r.rowCount > 0;
}

/**
 * `claimRun` for many items at once (a Run all), in one statement: the items whose run this claimed. An item already
 * running (on any replica) is left out.
 */
export async function claimRuns(q: Queryable, runs: ReadonlyArray<Omit<NewRun, 'leaseMs' | 'claimedBy'>>, claimedBy: string, leaseMs: number): Promise<string[]> {
  if (runs.length === 0) return [];
  const r = await q.query<{ item_id: string }>(
    `INSERT INTO probe_runs (id, promotion_id, item_id, status, started_at, by_user, claimed_by, claimed_until)
     SELECT id, promotion_id, item_id, 'running', started_at, by_user, $6, clock_timestamp() + $7::double precision * interval '1 millisecond'
     FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::text[]) AS t (id, promotion_id, item_id, started_at, by_user)
     ORDER BY item_id
     ON CONFLICT (promotion_id, item_id) WHERE status = 'running' DO NOTHING
     RETURNING item_id`,
    [runs.map((r) => r.id), runs.map((r) => r.promotionId), runs.map((r) => r.itemId), runs.map((r) => r.startedAt), runs.map((r) => r.by), claimedBy, leaseMs],
  );
  return r.rows.map((row) => row.item_id);
}

/** Set the probe status shown of many items at once. */
export async function setItemsProbeStatus(q: Queryable, promotionId: string, itemIds: readonly string[], status: ProbeRunStatus): Promise<void> {
  if (itemIds.length === 0) return;
  await q.query('UPDATE item_states SET probe_status = $3 WHERE promotion_id = $1 AND item_id = ANY($2::text[])', [promotionId, itemIds, status]);
}

/** A run that never ran (its probe still holds a placeholder, its family is missing): recorded finished at once. */
export async function insertFinishedRun(
  q: Queryable,
  run: Omit<NewRun, 'claimedBy' | 'leaseMs'> & { status: Exclude<ProbeRunStatus, 'running'>; summary: string },
): Promise<void> {
  await q.query(
    `INSERT INTO probe_runs (id, promotion_id, item_id, status, summary, evidence, started_at, finished_at, duration_ms, by_user)
     VALUES ($1, $2, $3, $4, $5, '{"lines":[]}'::jsonb, $6, $6, 0, $7)`,
    [run.id, run.promotionId, run.itemId, run.status, run.summary, run.startedAt, run.by],
  );
}

/** Extend the claims this process holds on its running runs; the ids it no longer holds (interrupted meanwhile). */
export async function renewRuns(q: Queryable, ids: readonly string[], leaseMs: number, claimedBy: string): Promise<string[]> {
  if (ids.length === 0) return [];
  const r = await q.query<{ id: string }>(
    `UPDATE probe_runs SET claimed_until = ${UNTIL} WHERE id = ANY($1::uuid[]) AND status = 'running' AND claimed_by = $3 RETURNING id`,
    [ids, leaseMs, claimedBy],
  );
  const held = new Set(r.rows.map((row) => row.id));
  return ids.filter((id) => !held.has(id));
}

export interface RunResult {
  status: Exclude<ProbeRunStatus, 'running'>;
  summary: string;
  evidence: unknown;
  finishedAt: Date;
  durationMs: number;
}

/**
 * Record a run's result. Only a run still `running` under this claim, or marked `interrupted` meanwhile (the claim
 * lapsed while the probe was still answering: the result is better evidence than the interruption). False otherwise.
 */
export async function finishRun(q: Queryable, id: string, claimedBy: string, result: RunResult): Promise<boolean> {
  const r = await q.query(
    `UPDATE probe_runs SET status = $3, summary = $4, evidence = $5::jsonb, finished_at = $6, duration_ms = $7, claimed_until = NULL
     WHERE id = $1 AND claimed_by = $2 AND status IN ('running', 'interrupted')`,
    [id, claimedBy, result.status, result.summary, JSON.stringify(result.evidence), result.finishedAt, Math.round(result.durationMs)],
  );
  return r.rowCount > 0;
}

/** Runs whose claim lapsed while `running` (their process died or lost the database): oldest first. */
export async function lapsedRuns(q: Queryable, limit: number): Promise<Array<{ id: string; promotionId: string; itemId: string }>> {
  const r = await q.query<{ id: string; promotion_id: string; item_id: string }>(
    `SELECT id, promotion_id, item_id FROM probe_runs WHERE status = 'running' AND claimed_until <= clock_timestamp()
     ORDER BY claimed_until LIMIT $1`,
    [limit],
  );
  return r.rows.map((row) => ({ id: row.id, promotionId: row.promotion_id, itemId: row.item_id }));
}

/** Mark one lapsed run interrupted (one statement: two sweepers mark it once). True when this call did. */
export async function interruptRun(q: Queryable, id: string, at: Date): Promise<boolean> {
  const r = await q.query(
    `UPDATE probe_runs SET status = 'interrupted', summary = 'interrupted: the bot stopped while it ran', finished_at = $2,
       duration_ms = GREATEST(0, (EXTRACT(EPOCH FROM ($2::timestamptz - started_at)) * 1000)::integer), claimed_until = NULL
     WHERE id = $1 AND status = 'running' AND claimed_until <= clock_timestamp()`,
    [id, at],
  );
  return r.rowCount > 0;
}

/** Set the item's probe status as shown (marks its message changed: migration 011). */
export async function setItemProbeStatus(q: Queryable, promotionId: string, itemId: string, status: ProbeRunStatus): Promise<void> {
  await q.query('UPDATE item_states SET probe_status = $3 WHERE promotion_id = $1 AND item_id = $2', [promotionId, itemId, status]);
}

interface RunRow {
  id: string;
  item_id: string;
  status: ProbeRunStatus;
  summary: string | null;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
  by_user: string;
}

const COLUMNS = 'id, item_id, status, summary, started_at, finished_at, duration_ms, by_user';

function toRun(r: RunRow): ProbeRunView {
  return {
    id: r.id,
    itemId: r.item_id,
    status: r.status,
    summary: r.summary,
    startedAt: new Date(r.started_at),
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    by: r.by_user,
  };
}

/** Every item's latest run and latest finished run. */
export async function itemProbes(q: Queryable, promotionId: string): Promise<Map<string, ItemProbe>> {
  const latest = await q.query<RunRow>(`SELECT DISTINCT ON (item_id) ${COLUMNS} FROM probe_runs WHERE promotion_id = $1 ORDER BY item_id, seq DESC`, [promotionId]);
  const finished = await q.query<RunRow>(
    `SELECT DISTINCT ON (item_id) ${COLUMNS} FROM probe_runs WHERE promotion_id = $1 AND status <> 'running' ORDER BY item_id, seq DESC`,
    [promotionId],
  );
  const results = new Map(finished.rows.map((r) => [r.item_id, toRun(r)]));
  return new Map(latest.rows.map((r) => [r.item_id, { latest: toRun(r), result: results.get(r.item_id) ?? null }]));
}

/** One run, with its evidence (tests, the report). */
export async function getRun(q: Queryable, id: string): Promise<(ProbeRunView & { promotionId: string; evidence: unknown; claimedBy: string | null }) | undefined> {
  const r = await q.query<RunRow & { promotion_id: string; evidence: unknown; claimed_by: string | null }>(
    `SELECT ${COLUMNS}, promotion_id, evidence, claimed_by FROM probe_runs WHERE id = $1`,
    [id],
  );
  const row = r.rows[0];
  return row ? { ...toRun(row), promotionId: row.promotion_id, evidence: row.evidence, claimedBy: row.claimed_by } : undefined;
}

/** Every run of an item, oldest first. */
export async function listRuns(q: Queryable, promotionId: string, itemId: string): Promise<ProbeRunView[]> {
  const r = await q.query<RunRow>(`SELECT ${COLUMNS} FROM probe_runs WHERE promotion_id = $1 AND item_id = $2 ORDER BY seq`, [promotionId, itemId]);
  return r.rows.map(toRun);
}
