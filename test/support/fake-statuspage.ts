import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback Statuspage REST API (node:http on 127.0.0.1; STATUSPAGE_API_URL pointed at it), answering the shapes
 * Statuspage documents for the calls the bot makes (src/statuspage/client.ts):
 * - every request must carry `Authorization: OAuth <key>`: otherwise 401 `{ "error": "Could not authenticate" }`;
 *   an unknown page is 404 `{ "error": "Not found" }`;
 * - `POST /pages/{page_id}/incidents` `{ incident: { name, status, body, scheduled_for, scheduled_until,
 *   scheduled_remind_prior, scheduled_auto_in_progress, scheduled_auto_completed, component_ids, metadata, ... } }`:
 *   201 with the incident (`id`, `name`, `status`, `impact`, `created_at`, `scheduled_for`, `scheduled_until`,
 *   `components`, `metadata`, `incident_updates` newest first, `shortlink`); 422 `{ "error": [...] }` without a name,
 *   with a status that is not one of the realtime or scheduled ones, or `scheduled` without its window;
 * - `PATCH /pages/{page_id}/incidents/{incident_id}` `{ incident: { status, body, scheduled_for, scheduled_until } }`:
 *   200 with the incident, a body added as an incident update; 404 for an unknown incident;
 * - `GET /pages/{page_id}/incidents/{incident_id}`; `GET /pages/{page_id}/incidents?limit=&page=` (newest first),
 *   `…/incidents/unresolved`, `…/incidents/scheduled`, `…/incidents/upcoming`.
 *
 * On demand (`fail`): the next matching requests answered 429 with Retry-After, or a 5xx, either before doing anything
 * or after doing it (the answer lost: what a timeout looks like from the caller), or any refusal. With `rate`, more
 * than one request a second (by `clock`) is answered 429 as Statuspage does.
 */

const REALTIME = ['investigating', 'identified', 'monitoring', 'resolved'];
const SCHEDULED = ['scheduled', 'in_progress', 'verifying', 'completed'];

export interface FakeIncidentUpdate {
  id: string;
  status: string;
  body: string;
  created_at: string;
}

export interface FakeIncident {
  id: string;
  page_id: string;
  name: string;
  status: string;
  impact: string;
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
  scheduled_for: string | null;
  scheduled_until: string | null;
  scheduled_remind_prior: boolean;
  scheduled_auto_in_progress: boolean;
  scheduled_auto_completed: boolean;
  auto_transition_to_maintenance_state: boolean;
  auto_transition_to_operational_state: boolean;
  components: Array<{ id: string; name: string; status: string }>;
  metadata: Record<string, unknown>;
  incident_updates: FakeIncidentUpdate[];
  shortlink: string;
}

export interface RecordedCall {
  method: string;
  /** Path and query. */
  path: string;
  authorization: string | undefined;
  body: unknown;
  /** By the fake's clock. */
  at: number;
  /** What it answered. */
  status: number;
}

export interface Fault {
  /** Which requests: a method (`POST`...), default any. */
  method?: string;
  status: number;
  /** For a 429: the Retry-After header (seconds). */
  retryAfter?: number;
  /** Do what was asked, then answer `status` anyway (a 5xx whose work was done: the answer lost). */
  apply?: boolean;
  /** The error body. */
  error?: string;
}

export interface FakeStatuspageOptions {
  apiKey: string;
  pages?: string[];
  /** Epoch ms; default the wall clock. Times recorded and `created_at` come from it. */
  clock?: () => number;
  /** Answer 429 (Retry-After: 1) to a request less than ~a second after the last. */
  rate?: boolean;
  /** Leave metadata out of answers (an API that does not echo it): the bot must find its incident by name. */
  dropMetadata?: boolean;
}

export class FakeStatuspage {
  readonly calls: RecordedCall[] = [];
  readonly incidents: FakeIncident[] = [];
  readonly faults: Fault[] = [];
  /** Requests refused by `rate` (not by a fault). */
  rateLimited = 0;
  url = '';
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  private lastAt: number | undefined;

  constructor(readonly opts: FakeStatuspageOptions) {}

  private now(): number {
    return (this.opts.clock ?? Date.now)();
  }

  /** Answer the next matching request(s) with this fault (queued in order). */
  fail(fault: Fault, times = 1): this {
    for (let i = 0; i < times; i++) this.faults.push({ ...fault });
    return this;
  }

  /** The calls with a method, as `METHOD path`. */
  requests(method?: string): RecordedCall[] {
    return this.calls.filter((c) => !method || c.method === method);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://x');
    const call: RecordedCall = { method, path: `${url.pathname}${url.search}`, authorization: req.headers.authorization, body, at: this.now(), status: 0 };
    this.calls.push(call);
    const answer = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(data));
    };

    if (req.headers.authorization !== `OAuth ${this.opts.apiKey}`) return answer(401, { error: 'Could not authenticate' });
    if (this.opts.rate) {
      const at = call.at;
      const tooSoon = this.lastAt !== undefined && at - this.lastAt < 900;
      if (tooSoon) {
        this.rateLimited++;
        return answer(429, { error: 'Rate limit exceeded' }, { 'retry-after': '1' });
      }
      this.lastAt = at;
    }
    const faultAt = this.faults.findIndex((f) => !f.method || f.method === method);
    const fault = faultAt >= 0 ? this.faults.splice(faultAt, 1)[0] : undefined;
    if (fault && !fault.apply) {
      const headers: Record<string, string> = fault.status === 429 ? { 'retry-after': String(fault.retryAfter ?? 1) } : {};
      return answer(fault.status, { error: fault.error ?? (fault.status === 429 ? 'Rate limit exceeded' : fault.status >= 500 ? 'Internal Server Error' : 'Refused') }, headers);
    }

    const m = /^\/v1\/pages\/([^/]+)\/incidents(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return answer(404, { error: 'Not found' });
    const pageId = decodeURIComponent(m[1]!);
    const sub = m[2] ? decodeURIComponent(m[2]) : undefined;
    if (!(this.opts.pages ?? []).includes(pageId)) return answer(404, { error: 'Not found' });

    const [status, data] = this.route(method, pageId, sub, body, url);
    if (fault) return answer(fault.status, { error: fault.error ?? 'Internal Server Error' });
    return answer(status, data);
  }

  private route(method: string, pageId: string, sub: string | undefined, body: unknown, url: URL): [number, unknown] {
    const onPage = this.incidents.filter((i) => i.page_id === pageId);
    const newestFirst = [...onPage].reverse();
    if (method === 'GET' && sub === undefined) {
      const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 100) || 100);
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
      return [200, newestFirst.slice((page - 1) * limit, page * limit).map((i) => this.shown(i))];
    }
    if (method === 'GET' && sub === 'unresolved') return [200, newestFirst.filter((i) => REALTIME.includes(i.status) && i.status !== 'resolved').map((i) => this.shown(i))];
    if (method === 'GET' && (sub === 'scheduled' || sub === 'upcoming')) return [200, newestFirst.filter((i) => i.status === 'scheduled').map((i) => this.shown(i))];
    if (method === 'POST' && sub === undefined) return this.create(pageId, body);
    const incident = onPage.find((i) => i.id === sub);
    if (!incident) return [404, { error: 'Not found' }];
    if (method === 'GET') return [200, this.shown(incident)];
    if (method === 'PATCH' || method === 'PUT') return this.update(incident, body);
    return [405, { error: 'Method not allowed' }];
  }

  private shown(i: FakeIncident): unknown {
    const copy = structuredClone(i) as Partial<FakeIncident>;
    if (this.opts.dropMetadata) delete copy.metadata;
    return copy;
  }

  private create(pageId: string, body: unknown): [number, unknown] {
    const inc = (body as { incident?: Record<string, unknown> } | undefined)?.incident;
    if (!inc || typeof inc !== 'object') return [400, { error: 'incident is missing' }];
    const errors: string[] = [];
    const name = typeof inc['name'] === 'string' ? inc['name'] : '';
    if (!name.trim()) errors.push("Name can't be blank");
    if (name.length > 255) errors.push('Name is too long (maximum is 255 characters)');
    const scheduled = inc['scheduled_for'] !== undefined || inc['status'] === 'scheduled';
    const status = typeof inc['status'] === 'string' ? inc['status'] : scheduled ? 'scheduled' : 'investigating';
    if (!(scheduled ? SCHEDULED : REALTIME).includes(status)) errors.push(`Status ${status} is not valid`);
    if (scheduled && (typeof inc['scheduled_for'] !== 'string' || typeof inc['scheduled_until'] !== 'string')) errors.push('Scheduled for and scheduled until are required');
    const metadata = inc['metadata'];
    if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Object.values(metadata).some((v) => typeof v !== 'object' || v === null))) {
      errors.push('Metadata top-level values must be objects');
    }
    if (errors.length > 0) return [422, { error: errors }];
    const at = new Date(this.now()).toISOString();
    const id = randomBytes(6).toString('hex');
    const components = Array.isArray(inc['component_ids']) ? (inc['component_ids'] as string[]) : [];
    const incident: FakeIncident = {
      id,
      page_id: pageId,
      name,
      status,
      impact: scheduled ? 'maintenance' : 'minor',
      created_at: at,
      updated_at: at,
      resolved_at: null,
      scheduled_for: scheduled ? new Date(String(inc['scheduled_for'])).toISOString() : null,
      scheduled_until: scheduled ? new Date(String(inc['scheduled_until'])).toISOString() : null,
      scheduled_remind_prior: inc['scheduled_remind_prior'] === true,
      scheduled_auto_in_progress: inc['scheduled_auto_in_progress'] === true,
      scheduled_auto_completed: inc['scheduled_auto_completed'] === true,
      auto_transition_to_maintenance_state: inc['auto_transition_to_maintenance_state'] === true,
      auto_transition_to_operational_state: inc['auto_transition_to_operational_state'] === true,
      components: components.map((c) => ({ id: c, name: c, status: scheduled ? 'operational' : 'degraded_performance' })),
      metadata: (metadata as Record<string, unknown> | undefined) ?? {},
      incident_updates: typeof inc['body'] === 'string' ? [{ id: randomBytes(6).toString('hex'), status, body: inc['body'], created_at: at }] : [],
      shortlink: `https://stspg.io/${id.slice(0, 6)}`,
    };
    this.incidents.push(incident);
    return [201, this.shown(incident)];
  }

  private update(incident: FakeIncident, body: unknown): [number, unknown] {
    const inc = (body as { incident?: Record<string, unknown> } | undefined)?.incident;
    if (!inc || typeof inc !== 'object') return [400, { error: 'incident is missing' }];
    const scheduled = incident.scheduled_for !== null;
    const status = typeof inc['status'] === 'string' ? inc['status'] : incident.status;
    if (!(scheduled ? SCHEDULED : REALTIME).includes(status)) return [422, { error: [`Status ${status} is not valid`] }];
    const at = new Date(this.now()).toISOString();
    incident.status = status;
    incident.updated_at = at;
    if (status === 'resolved' || status === 'completed') incident.resolved_at = at;
    if (typeof inc['scheduled_for'] === 'string') incident.scheduled_for = new Date(inc['scheduled_for']).toISOString();
    if (typeof inc['scheduled_until'] === 'string') incident.scheduled_until = new Date(inc['scheduled_until']).toISOString();
    if (typeof inc['name'] === 'string') incident.name = inc['name'];
    if (typeof inc['body'] === 'string') incident.incident_updates.unshift({ id: randomBytes(6).toString('hex'), status, body: inc['body'], created_at: at });
    return [200, this.shown(incident)];
  }
}
