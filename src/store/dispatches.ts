import { randomBytes } from 'node:crypto';
import type { Queryable } from './db.js';

/**
 * GitHub workflow dispatches, one row per dispatch GO decided (migration 009). Enqueued inside the decision's
 * transaction, claimed one replica at a time by the database's clock (a claim is mutual exclusion across replicas, and
 * the database is the one clock they share, as for the outbox), and sent by src/github/dispatch.ts.
 */

export type DispatchState = 'pending' | 'claimed' | 'dispatched' | 'failed';

/** What GO asks GitHub to run, and where to say how it went. */
export interface DispatchRequest {
  /** Names this dispatch once and for all (`go-dispatch:<promotionId>:<decision seq>`): a second enqueue does nothing. */
  key: string;
  promotionId?: string | null;
  /** The promotion's channel and checklist thread: where the run's link, or the failure, is posted. */
  channelId?: string | null;
  threadTs?: string | null;
  release: string;
  /** owner/name */
  repo: string;
  /** The workflow's file name or id. */
  workflow: string;
  ref: string;
  /** Resolved already (`resolveDispatchInputs` in src/domain/template/on-go.ts). */
  inputs: Record<string, string>;
  /** The template's `correlation_input`, if any. */
  correlationInput?: string | null;
}

export interface DispatchRow {
  key: string;
  promotionId: string | null;
  channelId: string | null;
  threadTs: string | null;
  release: string;
  repo: string;
  workflow: string;
  ref: string;
  inputs: Record<string, string>;
  correlationInput: string | null;
  correlationId: string;
  state: DispatchState;
  attempts: number;
  maybeDispatched: boolean;
  firstAttemptAt: Date | null;
  acceptedAt: Date | null;
  runId: number | null;
  runUrl: string | null;
  htmlUrl: string | null;
  lastError: string | null;
  createdAt: Date;
  dispatchedAt: Date | null;
}

/** A claimed row, and how long ago (database clock) its latest call to GitHub was made, if ever. */
export interface ClaimedDispatch extends DispatchRow {
  sinceLastAttemptMs: number | null;
}

interface Row {
  key: string;
  promotion_id: string | null;
  channel_id: string | null;
  thread_ts: string | null;
  release: string;
  repo: string;
  workflow: string;
  ref: string;
  inputs: Record<string, string>;
  correlation_input: string | null;
  correlation_id: string;
  state: DispatchState;
  attempts: number;
  maybe_dispatched: boolean;
  first_attempt_at: Date | string | null;
  accepted_at: Date | string | null;
  run_id: number | string | null;
  run_url: string | null;
  html_url: string | null;
  last_error: string | null;
  created_at: Date | string;
  dispatched_at: Date | string | null;
}

const COLUMNS =
  'key, promotion_id, channel_id, thread_ts, release, repo, workflow, ref, inputs, correlation_input, correlation_id, state, attempts, maybe_dispatched, first_attempt_at, accepted_at, run_id, run_url, html_url, last_error, created_at, dispatched_at';

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

function toRow(r: Row): DispatchRow {
  return {
    key: r.key,
    promotionId: r.promotion_id,
    channelId: r.channel_id,
    threadTs: r.thread_ts,
    release: r.release,
    repo: r.repo,
    workflow: r.workflow,
    ref: r.ref,
    inputs: r.inputs,
    correlationInput: r.correlation_input,
    correlationId: r.correlation_id,
    state: r.state,
    attempts: r.attempts,
    maybeDispatched: r.maybe_dispatched,
    firstAttemptAt: date(r.first_attempt_at),
    acceptedAt: date(r.accepted_at),
    runId: r.run_id === null ? null : Number(r.run_id),
    runUrl: r.run_url,
    htmlUrl: r.html_url,
    lastError: r.last_error,
    createdAt: new Date(r.created_at),
    dispatchedAt: date(r.dispatched_at),
  };
}

/** A fresh correlation id: what the workflow echoes in its run-name, so its run can be told from every other. */
export function newCorrelationId(): string {
  return `preflight-${randomBytes(8).toString('hex')}`;
}

/**
 * Enqueue a dispatch inside the caller's transaction (the GO decision's), so it exists exactly when the decision does.
 * A second enqueue of the same key does nothing and says so (false).
 */
export async function enqueueDispatch(q: Queryable, d: DispatchRequest, now: Date): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO workflow_dispatches (key, promotion_id, channel_id, thread_ts, release, repo, workflow, ref, inputs, correlation_input, correlation_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12)
     ON CONFLICT (key) DO NOTHING RETURNING key`,
    [d.key, d.promotionId ?? null, d.channelId ?? null, d.threadTs ?? null, d.release, d.repo, d.workflow, d.ref, JSON.stringify(d.inputs), d.correlationInput ?? null, newCorrelationId(), now],
  );
  return r.rows.length > 0;
}

export async function getDispatch(q: Queryable, key: string): Promise<DispatchRow | undefined> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM workflow_dispatches WHERE key = $1`, [key]);
  return r.rows[0] && toRow(r.rows[0]);
}

/** The runs already linked to a dispatch of this repository (never taken for another dispatch's run). */
export async function linkedRunIds(q: Queryable, repo: string, except: string): Promise<Set<number>> {
  const r = await q.query<{ run_id: string | number }>(`SELECT run_id FROM workflow_dispatches WHERE repo = $1 AND run_id IS NOT NULL AND key <> $2`, [repo, except]);
  return new Set(r.rows.map((x) => Number(x.run_id)));
}

/**
 * Claim up to `limit` due rows (or the one row `key`, if due) for `owner` for `claimMs` by the database's clock: rows
 * pending whose backoff is over, and rows still claimed whose claim lapsed (their holder died, or did not learn what
 * GitHub did). One statement, rows another replica is claiming skipped: two replicas never hold one row at once.
 */
export async function claimDueDispatches(q: Queryable, owner: string, claimMs: number, opts: { key?: string; limit?: number } = {}): Promise<ClaimedDispatch[]> {
  const r = await q.query<Row & { since_ms: number | string | null }>(
    `WITH due AS (
       SELECT key FROM workflow_dispatches
       WHERE ((state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= clock_timestamp()))
              OR (state = 'claimed' AND claimed_until <= clock_timestamp()))
         AND ($3::text IS NULL OR key = $3)
       ORDER BY created_at
       LIMIT $4
       FOR UPDATE SKIP LOCKED)
     UPDATE workflow_dispatches d
     SET state = 'claimed', claimed_by = $1, claimed_until = clock_timestamp() + $2::double precision * interval '1 millisecond'
     FROM due WHERE d.key = due.key
     RETURNING ${COLUMNS.split(', ').map((c) => `d.${c}`).join(', ')},
       EXTRACT(EPOCH FROM (clock_timestamp() - d.last_attempt_at)) * 1000 AS since_ms`,
    [owner, claimMs, opts.key ?? null, opts.limit ?? 10],
  );
  return r.rows.map((row) => ({ ...toRow(row), sinceLastAttemptMs: row.since_ms === null ? null : Number(row.since_ms) }));
}

/** Extend `owner`'s claim; false when it lapsed and someone else took the row (or it is no longer claimed). */
export async function renewDispatchClaim(q: Queryable, key: string, owner: string, claimMs: number): Promise<boolean> {
  const r = await q.query(
    `UPDATE workflow_dispatches SET claimed_until = clock_timestamp() + $3::double precision * interval '1 millisecond'
     WHERE key = $1 AND claimed_by = $2 AND state = 'claimed' RETURNING key`,
    [key, owner, claimMs],
  );
  return r.rows.length > 0;
}

/**
 * Right before a call to GitHub that may dispatch: the claim renewed for the whole call, and the row marked as maybe
 * dispatched (from now on, whoever sends it looks for the run first). False when the claim was lost: do not call.
 */
export async function beginAttempt(q: Queryable, key: string, owner: string, claimMs: number): Promise<boolean> {
  const r = await q.query(
    `UPDATE workflow_dispatches
     SET claimed_until = clock_timestamp() + $3::double precision * interval '1 millisecond',
         attempts = attempts + 1, maybe_dispatched = true,
         first_attempt_at = COALESCE(first_attempt_at, clock_timestamp()), last_attempt_at = clock_timestamp()
     WHERE key = $1 AND claimed_by = $2 AND state = 'claimed' RETURNING key`,
    [key, owner, claimMs],
  );
  return r.rows.length > 0;
}

/** GitHub said it took the dispatch (204, or 200 with the run): never dispatched again, whoever holds the row. */
export async function markAccepted(q: Queryable, key: string): Promise<void> {
  await q.query(`UPDATE workflow_dispatches SET accepted_at = COALESCE(accepted_at, clock_timestamp()) WHERE key = $1`, [key]);
}

/**
 * The dispatch happened (with its run, if known; `note` says why not). A dispatch is a fact: recorded whoever holds
 * the claim now. True only for the call that recorded it, so what follows (the post in the thread) happens once.
 */
export async function markDispatched(
  q: Queryable,
  key: string,
  run: { id: number; url: string | null; htmlUrl: string | null } | null,
  note: string | null,
): Promise<boolean> {
  const r = await q.query(
    `UPDATE workflow_dispatches
     SET state = 'dispatched', accepted_at = COALESCE(accepted_at, clock_timestamp()), dispatched_at = clock_timestamp(),
         run_id = $2, run_url = $3, html_url = $4, last_error = $5, claimed_until = NULL, next_attempt_at = NULL
     WHERE key = $1 AND state <> 'dispatched' RETURNING key`,
    [key, run?.id ?? null, run?.url ?? null, run?.htmlUrl ?? null, note],
  );
  return r.rows.length > 0;
}

/**
 * GitHub refused it for good (nothing was dispatched by this call): failed, until a person retries. `stillInDoubt`: an
 * earlier call's outcome was unknown (the row was claimed maybe dispatched), so a retry still looks for its run first;
 * otherwise every call was refused and a retry dispatches at once. True if recorded now.
 */
export async function markFailed(q: Queryable, key: string, owner: string, error: string, stillInDoubt: boolean): Promise<boolean> {
  const r = await q.query(
    `UPDATE workflow_dispatches SET state = 'failed', claimed_until = NULL, next_attempt_at = NULL, last_error = $3, maybe_dispatched = $4
     WHERE key = $1 AND claimed_by = $2 AND state = 'claimed' RETURNING key`,
    [key, owner, error, stillInDoubt],
  );
  return r.rows.length > 0;
}

/**
 * Not now: pending again after `delayMs` (database clock), the row's outcome as it was (a row that may have been
 * dispatched is still looked for first). For a refusal that may pass (a rate limit) or a run not listed yet.
 */
export async function markRetryLater(q: Queryable, key: string, owner: string, error: string | null, delayMs: number, stillInDoubt = true): Promise<void> {
  await q.query(
    `UPDATE workflow_dispatches
     SET state = 'pending', claimed_until = NULL, last_error = COALESCE($3, last_error),
         next_attempt_at = clock_timestamp() + $4::double precision * interval '1 millisecond',
         maybe_dispatched = maybe_dispatched AND $5
     WHERE key = $1 AND claimed_by = $2 AND state = 'claimed'`,
    [key, owner, error, delayMs, stillInDoubt],
  );
}

/**
 * Nobody knows what GitHub did (the answer timed out, the connection broke, a 5xx): the row stays claimed, its claim
 * lapsing after `delayMs`, so whoever claims it next finds it in doubt and looks for the run before dispatching again.
 */
export async function markInDoubt(q: Queryable, key: string, owner: string, error: string, delayMs: number): Promise<void> {
  await q.query(
    `UPDATE workflow_dispatches SET claimed_until = clock_timestamp() + $4::double precision * interval '1 millisecond', last_error = $3
     WHERE key = $1 AND claimed_by = $2 AND state = 'claimed'`,
    [key, owner, error, delayMs],
  );
}

/** Where a person's retry of a dispatch leaves it. */
export type RetryOutcome = 'requeued' | 'dispatched' | 'in-progress' | 'not-found';

/**
 * A person retries a failed dispatch: it becomes pending again (one statement, so two clicks requeue it once), and is
 * sent by the same claim and look-up rules as any other, so a retry never dispatches twice. A dispatch that is not
 * failed is left alone and said to be dispatched or in progress.
 */
export async function requeueFailedDispatch(q: Queryable, key: string, by: string): Promise<RetryOutcome> {
  const r = await q.query<{ state: DispatchState; requeued: boolean }>(
    `WITH target AS (SELECT key, state FROM workflow_dispatches WHERE key = $1 FOR UPDATE),
     requeued AS (
       UPDATE workflow_dispatches d SET state = 'pending', next_attempt_at = NULL, retried_by = $2
       FROM target WHERE d.key = target.key AND target.state = 'failed' RETURNING d.key)
     SELECT target.state, EXISTS (SELECT 1 FROM requeued) AS requeued FROM target`,
    [key, by],
  );
  const row = r.rows[0];
  if (!row) return 'not-found';
  if (row.requeued) return 'requeued';
  return row.state === 'dispatched' ? 'dispatched' : 'in-progress';
}
