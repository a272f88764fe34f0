/**
 * The loopback GitHub's App side (src/playground/fake-github-app.ts) against a real @octokit/rest Octokit with
 * @octokit/auth-app: installation tokens minted for a JWT it checks itself, the custom deployment protection rule
 * answered once (approved, recorded with the installation token), status reports capped at 10, GitHub's refusals (401
 * for a JWT it cannot take, 404 for an unknown installation, 422 for a bad review), the fault knobs; and webhook
 * deliveries (src/playground/github-deliveries.ts) signed so that @octokit/webhooks verifies them.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { Webhooks } from '@octokit/webhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeGitHubApp } from '../../src/playground/fake-github-app.js';
import { deliver, signedDelivery } from '../../src/playground/github-deliveries.js';
import { FakeGitHub } from '../support/fake-github.js';
import { generateAppKey, signAppJwt } from '../support/github-app.js';

const APP_ID = 1_234_567;
const PAT = `ghp_${'Z9y8X7w6V5'.repeat(3)}abcdef`;
const SHA = '3f2a9c1d4e5b6a7980112233445566778899aabb';
const KEY = generateAppKey();
const OTHER_KEY = generateAppKey();
const REVIEW_ROUTE: string = 'POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule';
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

describe('FakeGitHubApp', () => {
  let gh: FakeGitHub;
  let app: FakeGitHubApp;

  beforeEach(async () => {
    app = new FakeGitHubApp({
      appId: APP_ID,
      publicKey: KEY.publicKey,
      installations: [
        { id: 41, account: 'acme', repositories: ['acme/platform'] },
        { id: 42, account: 'globex', accountType: 'User' },
      ],
    });
    gh = await new FakeGitHub({ token: PAT, app }).start();
  });
  afterEach(() => gh.close());

  const appOctokit = (over: { privateKey?: string; installationId?: number; appId?: number } = {}) =>
    new Octokit({ authStrategy: createAppAuth, auth: { appId: APP_ID, privateKey: KEY.privateKey, installationId: 41, ...over }, baseUrl: gh.url, log: quiet });
  const gateFor = (environment = 'production') => app.requestGate({ repo: 'acme/platform', environment, sha: SHA, ref: 'main', installationId: 41, sender: 'mona' });
  /** The review call with any body (the typed route would not let the tests send the malformed ones). */
  const review = (octokit: Octokit, runId: number, body: { environment_name: string; state?: string; comment?: string }) =>
    octokit.request(REVIEW_ROUTE, { owner: 'acme', repo: 'platform', run_id: runId, ...body });
  const post = (path: string, authorization: string | undefined, body: unknown) =>
    fetch(`${gh.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: JSON.stringify(body) });

  it('mints an installation token for the JWT and approves the waiting gate with it, once', async () => {
    const gate = gateFor();
    const octokit = appOctokit();
    const res = await octokit.rest.actions.reviewCustomGatesForRun({
      owner: 'acme',
      repo: 'platform',
      run_id: gate.runId,
      environment_name: 'production',
      state: 'approved',
      comment: 'All 7 checks passed',
    });
    expect(res.status).toBe(204);
    expect(app.gate(gate.runId, 'production')).toMatchObject({ status: 'approved', comment: 'All 7 checks passed', reports: [] });

    expect(app.tokenRequests).toHaveLength(1);
    expect(app.tokenRequests[0]).toMatchObject({ installationId: 41, httpStatus: 201, authorization: expect.stringMatching(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/) });
    const token = app.tokenRequests[0]!.token!;
    expect(token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(app.tokens.get(token)).toBe(41);
    expect(app.reviews).toEqual([
      {
        repo: 'acme/platform',
        runId: gate.runId,
        environment: 'production',
        state: 'approved',
        comment: 'All 7 checks passed',
        authorization: `token ${token}`,
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        httpStatus: 204,
      },
    ]);
    expect(gh.requests).toEqual(['POST /app/installations/41/access_tokens', `POST /repos/acme/platform/actions/runs/${gate.runId}/deployment_protection_rule`]);

    // Answered: a second answer is refused, and the token is cached (not minted again).
    await expect(review(octokit, gate.runId, { environment_name: 'production', state: 'approved' })).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining('No pending deployment protection rule found for environment production'),
    });
    await expect(review(octokit, gate.runId, { environment_name: 'staging', state: 'rejected' })).rejects.toMatchObject({ status: 422 });
    expect(app.tokenRequests).toHaveLength(1);
    expect(app.gate(gate.runId, 'production')?.status).toBe('approved');
  });

  it("answers the token request as GitHub does: expires_at an hour ahead, the installation's permissions", async () => {
    const jwt = signAppJwt(KEY.privateKey, { iss: String(APP_ID) }); // iss as a string: GitHub takes it too
    const res = await post('/app/installations/42/access_tokens', `Bearer ${jwt}`, {});
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      token: expect.stringMatching(/^ghs_[A-Za-z0-9]{36}$/),
      expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      permissions: { actions: 'read', deployments: 'write', metadata: 'read' },
      repository_selection: 'all',
    });
    const ahead = Date.parse(body.expires_at as string) - Date.now();
    expect(ahead).toBeGreaterThan(59 * 60_000);
    expect(ahead).toBeLessThanOrEqual(60 * 60_000);
    // The installation token passes FakeGitHub's PAT check for its other endpoints.
    const user = await fetch(`${gh.url}/user`, { headers: { authorization: `token ${body.token as string}` } });
    expect(user.status).toBe(200);
  });

  it('refuses a JWT signed with another key, a wrong App id, an expired or too long one (401), an unknown installation (404)', async () => {
    const undecodable = { status: 401, message: expect.stringContaining('A JSON web token could not be decoded') };
    const gate = gateFor();
    await expect(review(appOctokit({ privateKey: OTHER_KEY.privateKey }), gate.runId, { environment_name: 'production', state: 'approved' })).rejects.toMatchObject(undecodable);
    await expect(appOctokit({ appId: APP_ID + 1 }).auth({ type: 'installation' })).rejects.toMatchObject(undecodable);
    await expect(appOctokit({ installationId: 999 }).auth({ type: 'installation' })).rejects.toMatchObject({ status: 404, message: expect.stringContaining('Not Found') });
    expect(app.tokenRequests.map((r) => r.httpStatus)).toEqual([401, 401, 404]);
    expect(app.tokens.size).toBe(0);
    expect(app.gate(gate.runId, 'production')?.status).toBe('waiting');

    const now = Math.floor(Date.now() / 1000);
    const refusal = async (authorization: string | undefined) => {
      const res = await post('/app/installations/41/access_tokens', authorization, {});
      return { status: res.status, message: ((await res.json()) as { message: string }).message };
    };
    expect(await refusal(`Bearer ${signAppJwt(KEY.privateKey, { iss: APP_ID, iat: now - 700, exp: now - 100 })}`)).toEqual({
      status: 401,
      message: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
    });
    expect(await refusal(`Bearer ${signAppJwt(KEY.privateKey, { iss: APP_ID, iat: now - 30, exp: now + 3600 })}`)).toEqual({
      status: 401,
      message: "'Expiration time' claim ('exp') is too far in the future",
    });
    expect(await refusal(`Bearer ${signAppJwt(KEY.privateKey, { iss: APP_ID, iat: now + 600, exp: now + 900 })}`)).toMatchObject({ status: 401, message: expect.stringContaining("'Issued at' claim ('iat')") });
    expect(await refusal(`Bearer ${signAppJwt(KEY.privateKey, { iss: APP_ID }, 'RS512')}`)).toEqual({ status: 401, message: 'A JSON web token could not be decoded' });
    expect(await refusal(`token ${PAT}`)).toEqual({ status: 401, message: 'A JSON web token could not be decoded' });
    expect(await refusal(undefined)).toEqual({ status: 401, message: 'A JSON web token could not be decoded' });
  });

  it('takes 10 status reports on a deployment and refuses the 11th, then still takes the approval', async () => {
    const gate = gateFor();
    const octokit = appOctokit();
    for (let i = 1; i <= 10; i++) {
      const res = await octokit.rest.actions.reviewCustomGatesForRun({ owner: 'acme', repo: 'platform', run_id: gate.runId, environment_name: 'production', comment: `**${i}/12** checks green` });
      expect(res.status).toBe(204);
    }
    await expect(review(octokit, gate.runId, { environment_name: 'production', comment: 'one more' })).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining('Deployment protection rule status reports are limited to 10 per deployment'),
    });
    expect(gate.reports.map((r) => r.comment)).toEqual(Array.from({ length: 10 }, (_, i) => `**${i + 1}/12** checks green`));
    await review(octokit, gate.runId, { environment_name: 'production', state: 'rejected', comment: 'Smoke tests failed' });
    expect(gate).toMatchObject({ status: 'rejected', comment: 'Smoke tests failed' });
    expect(app.reviews.map((r) => r.httpStatus)).toEqual([...Array(10).fill(204), 422, 204]);
  });

  it('refuses a comment over 1,024 characters, a missing environment_name or comment, another state (422)', async () => {
    const gate = gateFor();
    const octokit = appOctokit();
    await expect(review(octokit, gate.runId, { environment_name: 'production', state: 'approved', comment: 'x'.repeat(1025) })).rejects.toMatchObject({ status: 422 });
    await expect(review(octokit, gate.runId, { environment_name: 'production', comment: 'é'.repeat(1025) })).rejects.toMatchObject({ status: 422 });
    await expect(review(octokit, gate.runId, { environment_name: '', state: 'approved' })).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining('"environment_name" wasn\'t supplied.'),
    });
    await expect(review(octokit, gate.runId, { environment_name: 'production' })).rejects.toMatchObject({ status: 422, message: expect.stringContaining('"comment"') });
    await expect(review(octokit, gate.runId, { environment_name: 'production', state: 'pending' })).rejects.toMatchObject({ status: 422 });
    expect(gate).toMatchObject({ status: 'waiting', reports: [] });
    await review(octokit, gate.runId, { environment_name: 'production', state: 'approved', comment: 'x'.repeat(1024) });
    expect(gate.status).toBe('approved');
  });

  it('takes only its installation tokens, for repositories the installation covers (401, 404)', async () => {
    const gate = gateFor();
    const path = `/repos/acme/platform/actions/runs/${gate.runId}/deployment_protection_rule`;
    const body = { environment_name: 'production', state: 'approved' };
    expect((await post(path, undefined, body)).status).toBe(401);
    expect((await post(path, `token ${PAT}`, body)).status).toBe(401);
    expect((await post(path, `token ghs_${'a'.repeat(36)}`, body)).status).toBe(401);
    const globex = await appOctokit({ installationId: 42 }).auth({ type: 'installation' });
    const { token } = globex as { token: string };
    const notCovered = await post(path, `Bearer ${token}`, body);
    expect(notCovered.status).toBe(404);
    expect(await notCovered.json()).toMatchObject({ message: 'Not Found' });
    expect(gate.status).toBe('waiting');
    expect(() => app.requestGate({ repo: 'acme/other', environment: 'production', sha: SHA, ref: 'main', installationId: 41 })).toThrow(/does not cover/);
  });

  it('fails reviews with 502 unapplied, token requests with 500, and hangs after applying', async () => {
    const gate = gateFor();
    const octokit = appOctokit();
    app.failTokensWith = 1;
    await expect(review(octokit, gate.runId, { environment_name: 'production', state: 'approved' })).rejects.toMatchObject({ status: 500 });
    app.failWith502 = 1;
    await expect(review(octokit, gate.runId, { environment_name: 'production', state: 'approved' })).rejects.toMatchObject({ status: 502 });
    expect(gate.status).toBe('waiting');
    app.hangAfterApplying = 1;
    await expect(
      octokit.request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule', {
        owner: 'acme',
        repo: 'platform',
        run_id: gate.runId,
        environment_name: 'production',
        state: 'approved',
        request: { signal: AbortSignal.timeout(300) },
      }),
    ).rejects.toThrow();
    expect(gate.status).toBe('approved');
    expect(app.tokenRequests.map((r) => r.httpStatus)).toEqual([500, 201]);
    expect(app.reviews.map((r) => r.httpStatus)).toEqual([502, 'hung']);
  });

  it("builds the gate's payload as GitHub's deployment_protection_rule webhook", () => {
    const gate = gateFor('production');
    const p = gate.payload;
    expect(p).toMatchObject({
      action: 'requested',
      environment: 'production',
      event: 'push',
      deployment_callback_url: `${gh.url}/repos/acme/platform/actions/runs/${gate.runId}/deployment_protection_rule`,
      deployment: {
        url: `${gh.url}/repos/acme/platform/deployments/${gate.deploymentId}`,
        id: gate.deploymentId,
        task: 'deploy',
        original_environment: 'production',
        environment: 'production',
        description: null,
        statuses_url: `${gh.url}/repos/acme/platform/deployments/${gate.deploymentId}/statuses`,
        repository_url: `${gh.url}/repos/acme/platform`,
        creator: { login: 'mona', type: 'User' },
        sha: SHA,
        ref: 'main',
        payload: {},
        transient_environment: false,
        production_environment: true,
        performed_via_github_app: null,
      },
      pull_requests: [],
      repository: { name: 'platform', full_name: 'acme/platform', private: false, owner: { login: 'acme', type: 'Organization' }, html_url: 'https://github.com/acme/platform', url: `${gh.url}/repos/acme/platform` },
      organization: { login: 'acme' },
      installation: { id: 41, node_id: Buffer.from('023:IntegrationInstallation41').toString('base64') },
      sender: { login: 'mona', type: 'User' },
    });
    expect(p.repository.owner.id).toBe(p.organization!.id);
    expect(p.deployment!.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // A second gate of the same repository: same repository id, a new run and deployment.
    const next = gateFor('staging');
    expect(next.payload.repository.id).toBe(p.repository.id);
    expect(next.runId).not.toBe(gate.runId);
    expect(next.deploymentId).not.toBe(gate.deploymentId);
  });
});

describe('signedDelivery', () => {
  it('signs the raw body so that @octokit/webhooks verifies it, and not with another secret', async () => {
    const app = new FakeGitHubApp({ appId: APP_ID, publicKey: KEY.publicKey, installations: [{ id: 41, account: 'acme' }] });
    app.apiUrl = 'https://api.github.com';
    const { payload } = app.requestGate({ repo: 'acme/platform', environment: 'production', sha: SHA, ref: 'main', installationId: 41 });
    const d = signedDelivery(payload, 'hook-secret', { appId: APP_ID, deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', hookId: 7 });
    expect(d.body).toBe(JSON.stringify(payload));
    expect(d.headers).toMatchObject({
      'Content-Type': 'application/json',
      'User-Agent': expect.stringMatching(/^GitHub-Hookshot\/[0-9a-f]+$/),
      'X-GitHub-Event': 'deployment_protection_rule',
      'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'X-GitHub-Hook-ID': '7',
      'X-GitHub-Hook-Installation-Target-Type': 'integration',
      'X-GitHub-Hook-Installation-Target-ID': String(APP_ID),
      'X-Hub-Signature-256': expect.stringMatching(/^sha256=[0-9a-f]{64}$/),
    });
    const signature = d.headers['X-Hub-Signature-256']!;
    expect(await new Webhooks({ secret: 'hook-secret' }).verify(d.body, signature)).toBe(true);
    expect(await new Webhooks({ secret: 'another-secret' }).verify(d.body, signature)).toBe(false);
    expect(await new Webhooks({ secret: 'hook-secret' }).verify(d.body.replace('production', 'productioN'), signature)).toBe(false);

    // @octokit/webhooks takes it as the deployment_protection_rule.requested event.
    const webhooks = new Webhooks({ secret: 'hook-secret' });
    const seen: string[] = [];
    webhooks.on('deployment_protection_rule.requested', ({ payload: p }) => void seen.push(`${p.environment} ${p.deployment_callback_url}`));
    await webhooks.verifyAndReceive({ id: d.headers['X-GitHub-Delivery']!, name: 'deployment_protection_rule', payload: d.body, signature });
    expect(seen).toEqual([`production ${payload.deployment_callback_url}`]);
  });

  it('deliver posts the raw body with the headers and returns the answer', async () => {
    let got: { headers: IncomingHttpHeaders; body: string } | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        res.writeHead(202).end('queued');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const d = signedDelivery({ action: 'requested', environment: 'production' }, 's3cret', { event: 'ping' });
      const out = await deliver(`http://127.0.0.1:${(server.address() as AddressInfo).port}/github/webhook`, d);
      expect(out).toEqual({ status: 202, text: 'queued' });
      expect(got!.body).toBe(d.body);
      expect(got!.headers).toMatchObject({ 'x-github-event': 'ping', 'x-hub-signature-256': d.headers['X-Hub-Signature-256'], 'content-type': 'application/json' });
      expect(got!.headers['x-github-hook-installation-target-id']).toBeUndefined();
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
