import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import type { FakeGitHubApp } from './fake-github-app.js';

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
 *
 * And what the probes read (src/probes/github.ts), every list paged with `per_page`/`page` and a `Link` header as GitHub
 * sends it:
 * - `GET /repos/{o}/{r}/actions/workflows/{id}/runs` also filters by `branch` and `status`; each run has `status`,
 *   `conclusion`, `head_sha`, `run_number`, `path`, `workflow_id`; `GET /repos/{o}/{r}/actions/runs/{id}`: one run;
 * - `GET /repos/{o}/{r}/deployments` (`environment`, `sha`), newest first, and `GET …/deployments/{id}/statuses`;
 * - `GET /repos/{o}/{r}/commits/{ref}/check-runs` `{ total_count, check_runs }` and `GET …/commits/{ref}/statuses`
 *   (an array, newest first), a branch name read as its head SHA (`branches`);
 * - `GET /repos/{o}/{r}/git/ref/tags/{tag}`: the tag's ref, 404 when there is none;
 * - `GET /repos/{o}/{r}/environments/{env}/secrets` (404 for an environment that does not exist),
 *   `GET /repos/{o}/{r}/actions/secrets` and `GET /repos/{o}/{r}/actions/organization-secrets` (403 when
 *   `secrets.org` is 'forbidden'): `{ total_count, secrets: [{ name, created_at, updated_at }] }`, names only.
 *
 * With `app` (src/playground/fake-github-app.ts), the GitHub App's endpoints too: installation tokens and the custom
 * deployment protection rule's reviews.
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
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  head_sha: string;
  run_number: number;
  path: string;
  workflow_id: number;
  run_started_at: string;
  updated_at: string;
}

export interface FakeCheckRun {
  head_sha: string;
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
}

export interface FakeStatus {
  sha: string;
  context: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  target_url?: string;
}

export interface FakeDeployment {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  /** Newest first, as GitHub lists them; Actions sets log_url and target_url to the run that deployed. */
  statuses: Array<{ state: string; log_url?: string; target_url?: string }>;
}

export interface FakeGitHubOptions {
  token?: string;
  login?: string;
  /** Plays GitHub Enterprise Server 3.20 or older: 400 to return_run_details. */
  ghes?: boolean;
  workflows?: Record<string, FakeWorkflow>;
  /** The GitHub App side (src/playground/fake-github-app.ts): installation tokens, deployment protection rule reviews. */
  app?: FakeGitHubApp;
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
  /** Branch name -> head SHA, for refs given by name. */
  readonly branches: Record<string, string> = {};
  /** Newest first, as GitHub lists them. */
  readonly checkRuns: FakeCheckRun[] = [];
  readonly statuses: FakeStatus[] = [];
  /** Tag name -> commit SHA. */
  readonly tags: Record<string, string> = {};
  readonly deployments: FakeDeployment[] = [];
  /** Secret names: the repository's, the organization's shared with it (or 'forbidden': 403), each environment's. */
  readonly secrets: { repo: string[]; org: string[] | 'forbidden'; environments: Record<string, string[]> } = { repo: [], org: [], environments: {} };
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  private nextRunId = 9_000_000_001;
  url = '';
  /** The GitHub App side: its endpoints answer before the token check, and the installation tokens it issued pass it. */
  app: FakeGitHubApp | undefined;

  constructor(readonly opts: FakeGitHubOptions = {}) {
    this.app = opts.app;
  }

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
    if (this.app) this.app.apiUrl = this.url;
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
      status: 'queued',
      conclusion: null,
      head_sha: this.branches[ref] ?? `${(id % 0x10000).toString(16).padStart(4, '0')}${'0'.repeat(36)}`,
      run_number: id - 9_000_000_000,
      path: `.github/workflows/${workflow}`,
      workflow_id: 100 + Object.keys(this.workflows).indexOf(workflow),
      run_started_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      updated_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    this.runs.unshift(run);
    return run;
  }

  /** A deployment of a run to an environment, as a job with `environment:` makes it (its status names the run). */
  addDeployment(run: FakeRun, environment: string, state = 'success'): FakeDeployment {
    const deployment: FakeDeployment = {
      id: 7_000 + this.deployments.length,
      sha: run.head_sha,
      ref: run.head_branch,
      environment,
      statuses: [{ state, log_url: `${run.html_url}/job/1`, target_url: `${run.html_url}/job/1` }],
    };
    this.deployments.unshift(deployment);
    return deployment;
  }

  /** One page of a list, with GitHub's Link header (rel="next" and "last") when there are more. */
  private page<T>(res: ServerResponse, url: URL, all: T[], wrap?: (shown: T[]) => unknown): void {
    const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
    const page = Number(url.searchParams.get('page') ?? 1);
    const shown = all.slice((page - 1) * perPage, page * perPage);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const at = (n: number) => {
      const u = new URL(url);
      u.searchParams.set('page', String(n));
      u.searchParams.set('per_page', String(perPage));
      return `<${u}>`;
    };
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    if (page < last) headers.link = `${at(page + 1)}; rel="next", ${at(last)}; rel="last"`;
    res.writeHead(200, headers).end(JSON.stringify(wrap ? wrap(shown) : shown));
  }

  /** The probes' endpoints (see the class comment); false when the path is none of them. */
  private probeRead(res: ServerResponse, url: URL): boolean {
    const repo = /^\/repos\/[^/]+\/[^/]+/.exec(url.pathname);
    if (!repo) return false;
    const rest = url.pathname.slice(repo[0].length);
    const q = (k: string) => url.searchParams.get(k);
    const secretList = (names: string[]) => names.map((name) => ({ name, created_at: '2026-01-05T10:00:00Z', updated_at: '2026-01-05T10:00:00Z' }));
    let m: RegExpExecArray | null;
    if ((m = /^\/actions\/runs\/(\d+)$/.exec(rest))) {
      const run = this.runs.find((r) => r.id === Number(m![1]));
      if (!run) this.send(res, 404, { message: 'Not Found', status: '404' });
      else this.send(res, 200, this.shownRun(run));
    } else if (rest === '/deployments') {
      const all = this.deployments.filter((d) => (!q('environment') || d.environment === q('environment')) && (!q('sha') || d.sha === q('sha')));
      this.page(res, url, all.map(({ statuses: _s, ...d }) => ({ ...d, task: 'deploy', original_environment: d.environment, creator: { login: 'github-actions[bot]' } })));
    } else if ((m = /^\/deployments\/(\d+)\/statuses$/.exec(rest))) {
      const d = this.deployments.find((x) => x.id === Number(m![1]));
      if (!d) this.send(res, 404, { message: 'Not Found', status: '404' });
      else this.page(res, url, d.statuses.map((st, i) => ({ id: d.id * 10 + i, environment: d.environment, ...st })));
    } else if ((m = /^\/commits\/([^/]+)\/check-runs$/.exec(rest))) {
      const ref = decodeURIComponent(m[1]!);
      const sha = this.branches[ref] ?? ref;
      const all = this.checkRuns
        .filter((c) => c.head_sha === sha)
        .map((c, i) => ({ id: 500 + i, ...c, html_url: `https://github.com/acme/platform/runs/${500 + i}`, started_at: '2026-01-05T10:00:00Z' }));
      this.page(res, url, all, (shown) => ({ total_count: all.length, check_runs: shown }));
    } else if ((m = /^\/commits\/([^/]+)\/statuses$/.exec(rest))) {
      const ref = decodeURIComponent(m[1]!);
      const sha = this.branches[ref] ?? ref;
      this.page(res, url, this.statuses.filter((st) => st.sha === sha).map(({ sha: _s, ...st }, i) => ({ id: 800 + i, target_url: null, ...st })));
    } else if ((m = /^\/git\/ref\/tags(?:\/|%2F)(.+)$/i.exec(rest))) {
      // Octokit sends the ref as one path parameter (tags%2Fv1.50); GitHub reads it as tags/v1.50.
      const name = decodeURIComponent(m[1]!);
      const sha = this.tags[name];
      if (!sha) this.send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/git/refs#get-a-reference', status: '404' });
      else this.send(res, 200, { ref: `refs/tags/${name}`, node_id: 'REF_x', url: `${this.url}${url.pathname}`, object: { sha, type: 'commit', url: `${this.url}/commits/${sha}` } });
    } else if ((m = /^\/environments\/([^/]+)\/secrets$/.exec(rest))) {
      const names = this.secrets.environments[decodeURIComponent(m[1]!)];
      if (!names) this.send(res, 404, { message: 'Not Found', status: '404' });
      else this.page(res, url, secretList(names), (shown) => ({ total_count: names.length, secrets: shown }));
    } else if (rest === '/actions/secrets') {
      this.page(res, url, secretList(this.secrets.repo), (shown) => ({ total_count: this.secrets.repo.length, secrets: shown }));
    } else if (rest === '/actions/organization-secrets') {
      const org = this.secrets.org;
      if (org === 'forbidden') this.send(res, 403, { message: 'Resource not accessible by personal access token', status: '403' });
      else this.page(res, url, secretList(org), (shown) => ({ total_count: org.length, secrets: shown }));
    } else return false;
    return true;
  }

  private shownRun({ workflow: _w, inputs: _i, ...run }: FakeRun) {
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
    if (this.app && (await this.app.handle(req, res, url, Buffer.concat(chunks).toString('utf8')))) return;
    const authorization = req.headers.authorization;
    if (this.opts.token && authorization !== `token ${this.opts.token}` && authorization !== `Bearer ${this.opts.token}` && !this.app?.authorizes(authorization)) {
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
      const branch = url.searchParams.get('branch');
      const status = url.searchParams.get('status');
      const all = this.runs.filter(
        (r) =>
          r.workflow === workflow &&
          (!event || r.event === event) &&
          (!branch || r.head_branch === branch) &&
          (!status || r.status === status || r.conclusion === status) &&
          (since === undefined || new Date(r.created_at).getTime() >= since),
      );
      return this.page(res, url, all.map((r) => this.shownRun(r)), (shown) => ({ total_count: all.length, workflow_runs: shown }));
    }
    if (url.pathname === '/user' && req.method === 'GET') return this.send(res, 200, { login: this.opts.login ?? 'preflight-bot', id: 1, type: 'User' });
    if (req.method === 'GET' && this.probeRead(res, url)) return;
    this.send(res, 404, { message: 'Not Found', status: '404' });
  }
}
