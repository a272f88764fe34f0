/**
 * The GitHub probes (src/probes/github.ts) against a loopback GitHub REST API answering GitHub's documented shapes
 * (test/support/fake-github.ts), through Octokit's baseUrl: runs, deployments, check runs and statuses, tags, and
 * environment, repository and organization secrets, lists read across pages.
 */
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { githubFamily } from '../../src/probes/github.js';
import type { ProbeContext } from '../../src/probes/types.js';
import { FakeGitHub } from '../support/fake-github.js';
import { probeContext, specOf } from '../support/probe-context.js';

const TOKEN = 'ghp_probeTestToken0123456789abcdef';
const SHA = 'a'.repeat(40);
let gh: FakeGitHub;
let ctx: ProbeContext;

beforeEach(async () => {
  gh = await new FakeGitHub({ token: TOKEN, workflows: { 'build.yml': { inputs: [] }, 'deploy-backend.yml': { inputs: ['environment'] } } }).start();
  gh.branches.main = SHA;
  const github = new Octokit({ auth: TOKEN, baseUrl: gh.url, log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } });
  ctx = probeContext({ github, env: { GITHUB_TOKEN: TOKEN } });
});
afterEach(() => gh.close());

const run = (settings: Record<string, unknown>, c: ProbeContext = ctx) => githubFamily.run(specOf('github-actions', { repo: 'acme/platform', ...settings }), c);

describe('github-actions latest-run', () => {
  const build = { workflow: 'build.yml', branch: 'main', records: { run_id: 'ci-run', sha: 'ci-sha' } };

  it('passes on a successful latest run, recording its id, head SHA and URL into the template fields', async () => {
    gh.addRun('build.yml', { status: 'completed', conclusion: 'failure' });
    const latest = gh.addRun('build.yml', { status: 'completed', conclusion: 'success', head_sha: SHA });
    gh.addRun('build.yml', { status: 'completed', conclusion: 'failure', head_branch: 'feature' });
    const out = await run(build);
    expect(out).toMatchObject({ status: 'pass', summary: `run ${latest.id} on main succeeded`, records: { 'ci-run': String(latest.id), 'ci-sha': SHA } });
    expect(out.evidence.links).toEqual([{ label: `run ${latest.id}`, url: latest.html_url }]);
    expect(out.evidence.lines).toContain(`head SHA ${SHA}`);
    expect(gh.requests).toContain('GET /repos/acme/platform/actions/workflows/build.yml/runs');
  });

  it('fails on a failed latest run, and on one still in progress, still recording which run it saw', async () => {
    gh.addRun('build.yml', { status: 'completed', conclusion: 'success' });
    const failed = gh.addRun('build.yml', { status: 'completed', conclusion: 'failure' });
    expect(await run(build)).toMatchObject({ status: 'fail', summary: `run ${failed.id} on main: failure`, records: { 'ci-run': String(failed.id) } });
    const going = gh.addRun('build.yml', { status: 'in_progress', conclusion: null });
    expect(await run(build)).toMatchObject({ status: 'fail', summary: `run ${going.id} on main: in_progress` });
  });

  it('fails when the workflow has no run on the branch', async () => {
    gh.addRun('build.yml', { status: 'completed', conclusion: 'success', head_branch: 'feature' });
    expect(await run(build)).toMatchObject({ status: 'fail', summary: 'no run of build.yml on main' });
  });

  it('with an environment, takes the latest run that deployed there: a newer staging deploy does not count', async () => {
    const prod = gh.addRun('deploy-backend.yml', { status: 'completed', conclusion: 'success', head_sha: SHA });
    gh.addDeployment(prod, 'production');
    const staging = gh.addRun('deploy-backend.yml', { status: 'completed', conclusion: 'failure' });
    gh.addDeployment(staging, 'staging', 'failure');
    const other = gh.addRun('build.yml', { status: 'completed', conclusion: 'success' });
    gh.addDeployment(other, 'production'); // another workflow's deployment, newer: not ours
    const spec = { workflow: 'deploy-backend.yml', environment: 'production', records: { run_id: 'deploy-run-id', sha: 'deployed-sha' } };
    const out = await run(spec);
    expect(out).toMatchObject({ status: 'pass', summary: `run ${prod.id} to production on main succeeded`, records: { 'deploy-run-id': String(prod.id), 'deployed-sha': SHA } });
    expect(out.evidence.lines).toContain('its deployment to production: success');

    const failedProd = gh.addRun('deploy-backend.yml', { status: 'completed', conclusion: 'failure' });
    gh.addDeployment(failedProd, 'production', 'failure');
    expect(await run(spec)).toMatchObject({ status: 'fail', summary: `run ${failedProd.id} to production on main: failure` });
  });

  it('with an environment, fails when no run of the workflow deployed there', async () => {
    gh.addDeployment(gh.addRun('deploy-backend.yml', { status: 'completed', conclusion: 'success' }), 'staging');
    expect(await run({ workflow: 'deploy-backend.yml', environment: 'production' })).toMatchObject({ status: 'fail', summary: 'no run of deploy-backend.yml on main deployed to production' });
  });

  it('says which workflow is missing (404) and what the token needs', async () => {
    await expect(run({ workflow: 'nope.yml' })).rejects.toThrow(/the runs of nope\.yml: GitHub answered 404 .*Actions: read/);
  });
});

describe('github-actions required-checks', () => {
  it('passes when every named check (check run or commit status) is green on the ref, read across pages', async () => {
    for (let i = 0; i < 130; i++) gh.checkRuns.push({ head_sha: SHA, name: `lint-${i}`, status: 'completed', conclusion: i % 2 ? 'success' : 'skipped' });
    gh.checkRuns.push({ head_sha: SHA, name: 'build', status: 'completed', conclusion: 'success' });
    gh.statuses.push({ sha: SHA, context: 'ci/legacy', state: 'success' });
    const out = await run({ check: 'required-checks', ref: 'main', checks: ['build', 'ci/legacy', 'lint-129'] });
    expect(out).toMatchObject({ status: 'pass', summary: '3 check(s) green on main' });
    expect(gh.requests.filter((r) => r.endsWith('/check-runs'))).toHaveLength(2); // 131 check runs: two pages of 100
    expect(await run({ check: 'required-checks', ref: 'main' })).toMatchObject({ status: 'pass', summary: '132 check(s) green on main' });
  });

  it('fails on a red, pending or missing check, naming each', async () => {
    gh.checkRuns.push(
      { head_sha: SHA, name: 'build', status: 'completed', conclusion: 'failure' },
      { head_sha: SHA, name: 'e2e', status: 'in_progress', conclusion: null },
      { head_sha: SHA, name: 'lint', status: 'completed', conclusion: 'success' },
    );
    gh.statuses.push({ sha: SHA, context: 'deploy/preview', state: 'pending' });
    const out = await run({ check: 'required-checks', ref: SHA, checks: ['build', 'e2e', 'lint', 'deploy/preview', 'security'] });
    expect(out).toMatchObject({ status: 'fail', summary: `4 of 5 check(s) not green on ${SHA}` });
    expect(out.evidence.lines).toEqual(expect.arrayContaining(['build: failure', 'e2e: in_progress', 'deploy/preview: pending', 'security: missing']));
    expect(out.evidence.links?.map((l) => l.label)).toEqual(['build', 'e2e']);
  });

  it('fails when the ref has no checks at all', async () => {
    expect(await run({ check: 'required-checks', ref: 'main' })).toMatchObject({ status: 'fail', summary: 'no checks on main' });
  });
});

describe('github-actions tag', () => {
  it('passes when the tag exists ({release} is the promotion\'s release), fails when it does not', async () => {
    gh.tags['v1.50'] = SHA;
    expect(await run({ check: 'tag' })).toMatchObject({ status: 'pass', summary: 'tag v1.50 exists' });
    expect(await run({ check: 'tag', tag: 'release-{release}' })).toMatchObject({ status: 'fail', summary: 'tag release-v1.50 not found' });
  });
});

describe('github-actions environment-secrets', () => {
  const names = ['PGHOST_PROD', 'PGPORT_PROD', 'PGDATABASE_PROD', 'PGUSER_PROD', 'PGPASSWORD_PROD'];

  it('passes when the environment (or the repository) has every named secret, read across pages', async () => {
    gh.secrets.environments.production = [...Array.from({ length: 140 }, (_, i) => `OTHER_${i}`), 'PGHOST_PROD', 'PGPORT_PROD', 'PGDATABASE_PROD', 'PGUSER_PROD'];
    gh.secrets.repo = ['PGPASSWORD_PROD'];
    const out = await run({ check: 'environment-secrets', environment: 'production', secrets: names });
    expect(out).toMatchObject({ status: 'pass', summary: 'all 5 secrets set for environment production' });
    expect(out.evidence.lines).toEqual(expect.arrayContaining(['PGHOST_PROD: set (environment production)', 'PGPASSWORD_PROD: set (repository)']));
    expect(gh.requests.filter((r) => r.endsWith('/environments/production/secrets'))).toHaveLength(2);
    expect(gh.requests).not.toContain('GET /repos/acme/platform/actions/organization-secrets'); // all found before it
  });

  it('fails naming the secrets not set, organization secrets counted when readable and said when not', async () => {
    gh.secrets.environments.production = ['PGHOST_PROD'];
    gh.secrets.org = ['PGPORT_PROD'];
    const out = await run({ check: 'environment-secrets', environment: 'production', secrets: ['PGHOST_PROD', 'PGPORT_PROD', 'PGPASSWORD_PROD'] });
    expect(out).toMatchObject({ status: 'fail', summary: 'PGPASSWORD_PROD not set for environment production' });
    expect(out.evidence.lines).toContain('PGPORT_PROD: set (organization (shared with the repository))');
    gh.secrets.org = 'forbidden';
    const hidden = await run({ check: 'environment-secrets', environment: 'production', secrets: ['PGHOST_PROD', 'PGPORT_PROD'] });
    expect(hidden).toMatchObject({ status: 'fail', summary: 'PGPORT_PROD not set for environment production' });
    expect(hidden.evidence.lines).toContain('organization (shared with the repository) secrets not readable (GitHub answered 403): not counted');
  });

  it('says an environment that does not exist, and what the token needs', async () => {
    await expect(run({ check: 'environment-secrets', environment: 'prod', secrets: ['PGHOST_PROD'] })).rejects.toThrow(
      /environment prod secrets: GitHub answered 404 .*Secrets: read and Environments: read/,
    );
  });
});

describe('github-actions, whatever the check', () => {
  it('without GITHUB_TOKEN, errs saying to set it', async () => {
    await expect(run({ workflow: 'build.yml' }, probeContext())).rejects.toThrow(/GITHUB_TOKEN is not set: set it/);
  });

  it('with a token GitHub refuses, says to check GITHUB_TOKEN, never quoting it', async () => {
    const wrong = new Octokit({ auth: 'ghp_wrongWrongWrong0123456789', baseUrl: gh.url, log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } });
    const err = await run({ check: 'tag' }, probeContext({ github: wrong })).catch((e: Error) => e);
    expect(String(err)).toMatch(/401 \(bad credentials\): check GITHUB_TOKEN/);
    expect(String(err)).not.toContain('ghp_wrong');
  });

  it('stops asking when ctx.signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(run({ workflow: 'build.yml' }, { ...ctx, signal: controller.signal, timeoutMs: 1000 })).rejects.toThrow(/timed out after 1 s asking GitHub/);
  });

  it('names the template keys still holding placeholders, and a missing repo', () => {
    const spec = specOf('github-actions', { repo: 'REPLACE_ME/backend', check: 'environment-secrets', environment: 'REPLACE_ME', secrets: ['PGHOST_PROD'] });
    expect(githubFamily.placeholders(spec)).toEqual([
      { key: 'repo', value: 'REPLACE_ME/backend' },
      { key: 'environment', value: 'REPLACE_ME' },
    ]);
    expect(githubFamily.placeholders(specOf('github-actions', { repo: 'owner/repo', workflow: 'ci.yml' }))).toEqual([{ key: 'repo', value: 'owner/repo' }]);
    expect(githubFamily.placeholders(specOf('github-actions', { workflow: 'ci.yml' }))).toEqual([{ key: 'repo', value: '(not set)' }]);
    expect(githubFamily.placeholders(specOf('github-actions', { repo: 'acme/platform', workflow: 'ci.yml' }))).toEqual([]);
  });
});
