import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

/**
 * A loopback GitHub REST API for the workflow dispatch (node:http on 127.0.0.1; Octokit's baseUrl pointed at it), with
 * the request and response shapes GitHub documents:
 * - `POST /repos/{o}/{r}/actions/workflows/{id}/dispatches`, body `{ ref, inputs, return_run_details? }`: 200
 *   `{ workflow_run_id, run_url, html_url }` with return_run_details, 204 without; 400 to return_run_details when it
 *   plays GitHub Enterprise Server 3.20 or older; 404 for an unknown workflow; 422 "Unexpected inputs provided" for
 *   an input the workflow does not declare; 401 without the token;
 * - `GET /repos/{o}/{r}/actions/workflows/{id}/runs` (`event`, `created: >=<iso>`, `per_page`, `page`):
 *   `{ total_count, workflow_runs: [{ id, name, display_title, event, head_branch, created_at, actor, url, html_url }] }`,
 *   newest first, each run named by the workflow's run-name with its inputs filled in;
 * - `GET /user`: the token's login.
 */
export interface FakeWorkflow {
  /** Inputs the workflow declares (on.workflow_dispatch.inputs). */
  inputs: string[];
  /** Its run-name, with `${{ inputs.<name> }}` filled in per run; the workflow's name when absent. */
  runName?: string;
}

export interface FakeRun {
  id: number;
  workflow: string;
  name: string;
  display_title: string;
  event: string;
  head_branch: string;
  created_at: string;
  actor: { login: string };
  url: string;
  html_url: string;
  inputs: Record<string, string>;
}

export interface FakeGitHubOptions {
  token?: string;
  login?: string;
  /** Plays GitHub Enterprise Server 3.20 or older: 400 to return_run_details. */
  ghes?: boolean;
  workflows?: Record<string, FakeWorkflow>;
}

export class FakeGitHub {
  readonly dispatches: Array<{ workflow: string; body: Record<string, unknown>; authorization: string | undefined }> = [];
  readonly runs: FakeRun[] = [];
  /** Every request, as `METHOD path`. */
  readonly requests: string[] = [];
  /** Accept (record and start a run) the next N dispatches, then never answer them. */
  hangAfterAccepting = 0;
  /** Answer the next N dispatches with 502 without recording them. */
  failWith502 = 0;
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  private nextRunId = 9_000_000_001;
  url = '';

  constructor(readonly opts: FakeGitHubOptions = {}) {}

  get workflows(): Record<string, FakeWorkflow> {
    return this.opts.workflows ?? {};
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A run someone else started (by hand, say), to tell apart from ours. */
  addRun(workflow: string, over: Partial<FakeRun> = {}): FakeRun {
    const run = this.newRun(workflow, 'main', {}, over.actor?.login ?? this.opts.login ?? 'preflight-bot');
    Object.assign(run, over);
    return run;
  }

  private newRun(workflow: string, ref: string, inputs: Record<string, string>, login: string): FakeRun {
    const id = this.nextRunId++;
    const wf = this.workflows[workflow];
    const name = (wf?.runName ?? workflow).replace(/\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}/g, (_m, k: string) => inputs[k] ?? '');
    const run: FakeRun = {
      id,
      workflow,
      name,
      display_title: name,
      event: 'workflow_dispatch',
      head_branch: ref,
      created_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      actor: { login },
      url: `${this.url}/repos/acme/platform/actions/runs/${id}`,
      html_url: `https://github.com/acme/platform/actions/runs/${id}`,
      inputs,
    };
    this.runs.unshift(run);
    return run;
  }

  private send(res: ServerResponse, status: number, body?: unknown): void {
    if (body === undefined) {
      res.writeHead(status).end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push(`${req.method} ${url.pathname}`);
    const authorization = req.headers.authorization;
    if (this.opts.token && authorization !== `token ${this.opts.token}` && authorization !== `Bearer ${this.opts.token}`) {
      return this.send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    }
    const docs = 'https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event';
    let m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/workflows\/([^/]+)\/dispatches$/.exec(url.pathname);
    if (m && req.method === 'POST') {
      const workflow = decodeURIComponent(m[3]!);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { ref?: string; inputs?: Record<string, string>; return_run_details?: boolean };
      if (this.failWith502 > 0) {
        this.failWith502--;
        return this.send(res, 502, { message: 'Server Error' });
      }
      if (this.opts.ghes && 'return_run_details' in body) {
        return this.send(res, 400, { message: 'Invalid request.\n\n"return_run_details" is not a permitted key.', documentation_url: docs, status: '400' });
      }
      const wf = this.workflows[workflow];
      if (!wf) return this.send(res, 404, { message: 'Not Found', documentation_url: docs, status: '404' });
      const unexpected = Object.keys(body.inputs ?? {}).filter((k) => !wf.inputs.includes(k));
      if (unexpected.length) {
        return this.send(res, 422, { message: `Unexpected inputs provided: ${JSON.stringify(unexpected)}`, documentation_url: docs, status: '422' });
      }
      this.dispatches.push({ workflow, body, authorization });
      const run = this.newRun(workflow, body.ref ?? '', body.inputs ?? {}, this.opts.login ?? 'preflight-bot');
      if (this.hangAfterAccepting > 0) {
        this.hangAfterAccepting--;
        return; // accepted, never answered
      }
      if (body.return_run_details) return this.send(res, 200, { workflow_run_id: run.id, run_url: run.url, html_url: run.html_url });
      return this.send(res, 204);
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/workflows\/([^/]+)\/runs$/.exec(url.pathname);
    if (m && req.method === 'GET') {
      const workflow = decodeURIComponent(m[3]!);
      if (!this.workflows[workflow]) return this.send(res, 404, { message: 'Not Found', status: '404' });
      const created = url.searchParams.get('created');
      const since = created?.startsWith('>=') ? new Date(created.slice(2)).getTime() : undefined;
      const event = url.searchParams.get('event');
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const all = this.runs.filter(
        (r) => r.workflow === workflow && (!event || r.event === event) && (since === undefined || new Date(r.created_at).getTime() >= since),
      );
      const shown = all.slice((page - 1) * perPage, page * perPage).map(({ workflow: _w, inputs: _i, ...r }) => r);
      return this.send(res, 200, { total_count: all.length, workflow_runs: shown });
    }
    if (url.pathname === '/user' && req.method === 'GET') return this.send(res, 200, { login: this.opts.login ?? 'preflight-bot', id: 1, type: 'User' });
    this.send(res, 404, { message: 'Not Found', status: '404' });
  }
}
