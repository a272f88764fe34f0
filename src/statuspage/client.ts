/**
 * Statuspage's REST API (https://api.statuspage.io/v1, Atlassian), over fetch: the few calls the bot makes to keep a
 * promotion's status page in step (issue 12). Every request carries `Authorization: OAuth <key>`; the key never
 * appears in an error, a log line or anything shown (`scrub` removes it from Statuspage's own messages too).
 *
 * - `POST /pages/{page_id}/incidents` `{ incident: { name, status, body, scheduled_for, scheduled_until, ... } }`:
 *   creates an incident, or a scheduled maintenance (status `scheduled` with `scheduled_for`/`scheduled_until`);
 * - `PATCH /pages/{page_id}/incidents/{incident_id}` `{ incident: { status, body, scheduled_for, scheduled_until } }`:
 *   updates it (a `body` is posted as an incident update), resolves it (`resolved`) or completes a maintenance
 *   (`completed`);
 * - `GET /pages/{page_id}/incidents/{incident_id}` and `GET /pages/{page_id}/incidents?limit=&page=` (newest first):
 *   what the sender reads to find out what a call whose answer never came did.
 *
 * Failures are typed (`StatuspageError.failure`): `refused` (401, 403, 404, 422 and any other 4xx: nothing was done),
 * `rate-limited` (429: nothing was done; wait `retryAfterMs`), `unknown` (5xx, a timeout, a broken connection: it may
 * or may not have been done).
 */
import { withDeadline } from '../deadline.js';

/** An incident (or scheduled maintenance) as Statuspage answers it: the fields the bot reads. */
export interface StatuspageIncident {
  id: string;
  name: string;
  status: string;
  created_at?: string;
  scheduled_for?: string | null;
  scheduled_until?: string | null;
  metadata?: Record<string, unknown> | null;
  incident_updates?: Array<{ status?: string; body?: string; created_at?: string }>;
}

/** What the bot sends as `incident` (Statuspage's names). */
export interface IncidentFields {
  name?: string;
  status?: string;
  body?: string;
  scheduled_for?: string;
  scheduled_until?: string;
  scheduled_remind_prior?: boolean;
  scheduled_auto_in_progress?: boolean;
  scheduled_auto_completed?: boolean;
  auto_transition_to_maintenance_state?: boolean;
  auto_transition_to_operational_state?: boolean;
  component_ids?: string[];
  /** Every top-level value must be an object (Statuspage's rule). */
  metadata?: Record<string, Record<string, string>>;
  deliver_notifications?: boolean;
}

export type StatuspageFailure =
  | { kind: 'refused'; status: number; message: string }
  | { kind: 'rate-limited'; status: 429; message: string; retryAfterMs: number }
  | { kind: 'unknown'; status: number | null; message: string };

/** A call that did not succeed: what Statuspage answered (or that it did not), in words safe to store and show. */
export class StatuspageError extends Error {
  constructor(readonly failure: StatuspageFailure) {
    super(failure.message);
    this.name = 'StatuspageError';
  }
}

export interface StatuspageClientOptions {
  apiKey: string;
  /** Default https://api.statuspage.io/v1; a loopback server in tests. */
  apiUrl: string;
  /** A request that has not answered by then has an unknown outcome. */
  timeoutMs: number;
  /** Aborted when the process stops. */
  signal?: AbortSignal;
  /** When Retry-After is missing from a 429. */
  defaultRetryAfterMs?: number;
}

const MAX_TEXT = 500;

/** Retry-After: seconds, or an HTTP date. */
function retryAfterMs(value: string | null, fallback: number): number {
  if (!value) return fallback;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.max(1000, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? fallback : Math.max(1000, at - Date.now());
}

/** Statuspage's message from an error body: `{ error: "..." }`, `{ error: ["..."] }`, `{ message: "..." }`, or text. */
function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; errors?: unknown; message?: unknown };
    const parts = [body.error, body.errors, body.message].flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
    if (parts.length > 0) return parts.join('; ');
  } catch {
    // Not JSON: the text itself (an HTML error page from a proxy, say), shortened below.
  }
  return text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
}

export class StatuspageClient {
  private readonly base: string;

  constructor(private readonly opts: StatuspageClientOptions) {
    this.base = opts.apiUrl.replace(/\/+$/, '');
  }

  /** Text safe to store, log and show: the key removed wherever it appears (plain or URL-encoded), capped. */
  scrub(text: string): string {
    let clean = text;
    for (const secret of new Set([this.opts.apiKey, encodeURIComponent(this.opts.apiKey)])) {
      if (secret.length >= 4) clean = clean.split(secret).join('[redacted]');
    }
    return clean.length > MAX_TEXT ? `${clean.slice(0, MAX_TEXT - 1)}…` : clean;
  }

  createIncident(pageId: string, incident: IncidentFields): Promise<StatuspageIncident> {
    return this.request<StatuspageIncident>('POST', `/pages/${encodeURIComponent(pageId)}/incidents`, { incident });
  }

  updateIncident(pageId: string, incidentId: string, incident: IncidentFields): Promise<StatuspageIncident> {
    return this.request<StatuspageIncident>('PATCH', `/pages/${encodeURIComponent(pageId)}/incidents/${encodeURIComponent(incidentId)}`, { incident });
  }

  getIncident(pageId: string, incidentId: string): Promise<StatuspageIncident> {
    return this.request<StatuspageIncident>('GET', `/pages/${encodeURIComponent(pageId)}/incidents/${encodeURIComponent(incidentId)}`);
  }

  /** The page's incidents and maintenances, newest first (`limit` at most 100). */
  listIncidents(pageId: string, page: number, limit = 100): Promise<StatuspageIncident[]> {
    return this.request<StatuspageIncident[]>('GET', `/pages/${encodeURIComponent(pageId)}/incidents?limit=${limit}&page=${page}`);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    let text: string;
    try {
      // The deadline covers the body too (src/deadline.ts says why it is not AbortSignal.any).
      [res, text] = await withDeadline(this.opts.timeoutMs, this.opts.signal, async (signal) => {
        const answer = await fetch(`${this.base}${path}`, {
          method,
          headers: {
            Authorization: `OAuth ${this.opts.apiKey}`,
            Accept: 'application/json',
            ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal,
        });
        return [answer, await answer.text()] as const;
      });
    } catch (err) {
      const e = err as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | null;
      const timedOut = e?.name === 'TimeoutError' || e?.name === 'AbortError';
      const why = timedOut ? 'Statuspage did not answer in time' : `no answer from Statuspage (${String(e?.cause?.code ?? e?.cause?.message ?? e?.message ?? err)})`;
      throw new StatuspageError({ kind: 'unknown', status: null, message: this.scrub(why) });
    }
    if (res.ok) {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new StatuspageError({ kind: 'unknown', status: res.status, message: `Statuspage answered ${res.status} with a body that is not JSON` });
      }
    }
    const said = messageOf(text);
    const message = this.scrub(`Statuspage answered ${res.status}${said ? `: ${said}` : ''}`);
    if (res.status === 429) {
      throw new StatuspageError({ kind: 'rate-limited', status: 429, message, retryAfterMs: retryAfterMs(res.headers.get('retry-after'), this.opts.defaultRetryAfterMs ?? 2_000) });
    }
    if (res.status >= 400 && res.status < 500 && res.status !== 408) throw new StatuspageError({ kind: 'refused', status: res.status, message });
    throw new StatuspageError({ kind: 'unknown', status: res.status, message });
  }
}
