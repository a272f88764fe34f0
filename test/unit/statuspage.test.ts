/**
 * The status page's pure parts (issue 12): the template key, the configuration (the key a secret: redacted from logs,
 * never in a configuration error), the maintenance text, what a failed call says, and the client's typed failures
 * and scrubbing against a loopback Statuspage.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { statuspageFailed } from '../../blocks/statuspage.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { templateSchema } from '../../src/domain/template.js';
import { createLogger } from '../../src/logger.js';
import type { Promotion } from '../../src/domain/promotion.js';
import { maintenanceText } from '../../src/services/statuspage.js';
import { StatuspageClient, StatuspageError } from '../../src/statuspage/client.js';
import { describeCall } from '../../src/statuspage/sender.js';
import { FakeStatuspage } from '../support/fake-statuspage.js';

const HTTP = { SLACK_BOT_TOKEN: 'xoxb-1111-2222-abcdef', SLACK_SIGNING_SECRET: 'signing-secret-1234' };
const KEY = 'sp-unit-0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const SECTIONS = [{ id: 's', title: 'S', kind: 'gates', items: [{ id: 'a', label: 'A' }] }];

describe('the statuspage template key', () => {
  it('takes a page, components and the maintenance text, and refuses what is not a Statuspage id', () => {
    const t = templateSchema.parse({ name: 'W', sections: SECTIONS, statuspage: { page_id: 'kctbh9vrtdwd', components: ['8kbf7d35c070'], maintenance: { name: 'Upgrade {release}' } } });
    expect(t.statuspage).toEqual({ page_id: 'kctbh9vrtdwd', components: ['8kbf7d35c070'], maintenance: { name: 'Upgrade {release}' } });
    expect(templateSchema.parse({ name: 'W', sections: SECTIONS }).statuspage).toBeUndefined();
    expect(templateSchema.safeParse({ name: 'W', sections: SECTIONS, statuspage: { page_id: 'not a page/../x' } }).success).toBe(false);
    expect(templateSchema.safeParse({ name: 'W', sections: SECTIONS, statuspage: { page_id: 'kctbh9vrtdwd', incident: {} } }).success).toBe(false);
  });

  it('fills the maintenance text with the release and the window, with defaults', () => {
    const template = { id: 'w', ...templateSchema.parse({ name: 'W', sections: SECTIONS, statuspage: { page_id: 'kctbh9vrtdwd' } }) };
    const window = { start: new Date('2026-11-24T02:00:00Z'), end: new Date('2026-11-24T04:30:00Z'), t0: new Date('2026-11-24T02:00:00Z') };
    expect(maintenanceText({ release: 'v1.50', template } as Promotion, window)).toEqual({
      name: 'Scheduled maintenance: v1.50',
      body: 'We are deploying v1.50 between 2026-11-24 02:00 UTC and 2026-11-24 04:30 UTC. Some services may be briefly unavailable.',
    });
  });
});

describe('the Statuspage configuration', () => {
  it('is off without a key, points at api.statuspage.io by default, and takes a URL for tests', () => {
    expect(loadConfig(HTTP).statuspage).toEqual({ apiKey: undefined, apiUrl: 'https://api.statuspage.io/v1' });
    expect(loadConfig({ ...HTTP, STATUSPAGE_API_KEY: ` ${KEY} `, STATUSPAGE_API_URL: 'http://127.0.0.1:9999/v1' }).statuspage).toEqual({ apiKey: KEY, apiUrl: 'http://127.0.0.1:9999/v1' });
    expect(loadConfig({ ...HTTP, STATUSPAGE_API_KEY: '' }).statuspage.apiKey).toBeUndefined();
  });

  it('never repeats the key in a configuration error', () => {
    let error: unknown;
    try {
      loadConfig({ ...HTTP, STATUSPAGE_API_KEY: KEY, STATUSPAGE_API_URL: `not a url ${KEY}` });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toContain('STATUSPAGE_API_URL must be a URL');
    expect(String((error as Error).message)).not.toContain(KEY);
  });

  it('is redacted from the logs wherever the config is logged', () => {
    let out = '';
    const log = createLogger('debug', new Writable({ write: (c, _e, done) => ((out += String(c)), done()) }));
    log.info({ config: { statuspage: { apiKey: KEY } }, statuspage: { apiKey: KEY }, apiKey: KEY }, 'config');
    expect(out).not.toContain(KEY);
    expect(out).toContain('[redacted]');
  });
});

describe("a failed call's notice", () => {
  it('mentions the lead, says what failed and what Statuspage said, and what to do', () => {
    const call = { key: 'k', op: 'maintenance-schedule' as const, payload: { name: 'Maintenance: v1.50', scheduled_for: '2026-11-24T02:00:00.000Z', scheduled_until: '2026-11-24T04:00:00.000Z' } };
    const what = describeCall(call);
    expect(what).toBe('schedule the maintenance "Maintenance: v1.50" for 2026-11-24 02:00 UTC - 2026-11-24 04:00 UTC');
    const m = statuspageFailed({ kind: 'statuspage-failed', release: 'v1.50', lead: 'U0LEAD', what, status: 401, error: 'Statuspage answered 401: Could not authenticate', pageId: 'kctbh9vrtdwd' });
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('<@U0LEAD>');
    expect(text).toContain('Statuspage answered 401: Could not authenticate');
    expect(text).toContain('by hand');
  });
});

describe('the Statuspage client', () => {
  let sp: FakeStatuspage | undefined;
  afterEach(async () => {
    await sp?.close();
    sp = undefined;
  });

  const client = (apiKey = KEY, timeoutMs = 2_000) => new StatuspageClient({ apiKey, apiUrl: sp!.url, timeoutMs });
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      if (err instanceof StatuspageError) return err.failure;
      throw err;
    }
    throw new Error('expected a StatuspageError');
  };

  it('types refusals, rate limits and unknown outcomes, never naming the key', async () => {
    sp = await new FakeStatuspage({ apiKey: KEY, pages: ['pg0'] }).start();
    expect(await failure(client('sp-wrong-key-000000').createIncident('pg0', { name: 'x' }))).toEqual({ kind: 'refused', status: 401, message: 'Statuspage answered 401: Could not authenticate' });
    expect(await failure(client().createIncident('nope', { name: 'x' }))).toEqual({ kind: 'refused', status: 404, message: 'Statuspage answered 404: Not found' });
    expect(await failure(client().createIncident('pg0', { name: '', status: 'scheduled' }))).toMatchObject({ kind: 'refused', status: 422 });
    sp.fail({ status: 429, retryAfter: 7 });
    expect(await failure(client().listIncidents('pg0', 1))).toEqual({ kind: 'rate-limited', status: 429, message: 'Statuspage answered 429: Rate limit exceeded', retryAfterMs: 7_000 });
    sp.fail({ status: 500, error: `boom ${KEY}` });
    expect(await failure(client().listIncidents('pg0', 1))).toEqual({ kind: 'unknown', status: 500, message: 'Statuspage answered 500: boom [redacted]' });
    await sp.close();
    const gone = await failure(client().listIncidents('pg0', 1));
    expect(gone).toMatchObject({ kind: 'unknown', status: null });
    expect(gone.message).toMatch(/^no answer from Statuspage/);
    sp = undefined;
  });

  it('creates, reads, lists and updates an incident with the documented shapes', async () => {
    sp = await new FakeStatuspage({ apiKey: KEY, pages: ['pg0'] }).start();
    const created = await client().createIncident('pg0', { name: 'Maintenance', status: 'scheduled', body: 'soon', scheduled_for: '2026-11-24T02:00:00Z', scheduled_until: '2026-11-24T04:00:00Z', metadata: { preflight: { call: 'c1' } } });
    expect(created).toMatchObject({ name: 'Maintenance', status: 'scheduled', scheduled_for: '2026-11-24T02:00:00.000Z', metadata: { preflight: { call: 'c1' } } });
    expect((await client().listIncidents('pg0', 1)).map((i) => i.id)).toEqual([created.id]);
    const done = await client().updateIncident('pg0', created.id, { status: 'completed', body: 'done' });
    expect(done).toMatchObject({ id: created.id, status: 'completed' });
    expect((await client().getIncident('pg0', created.id)).incident_updates?.[0]).toMatchObject({ status: 'completed', body: 'done' });
    expect(sp.calls.every((c) => c.authorization === `OAuth ${KEY}`)).toBe(true);
  });
});
