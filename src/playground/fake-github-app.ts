import { createPublicKey, KeyObject, randomInt, verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmitterWebhookEvent } from '@octokit/webhooks';

/**
 * The GitHub App side of the loopback GitHub (src/playground/fake-github.ts): Preflight as a custom deployment
 * protection rule. Give it to FakeGitHub (`new FakeGitHub({ app })`); its endpoints answer before FakeGitHub's token
 * check, since they carry a JWT or an installation token, not the PAT, and the installation tokens it issued are
 * accepted by FakeGitHub's other endpoints too.
 *
 * - `POST /app/installations/{id}/access_tokens`, `Authorization: Bearer <JWT>`: the JWT checked as GitHub does (RS256
 *   signed with the App's key, `iss` the App id, as a number or a string, or its client id; `iat` not in the future,
 *   `exp` in the future and at most 10 minutes after `iat`, 60 s of skew allowed), else 401 with GitHub's messages
 *   ("A JSON web token could not be decoded", "'Expiration time' claim ('exp') must be a numeric value representing the
 *   future time at which the assertion expires", …); 404 for an installation it does not have; 201
 *   `{ token: 'ghs_…', expires_at, permissions, repository_selection }`, the token good for an hour.
 * - `POST /repos/{o}/{r}/actions/runs/{run_id}/deployment_protection_rule`, `Authorization: token|Bearer <ghs_…>`
 *   (401 "Bad credentials" for any other; 404 when the token's installation does not cover the repository), body
 *   `{ environment_name, state?, comment? }`: with `state` ('approved' | 'rejected') it answers the waiting gate
 *   (`requestGate`), 204; without, a status report (comment required, at most 10 per deployment), 204. 422 for a
 *   missing environment_name, another state, a comment over 1,024 characters, an 11th report, and a gate that is not
 *   waiting (already answered, or never requested) — that last wording is ours: GitHub documents only the 204.
 */

/** The `deployment_protection_rule` webhook's payload as @octokit/webhooks types it (GitHub's webhook schema). */
export type DeploymentProtectionRulePayload = EmitterWebhookEvent<'deployment_protection_rule.requested'>['payload'];

export interface FakeInstallation {
  id: number;
  /** The login of the user or organization the App is installed on. */
  account: string;
  /** 'Organization' when absent. */
  accountType?: 'Organization' | 'User';
  /** The repositories ('owner/name') selected; absent: all of the account's ('all'). */
  repositories?: string[];
}

export interface FakeGitHubAppOptions {
  appId: number;
  /** The App's public key (PEM or KeyObject; a private KeyObject works too). */
  publicKey: string | KeyObject;
  installations: FakeInstallation[];
  /** GitHub also accepts the App's client id as the JWT's `iss`. */
  clientId?: string;
  /** Clock (ms) for the JWT's claims, token expiry and timestamps; Date.now when absent. */
  now?: () => number;
}

export type GateStatus = 'waiting' | 'approved' | 'rejected';

export interface GateRequest {
  /** 'owner/name'. */
  repo: string;
  environment: string;
  sha: string;
  /** The deployment's ref, as GitHub sends it: a branch or tag name ('main'), or a SHA. */
  ref: string;
  /** The workflow run waiting on the rule; a fresh one when absent. */
  runId?: number;
  installationId: number;
  /** The run's actor: the webhook's sender and the deployment's creator; 'octocat' when absent. */
  sender?: string;
  deploymentId?: number;
  /** The event that triggered the run; 'push' when absent. */
  event?: string;
}

export interface FakeGateReport {
  comment: string;
  at: string;
}

export interface FakeGate {
  repo: string;
  runId: number;
  environment: string;
  sha: string;
  ref: string;
  installationId: number;
  deploymentId: number;
  status: GateStatus;
  /** The approval's or rejection's comment. */
  comment?: string;
  answeredAt?: string;
  /** Status reports (calls without state), oldest first. */
  reports: FakeGateReport[];
  requestedAt: string;
  /** The `deployment_protection_rule` (action `requested`) webhook payload for this gate. */
  payload: DeploymentProtectionRulePayload;
}

export interface FakeReview {
  repo: string;
  runId: number;
  environment?: string;
  state?: string;
  comment?: string;
  authorization: string | undefined;
  at: string;
  /** What it answered; 'hung' when it applied the call and never answered (hangAfterApplying). */
  httpStatus: number | 'hung';
}

export interface FakeTokenRequest {
  installationId: number;
  authorization: string | undefined;
  at: string;
  httpStatus: number;
  /** The token issued (201). */
  token?: string;
}

const REVIEW_DOCS = 'https://docs.github.com/rest/actions/workflow-runs#review-custom-deployment-protection-rules-for-a-workflow-run';
const TOKEN_DOCS = 'https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app';
const JWT_UNDECODABLE = 'A JSON web token could not be decoded';
const JWT_EXPIRED = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
const JWT_TOO_LONG = "'Expiration time' claim ('exp') is too far in the future";
const JWT_IAT = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
const SKEW_S = 60;
const MAX_JWT_S = 10 * 60;
const TOKEN_TTL_MS = 60 * 60 * 1000;
const MAX_COMMENT = 1024;
const MAX_REPORTS = 10;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** ISO 8601 without milliseconds, as GitHub writes times (2026-12-07T05:00:00Z). */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A legacy GitHub node id (base64 of `0<len>:<Type><id>`), e.g. MDQ6VXNlcjE= for User 1. */
const nodeId = (type: string, id: number): string => Buffer.from(`0${type.length}:${type}${id}`).toString('base64');

export class FakeGitHubApp {
  /** Every installation token issued -> its installation id. */
  readonly tokens = new Map<string, number>();
  readonly tokenRequests: FakeTokenRequest[] = [];
  /** Every review call (approve, reject, status report), answered or not. */
  readonly reviews: FakeReview[] = [];
  /** Every gate requested, oldest first. */
  readonly gates: FakeGate[] = [];
  /** Answer the next N review calls with 502 without applying them. */
  failWith502 = 0;
  /** Apply the next N review calls, then never answer them (the socket stays open until FakeGitHub closes). */
  hangAfterApplying = 0;
  /** Answer the next N token requests with 500. */
  failTokensWith = 0;
  /** The API's base URL for the payloads' URLs; FakeGitHub sets it when it starts. */
  apiUrl = '';
  private readonly publicKey: KeyObject;
  private readonly listeners = new Set<() => void>();
  private readonly expiries = new Map<string, number>();
  private readonly ids = new Map<string, number>();
  private nextRunId = 12_000_000_001;
  private nextDeploymentId = 4_100_000_001;

  constructor(readonly opts: FakeGitHubAppOptions) {
    const key = opts.publicKey;
    this.publicKey = key instanceof KeyObject && key.type === 'public' ? key : createPublicKey(key);
  }

  get appId(): number {
    return this.opts.appId;
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** Call `listener` whenever a gate is requested, answered or gets a status report; returns how to stop. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  /** The waiting gate for a run's environment, or the latest one answered. */
  gate(runId: number, environment: string): FakeGate | undefined {
    const all = this.gates.filter((g) => g.runId === runId && g.environment === environment);
    return all.find((g) => g.status === 'waiting') ?? all.at(-1);
  }

  /** A job waiting on the rule: registers the gate, with the webhook payload GitHub would send about it. */
  requestGate(req: GateRequest): FakeGate {
    if (!this.apiUrl) throw new Error('FakeGitHubApp.requestGate: no apiUrl yet (start the FakeGitHub it belongs to first)');
    const installation = this.opts.installations.find((i) => i.id === req.installationId);
    if (!installation) throw new Error(`FakeGitHubApp.requestGate: no installation ${req.installationId}`);
    if (!this.covers(installation, req.repo)) throw new Error(`FakeGitHubApp.requestGate: installation ${installation.id} does not cover ${req.repo}`);
    const runId = req.runId ?? this.nextRunId++;
    if (this.gate(runId, req.environment)?.status === 'waiting') throw new Error(`FakeGitHubApp.requestGate: run ${runId} already waits on ${req.environment}`);
    const deploymentId = req.deploymentId ?? this.nextDeploymentId++;
    const at = isoSeconds(this.now());
    const gate: FakeGate = {
      repo: req.repo,
      runId,
      environment: req.environment,
      sha: req.sha,
      ref: req.ref,
      installationId: installation.id,
      deploymentId,
      status: 'waiting',
      reports: [],
      requestedAt: at,
      payload: deploymentProtectionRuleRequested({
        apiUrl: this.apiUrl,
        repo: req.repo,
        repoId: this.idOf(`repo:${req.repo.toLowerCase()}`, 700_000_001),
        ownerId: this.idOf(`user:${installation.account.toLowerCase()}`, 90_000_001),
        ownerType: installation.accountType ?? 'Organization',
        environment: req.environment,
        event: req.event ?? 'push',
        runId,
        deploymentId,
        sha: req.sha,
        ref: req.ref,
        sender: req.sender ?? 'octocat',
        senderId: this.idOf(`user:${(req.sender ?? 'octocat').toLowerCase()}`, 90_000_001),
        installationId: installation.id,
        at,
      }),
    };
    this.gates.push(gate);
    this.changed();
    return gate;
  }

  /** Whether an Authorization header carries an installation token this App issued that has not expired. */
  authorizes(authorization: string | undefined): boolean {
    return this.installationOf(authorization) !== undefined;
  }

  /**
   * Answers the App's endpoints; false for any other request (FakeGitHub goes on with it). `bodyText` is the request's
   * raw body, already read.
   */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL, bodyText: string): Promise<boolean> {
    this.apiUrl ||= url.origin;
    if (req.method !== 'POST') return false;
    let m = /^\/app\/installations\/([^/]+)\/access_tokens$/.exec(url.pathname);
    if (m) {
      this.mintToken(req, res, Number(m[1]));
      return true;
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)\/deployment_protection_rule$/.exec(url.pathname);
    if (m) {
      this.review(req, res, `${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`, Number(m[3]), bodyText);
      return true;
    }
    return false;
  }

  private mintToken(req: IncomingMessage, res: ServerResponse, installationId: number): void {
    const record: FakeTokenRequest = { installationId, authorization: req.headers.authorization, at: isoSeconds(this.now()), httpStatus: 0 };
    this.tokenRequests.push(record);
    const answer = (status: number, body: unknown) => {
      record.httpStatus = status;
      send(res, status, body);
    };
    if (this.failTokensWith > 0) {
      this.failTokensWith--;
      return answer(500, { message: 'Server Error' });
    }
    const refused = this.checkJwt(req.headers.authorization);
    if (refused) return answer(401, { message: refused, documentation_url: 'https://docs.github.com/rest', status: '401' });
    const installation = this.opts.installations.find((i) => i.id === installationId);
    if (!installation) return answer(404, { message: 'Not Found', documentation_url: TOKEN_DOCS, status: '404' });
    let token = 'ghs_';
    for (let i = 0; i < 36; i++) token += ALNUM[randomInt(ALNUM.length)];
    const expiresAt = this.now() + TOKEN_TTL_MS;
    this.tokens.set(token, installation.id);
    this.expiries.set(token, expiresAt);
    record.token = token;
    answer(201, {
      token,
      expires_at: isoSeconds(expiresAt),
      permissions: { actions: 'read', deployments: 'write', metadata: 'read' },
      repository_selection: installation.repositories ? 'selected' : 'all',
    });
  }

  /** Null when GitHub would take the JWT, else its 401 message. */
  private checkJwt(authorization: string | undefined): string | null {
    const m = /^bearer\s+([^\s.]+)\.([^\s.]+)\.([^\s.]+)$/i.exec(authorization ?? '');
    if (!m) return JWT_UNDECODABLE;
    const [, h, p, s] = m as unknown as [string, string, string, string];
    let header: { alg?: unknown };
    let claims: { iss?: unknown; iat?: unknown; exp?: unknown };
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return JWT_UNDECODABLE;
    }
    if (header?.alg !== 'RS256' || !claims || typeof claims !== 'object') return JWT_UNDECODABLE;
    const iss = claims.iss;
    const issuer =
      (typeof iss === 'number' && iss === this.opts.appId) ||
      (typeof iss === 'string' && (iss === String(this.opts.appId) || (this.opts.clientId !== undefined && iss === this.opts.clientId)));
    if (!issuer) return JWT_UNDECODABLE; // GitHub cannot tell a wrong App id from a wrong key: both are this message
    let signed = false;
    try {
      signed = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), this.publicKey, Buffer.from(s, 'base64url'));
    } catch {
      signed = false;
    }
    if (!signed) return JWT_UNDECODABLE;
    const now = Math.floor(this.now() / 1000);
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > now + SKEW_S) return JWT_IAT;
    if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= now) return JWT_EXPIRED;
    if (exp - iat > MAX_JWT_S + SKEW_S || exp > now + MAX_JWT_S + SKEW_S) return JWT_TOO_LONG;
    return null;
  }

  private installationOf(authorization: string | undefined): FakeInstallation | undefined {
    const m = /^(?:token|bearer)\s+(ghs_[A-Za-z0-9]+)$/i.exec(authorization ?? '');
    if (!m) return undefined;
    const id = this.tokens.get(m[1]!);
    const expires = this.expiries.get(m[1]!);
    if (id === undefined || expires === undefined || expires <= this.now()) return undefined;
    return this.opts.installations.find((i) => i.id === id);
  }

  private covers(installation: FakeInstallation, repo: string): boolean {
    const [owner] = repo.split('/');
    if (owner?.toLowerCase() !== installation.account.toLowerCase()) return false;
    return !installation.repositories || installation.repositories.some((r) => r.toLowerCase() === repo.toLowerCase());
  }

  private review(req: IncomingMessage, res: ServerResponse, repo: string, runId: number, bodyText: string): void {
    const record: FakeReview = { repo, runId, authorization: req.headers.authorization, at: isoSeconds(this.now()), httpStatus: 0 };
    this.reviews.push(record);
    const answer = (status: number, body?: unknown) => {
      record.httpStatus = status;
      send(res, status, body);
    };
    const invalid = (message: string) => answer(422, { message, documentation_url: REVIEW_DOCS, status: '422' });
    let body: { environment_name?: unknown; state?: unknown; comment?: unknown };
    try {
      body = JSON.parse(bodyText || '{}') as typeof body;
    } catch {
      return answer(400, { message: 'Problems parsing JSON', documentation_url: REVIEW_DOCS, status: '400' });
    }
    if (typeof body?.environment_name === 'string') record.environment = body.environment_name;
    if (typeof body?.state === 'string') record.state = body.state;
    if (typeof body?.comment === 'string') record.comment = body.comment;
    if (this.failWith502 > 0) {
      this.failWith502--;
      return answer(502, { message: 'Server Error' });
    }
    const installation = this.installationOf(req.headers.authorization);
    if (!installation) return answer(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    if (!this.covers(installation, repo)) return answer(404, { message: 'Not Found', documentation_url: REVIEW_DOCS, status: '404' });
    if (typeof body?.environment_name !== 'string' || body.environment_name === '') return invalid('Invalid request.\n\n"environment_name" wasn\'t supplied.');
    const environment = body.environment_name;
    if (body.state !== undefined && body.state !== 'approved' && body.state !== 'rejected') {
      return invalid(`Invalid request.\n\nFor 'properties/state', ${JSON.stringify(body.state)} is not one of ["approved", "rejected"].`);
    }
    if (body.comment !== undefined && typeof body.comment !== 'string') return invalid(`Invalid request.\n\nFor 'properties/comment', ${JSON.stringify(body.comment)} is not a string.`);
    const comment = body.comment as string | undefined;
    if (comment !== undefined && comment.length > MAX_COMMENT) {
      return invalid(`Invalid request.\n\n"comment" is too long (${comment.length} characters; the maximum is ${MAX_COMMENT}).`);
    }
    if (body.state === undefined && comment === undefined) return invalid('Invalid request.\n\n"comment" wasn\'t supplied.');
    const gate = this.gates.find((g) => g.runId === runId && g.environment === environment && g.repo.toLowerCase() === repo.toLowerCase() && g.status === 'waiting');
    if (!gate) return invalid(`No pending deployment protection rule found for environment ${environment}`);
    const at = isoSeconds(this.now());
    if (body.state === 'approved' || body.state === 'rejected') {
      gate.status = body.state;
      if (comment !== undefined) gate.comment = comment;
      gate.answeredAt = at;
    } else {
      if (gate.reports.length >= MAX_REPORTS) return invalid(`Deployment protection rule status reports are limited to ${MAX_REPORTS} per deployment`);
      gate.reports.push({ comment: comment!, at });
    }
    this.changed();
    if (this.hangAfterApplying > 0) {
      this.hangAfterApplying--;
      record.httpStatus = 'hung';
      return; // applied, never answered
    }
    answer(204);
  }

  private idOf(key: string, base: number): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = base + [...this.ids.keys()].filter((k) => k.split(':')[0] === key.split(':')[0]).length;
      this.ids.set(key, id);
    }
    return id;
  }
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

export interface PayloadInput {
  apiUrl: string;
  /** 'owner/name'. */
  repo: string;
  repoId: number;
  ownerId: number;
  ownerType: 'Organization' | 'User';
  environment: string;
  event: string;
  runId: number;
  deploymentId: number;
  sha: string;
  ref: string;
  sender: string;
  senderId: number;
  installationId: number;
  /** ISO time of the deployment. */
  at: string;
}

/**
 * The `deployment_protection_rule` webhook's payload (action `requested`), every field GitHub's webhook schema
 * (@octokit/openapi-webhooks-types, `webhook-deployment-protection-rule-requested`) requires, type-checked against it;
 * `organization` present when the repository belongs to an organization, as GitHub sends it.
 */
export function deploymentProtectionRuleRequested(p: PayloadInput): DeploymentProtectionRulePayload {
  const [owner = '', name = ''] = p.repo.split('/');
  const api = p.apiUrl.replace(/\/$/, '');
  const repoUrl = `${api}/repos/${owner}/${name}`;
  const sender = simpleUser(api, p.sender, p.senderId, 'User');
  const payload = {
    action: 'requested' as const,
    environment: p.environment,
    event: p.event,
    deployment_callback_url: `${repoUrl}/actions/runs/${p.runId}/deployment_protection_rule`,
    deployment: {
      url: `${repoUrl}/deployments/${p.deploymentId}`,
      id: p.deploymentId,
      node_id: nodeId('Deployment', p.deploymentId),
      task: 'deploy',
      original_environment: p.environment,
      environment: p.environment,
      description: null,
      created_at: p.at,
      updated_at: p.at,
      statuses_url: `${repoUrl}/deployments/${p.deploymentId}/statuses`,
      repository_url: repoUrl,
      creator: sender,
      sha: p.sha,
      ref: p.ref,
      payload: {},
      transient_environment: false,
      production_environment: true,
      performed_via_github_app: null,
    },
    pull_requests: [],
    repository: repository(api, owner, name, p.repoId, simpleUser(api, owner, p.ownerId, p.ownerType)),
    ...(p.ownerType === 'Organization' ? { organization: organization(api, owner, p.ownerId) } : {}),
    installation: { id: p.installationId, node_id: nodeId('IntegrationInstallation', p.installationId) },
    sender,
  } satisfies DeploymentProtectionRulePayload;
  return payload;
}

function simpleUser(api: string, login: string, id: number, type: 'User' | 'Organization' | 'Bot') {
  const url = `${api}/users/${login}`;
  return {
    login,
    id,
    node_id: nodeId(type, id),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url,
    html_url: `https://github.com/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type,
    user_view_type: 'public',
    site_admin: false,
  };
}

function organization(api: string, login: string, id: number) {
  const url = `${api}/orgs/${login}`;
  return {
    login,
    id,
    node_id: nodeId('Organization', id),
    url,
    repos_url: `${url}/repos`,
    events_url: `${url}/events`,
    hooks_url: `${url}/hooks`,
    issues_url: `${url}/issues`,
    members_url: `${url}/members{/member}`,
    public_members_url: `${url}/public_members{/member}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    description: null,
  };
}

function repository(api: string, owner: string, name: string, id: number, ownerUser: ReturnType<typeof simpleUser>) {
  const url = `${api}/repos/${owner}/${name}`;
  const created = '2024-01-15T09:00:00Z';
  return {
    id,
    node_id: nodeId('Repository', id),
    name,
    full_name: `${owner}/${name}`,
    private: false,
    owner: ownerUser,
    html_url: `https://github.com/${owner}/${name}`,
    description: null,
    fork: false,
    url,
    forks_url: `${url}/forks`,
    keys_url: `${url}/keys{/key_id}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    teams_url: `${url}/teams`,
    hooks_url: `${url}/hooks`,
    issue_events_url: `${url}/issues/events{/number}`,
    events_url: `${url}/events`,
    assignees_url: `${url}/assignees{/user}`,
    branches_url: `${url}/branches{/branch}`,
    tags_url: `${url}/tags`,
    blobs_url: `${url}/git/blobs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    trees_url: `${url}/git/trees{/sha}`,
    statuses_url: `${url}/statuses/{sha}`,
    languages_url: `${url}/languages`,
    stargazers_url: `${url}/stargazers`,
    contributors_url: `${url}/contributors`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    commits_url: `${url}/commits{/sha}`,
    git_commits_url: `${url}/git/commits{/sha}`,
    comments_url: `${url}/comments{/number}`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    contents_url: `${url}/contents/{+path}`,
    compare_url: `${url}/compare/{base}...{head}`,
    merges_url: `${url}/merges`,
    archive_url: `${url}/{archive_format}{/ref}`,
    downloads_url: `${url}/downloads`,
    issues_url: `${url}/issues{/number}`,
    pulls_url: `${url}/pulls{/number}`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    labels_url: `${url}/labels{/name}`,
    releases_url: `${url}/releases{/id}`,
    deployments_url: `${url}/deployments`,
    created_at: created,
    updated_at: created,
    pushed_at: created,
    git_url: `git://github.com/${owner}/${name}.git`,
    ssh_url: `git@github.com:${owner}/${name}.git`,
    clone_url: `https://github.com/${owner}/${name}.git`,
    svn_url: `https://github.com/${owner}/${name}`,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: 0,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    visibility: 'public',
    forks: 0,
    open_issues: 0,
    watchers: 0,
    default_branch: 'main',
    custom_properties: {},
  };
}
