/**
 * GO's workflow dispatch (src/github/dispatch.ts) against a loopback GitHub API (test/support/fake-github.ts, Octokit's
 * baseUrl pointed at it), on PostgreSQL and PGlite: the run's details with return_run_details, the fallback for GitHub
 * Enterprise Server (400) that finds the run by its correlation id, refusals recorded as failed with GitHub's message
 * and retried by a person, a dispatch whose answer never came found instead of dispatched again, and two replicas
 * racing on one row dispatching once.
 */
import { Writable } from 'node:stream';
import { Octokit } from '@octokit/rest';
import { afterEach, describe, expect, it } from 'vitest';
import { onGoSchema, resolveDispatchInputs } from '../../src/domain/template/on-go.js';
import { retryDispatch, WorkflowDispatcher, type DispatchTiming } from '../../src/github/dispatch.js';
import { enqueueGoDispatch, goDispatchKey } from '../../src/github/go-dispatch.js';
import { templateSchema } from '../../src/domain/template.js';
import { getPromotion, insertPromotion, writeItemState } from '../../src/store/promotions.js';
import { createLogger } from '../../src/logger.js';
import type { Db } from '../../src/store/db.js';
import { enqueueDispatch, getDispatch, type DispatchRequest } from '../../src/store/dispatches.js';
import { getOutboxRow } from '../../src/store/outbox.js';
import { FakeGitHub, type FakeGitHubOptions } from '../support/fake-github.js';
import { BACKENDS, migrated, type TestDatabase } from '../support/db.js';

const TOKEN = `ghp_${'A1b2C3d4E5'.repeat(3)}xyzXYZ`;
const NOW = new Date('2026-03-02T10:00:00Z');
const FAST: Partial<DispatchTiming> = { claimMs: 2_000, requestTimeoutMs: 400, settleMs: 600, linkPollMs: [50, 100, 200], retryBaseMs: 150, retryMaxMs: 1_000 };
const WORKFLOWS: FakeGitHubOptions['workflows'] = {
  'housekeeping-prod-promotion.yml': { inputs: ['confirm', 'tag', 'sha', 'preflight_run'], runName: 'Promote ${{ inputs.tag }} (${{ inputs.preflight_run }})' },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GO's dispatch as the GO service builds it: the template's on_go.dispatch, its placeholders resolved. */
function request(key: string, over: Record<string, unknown> = {}): DispatchRequest {
  const on = onGoSchema.parse({
    dispatch: {
      repo: 'acme/platform',
      workflow: 'housekeeping-prod-promotion.yml',
      inputs: { confirm: 'PROMOTE', tag: '{release}', sha: '{item:ci-sha}' },
      correlation_input: 'preflight_run',
      ...over,
    },
  })!.dispatch!;
  const values: Record<string, string> = { 'ci-sha': '3f2a9c1' };
  const { inputs } = resolveDispatchInputs(on.inputs, { release: 'v1.50', itemValue: (id) => values[id] ?? null });
  return { key, channelId: 'C1', threadTs: '1700000000.000100', release: 'v1.50', repo: on.repo, workflow: on.workflow, ref: on.ref, inputs, correlationInput: on.correlation_input ?? null };
}

describe.each(BACKENDS)('workflow dispatch on %s', (_name, create) => {
  let t: TestDatabase | undefined;
  let gh: FakeGitHub | undefined;
  let db: Db;
  let logged = '';
  afterEach(async () => {
    await gh?.close();
    await t?.drop();
    t = undefined;
    gh = undefined;
    logged = '';
  });

  async function setup(opts: FakeGitHubOptions = {}) {
    t = await create();
    db = await migrated(t);
    gh = await new FakeGitHub({ token: TOKEN, login: 'preflight-bot', workflows: structuredClone(WORKFLOWS), ...opts }).start();
    return gh;
  }

  function dispatcher(timing: Partial<DispatchTiming> = {}, token = TOKEN) {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logged += String(chunk);
        done();
      },
    });
    const github = new Octokit({ auth: token, baseUrl: gh!.url, log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } });
    return new WorkflowDispatcher({ db, github, log: createLogger('debug', sink), clock: () => NOW, timing: { ...FAST, ...timing } });
  }

  async function enqueued(key: string, over: Record<string, unknown> = {}) {
    expect(await db.tx((q) => enqueueDispatch(q, request(key, over), NOW))).toBe(true);
    return (await getDispatch(db, key))!;
  }

  it('dispatches with return_run_details, the inputs resolved, and posts the run link in the thread', async () => {
    await setup();
    const row = await enqueued('go-dispatch:p1:1');
    // A second enqueue of the key (a double-click on GO) does nothing.
    expect(await enqueueDispatch(db, request('go-dispatch:p1:1'), NOW)).toBe(false);
    expect(await dispatcher().send('go-dispatch:p1:1')).toBe('dispatched');

    expect(gh!.dispatches).toHaveLength(1);
    expect(gh!.dispatches[0]!.body).toEqual({
      ref: 'main',
      inputs: { confirm: 'PROMOTE', tag: 'v1.50', sha: '3f2a9c1', preflight_run: row.correlationId },
      return_run_details: true,
    });
    const run = gh!.runs[0]!;
    expect(await getDispatch(db, 'go-dispatch:p1:1')).toMatchObject({ state: 'dispatched', runId: run.id, runUrl: run.url, htmlUrl: run.html_url, attempts: 1, lastError: null });
    // Nothing listed: GitHub said which run it started.
    expect(gh!.requests.filter((r) => r.endsWith('/runs'))).toEqual([]);
    expect(await getOutboxRow(db, 'dispatch-started:go-dispatch:p1:1')).toMatchObject({
      channelId: 'C1',
      threadTs: '1700000000.000100',
      content: { type: 'message', message: { kind: 'dispatch-started', release: 'v1.50', runUrl: run.html_url, note: null } },
    });
    // Sent again (a sweep, another replica): nothing more.
    expect(await dispatcher().send('go-dispatch:p1:1')).toBe('dispatched');
    expect(gh!.dispatches).toHaveLength(1);
  });

  it('falls back on a 400 to return_run_details (Enterprise Server): dispatches without it and finds the run by its correlation id', async () => {
    await setup({ ghes: true });
    const row = await enqueued('go-dispatch:p2:1');
    // Someone else's run of the same workflow on the same ref, started just before: never taken for ours.
    gh!.addRun('housekeeping-prod-promotion.yml', { name: 'Promote v1.49 (by hand)', display_title: 'Promote v1.49 (by hand)' });
    expect(await dispatcher().send('go-dispatch:p2:1')).toBe('dispatched');

    expect(gh!.dispatches).toHaveLength(1);
    expect(gh!.dispatches[0]!.body).toEqual({ ref: 'main', inputs: { confirm: 'PROMOTE', tag: 'v1.50', sha: '3f2a9c1', preflight_run: row.correlationId } });
    const ours = gh!.runs.find((r) => r.name.includes(row.correlationId))!;
    expect(await getDispatch(db, 'go-dispatch:p2:1')).toMatchObject({ state: 'dispatched', runId: ours.id, htmlUrl: ours.html_url });
    expect(gh!.requests.filter((r) => r.startsWith('POST'))).toHaveLength(2);
  });

  it('says plainly that it cannot link the run when the fallback has no correlation input', async () => {
    await setup({ ghes: true });
    await enqueued('go-dispatch:p3:1', { correlation_input: undefined });
    expect(await dispatcher().send('go-dispatch:p3:1')).toBe('dispatched');
    expect(gh!.dispatches[0]!.body).toEqual({ ref: 'main', inputs: { confirm: 'PROMOTE', tag: 'v1.50', sha: '3f2a9c1' } });
    const row = await getDispatch(db, 'go-dispatch:p3:1');
    expect(row).toMatchObject({ state: 'dispatched', runId: null });
    expect(row!.lastError).toMatch(/names no correlation_input, so Preflight cannot link the run/);
    expect(await getOutboxRow(db, 'dispatch-started:go-dispatch:p3:1')).toMatchObject({ content: { message: { runUrl: null, note: row!.lastError } } });
  });

  it('records a 422 (an input the workflow does not declare) as failed with GitHub\'s message, and a person\'s retry dispatches once', async () => {
    await setup();
    gh!.workflows['housekeeping-prod-promotion.yml']!.inputs = ['confirm', 'tag', 'preflight_run'];
    await enqueued('go-dispatch:p4:1');
    const d = dispatcher();
    expect(await d.send('go-dispatch:p4:1')).toBe('failed');
    const failed = await getDispatch(db, 'go-dispatch:p4:1');
    expect(failed).toMatchObject({ state: 'failed', lastError: 'GitHub answered 422: Unexpected inputs provided: ["sha"]' });
    expect(gh!.dispatches).toHaveLength(0);
    expect(await getOutboxRow(db, 'dispatch-failed:go-dispatch:p4:1:1')).toMatchObject({
      content: { message: { kind: 'dispatch-failed', error: 'GitHub answered 422: Unexpected inputs provided: ["sha"]', dispatchKey: 'go-dispatch:p4:1' } },
    });
    // Not retried by itself.
    expect(await d.sweep()).toBe(0);

    // The workflow is fixed; two people click Retry at once: requeued once, dispatched once.
    gh!.workflows['housekeeping-prod-promotion.yml']!.inputs.push('sha');
    expect((await Promise.all([retryDispatch(db, 'go-dispatch:p4:1', 'U1'), retryDispatch(db, 'go-dispatch:p4:1', 'U2')])).sort()).toEqual(['in-progress', 'requeued']);
    await Promise.all([d.sweep(), dispatcher().sweep()]);
    expect(gh!.dispatches).toHaveLength(1);
    expect(await getDispatch(db, 'go-dispatch:p4:1')).toMatchObject({ state: 'dispatched', runId: gh!.runs[0]!.id });
    expect(await d.retry('go-dispatch:p4:1', 'U1')).toBe('dispatched');
    expect(gh!.dispatches).toHaveLength(1);
  });

  it('records a 404 (no such workflow) and a 401 as failed, the token in no error and no log line', async () => {
    await setup();
    await enqueued('go-dispatch:p5:1', { workflow: 'nope.yml' });
    expect(await dispatcher().send('go-dispatch:p5:1')).toBe('failed');
    expect((await getDispatch(db, 'go-dispatch:p5:1'))!.lastError).toBe('GitHub answered 404: Not Found');

    await enqueued('go-dispatch:p5:2');
    const wrong = `ghp_${'Z9'.repeat(18)}`;
    expect(await dispatcher({}, wrong).send('go-dispatch:p5:2')).toBe('failed');
    const row = await getDispatch(db, 'go-dispatch:p5:2');
    expect(row!.lastError).toBe('GitHub answered 401: Bad credentials');
    expect(logged).toContain('GitHub refused a workflow dispatch');
    for (const secret of [TOKEN, wrong]) {
      expect(logged).not.toContain(secret);
      expect(JSON.stringify(await getOutboxRow(db, 'dispatch-failed:go-dispatch:p5:2:1'))).not.toContain(secret);
    }
  });

  it('does not dispatch again when GitHub took the dispatch but its answer never came: the next attempt finds the run', async () => {
    await setup();
    const row = await enqueued('go-dispatch:p6:1');
    gh!.hangAfterAccepting = 1;
    expect(await dispatcher().send('go-dispatch:p6:1')).toBe('pending');
    expect(gh!.dispatches).toHaveLength(1);
    expect(await getDispatch(db, 'go-dispatch:p6:1')).toMatchObject({ state: 'claimed', maybeDispatched: true, lastError: 'outcome unknown: GitHub did not answer in time' });

    // Another replica, once the claim lapsed (the backoff, by the database's clock): looks, finds, records.
    const other = dispatcher();
    await sleep(200);
    expect(await other.sweep()).toBe(1);
    expect(gh!.dispatches).toHaveLength(1);
    const ours = gh!.runs.find((r) => r.name.includes(row.correlationId))!;
    expect(await getDispatch(db, 'go-dispatch:p6:1')).toMatchObject({ state: 'dispatched', runId: ours.id, attempts: 1 });
    expect(await getOutboxRow(db, 'dispatch-started:go-dispatch:p6:1')).toMatchObject({ content: { message: { runUrl: ours.html_url } } });
  });

  it('without a correlation input, finds a lost dispatch\'s run best effort (workflow_dispatch on the ref, by the token\'s user, since the first attempt)', async () => {
    await setup();
    await enqueued('go-dispatch:p7:1', { correlation_input: undefined });
    // Another user's run of the workflow on the ref, just before: not taken for ours.
    gh!.addRun('housekeeping-prod-promotion.yml', { actor: { login: 'someone' } });
    gh!.hangAfterAccepting = 1;
    expect(await dispatcher().send('go-dispatch:p7:1')).toBe('pending');
    await sleep(200);
    expect(await dispatcher().sweep()).toBe(1);
    expect(gh!.dispatches).toHaveLength(1);
    const ours = gh!.runs.find((r) => r.actor.login === 'preflight-bot')!;
    expect(await getDispatch(db, 'go-dispatch:p7:1')).toMatchObject({ state: 'dispatched', runId: ours.id });
  });

  it('dispatches again after a 502 only once no run shows up within the settle time, and then once', async () => {
    await setup();
    await enqueued('go-dispatch:p8:1');
    gh!.failWith502 = 1;
    const d = dispatcher();
    expect(await d.send('go-dispatch:p8:1')).toBe('pending');
    expect(gh!.dispatches).toHaveLength(0);
    await sleep(200);
    // Claim lapsed, look-up finds nothing, but a run might not be listed yet: not dispatched before the settle time.
    expect(await d.sweep()).toBe(1);
    expect(gh!.dispatches).toHaveLength(0);
    expect(await getDispatch(db, 'go-dispatch:p8:1')).toMatchObject({ state: 'pending' });
    await sleep(600);
    expect(await d.sweep()).toBe(1);
    expect(gh!.dispatches).toHaveLength(1);
    expect(await getDispatch(db, 'go-dispatch:p8:1')).toMatchObject({ state: 'dispatched', runId: gh!.runs[0]!.id, attempts: 2 });
  });

  it('two replicas sending one row at once dispatch it once', async () => {
    await setup();
    await enqueued('go-dispatch:p9:1');
    const [a, b] = [dispatcher(), dispatcher()];
    const outcomes = await Promise.all([a.send('go-dispatch:p9:1'), b.send('go-dispatch:p9:1'), a.sweep(), b.sweep()]);
    await Promise.all([a.sweep(), b.sweep()]);
    expect(gh!.dispatches).toHaveLength(1);
    expect(outcomes.slice(0, 2)).toContain('dispatched');
    expect(await getDispatch(db, 'go-dispatch:p9:1')).toMatchObject({ state: 'dispatched', attempts: 1 });
  });

  it('GO\'s hook enqueues the template\'s on_go.dispatch with the item values as they are, once, and it is dispatched', async () => {
    await setup();
    const template = {
      id: 'web',
      ...templateSchema.parse({
        name: 'Web',
        sections: [{ id: 's', title: 'S', kind: 'gates', items: [{ id: 'ci-sha', label: 'SHA', field: { type: 'text' } }] }],
        on_go: { dispatch: { repo: 'acme/platform', workflow: 'housekeeping-prod-promotion.yml', inputs: { confirm: 'PROMOTE', tag: '{release}', sha: '{item:ci-sha}' }, correlation_input: 'preflight_run' } },
      }),
    };
    const id = '00000000-0000-4000-8000-0000000000a1';
    await db.tx((q) => insertPromotion(q, { id, release: 'v2.0', template, channelId: 'C9', teamId: null, requestedBy: 'U1', createdAt: NOW }, ['ci-sha']));
    await writeItemState(db, id, { itemId: 'ci-sha', state: 'done', value: 'abc1234', note: null, by: 'U1', at: NOW });
    const promotion = (await getPromotion(db, id))!;
    expect(await db.tx((q) => enqueueGoDispatch(q, promotion, 1, NOW))).toBe(goDispatchKey(id, 1));
    // The same decision again (a redelivery inside a retried change): nothing more.
    await db.tx((q) => enqueueGoDispatch(q, promotion, 1, NOW));
    expect(await dispatcher().sweep()).toBe(1);
    expect(gh!.dispatches).toHaveLength(1);
    expect(gh!.dispatches[0]!.body['inputs']).toMatchObject({ confirm: 'PROMOTE', tag: 'v2.0', sha: 'abc1234' });
    expect(await getDispatch(db, goDispatchKey(id, 1))).toMatchObject({ state: 'dispatched', promotionId: id, channelId: 'C9', threadTs: null });
    expect(await getOutboxRow(db, `dispatch-started:${goDispatchKey(id, 1)}`)).toMatchObject({ promotionId: id, channelId: 'C9' });
  });

  it('fails plainly without GITHUB_TOKEN', async () => {
    await setup();
    await enqueued('go-dispatch:p10:1');
    const d = new WorkflowDispatcher({ db, github: undefined, log: createLogger('silent'), clock: () => NOW, timing: FAST });
    expect(await d.send('go-dispatch:p10:1')).toBe('failed');
    expect((await getDispatch(db, 'go-dispatch:p10:1'))!.lastError).toMatch(/^GITHUB_TOKEN is not set/);
  });
});

describe('on_go.dispatch inputs', () => {
  it('resolves {release} and {item:<id>}, naming the items with no value', () => {
    expect(resolveDispatchInputs({ tag: '{release}', sha: 'sha-{item:ci-sha}', image: '{item:digest}', confirm: 'PROMOTE' }, { release: 'v1.50', itemValue: (id) => (id === 'ci-sha' ? 'abc' : null) })).toEqual({
      inputs: { tag: 'v1.50', sha: 'sha-abc', image: '', confirm: 'PROMOTE' },
      empty: ['digest'],
    });
  });

  it('takes a correlation_input, and refuses one that is also an input', () => {
    const dispatch = { repo: 'acme/platform', workflow: 'x.yml', inputs: { tag: '{release}' } };
    expect(onGoSchema.parse({ dispatch: { ...dispatch, correlation_input: 'preflight_run' } })?.dispatch?.correlation_input).toBe('preflight_run');
    expect(() => onGoSchema.parse({ dispatch: { ...dispatch, correlation_input: 'tag' } })).toThrow(/correlation_input must not also be one of inputs/);
  });
});
