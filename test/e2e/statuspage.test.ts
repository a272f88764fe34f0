/**
 * The status page kept in step (issue 12), end to end through signed requests into real bot processes, the fake Slack
 * and a loopback Statuspage (test/support/fake-statuspage.ts): scheduling the window by command creates the scheduled
 * maintenance once (two replicas sweeping), rescheduling moves the same incident, a 429 is waited out, a refusal (a
 * wrong key) is shown to the lead once in the checklist's thread and not retried, and without a key nothing is
 * called or enqueued. The key appears nowhere: not in the logs, the thread, the audit trail or the database.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../../src/playground/fake-slack.js';
import { listAudit } from '../../src/store/audit.js';
import { findActive } from '../../src/store/promotions.js';
import { listMessages } from '../../src/store/messages.js';
import { listStatuspageCalls } from '../../src/store/statuspage.js';
import { postgresDatabase, type TestDatabase } from '../support/db.js';
import { FakeStatuspage } from '../support/fake-statuspage.js';
import { CHANNEL, promotionMessages, startHarness, visibleText, type Harness } from '../support/harness.js';

const KEY = 'sp-e2e-9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d';
const PAGE = 'pg0preflight';

describe('the status page', () => {
  let database: TestDatabase;
  let h: Harness;
  let sp: FakeStatuspage;
  let now: Date;
  let pid: string;
  let checklistTs = new Set<string>();

  afterEach(async () => {
    await h.close();
    await sp.close();
    await database.drop();
  });

  async function begin(opts: { bots?: number; key?: string | null } = {}): Promise<void> {
    database = await postgresDatabase();
    now = new Date('2026-11-20T10:00:00Z');
    let clock = () => Date.now();
    sp = await new FakeStatuspage({ apiKey: KEY, pages: [PAGE], clock: () => clock() }).start();
    const key = opts.key === undefined ? KEY : opts.key;
    h = await startHarness({
      database,
      bots: opts.bots ?? 1,
      templatesDir: 'test/fixtures/statuspage',
      clock: () => now,
      env: { STATUSPAGE_API_URL: sp.url, ...(key ? { STATUSPAGE_API_KEY: key } : {}) },
    });
    clock = () => h.time.now();
    await h.command('start v1.50 statuspage', { user: 'U0LEAD' });
    await h.settle();
    pid = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
    checklistTs = new Set((await listMessages(h.bot.db, pid)).flatMap((m) => (m.ts ? [m.ts] : [])));
  }

  async function command(text: string, user = 'U0LEAD'): Promise<void> {
    await h.command(text, { user });
    await h.settle();
  }

  /** The bot's replies in the checklist's thread that are not checklist messages. */
  const posts = (): FakeMessage[] => {
    const thread = promotionMessages(h.fake)[0]!.overview.ts;
    return h.fake.messages(CHANNEL).filter((m) => m.thread_ts === thread && !checklistTs.has(m.ts));
  };
  const failures = () => posts().filter((m) => visibleText(m).includes('the status page was *not* updated'));

  /** Everything the key must stay out of: logs, Slack, the audit trail, the calls as stored. */
  async function everywhere(): Promise<string> {
    return JSON.stringify([h.logs, h.fake.messages(CHANNEL), h.fake.calls ?? [], await listAudit(h.bot.db, pid), await listStatuspageCalls(h.bot.db, pid)]);
  }

  it('creates the maintenance when the window is scheduled, once across replicas, and moves the same one when it is rescheduled', async () => {
    await begin({ bots: 2 });
    await command('schedule v1.50 2026-11-24 02:00 UTC');
    // Sent right after the change (the scheduler is off in tests): one POST, the documented shape and header.
    const posts1 = sp.requests('POST');
    expect(posts1).toHaveLength(1);
    expect(posts1[0]!.authorization).toBe(`OAuth ${KEY}`);
    expect(posts1[0]!.body).toMatchObject({
      incident: {
        name: 'Maintenance: v1.50',
        status: 'scheduled',
        body: 'We deploy v1.50 between 2026-11-24 02:00 UTC and 2026-11-24 04:00 UTC.',
        scheduled_for: '2026-11-24T02:00:00.000Z',
        scheduled_until: '2026-11-24T04:00:00.000Z',
        scheduled_remind_prior: true,
        scheduled_auto_in_progress: true,
        scheduled_auto_completed: true,
        component_ids: ['cmp0api', 'cmp0web'],
      },
    });
    // Both replicas sweep: nothing more is sent.
    expect(await Promise.all(h.bots.map((b) => b.preflight.statuspage()))).toEqual([0, 0]);
    expect(sp.calls).toHaveLength(1);
    const incident = sp.incidents[0]!;

    // Rescheduled from the second replica: the same incident, PATCHed with the new window.
    await h.command('schedule v1.50 2026-11-25 03:00 UTC', { user: 'U0LEAD', bot: h.bots[1] });
    await h.settle();
    expect(sp.requests('POST')).toHaveLength(1);
    const patches = sp.requests('PATCH');
    expect(patches).toHaveLength(1);
    expect(patches[0]!.path).toBe(`/v1/pages/${PAGE}/incidents/${incident.id}`);
    expect(patches[0]!.body).toEqual({
      incident: { status: 'scheduled', body: 'We deploy v1.50 between 2026-11-25 03:00 UTC and 2026-11-25 05:00 UTC.', scheduled_for: '2026-11-25T03:00:00.000Z', scheduled_until: '2026-11-25T05:00:00.000Z' },
    });
    expect(sp.incidents).toHaveLength(1);
    expect(sp.incidents[0]).toMatchObject({ scheduled_for: '2026-11-25T03:00:00.000Z', scheduled_until: '2026-11-25T05:00:00.000Z' });

    const audit = (await listAudit(h.bot.db, pid)).filter((e) => e.action.startsWith('statuspage.'));
    expect(audit.map((e) => [e.actor, e.action, e.data])).toEqual([
      ['preflight', 'statuspage.updated', { op: 'maintenance-schedule', incident: incident.id, status: 'scheduled' }],
      ['preflight', 'statuspage.updated', { op: 'maintenance-move', incident: incident.id, status: 'scheduled' }],
    ]);
    expect(failures()).toHaveLength(0);
    expect(await everywhere()).not.toContain(KEY);
  });

  it('waits out a 429 and then succeeds, saying nothing to the lead', async () => {
    await begin();
    sp.fail({ method: 'POST', status: 429, retryAfter: 2 });
    const before = h.time.now();
    await command('schedule v1.50 2026-11-24 02:00 UTC');
    expect(sp.requests('POST').map((c) => c.status)).toEqual([429, 201]);
    expect(sp.requests('POST')[1]!.at - sp.requests('POST')[0]!.at).toBeGreaterThanOrEqual(2_000);
    expect(h.time.now() - before).toBeGreaterThanOrEqual(2_000);
    expect(sp.incidents).toHaveLength(1);
    expect(failures()).toHaveLength(0);
    expect((await listStatuspageCalls(h.bot.db, pid)).map((c) => c.state)).toEqual(['done']);
  });

  it('shows a refusal (a wrong key) to the lead once in the thread, records it, and does not retry it', async () => {
    const wrong = 'sp-wrong-00112233445566778899aabbccddeeff';
    await begin({ key: wrong });
    await command('schedule v1.50 2026-11-24 02:00 UTC');
    expect(sp.calls.map((c) => c.status)).toEqual([401]);
    const [notice] = failures();
    expect(failures()).toHaveLength(1);
    const text = visibleText(notice!);
    expect(text).toContain('<@U0LEAD>');
    expect(text).toContain('schedule the maintenance');
    expect(text).toContain('Statuspage answered 401: Could not authenticate');
    // Not retried: a sweep (any replica, any time later) calls nothing, and the notice is not posted again.
    expect(await h.bot.preflight.statuspage()).toBe(0);
    await command('status v1.50');
    expect(sp.calls).toHaveLength(1);
    expect(failures()).toHaveLength(1);
    const audit = (await listAudit(h.bot.db, pid)).filter((e) => e.action.startsWith('statuspage.'));
    expect(audit.map((e) => [e.action, e.data])).toEqual([['statuspage.failed', { op: 'maintenance-schedule', status: 401, error: 'Statuspage answered 401: Could not authenticate' }]]);
    // A reschedule is tried again (a new call), and fails again: shown again, once.
    await command('schedule v1.50 2026-11-25 02:00 UTC');
    expect(sp.calls).toHaveLength(2);
    expect(failures()).toHaveLength(2);
    const all = await everywhere();
    expect(all).not.toContain(wrong);
    expect(all).not.toContain(KEY);
  });

  it('without a key, calls nothing and enqueues nothing: the status-page items stay manual', async () => {
    await begin({ key: null });
    await command('schedule v1.50 2026-11-24 02:00 UTC');
    await command('schedule v1.50 2026-11-25 02:00 UTC');
    expect(await h.bot.preflight.statuspage()).toBe(0);
    expect(sp.calls).toHaveLength(0);
    expect(await listStatuspageCalls(h.bot.db, pid)).toEqual([]);
    expect((await listAudit(h.bot.db, pid)).filter((e) => e.action.startsWith('statuspage.'))).toEqual([]);
    expect(failures()).toHaveLength(0);
  });
});
