import type { Queryable } from './db.js';

/**
 * The status page's calls (issue 12, migration 013): one row per call a change asked for, enqueued inside that change,
 * claimed one replica at a time by the database's clock (a claim is mutual exclusion across replicas, as for the
 * outbox and the workflow dispatches), and sent by src/statuspage/sender.ts; and the incident each promotion's
 * maintenance and rollback incident are on Statuspage, so later calls update that one.
 */

export const STATUSPAGE_OPS = ['maintenance-schedule', 'maintenance-move', 'maintenance-complete', 'incident-open', 'incident-update', 'incident-resolve'] as const;
export type StatuspageOp = (typeof STATUSPAGE_OPS)[number];
/** Which of the promotion's incidents a call is about: the window's scheduled maintenance, or a rollback's incident. */
export type StatuspageSubject = 'maintenance' | 'incident';
export type StatuspageCallState = 'pending' | 'claimed' | 'done' | 'failed';

export function subjectOf(op: StatuspageOp): StatuspageSubject {
  return op.startsWith('maintenance-') ? 'maintenance' : 'incident';
}

/** What a call sends, resolved inside the change that asked for it (Statuspage's field names). */
export interface StatuspagePayload {
  /** The incident's name: needed to create it (an update whose incident was never created creates it). */
  name?: string;
  /** The text of the incident update this call posts. */
  body?: string;
  /** The incident's status after the call: scheduled, in_progress, verifying, completed; investigating, identified, monitoring, resolved. */
  status?: string;
  /** A maintenance's window (ISO 8601). */
  scheduled_for?: string;
  scheduled_until?: string;
  component_ids?: string[];
}

export interface StatuspageCallRequest {
  /** Names the call once and for all (`statuspage:<promotion>:<op>:<ref>`): a second enqueue does nothing. */
  key: string;
  promotionId: string;
  pageId: string;
  op: StatuspageOp;
  payload: StatuspagePayload;
}

export interface StatuspageCall {
  key: string;
  seq: number;
  promotionId: string;
  pageId: string;
  subject: StatuspageSubject;
  op: StatuspageOp;
  payload: StatuspagePayload;
  state: StatuspageCallState;
  attempts: number;
  maybeSent: boolean;
  firstAttemptAt: Date | null;
  incidentId: string | null;
  resultStatus: string | null;
  httpStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  doneAt: Date | null;
}

interface Row {
  key: string;
  seq: string | number;
  promotion_id: string;
  page_id: string;
  subject: StatuspageSubject;
  op: StatuspageOp;
  payload: StatuspagePayload | string;
  state: StatuspageCallState;
  attempts: number;
  maybe_sent: boolean;
  first_attempt_at: Date | string | null;
  incident_id: string | null;
  result_status: string | null;
  http_status: number | null;
  last_error: string | null;
  created_at: Date | string;
  done_at: Date | string | null;
}

const COLUMNS =
  'key, seq, promotion_id, page_id, subject, op, payload, state, attempts, maybe_sent, first_attempt_at, incident_id, result_status, http_status, last_error, created_at, done_at';

const date = (v: Date | string | null) => (v === null ? null : new Date(v));

function toCall(r: Row): StatuspageCall {
  return {
    key: r.key,
    seq: Number(r.seq),
    promotionId: r.promotion_id,
    pageId: r.page_id,
    subject: r.subject,
    op: r.op,
    payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as StatuspagePayload) : r.payload,
    state: r.state,
    attempts: r.attempts,
    maybeSent: r.maybe_sent,
    firstAttemptAt: date(r.first_attempt_at),
    incidentId: r.incident_id,
    resultStatus: r.result_status,
    httpStatus: r.http_status,
    lastError: r.last_error,
    createdAt: new Date(r.created_at),
    doneAt: date(r.done_at),
  };
}

/**
 * Enqueue a call inside the caller's transaction (the change that causes it), so it exists exactly when the change
 * does. A second enqueue of the same key does nothing and says so (false).
 */
export async function enqueueStatuspageCall(q: Queryable, c: StatuspageCallRequest, now: Date): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO statuspage_calls (key, promotion_id, page_id, subject, op, payload, created_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
     ON CONFLICT (key) DO NOTHING RETURNING key`,
    [c.key, c.promotionId, c.pageId, subjectOf(c.op), c.op, JSON.stringify(c.payload), now],
  );
  return r.rows.length > 0;
}

export async function getStatuspageCall(q: Queryable, key: string): Promise<StatuspageCall | undefined> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM statuspage_calls WHERE key = $1`, [key]);
  return r.rows[0] && toCall(r.rows[0]);
}

/** A promotion's calls, in the order they were enqueued. */
export async function listStatuspageCalls(q: Queryable, promotionId: string): Promise<StatuspageCall[]> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM statuspage_calls WHERE promotion_id = $1 ORDER BY seq`, [promotionId]);
  return r.rows.map(toCall);
}

/**
 * Claim up to `limit` due calls (or the one call `key`, if due) for `owner` for `claimMs` by the database's clock:
 * calls pending whose backoff is over, and calls still claimed whose claim lapsed (their holder died, or did not learn
 * what Statuspage did), each only when no earlier call of the same promotion and subject is still pending or claimed
 * (so they go in order: an update never before its open). One statement, rows another replica is claiming skipped.
 */
export async function claimDueStatuspageCalls(q: Queryable, owner: string, claimMs: number, opts: { key?: string; limit?: number } = {}): Promise<StatuspageCall[]> {
  const r = await q.query<Row>(
    `WITH due AS (
       SELECT c.key FROM statuspage_calls c
       WHERE ((c.state = 'pending' AND (c.next_attempt_at IS NULL OR c.next_attempt_at <= clock_timestamp()))
              OR (c.state = 'claimed' AND c.claimed_until <= clock_timestamp()))
         AND ($3::text IS NULL OR c.key = $3)
         AND NOT EXISTS (
           SELECT 1 FROM statuspage_calls e
           WHERE e.promotion_id = c.promotion_id AND e.subject = c.subject AND e.seq < c.seq AND e.state IN ('pending', 'claimed'))
       ORDER BY c.seq
       LIMIT $4
       FOR UPDATE SKIP LOCKED)
     UPDATE statuspage_calls s
     SET state = 'claimed', claimed_by = $1, claimed_until = clock_timestamp() + $2::double precision * interval '1 millisecond'
     FROM due WHERE s.key = due.key
     RETURNING ${COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')}`,
    [owner, claimMs, opts.key ?? null, opts.limit ?? 10],
  );
  return r.rows.map(toCall).sort((a, b) => a.seq - b.seq);
}

/** Extend `owner`'s claim; false when it lapsed and someone else took the call (or it is no longer claimed). */
export async function renewStatuspageClaim(q: Queryable, key: string, owner: string, claimMs: number): Promise<boolean> {
  const r = await q.query(
    `UPDATE statuspage_calls SET claimed_until = clock_timestamp() + $3::double precision * interval '1 millisecond'
     WHERE key = $1 AND claimed_by = $2 AND state = 'claimed' RETURNING key`,
    [key, owner, claimMs],
  );
  return r.rows.length > 0;
}

/**
 * Right before a call that changes the page: the claim renewed for the whole call, and the row marked as maybe sent
 * (from now on, whoever sends it looks first). False when the claim was lost: do not call.
 */
export async function beginStatuspageAttempt(q: Queryable, key: string, owner: string, claimMs: number): Promise<boolean> {
  const r = await q.query(
    `UPDATE statuspage_calls
     SET claimed_until = clock_timestamp() + $3::double precision * interval '1 millisecond',
         attempts = attempts + 1, maybe_sent = true,
         first_attempt_at = COALESCE(first_attempt_at, clock_timestamp()), last_attempt_at = clock_timestamp()
     WHERE key = $1 AND claimed_by = $2 AND state = 'claimed' RETURNING key`,
    [key, owner, claimMs],
  );
  return r.rows.length > 0;
}

/**
 * The call is done (Statuspage answered with the incident, or it was found; or there was nothing to do: `note` says
 * why). What Statuspage did is a fact: recorded whoever holds the claim now. True only for the statement that
 * recorded it, so what follows (the audit event) happens once.
 */
export async function markStatuspageDone(q: Queryable, key: string, incident: { id: string; status: string } | null, note: string | null): Promise<boolean> {
  const r = await q.query(
    `UPDATE statuspage_calls
     SET state = 'done', done_at = clock_timestamp(), incident_id = $2, result_status = $3, last_error = $4,
         http_status = NULL, claimed_until = NULL, next_attempt_at = NULL
     WHERE key = $1 AND state IN ('pending', 'claimed') RETURNING key`,
    [key, incident?.id ?? null, incident?.status ?? null, note],
  );
  return r.rows.length > 0;
}

/**
 * Statuspage refused it (nothing was done by this call), or it never answered and the sender gave up: failed for good,
 * shown to the lead. `stillInDoubt`: an earlier call's outcome was unknown. True if recorded now.
 */
export async function markStatuspageFailed(q: Queryable, key: string, owner: string, httpStatus: number | null, error: string, stillInDoubt: boolean): Promise<boolean> {
  const r = await q.query(
    `UPDATE statuspage_calls
     SET state = 'failed', done_at = clock_timestamp(), claimed_until = NULL, next_attempt_at = NULL,
         http_status = $3, last_error = $4, maybe_sent = $5
     WHERE key = $1 AND claimed_by = $2 AND state = 'claimed' RETURNING key`,
    [key, owner, httpStatus, error, stillInDoubt],
  );
  return r.rows.length > 0;
}

/**
 * Not now (a rate limit): pending again after `delayMs` (database clock), its doubt as it was before this call (a 429
 * did nothing).
 */
export async function markStatuspageRetryLater(q: Queryable, key: string, owner: string, error: string | null, delayMs: number, stillInDoubt: boolean): Promise<void> {
  await q.query(
    `UPDATE statuspage_calls
     SET state = 'pending', claimed_until = NULL, last_error = COALESCE($3, last_error),
         next_attempt_at = clock_timestamp() + $4::double precision * interval '1 millisecond', maybe_sent = $5
     WHERE key = $1 AND claimed_by = $2 AND state = 'claimed'`,
    [key, owner, error, delayMs, stillInDoubt],
  );
}

/**
 * Nobody knows what Statuspage did (a 5xx, a timeout, a broken connection): the row stays claimed, its claim lapsing
 * after `delayMs`, so whoever claims it next finds it maybe sent and looks before calling again.
 */
export async function markStatuspageInDoubt(q: Queryable, key: string, owner: string, error: string, delayMs: number): Promise<void> {
  await q.query(
    `UPDATE statuspage_calls SET claimed_until = clock_timestamp() + $4::double precision * interval '1 millisecond', last_error = $3
     WHERE key = $1 AND claimed_by = $2 AND state = 'claimed'`,
    [key, owner, error, delayMs],
  );
}

/** A promotion's maintenance or rollback incident, as it is on Statuspage. */
export interface StatuspageIncidentRecord {
  promotionId: string;
  subject: StatuspageSubject;
  pageId: string;
  incidentId: string;
  status: string;
  createdBy: string;
}

export async function getStatuspageIncident(q: Queryable, promotionId: string, subject: StatuspageSubject): Promise<StatuspageIncidentRecord | undefined> {
  const r = await q.query<{ promotion_id: string; subject: StatuspageSubject; page_id: string; incident_id: string; status: string; created_by: string }>(
    'SELECT promotion_id, subject, page_id, incident_id, status, created_by FROM statuspage_incidents WHERE promotion_id = $1 AND subject = $2',
    [promotionId, subject],
  );
  const row = r.rows[0];
  return row && { promotionId: row.promotion_id, subject: row.subject, pageId: row.page_id, incidentId: row.incident_id, status: row.status, createdBy: row.created_by };
}

/**
 * Record the incident a call created (`created`: it becomes the promotion's incident for that subject, replacing one
 * that was over: a completed maintenance, a resolved incident) or updated (only its status, and only if it is still
 * the one recorded).
 */
export async function recordStatuspageIncident(q: Queryable, rec: StatuspageIncidentRecord, created: boolean): Promise<void> {
  await q.query(
    `INSERT INTO statuspage_incidents (promotion_id, subject, page_id, incident_id, status, created_by, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp())
     ON CONFLICT (promotion_id, subject) DO UPDATE
       SET incident_id = EXCLUDED.incident_id, page_id = EXCLUDED.page_id, status = EXCLUDED.status,
           created_by = CASE WHEN $7::boolean THEN EXCLUDED.created_by ELSE statuspage_incidents.created_by END, updated_at = EXCLUDED.updated_at
       WHERE $7::boolean OR statuspage_incidents.incident_id = EXCLUDED.incident_id`,
    [rec.promotionId, rec.subject, rec.pageId, rec.incidentId, rec.status, rec.createdBy, created],
  );
}

/** The incidents of this page already linked to a promotion (never taken for another's by the look-up). */
export async function linkedIncidentIds(q: Queryable, pageId: string): Promise<Set<string>> {
  const r = await q.query<{ incident_id: string }>('SELECT incident_id FROM statuspage_incidents WHERE page_id = $1', [pageId]);
  return new Set(r.rows.map((x) => x.incident_id));
}
