/**
 * The status page's sender (src/statuspage/sender.ts) against a loopback Statuspage (test/support/fake-statuspage.ts),
 * on PostgreSQL and PGlite: the maintenance created once by two replicas racing, moved with a PATCH of the same
 * incident, a 429 waited out, a 5xx whose work was or was not done followed by one incident only (the look-up by the
 * marker, or by name when the marker is not echoed), a refusal failed once and shown to the lead, a rollback's
 * incident opened, updated and resolved in order, and the key nowhere but in the Authorization header.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { templateSchema, type Template } from '../../src/domain/template.js';
import type { Promotion, PromotionWindow } from '../../src/domain/promotion.js';
import { createLogger } from '../../src/logger.js';
import { VirtualTime } from '../../src/playground/virtual-time.js';
import { REAL_TIMER, type RateTimer } from '../../src/slack/rate-budget.js';
import {
  enqueueMaintenanceWindow,
  enqueueMaintenanceComplete,
  openStatuspageIncident,
  resolveStatuspageIncident,
  statuspageKey,
  updateStatuspageIncident,
} from '../../src/services/statuspage.js';
import { StatuspageSender, statuspageFailedKey, type StatuspageTiming } from '../../src/statuspage/sender.js';
import { listAudit } from '../../src/store/audit.js';
import type { Db } from '../../src/store/db.js';
import { getOutboxRow } from '../../src/store/outbox.js';
import { getPromotion, insertPromotion } from '../../src/store/promotions.js';
import { getStatuspageCall, getStatuspageIncident, listStatuspageCalls } from '../../src/store/statuspage.js';
import { BACKENDS, migrated, type TestDatabase } from '../support/db.js';
import { FakeStatuspage, type FakeStatuspageOptions } from '../support/fake-statuspage.js';

const KEY = 'sp-test-4f1c2a9e8b7d6c5e4f3a2b1c0d9e8f7a';
const PAGE = 'pg0preflight';
const NOW = new Date('2026-11-20T10:00:00Z');
const FAST: Partial<StatuspageTiming> = { claimMs: 2_000, requestTimeoutMs: 1_000, retryBaseMs: 100, retryMaxMs: 400, inlineWaitMaxMs: 30_000, maxAttempts: 4 };
const WINDOW: PromotionWindow = { start: new Date('2026-11-24T02:00:00Z'), end: new Date('2026-11-24T04:00:00Z'), t0: new Date('2026-11-24T02:00:00Z') };
const MOVED: PromotionWindow = { start: new Date('2026-11-25T02:00:00Z'), end: new Date('2026-11-25T04:00:00Z'), t0: new Date('2026-11-25T02:00:00Z') };
const ENABLED = { statuspage: { enabled: true, kick: () => undefined } };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(BACKENDS)('the status page on %s', (_name, create) => {
  let t: TestDatabase | undefined;
  let sp: FakeStatuspage | undefined;
  let db: Db;
  let promotion: Promotion;
  let logged = '';
  const time = new VirtualTime('auto');

  afterEach(async () => {
    await sp?.close();
    await t?.drop();
    t = undefined;
    sp = undefined;
    logged = '';
  });

  async function setup(opts: Partial<FakeStatuspageOptions> = {}) {
    t = await create();
    db = await migrated(t);
    sp = await new FakeStatuspage({ apiKey: KEY, pages: [PAGE], ...opts }).start();
    const template: Template = {
      id: 'web',
      ...templateSchema.parse({
        name: 'Web',
        statuspage: { page_id: PAGE, components: ['cmp0api'], maintenance: { name: 'Maintenance: {release}', body: 'We deploy {release} between {start} and {end}.' } },
        sections: [{ id: 's', title: 'S', kind: 'gates', items: [{ id: 'a', label: 'A' }] }],
      }),
    };
    const id = '00000000-0000-4000-8000-0000000000b1';
    await db.tx((q) => insertPromotion(q, { id, release: 'v1.50', template, channelId: 'C0DEPLOY', teamId: null, requestedBy: 'U0LEAD', createdAt: NOW }, ['a']));
    promotion = (await getPromotion(db, id))!;
  }

  function sender(over: { apiKey?: string; timing?: Partial<StatuspageTiming>; timer?: RateTimer } = {}) {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logged += String(chunk);
        done();
      },
    });
    return new StatuspageSender({ db, apiKey: over.apiKey ?? KEY, apiUrl: sp!.url, log: createLogger('debug', sink), clock: () => NOW, timer: () => over.timer ?? time, timing: { ...FAST, ...over.timing } });
  }

  const schedule = (window = WINDOW, seq = 1, moved = false) => db.tx((q) => enqueueMaintenanceWindow(ENABLED, { q, promotion, now: NOW }, window, { seq, moved }));

  it('creates the scheduled maintenance once, however many replicas race for it, with the documented shape', async () => {
    await setup();
    const key = (await schedule())!;
    expect(key).toBe(statuspageKey(promotion.id, 'maintenance-schedule', 1));
    // The same change again (a retried transaction): nothing more.
    expect(await schedule()).toBe(key);
    expect(await listStatuspageCalls(db, promotion.id)).toHaveLength(1);

    const replicas = [sender(), sender(), sender()];
    const outcomes = await Promise.all([...replicas.map((r) => r.send(key)), ...replicas.map((r) => r.sweep())]);
    expect(outcomes.slice(0, 3)).toContain('done');

    expect(sp!.requests('POST')).toHaveLength(1);
    const call = sp!.requests('POST')[0]!;
    expect(call.path).toBe(`/v1/pages/${PAGE}/incidents`);
    expect(call.authorization).toBe(`OAuth ${KEY}`);
    expect(call.body).toEqual({
      incident: {
        name: 'Maintenance: v1.50',
        status: 'scheduled',
        body: 'We deploy v1.50 between 2026-11-24 02:00 UTC and 2026-11-24 04:00 UTC.',
        scheduled_for: '2026-11-24T02:00:00.000Z',
        scheduled_until: '2026-11-24T04:00:00.000Z',
        scheduled_remind_prior: true,
        scheduled_auto_in_progress: true,
        scheduled_auto_completed: true,
        auto_transition_to_maintenance_state: true,
        auto_transition_to_operational_state: true,
        component_ids: ['cmp0api'],
        metadata: { preflight: { call: key, promotion: promotion.id } },
      },
    });
    const incident = sp!.incidents[0]!;
    expect(await getStatuspageCall(db, key)).toMatchObject({ state: 'done', incidentId: incident.id, resultStatus: 'scheduled', attempts: 1 });
    expect(await getStatuspageIncident(db, promotion.id, 'maintenance')).toMatchObject({ incidentId: incident.id, status: 'scheduled' });
    const audit = await listAudit(db, promotion.id);
    expect(audit.filter((e) => e.action === 'statuspage.updated').map((e) => e.data)).toEqual([{ op: 'maintenance-schedule', incident: incident.id, status: 'scheduled' }]);
    expect(await sender().sweep()).toBe(0);
    expect(sp!.calls).toHaveLength(1);
  });

  it('moves the same maintenance when the window is rescheduled (PATCH), and completes it', async () => {
    await setup();
    await schedule();
    await sender().sweep();
    const id = sp!.incidents[0]!.id;
    const move = (await schedule(MOVED, 2, true))!;
    expect(await sender().send(move)).toBe('done');
    expect(sp!.requests('POST')).toHaveLength(1);
    const patch = sp!.requests('PATCH')[0]!;
    expect(patch.path).toBe(`/v1/pages/${PAGE}/incidents/${id}`);
    expect(patch.body).toEqual({
      incident: { status: 'scheduled', body: 'We deploy v1.50 between 2026-11-25 02:00 UTC and 2026-11-25 04:00 UTC.', scheduled_for: '2026-11-25T02:00:00.000Z', scheduled_until: '2026-11-25T04:00:00.000Z' },
    });
    expect(sp!.incidents).toHaveLength(1);
    expect(sp!.incidents[0]).toMatchObject({ scheduled_for: '2026-11-25T02:00:00.000Z', status: 'scheduled' });

    const done = (await db.tx((q) => enqueueMaintenanceComplete(ENABLED, { q, promotion, now: NOW })))!;
    expect(await sender().send(done)).toBe('done');
    expect(sp!.incidents[0]).toMatchObject({ status: 'completed' });
    expect(await getStatuspageIncident(db, promotion.id, 'maintenance')).toMatchObject({ incidentId: id, status: 'completed' });
  });

  it('waits out a 429 as Retry-After says (holding its claim), then succeeds', async () => {
    await setup({ clock: () => time.now(), rate: true });
    sp!.fail({ method: 'POST', status: 429, retryAfter: 3 });
    const key = (await schedule())!;
    const started = time.now();
    expect(await sender().send(key)).toBe('done');
    const posts = sp!.requests('POST');
    expect(posts.map((c) => c.status)).toEqual([429, 201]);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(3_000);
    expect(time.now() - started).toBeGreaterThanOrEqual(3_000);
    expect(sp!.incidents).toHaveLength(1);
    expect(await getStatuspageCall(db, key)).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('spends one request a second across the replicas (a shared budget), or Statuspage would answer 429', async () => {
    // On the wall clock: virtual time jumps while a request is on its way, so it cannot time one.
    await setup({ rate: true });
    const keys: string[] = [(await schedule())!];
    keys.push((await schedule(MOVED, 2, true))!);
    keys.push((await db.tx((q) => openStatuspageIncident(ENABLED, { q, promotion, now: NOW }, { name: 'Degraded API', body: 'Rolling back.' })))!);
    keys.push((await db.tx((q) => updateStatuspageIncident(ENABLED, { q, promotion, now: NOW }, { number: 1, body: 'Restore at 60%.' })))!);
    await Promise.all([sender({ timer: REAL_TIMER }), sender({ timer: REAL_TIMER }), sender({ timer: REAL_TIMER })].map((r) => r.sweep()));
    expect(sp!.rateLimited).toBe(0);
    expect(sp!.calls).toHaveLength(4);
    for (const k of keys) expect((await getStatuspageCall(db, k))!.state).toBe('done');
  });

  it('after a 500 that did nothing, creates the maintenance once (looked for first, not found)', async () => {
    await setup();
    sp!.fail({ method: 'POST', status: 500 });
    const key = (await schedule())!;
    const s = sender({ timing: { retryBaseMs: 1_500 } });
    expect(await s.send(key)).toBe('pending');
    expect(await getStatuspageCall(db, key)).toMatchObject({ state: 'claimed', maybeSent: true, lastError: 'outcome unknown: Statuspage answered 500: Internal Server Error' });
    // Not before its claim lapses (the backoff).
    expect(await sender().sweep()).toBe(0);
    await sleep(1_600);
    expect(await sender().sweep()).toBe(1);
    expect(sp!.calls.map((c) => `${c.method} ${c.path.replace(/\?.*/, '')} ${c.status}`)).toEqual([
      `POST /v1/pages/${PAGE}/incidents 500`,
      `GET /v1/pages/${PAGE}/incidents 200`,
      `POST /v1/pages/${PAGE}/incidents 201`,
    ]);
    expect(sp!.incidents).toHaveLength(1);
    expect(await getStatuspageCall(db, key)).toMatchObject({ state: 'done', incidentId: sp!.incidents[0]!.id, attempts: 2 });
  });

  it('after a 500 whose work was done (the answer lost), finds the maintenance by its marker and never creates a second', async () => {
    await setup();
    sp!.fail({ method: 'POST', status: 502, apply: true });
    const key = (await schedule())!;
    expect(await sender().send(key)).toBe('pending');
    expect(sp!.incidents).toHaveLength(1);
    await sleep(250);
    expect(await sender().sweep()).toBe(1);
    expect(sp!.requests('POST')).toHaveLength(1);
    expect(sp!.incidents).toHaveLength(1);
    expect(await getStatuspageCall(db, key)).toMatchObject({ state: 'done', incidentId: sp!.incidents[0]!.id });
    expect(await getStatuspageIncident(db, promotion.id, 'maintenance')).toMatchObject({ incidentId: sp!.incidents[0]!.id });
  });

  it('finds it by name and window when Statuspage does not echo the marker', async () => {
    await setup({ dropMetadata: true });
    sp!.fail({ method: 'POST', status: 504, apply: true });
    const key = (await schedule())!;
    expect(await sender().send(key)).toBe('pending');
    // Someone's maintenance of the same name and window, made by hand two days before: never taken for ours.
    const ours = sp!.incidents[0]!;
    sp!.incidents.unshift({ ...structuredClone(ours), id: 'byhand000001', created_at: new Date(Date.now() - 2 * 86_400_000).toISOString() });
    await sleep(250);
    await sender().sweep();
    expect(sp!.requests('POST')).toHaveLength(1);
    expect(sp!.incidents).toHaveLength(2);
    expect(await getStatuspageCall(db, key)).toMatchObject({ state: 'done', incidentId: ours.id });
  });

  it('records a 401 as failed with Statuspage\'s message, tells the lead once, and does not retry it', async () => {
    await setup();
    const key = (await schedule())!;
    const wrong = 'sp-wrong-0000000000000000000000000000';
    expect(await sender({ apiKey: wrong }).send(key)).toBe('failed');
    expect(await getStatuspageCall(db, key)).toMatchObject({ state: 'failed', httpStatus: 401, lastError: 'Statuspage answered 401: Could not authenticate', maybeSent: false });
    const notice = await getOutboxRow(db, statuspageFailedKey(key));
    expect(notice).toMatchObject({
      channelId: 'C0DEPLOY',
      content: {
        type: 'message',
        message: { kind: 'statuspage-failed', release: 'v1.50', lead: 'U0LEAD', status: 401, error: 'Statuspage answered 401: Could not authenticate', pageId: PAGE },
      },
    });
    expect((await listAudit(db, promotion.id)).filter((e) => e.action === 'statuspage.failed').map((e) => e.data)).toEqual([
      { op: 'maintenance-schedule', status: 401, error: 'Statuspage answered 401: Could not authenticate' },
    ]);
    // Not retried by itself, by this replica or another.
    expect(await sender({ apiKey: wrong }).sweep()).toBe(0);
    expect(await sender().sweep()).toBe(0);
    expect(sp!.calls).toHaveLength(1);
    // The key is nowhere but in the request's header.
    const stored = JSON.stringify([await listStatuspageCalls(db, promotion.id), notice, await listAudit(db, promotion.id)]);
    for (const secret of [KEY, wrong]) {
      expect(stored).not.toContain(secret);
      expect(logged).not.toContain(secret);
    }
  });

  it('keeps the key out of a refusal that repeats it', async () => {
    await setup();
    sp!.fail({ method: 'POST', status: 422, error: `bad request from OAuth ${KEY}` });
    const key = (await schedule())!;
    expect(await sender().send(key)).toBe('failed');
    const row = await getStatuspageCall(db, key);
    expect(row!.lastError).toBe('Statuspage answered 422: bad request from OAuth [redacted]');
    expect(JSON.stringify(await getOutboxRow(db, statuspageFailedKey(key)))).not.toContain(KEY);
    expect(logged).not.toContain(KEY);
  });

  it("opens a rollback's incident, posts its updates and resolves it, in order, on the same incident", async () => {
    await setup();
    // Enqueued together (as a rollback's changes could be, while Statuspage is away): the update waits for the open.
    const open = (await db.tx((q) => openStatuspageIncident(ENABLED, { q, promotion, now: NOW }, { name: 'Degraded API', body: 'We are rolling back v1.50.' })))!;
    const update = (await db.tx((q) => updateStatuspageIncident(ENABLED, { q, promotion, now: NOW }, { number: 1, body: 'Restore at 60%.' })))!;
    const resolve = (await db.tx((q) => resolveStatuspageIncident(ENABLED, { q, promotion, now: NOW }, { body: 'The previous version is serving.' })))!;
    sp!.fail({ method: 'POST', status: 503 });
    expect(await sender().send(open)).toBe('pending');
    // The open's outcome is unknown: the update and the resolve are not sent before it.
    expect(await sender().send(update)).toBe('pending');
    expect(await sender().send(resolve)).toBe('pending');
    expect(sp!.requests('PATCH')).toHaveLength(0);
    await sleep(250);
    expect(await sender().sweep()).toBe(3);
    expect(sp!.incidents).toHaveLength(1);
    const incident = sp!.incidents[0]!;
    expect(incident).toMatchObject({ name: 'Degraded API', status: 'resolved', components: [{ id: 'cmp0api' }] });
    expect(incident.incident_updates.map((u) => [u.status, u.body])).toEqual([
      ['resolved', 'The previous version is serving.'],
      ['monitoring', 'Restore at 60%.'],
      ['identified', 'We are rolling back v1.50.'],
    ]);
    expect(sp!.requests('PATCH').map((c) => c.path)).toEqual([`/v1/pages/${PAGE}/incidents/${incident.id}`, `/v1/pages/${PAGE}/incidents/${incident.id}`]);
    expect((await listAudit(db, promotion.id)).filter((e) => e.action === 'statuspage.updated').map((e) => (e.data as { op: string }).op)).toEqual([
      'incident-open',
      'incident-update',
      'incident-resolve',
    ]);
  });

  it('creates the incident from an update when the open was refused, and does nothing to resolve what was never opened', async () => {
    await setup();
    const resolveFirst = (await db.tx((q) => resolveStatuspageIncident(ENABLED, { q, promotion, now: NOW }, { body: 'ok' })))!;
    expect(await sender().send(resolveFirst)).toBe('done');
    expect(sp!.calls).toHaveLength(0);
    expect(await getStatuspageCall(db, resolveFirst)).toMatchObject({ state: 'done', incidentId: null, lastError: 'no incident was opened on the status page' });

    sp!.fail({ method: 'POST', status: 422 });
    const open = (await db.tx((q) => openStatuspageIncident(ENABLED, { q, promotion, now: NOW }, { name: 'Degraded API', body: 'Rolling back.' })))!;
    expect(await sender().send(open)).toBe('failed');
    const update = (await db.tx((q) => updateStatuspageIncident(ENABLED, { q, promotion, now: NOW }, { number: 1, body: 'Restore at 60%.', name: 'Degraded API' })))!;
    expect(await sender().send(update)).toBe('done');
    expect(sp!.incidents).toHaveLength(1);
    expect(sp!.incidents[0]).toMatchObject({ name: 'Degraded API', status: 'monitoring' });
  });

  it('enqueues nothing without a key or without a page in the template', async () => {
    await setup();
    expect(await db.tx((q) => enqueueMaintenanceWindow({ statuspage: { enabled: false, kick: () => undefined } }, { q, promotion, now: NOW }, WINDOW, { seq: 1, moved: false }))).toBeNull();
    expect(await db.tx((q) => enqueueMaintenanceWindow({}, { q, promotion, now: NOW }, WINDOW, { seq: 1, moved: false }))).toBeNull();
    const bare = { ...promotion, template: { ...promotion.template, statuspage: undefined } };
    expect(await db.tx((q) => openStatuspageIncident(ENABLED, { q, promotion: bare, now: NOW }, { name: 'x', body: 'y' }))).toBeNull();
    expect(await listStatuspageCalls(db, promotion.id)).toEqual([]);
    // A replica without the key sends nothing, even what another enqueued.
    await schedule();
    const noKey = new StatuspageSender({ db, apiUrl: sp!.url, log: createLogger('silent'), clock: () => NOW, timer: () => time });
    expect(noKey.enabled).toBe(false);
    expect(await noKey.sweep()).toBe(0);
    expect(sp!.calls).toHaveLength(0);
  });
});
