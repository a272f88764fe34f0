import type { Queryable } from './db.js';

/**
 * Deployments waiting at a GitHub environment Preflight gates (issue 13, migration 016), the deliveries that brought
 * them, and their answers. A gate's answer is decided inside a promotion's change (`decideGates`), then claimed one
 * replica at a time by the database's clock and sent by src/github/gate-sender.ts, exactly once.
 */

export type GateState = 'waiting' | 'approved' | 'rejected';
export type GateSendState = 'none' | 'pending' | 'claimed' | 'sent' | 'failed';

/** What GitHub said is waiting: one deployment of one run at one environment. */
export interface GateRequest {
  id: string;
  templateId: string;
  channelId: string;
  installationId: number;
  /** owner/name, as GitHub spells it. */
  repo: string;
  environment: string;
  runId: number;
  deploymentId: number;
  sha: string;
  ref: string;
  /** The run's page on GitHub (the repository's html_url + /actions/runs/<id>). */
  runUrl: string;
  /** Who triggered the run (the deployment's creator, else the delivery's sender): a GitHub login. */
  triggeredBy: string;
  /** What triggered the workflow (push, workflow_dispatch...). */
  event: string | null;
}

export interface Gate extends GateRequest {
  promotionId: string | null;
  requestedAt: Date;
  state: GateState;
  answerComment: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  sendState: GateSendState;
  attempts: number;
  maybeSent: boolean;
  lastError: string | null;
  sentAt: Date | null;
  reportsSent: number;
}

interface Row {
  id: string;
  template_id: string;
  channel_id: string;
  installation_id: string | number;
  repo: string;
  environment: string;
  run_id: string | number;
  deployment_id: string | number;
  sha: string;
  ref: string;
  run_url: string;
  triggered_by: string;
  event: string | null;
  promotion_id: string | null;
  requested_at: Date | string;
  state: GateState;
  answer_comment: string | null;
  decided_by: string | null;
  decided_at: Date | string | null;
  send_state: GateSendState;
  attempts: number;
  maybe_sent: boolean;
  last_error: string | null;
  sent_at: Date | string | null;
  reports_sent: number;
}

const COLUMNS =
  'id, template_id, channel_id, installation_id, repo, environment, run_id, deployment_id, sha, ref, run_url, triggered_by, event, promotion_id, requested_at, state, answer_comment, decided_by, decided_at, send_state, attempts, maybe_sent, last_error, sent_at, reports_sent';
const G_COLUMNS = COLUMNS.split(', ').map((c) => `g.${c}`).join(', ');

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

function toGate(r: Row): Gate {
  return {
    id: r.id,
    templateId: r.template_id,
    channelId: r.channel_id,
    installationId: Number(r.installation_id),
    repo: r.repo,
    environment: r.environment,
    runId: Number(r.run_id),
    deploymentId: Number(r.deployment_id),
    sha: r.sha,
    ref: r.ref,
    runUrl: r.run_url,
    triggeredBy: r.triggered_by,
    event: r.event,
    promotionId: r.promotion_id,
    requestedAt: new Date(r.requested_at),
    state: r.state,
    answerComment: r.answer_comment,
    decidedBy: r.decided_by,
    decidedAt: date(r.decided_at),
    sendState: r.send_state,
    attempts: r.attempts,
    maybeSent: r.maybe_sent,
    lastError: r.last_error,
    sentAt: date(r.sent_at),
    reportsSent: r.reports_sent,
  };
}

/** What Slack and GitHub are told about a gate's job: its run, commit and who triggered it. */
export function gateSummary(gate: Pick<GateRequest, 'repo' | 'environment' | 'runId' | 'runUrl' | 'sha' | 'ref' | 'triggeredBy'>) {
  return { repo: gate.repo, environment: gate.environment, runId: gate.runId, runUrl: gate.runUrl, sha: gate.sha, ref: gate.ref, triggeredBy: gate.triggeredBy };
}

/**
 * Record a delivery and the gate it brought, in one transaction: 'duplicate' when this delivery id was handled already,
 * or this deployment already waits (GitHub redelivered it under a new id). Two replicas receiving one delivery: the
 * primary key makes the second wait for the first's transaction and then find it.
 */
export async function recordGateRequest(q: Queryable, deliveryId: string, gate: GateRequest, now: Date): Promise<'stored' | 'duplicate'> {
  const delivery = await q.query(
    `INSERT INTO github_deliveries (delivery_id, event, gate_id, received_at) VALUES ($1, 'deployment_protection_rule', $2, $3)
     ON CONFLICT (delivery_id) DO NOTHING RETURNING delivery_id`,
    [deliveryId, gate.id, now],
  );
  if (delivery.rows.length === 0) return 'duplicate';
  const inserted = await q.query(
    `INSERT INTO github_gates (id, template_id, channel_id, installation_id, repo, environment, run_id, deployment_id, sha, ref, run_url, triggered_by, event, requested_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (lower(repo), deployment_id) DO NOTHING RETURNING id`,
    [gate.id, gate.templateId, gate.channelId, gate.installationId, gate.repo, gate.environment, gate.runId, gate.deploymentId, gate.sha, gate.ref, gate.runUrl, gate.triggeredBy, gate.event, now],
  );
  if (inserted.rows.length > 0) return 'stored';
  // The deployment waits already (GitHub redelivered it under a new id): this delivery names that gate.
  await q.query(
    `UPDATE github_deliveries SET gate_id = (SELECT id FROM github_gates WHERE lower(repo) = lower($2) AND deployment_id = $3) WHERE delivery_id = $1`,
    [deliveryId, gate.repo, gate.deploymentId],
  );
  return 'duplicate';
}

export async function getGate(q: Queryable, id: string, opts: { lock?: boolean } = {}): Promise<Gate | undefined> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM github_gates WHERE id = $1${opts.lock ? ' FOR UPDATE' : ''}`, [id]);
  return r.rows[0] && toGate(r.rows[0]);
}

/** A promotion's gates, oldest first (the overview shows them; the report lists them). */
export async function gatesOf(q: Queryable, promotionId: string): Promise<Gate[]> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM github_gates WHERE promotion_id = $1 ORDER BY requested_at, id`, [promotionId]);
  return r.rows.map(toGate);
}

/** Gates still waiting for a promotion to join, oldest first: of one template in one channel, or all of them. */
export async function unattachedGates(q: Queryable, where: { templateId?: string; channelId?: string } = {}, limit = 20): Promise<Gate[]> {
  const r = await q.query<Row>(
    `SELECT ${COLUMNS} FROM github_gates
     WHERE promotion_id IS NULL AND state = 'waiting' AND ($1::text IS NULL OR template_id = $1) AND ($2::text IS NULL OR channel_id = $2)
     ORDER BY requested_at, id LIMIT $3`,
    [where.templateId ?? null, where.channelId ?? null, limit],
  );
  return r.rows.map(toGate);
}

/** Join a waiting gate to a promotion (inside the promotion's change, the gate locked by `getGate(..., { lock })`). */
export async function attachGate(q: Queryable, id: string, promotionId: string): Promise<void> {
  await q.query(`UPDATE github_gates SET promotion_id = $2 WHERE id = $1 AND promotion_id IS NULL`, [id, promotionId]);
}

/** A promotion's gates still waiting, locked, oldest first: the ones a decision answers. */
export async function waitingGates(q: Queryable, promotionId: string): Promise<Gate[]> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM github_gates WHERE promotion_id = $1 AND state = 'waiting' ORDER BY requested_at, id FOR UPDATE`, [promotionId]);
  return r.rows.map(toGate);
}

/**
 * Decide a waiting gate's answer (inside the change that decides it): to be sent by the gate sender. False when it was
 * answered already (the row is locked by `waitingGates`, so this never races).
 */
export async function decideGate(q: Queryable, id: string, answer: { state: 'approved' | 'rejected'; comment: string; by: string }, now: Date): Promise<boolean> {
  const r = await q.query(
    `UPDATE github_gates SET state = $2, answer_comment = $3, decided_by = $4, decided_at = $5, send_state = 'pending'
     WHERE id = $1 AND state = 'waiting' RETURNING id`,
    [id, answer.state, answer.comment, answer.by, now],
  );
  return r.rows.length > 0;
}

/** A claimed answer, with the promotion's channel and thread for the notice if GitHub refuses it. */
export type ClaimedGate = Gate;

/**
 * Claim up to `limit` answers due (pending after their backoff, or claimed by someone whose claim lapsed), or the one
 * gate `id`, for `owner` for `claimMs` by the database's clock. One statement; rows another replica claims are skipped.
 */
export async function claimDueAnswers(q: Queryable, owner: string, claimMs: number, opts: { id?: string; limit?: number } = {}): Promise<ClaimedGate[]> {
  const r = await q.query<Row>(
    `WITH due AS (
       SELECT id FROM github_gates
       WHERE ((send_state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= clock_timestamp()))
              OR (send_state = 'claimed' AND claimed_until <= clock_timestamp()))
         AND ($3::uuid IS NULL OR id = $3)
       ORDER BY decided_at
       LIMIT $4
       FOR UPDATE SKIP LOCKED)
     UPDATE github_gates g
     SET send_state = 'claimed', claimed_by = $1, claimed_until = clock_timestamp() + $2::double precision * interval '1 millisecond'
     FROM due WHERE g.id = due.id
     RETURNING ${G_COLUMNS}`,
    [owner, claimMs, opts.id ?? null, opts.limit ?? 10],
  );
  return r.rows.map(toGate);
}

/** Right before the call that answers: the claim renewed for the call, the row marked maybe sent. False: claim lost, do not call. */
export async function beginAnswer(q: Queryable, id: string, owner: string, claimMs: number): Promise<boolean> {
  const r = await q.query(
    `UPDATE github_gates SET claimed_until = clock_timestamp() + $3::double precision * interval '1 millisecond', attempts = attempts + 1, maybe_sent = true
     WHERE id = $1 AND claimed_by = $2 AND send_state = 'claimed' RETURNING id`,
    [id, owner, claimMs],
  );
  return r.rows.length > 0;
}

/** GitHub took the answer (or had it already). True only for the call that recorded it, so its audit event is written once. */
export async function markAnswerSent(q: Queryable, id: string, note: string | null): Promise<boolean> {
  const r = await q.query(
    `UPDATE github_gates SET send_state = 'sent', sent_at = clock_timestamp(), claimed_until = NULL, next_attempt_at = NULL, last_error = $2
     WHERE id = $1 AND send_state <> 'sent' RETURNING id`,
    [id, note],
  );
  return r.rows.length > 0;
}

/** GitHub refused the answer for good: failed, with GitHub's words (never a token). True if recorded now. */
export async function markAnswerFailed(q: Queryable, id: string, owner: string, error: string): Promise<boolean> {
  const r = await q.query(
    `UPDATE github_gates SET send_state = 'failed', claimed_until = NULL, next_attempt_at = NULL, last_error = $3
     WHERE id = $1 AND claimed_by = $2 AND send_state = 'claimed' RETURNING id`,
    [id, owner, error],
  );
  return r.rows.length > 0;
}

/**
 * Not now: pending again after `delayMs` (a rate limit; or nobody knows what GitHub did: maybe_sent stays set, so a
 * later "nothing is waiting" from GitHub is read as the earlier call having landed).
 */
export async function markAnswerRetry(q: Queryable, id: string, owner: string, error: string, delayMs: number): Promise<void> {
  await q.query(
    `UPDATE github_gates SET send_state = 'pending', claimed_until = NULL, last_error = $3,
       next_attempt_at = clock_timestamp() + $4::double precision * interval '1 millisecond'
     WHERE id = $1 AND claimed_by = $2 AND send_state = 'claimed'`,
    [id, owner, error, delayMs],
  );
}

/** A person asks to send a failed answer again: pending once more (one statement; two clicks requeue it once). */
export async function requeueFailedAnswer(q: Queryable, id: string): Promise<boolean> {
  const r = await q.query(`UPDATE github_gates SET send_state = 'pending', next_attempt_at = NULL WHERE id = $1 AND send_state = 'failed' RETURNING id`, [id]);
  return r.rows.length > 0;
}

/** A waiting gate due a status report: its promotion changed since the last one, which is older than `everyMs`. */
export interface ReportDue {
  gate: Gate;
  /** The promotion's audit_seq the report shows. */
  seq: number;
}

/**
 * Claim up to `limit` status reports due, counting each before it is sent (GitHub takes at most `max` per deployment:
 * a crash never makes one more), for `claimMs` by the database's clock.
 */
export async function claimDueReports(q: Queryable, claimMs: number, everyMs: number, max: number, limit = 10): Promise<ReportDue[]> {
  const r = await q.query<Row & { seq: string | number }>(
    `WITH due AS (
       SELECT g.id, p.audit_seq FROM github_gates g JOIN promotions p ON p.id = g.promotion_id
       WHERE g.state = 'waiting' AND p.status = 'active' AND g.reports_sent < $3
         AND p.audit_seq > g.reported_seq
         AND (g.report_claimed_until IS NULL OR g.report_claimed_until <= clock_timestamp())
         AND (g.last_report_at IS NULL OR g.last_report_at <= clock_timestamp() - $2::double precision * interval '1 millisecond')
       ORDER BY g.requested_at
       LIMIT $4
       FOR UPDATE OF g SKIP LOCKED)
     UPDATE github_gates g
     SET reports_sent = g.reports_sent + 1, reported_seq = due.audit_seq, last_report_at = clock_timestamp(),
         report_claimed_until = clock_timestamp() + $1::double precision * interval '1 millisecond'
     FROM due WHERE g.id = due.id
     RETURNING ${G_COLUMNS}, due.audit_seq AS seq`,
    [claimMs, everyMs, max, limit],
  );
  return r.rows.map((row) => ({ gate: toGate(row), seq: Number(row.seq) }));
}

/** The report was sent (or given up): the next may be claimed once the interval has passed. */
export async function releaseReport(q: Queryable, id: string): Promise<void> {
  await q.query(`UPDATE github_gates SET report_claimed_until = NULL WHERE id = $1`, [id]);
}
