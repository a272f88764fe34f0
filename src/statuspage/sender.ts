import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../logger.js';
import { SYSTEM_ACTOR } from '../services/promotions.js';
import { RateBudget, REAL_TIMER, type BucketLimit, type RateTimer } from '../slack/rate-budget.js';
import { appendAudit } from '../store/audit.js';
import { BackgroundPass } from '../scheduler/kick.js';
import type { Db } from '../store/db.js';
import { overviewTs } from '../store/messages.js';
import { enqueue } from '../store/outbox.js';
import { getPromotion } from '../store/promotions.js';
import {
  beginStatuspageAttempt,
  claimDueStatuspageCalls,
  getStatuspageCall,
  getStatuspageIncident,
  linkedIncidentIds,
  markStatuspageDone,
  markStatuspageFailed,
  markStatuspageInDoubt,
  markStatuspageRetryLater,
  recordStatuspageIncident,
  type StatuspageCall,
  type StatuspageIncidentRecord,
} from '../store/statuspage.js';
import { StatuspageClient, StatuspageError, type IncidentFields, type StatuspageIncident } from './client.js';

/**
 * Keeps a promotion's status page in step (issue 12): sends the calls the use cases enqueued (src/services/statuspage.ts,
 * table `statuspage_calls`, migration 013) to Statuspage, exactly once, in order, with the same rules as GitHub's
 * workflow dispatch (src/github/dispatch.ts):
 *
 * - A replica claims a call (database clock, `FOR UPDATE SKIP LOCKED`; a call waits while an earlier one of the same
 *   promotion and subject is not finished), marks it maybe sent and renews its claim right before each request.
 * - What it sends depends on what is recorded (`statuspage_incidents`): the first maintenance call creates the
 *   scheduled maintenance (`POST …/incidents`, status `scheduled`, the window, the components, and a marker in its
 *   metadata: `{ preflight: { call: <key>, promotion: <id> } }`); later ones PATCH that incident. Likewise a
 *   rollback's incident: opened, updated, resolved. An update with no incident creates it; a completion or a resolve
 *   with none does nothing.
 * - Every request waits for a token of one budget shared by the replicas (`rate_budgets` row `statuspage`: one a
 *   second, Statuspage's limit per key). A 429 pauses it for Retry-After, for every replica; a wait up to
 *   `inlineWaitMaxMs` is waited out holding the claim, a longer one puts the call back until then.
 * - A refusal (401, 403, 404, 422...) did nothing: the call fails, with Statuspage's status and message (never the
 *   key), shown to the lead in the checklist's thread (`statuspage-failed`, once per call) and in the audit trail; it
 *   is not retried by itself.
 * - A 5xx, a timeout or a broken connection leaves the outcome unknown: the call stays claimed, its claim lapsing after
 *   a backoff; whoever claims it next looks first. For a create: the page's incidents, newest first (`GET
 *   …/incidents`, up to `lookupPages` pages of 100), for the one carrying this call's marker (or, should the marker
 *   not be echoed, one of the same name and window created since the first attempt and linked to no promotion); found,
 *   it is recorded and not created again. For a PATCH: the incident itself, whose latest update is this call's if it
 *   was applied. After `maxAttempts` calls without an answer it fails and the lead is told.
 */

export interface StatuspageTiming {
  /** How long a claim lasts unless renewed (it is renewed before every request). */
  claimMs: number;
  /** A request that has not answered by then has an unknown outcome. */
  requestTimeoutMs: number;
  /** Backoff after an unknown outcome: doubling from this, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** A 429's Retry-After up to this is waited out holding the claim; a longer one puts the call back until then. */
  inlineWaitMaxMs: number;
  /** Requests whose outcome stayed unknown before the call is given up and the lead told. */
  maxAttempts: number;
  /** How many pages (100 incidents each, newest first) the look-up reads. */
  lookupPages: number;
  /** Margin before the first attempt for the look-up by name: Statuspage's clock and the database's may differ. */
  lookupSkewMs: number;
}

export const DEFAULT_STATUSPAGE_TIMING: StatuspageTiming = {
  claimMs: 60_000,
  requestTimeoutMs: 15_000,
  retryBaseMs: 5_000,
  retryMaxMs: 5 * 60_000,
  inlineWaitMaxMs: 30_000,
  maxAttempts: 8,
  lookupPages: 3,
  lookupSkewMs: 60_000,
};

/** Statuspage's limit: about one request a second per API key. No burst: the replicas share it (`rate_budgets`). */
export const STATUSPAGE_RATE: BucketLimit = Object.freeze({ perMinute: 60, burst: 1 });
/** The shared budget's row in `rate_budgets`. */
export const STATUSPAGE_BUDGET = 'statuspage';

/** The outbox key of a failed call's notice: one per call. */
export const statuspageFailedKey = (callKey: string) => `statuspage-failed:${callKey}`;

export interface StatuspageSenderDeps {
  db: Db;
  /** STATUSPAGE_API_KEY; undefined: nothing is sent (the template's status-page items stay manual). */
  apiKey?: string;
  apiUrl: string;
  log: Logger;
  clock: () => Date;
  /** The time the budget runs on (the local stack's virtual time in tests); default the wall clock. */
  timer?: () => RateTimer;
  /** Send an outbox post now (after the commit that enqueued it); without it, the outbox's sweep sends it. */
  sendPost?: (key: string) => Promise<unknown>;
  /** Aborted when the process stops: requests and waits give up, calls are left for another replica. */
  signal?: AbortSignal;
  timing?: Partial<StatuspageTiming>;
}

/** Where a call stands after `send`. */
export type StatuspageOutcome = 'done' | 'failed' | 'pending';

type Plan =
  | { kind: 'create'; fields: IncidentFields }
  | { kind: 'patch'; incidentId: string; fields: IncidentFields }
  | { kind: 'none'; note: string };

const utc = (iso: string | undefined) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '?');

/** What a call was doing, in words, for the lead's notice: "schedule the maintenance for …". */
export function describeCall(call: Pick<StatuspageCall, 'op' | 'payload' | 'key'>): string {
  const p = call.payload;
  const window = `${utc(p.scheduled_for)} - ${utc(p.scheduled_until)}`;
  switch (call.op) {
    case 'maintenance-schedule':
      return `schedule the maintenance "${p.name ?? ''}" for ${window}`;
    case 'maintenance-move':
      return `move the maintenance to ${window}`;
    case 'maintenance-complete':
      return 'mark the maintenance completed';
    case 'incident-open':
      return `open the incident "${p.name ?? ''}"`;
    case 'incident-update':
      return `post an update (${p.status ?? 'monitoring'}) on the incident`;
    case 'incident-resolve':
      return 'resolve the incident';
  }
}

/** The marker a created incident carries in its metadata, so a create whose answer never came can be found. */
function markerOf(incident: StatuspageIncident): string | undefined {
  const preflight = (incident.metadata as { preflight?: { call?: unknown } } | null | undefined)?.preflight;
  return typeof preflight?.call === 'string' ? preflight.call : undefined;
}

function sameInstant(a: string | null | undefined, b: string | undefined): boolean {
  if (!a || !b) return a == b;
  return Date.parse(a) === Date.parse(b);
}

export class StatuspageSender {
  /** This process's name in `statuspage_calls.claimed_by`. */
  readonly owner = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  /** STATUSPAGE_API_KEY is set: the use cases enqueue calls (deps.statuspage.enabled). */
  readonly enabled: boolean;
  private readonly timing: StatuspageTiming;
  private readonly client: StatuspageClient | undefined;
  private readonly budget: RateBudget;
  private readonly background: BackgroundPass;

  constructor(private readonly deps: StatuspageSenderDeps) {
    this.timing = { ...DEFAULT_STATUSPAGE_TIMING, ...deps.timing };
    this.background = new BackgroundPass(
      () => this.sweep(),
      (err) => deps.log.warn({ err }, 'status page calls not sent now; the send-statuspage job sends them'),
      deps.signal,
    );
    this.enabled = Boolean(deps.apiKey);
    this.client = deps.apiKey ? new StatuspageClient({ apiKey: deps.apiKey, apiUrl: deps.apiUrl, timeoutMs: this.timing.requestTimeoutMs, signal: deps.signal }) : undefined;
    const timer = deps.timer ?? (() => REAL_TIMER);
    this.budget = new RateBudget(STATUSPAGE_RATE, timer, {
      db: deps.db,
      key: STATUSPAGE_BUDGET,
      onError: (err) => deps.log.warn({ err }, 'could not write to the Statuspage rate budget; it corrects itself at the next 429'),
    });
  }

  /** Send this call now if it is due (and the calls before it are finished), and say where it stands then. */
  async send(key: string): Promise<StatuspageOutcome> {
    if (this.client) {
      const [row] = await claimDueStatuspageCalls(this.deps.db, this.owner, this.timing.claimMs, { key, limit: 1 });
      if (row) await this.process(this.client, row);
    }
    const now = await getStatuspageCall(this.deps.db, key);
    if (now?.state === 'done') return 'done';
    if (now?.state === 'failed') return 'failed';
    return 'pending';
  }

  /**
   * Send what is due (left behind by a failure, a rate limit, a restart or another replica's crash), one call at a
   * time in order. A replica without the key sends nothing: the calls wait for one that has it.
   */
  async sweep(limit = 20): Promise<number> {
    const client = this.client;
    if (!client) return 0;
    let done = 0;
    for (let i = 0; i < limit && !this.deps.signal?.aborted; i++) {
      const [row] = await claimDueStatuspageCalls(this.deps.db, this.owner, this.timing.claimMs, { limit: 1 });
      if (!row) break;
      await this.process(client, row);
      done++;
    }
    return done;
  }

  /** Send what is due now, in the background (a change enqueued a call and committed); bursts coalesce. Never throws. */
  kick(): void {
    if (!this.client) return;
    this.background.kick();
  }

  /** Resolves once the background sends (`kick`) are over. */
  async idle(): Promise<void> {
    await this.background.idle();
  }

  private async process(client: StatuspageClient, row: StatuspageCall): Promise<void> {
    const { db, log } = this.deps;
    const where = { call: row.key, op: row.op, promotionId: row.promotionId, page: row.pageId };
    try {
      const record = await getStatuspageIncident(db, row.promotionId, row.subject);
      const plan = this.plan(row, record);
      if (plan.kind === 'none') {
        log.info({ ...where, note: plan.note }, 'status page call: nothing to do');
        await this.finish(row, null, plan.note, false);
        return;
      }
      if (row.maybeSent) {
        // An earlier request's outcome is unknown: look before sending again, never blind.
        let applied: StatuspageIncident | undefined;
        try {
          applied = plan.kind === 'create' ? await this.findCreated(client, row, plan.fields) : await this.findApplied(client, row, plan.incidentId, plan.fields);
        } catch (err) {
          await this.couldNotLook(row, err);
          return;
        }
        if (applied) {
          log.info({ ...where, incident: applied.id }, 'a status page call whose outcome was unknown had been made: recorded, not sent again');
          await this.finish(row, applied, null, plan.kind === 'create');
          return;
        }
      }
      await this.call(client, row, plan);
    } catch (err) {
      // The database failed (or a bug): the claim lapses and the call is taken again, looked for first if it was sent.
      log.error({ ...where, err }, 'status page call interrupted; it is taken again once its claim lapses');
    }
  }

  /** What this call does now, given the incident recorded for its promotion and subject. */
  private plan(row: StatuspageCall, record: StatuspageIncidentRecord | undefined): Plan {
    const p = row.payload;
    const marker = { preflight: { call: row.key, promotion: row.promotionId } };
    const components = p.component_ids && p.component_ids.length > 0 ? { component_ids: p.component_ids } : {};
    switch (row.op) {
      case 'maintenance-schedule':
      case 'maintenance-move': {
        const window = { scheduled_for: p.scheduled_for, scheduled_until: p.scheduled_until };
        if (record && record.status !== 'completed') return { kind: 'patch', incidentId: record.incidentId, fields: { status: 'scheduled', body: p.body, ...window } };
        return {
          kind: 'create',
          fields: {
            name: p.name ?? 'Scheduled maintenance',
            status: 'scheduled',
            body: p.body,
            ...window,
            scheduled_remind_prior: true,
            scheduled_auto_in_progress: true,
            scheduled_auto_completed: true,
            auto_transition_to_maintenance_state: true,
            auto_transition_to_operational_state: true,
            ...components,
            metadata: marker,
          },
        };
      }
      case 'maintenance-complete':
        if (!record) return { kind: 'none', note: 'no maintenance was scheduled on the status page' };
        return { kind: 'patch', incidentId: record.incidentId, fields: { status: 'completed', body: p.body } };
      case 'incident-open':
      case 'incident-update':
        if (record && record.status !== 'resolved') return { kind: 'patch', incidentId: record.incidentId, fields: { status: p.status, body: p.body } };
        if (record && row.op === 'incident-update') return { kind: 'none', note: 'the incident is resolved already' };
        return { kind: 'create', fields: { name: p.name ?? 'Service disruption', status: p.status ?? 'identified', body: p.body, ...components, metadata: marker } };
      case 'incident-resolve':
        if (!record) return { kind: 'none', note: 'no incident was opened on the status page' };
        return { kind: 'patch', incidentId: record.incidentId, fields: { status: 'resolved', body: p.body } };
    }
  }

  /** One token of the shared budget; false when the process is stopping (make no request). */
  private async token(): Promise<boolean> {
    return this.budget.take(undefined, this.deps.signal);
  }

  /** A request through the budget: the latency taken back from the refill once answered. */
  private async request<T>(fn: () => Promise<T>): Promise<T> {
    const takenAt = this.budget.now();
    try {
      return await fn();
    } finally {
      this.budget.answered(takenAt);
    }
  }

  private async call(client: StatuspageClient, row: StatuspageCall, plan: Extract<Plan, { kind: 'create' | 'patch' }>): Promise<void> {
    const { db, log } = this.deps;
    const where = { call: row.key, op: row.op, promotionId: row.promotionId, page: row.pageId };
    for (let inline = 0; ; inline++) {
      if (!(await this.token())) return;
      // Never call without the claim in hand for the whole call, and marked maybe sent first.
      if (!(await beginStatuspageAttempt(db, row.key, this.owner, this.timing.claimMs))) return;
      try {
        const incident = await this.request(() =>
          plan.kind === 'create' ? client.createIncident(row.pageId, plan.fields) : client.updateIncident(row.pageId, plan.incidentId, plan.fields),
        );
        await this.finish(row, { ...incident, status: incident.status ?? plan.fields.status ?? '' }, null, plan.kind === 'create');
        log.info({ ...where, incident: incident.id, status: incident.status }, 'status page updated');
        return;
      } catch (err) {
        if (!(err instanceof StatuspageError)) throw err;
        const f = err.failure;
        if (f.kind === 'rate-limited') {
          // Nothing was done. Every replica waits (the shared budget's pause); a short wait is waited out here.
          this.budget.pauseFor(f.retryAfterMs);
          log.warn({ ...where, retryAfterMs: f.retryAfterMs }, 'Statuspage rate-limited a call; waiting as it says');
          if (f.retryAfterMs <= this.timing.inlineWaitMaxMs && inline < 3) continue;
          await markStatuspageRetryLater(db, row.key, this.owner, f.message, f.retryAfterMs, false);
          return;
        }
        if (f.kind === 'refused') {
          log.warn({ ...where, status: f.status, error: f.message }, 'Statuspage refused a call');
          await this.fail(row, f.status, f.message, false);
          return;
        }
        const attempts = row.attempts + inline + 1;
        if (attempts >= this.timing.maxAttempts) {
          log.error({ ...where, error: f.message, attempts }, 'Statuspage did not answer a call; giving up and telling the lead');
          await this.fail(row, f.status, `${f.message} (after ${attempts} attempts; it may or may not have been done)`, true);
          return;
        }
        log.warn({ ...where, error: f.message }, 'status page call sent, but its outcome is unknown; looked at before any second call');
        await markStatuspageInDoubt(db, row.key, this.owner, `outcome unknown: ${f.message}`, this.backoff(attempts));
        return;
      }
    }
  }

  /** The look-up itself failed: a rate limit waits, a refusal fails the call, anything else looks again later. */
  private async couldNotLook(row: StatuspageCall, err: unknown): Promise<void> {
    const { db, log } = this.deps;
    const where = { call: row.key, op: row.op, promotionId: row.promotionId };
    if (!(err instanceof StatuspageError)) throw err;
    const f = err.failure;
    if (f.kind === 'rate-limited') {
      this.budget.pauseFor(f.retryAfterMs);
      await markStatuspageRetryLater(db, row.key, this.owner, f.message, f.retryAfterMs, true);
      return;
    }
    if (f.kind === 'refused') {
      await this.fail(row, f.status, `looking for what an unanswered call did: ${f.message}`, true);
      return;
    }
    log.warn({ ...where, error: f.message }, 'could not look at the status page for a call whose outcome is unknown; looking again later');
    await markStatuspageInDoubt(db, row.key, this.owner, `looking: ${f.message}`, this.backoff(row.attempts));
  }

  /**
   * The incident a create whose answer never came made, if Statuspage lists it: the one carrying this call's marker in
   * its metadata; failing that, the oldest of the same name (and window, for a maintenance) created since the first
   * attempt (less a margin for clocks) and linked to no promotion. Throws a StatuspageError when it cannot be asked.
   */
  async findCreated(client: StatuspageClient, row: StatuspageCall, fields: IncidentFields): Promise<StatuspageIncident | undefined> {
    const linked = await linkedIncidentIds(this.deps.db, row.pageId);
    const since = (row.firstAttemptAt ?? row.createdAt).getTime() - this.timing.lookupSkewMs;
    let best: StatuspageIncident | undefined;
    for (let page = 1; page <= this.timing.lookupPages; page++) {
      if (!(await this.token())) throw new StatuspageError({ kind: 'unknown', status: null, message: 'stopping' });
      const incidents = await this.request(() => client.listIncidents(row.pageId, page));
      if (!Array.isArray(incidents)) break;
      for (const incident of incidents) {
        if (markerOf(incident) === row.key) return incident;
        if (linked.has(incident.id) || incident.name !== fields.name) continue;
        if (fields.scheduled_for && !sameInstant(incident.scheduled_for, fields.scheduled_for)) continue;
        if (!incident.created_at || Date.parse(incident.created_at) < since) continue;
        if (!best || (incident.created_at ?? '') < (best.created_at ?? '')) best = incident;
      }
      if (incidents.length < 100) break;
    }
    return best;
  }

  /** Whether a PATCH whose answer never came was applied: the incident's status is ours and its latest update our body. */
  private async findApplied(client: StatuspageClient, row: StatuspageCall, incidentId: string, fields: IncidentFields): Promise<StatuspageIncident | undefined> {
    if (!(await this.token())) throw new StatuspageError({ kind: 'unknown', status: null, message: 'stopping' });
    const incident = await this.request(() => client.getIncident(row.pageId, incidentId));
    const latest = [...(incident.incident_updates ?? [])].sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''))[0];
    const statusOk = !fields.status || incident.status === fields.status;
    const bodyOk = !fields.body || latest?.body === fields.body;
    const windowOk = !fields.scheduled_for || (sameInstant(incident.scheduled_for, fields.scheduled_for) && sameInstant(incident.scheduled_until, fields.scheduled_until));
    return statusOk && bodyOk && windowOk ? incident : undefined;
  }

  private backoff(attempts: number): number {
    return Math.min(this.timing.retryMaxMs, this.timing.retryBaseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 10));
  }

  /** Record what the call did (the incident, its audit event) in one transaction, the promotion locked first. */
  private async finish(row: StatuspageCall, incident: StatuspageIncident | null, note: string | null, created: boolean): Promise<void> {
    const now = this.deps.clock();
    await this.deps.db.tx(async (q) => {
      // The promotion's lock first, as every change takes it: no deadlock with a change enqueueing a call.
      const promotion = await getPromotion(q, row.promotionId, { forUpdate: true });
      if (!(await markStatuspageDone(q, row.key, incident ? { id: incident.id, status: incident.status } : null, note))) return;
      if (!incident) return;
      await recordStatuspageIncident(
        q,
        { promotionId: row.promotionId, subject: row.subject, pageId: row.pageId, incidentId: incident.id, status: incident.status, createdBy: row.key },
        created,
      );
      if (promotion) {
        await appendAudit(q, { promotionId: promotion.id, actor: SYSTEM_ACTOR, at: now, action: 'statuspage.updated', data: { op: row.op, incident: incident.id, status: incident.status } });
      }
    });
  }

  /** The call failed for good: recorded, in the audit trail, and said to the lead in the thread (once), in one transaction. */
  private async fail(row: StatuspageCall, httpStatus: number | null, error: string, stillInDoubt: boolean): Promise<void> {
    const now = this.deps.clock();
    const post = await this.deps.db.tx(async (q) => {
      const promotion = await getPromotion(q, row.promotionId, { forUpdate: true });
      if (!(await markStatuspageFailed(q, row.key, this.owner, httpStatus, error, stillInDoubt))) return undefined;
      if (!promotion) return undefined;
      await appendAudit(q, { promotionId: promotion.id, actor: SYSTEM_ACTOR, at: now, action: 'statuspage.failed', data: { op: row.op, status: httpStatus, error } });
      const key = statuspageFailedKey(row.key);
      await enqueue(
        q,
        {
          key,
          promotionId: promotion.id,
          channelId: promotion.channelId,
          threadTs: await overviewTs(q, promotion.id),
          message: { kind: 'statuspage-failed', release: promotion.release, lead: promotion.requestedBy, what: describeCall(row), status: httpStatus, error, pageId: row.pageId },
        },
        now,
      );
      return key;
    });
    if (post && this.deps.sendPost) {
      await this.deps.sendPost(post).catch((err: unknown) => this.deps.log.warn({ err, key: post }, 'could not send a status page notice now; the outbox sends it later'));
    }
  }
}
