/**
 * The fake's rate limits on the wire: each tier's burst, then HTTP 429 with Retry-After; refills on the fake's clock
 * (stepped, never slept); chat.postMessage per channel and per workspace; the steering (counts, reset); and how they
 * sit with hold and failNext. What a real WebClient makes of the 429 is in rate-limits-client.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_RATE_LIMITS,
  type FakeSlack,
  type FakeSlackOptions,
  RATE_LIMITS_ON_BY_DEFAULT,
  startFakeSlack,
  type TokenBucketLimit,
} from '../../src/playground/fake-slack.js';
import { TOKEN } from './fixtures.js';

const T0 = 1_700_000_000_000;
const modal = { type: 'modal', callback_id: 'm', title: { type: 'plain_text', text: 'M' }, blocks: [{ type: 'divider' }] };

let fake: FakeSlack | undefined;
let now = T0;

async function start(opts: FakeSlackOptions): Promise<FakeSlack> {
  now = T0;
  fake = await startFakeSlack({
    users: [{ id: 'U111', name: 'alice' }],
    usergroups: { S100: ['U111'] },
    clock: () => now,
    ...opts,
  });
  return fake;
}

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { ok: boolean; error?: string; [k: string]: unknown };
}

/** One Web API call as the SDK sends it: form-encoded, objects as JSON strings, the token as a Bearer. */
async function call(f: FakeSlack, method: string, args: Record<string, unknown>, token = TOKEN): Promise<Answer> {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(args)) form.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  const res = await fetch(`${f.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${token}` },
    body: form.toString(),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Answer['body'] };
}

const RATELIMITED = { ok: false, error: 'ratelimited' };

/** Arguments each tiered method accepts, made on the given fake (a message to update, a view to update). */
const TIERED: Record<string, (f: FakeSlack) => Promise<Record<string, unknown>>> = {
  'chat.update': async (f) => {
    const posted = await call(f, 'chat.postMessage', { channel: 'C1', text: 'x' });
    return { channel: 'C1', ts: posted.body.ts, text: 'y' };
  },
  'chat.postEphemeral': async () => ({ channel: 'C1', user: 'U111', text: 'only you' }),
  'views.open': async () => ({ trigger_id: '1.2.invented', view: modal }),
  'views.push': async () => ({ trigger_id: '1.2.invented', view: modal }),
  'views.update': async (f) => {
    const opened = await call(f, 'views.open', { trigger_id: '1.2.invented', view: modal });
    return { view_id: (opened.body.view as { id: string }).id, view: modal };
  },
  'views.publish': async () => ({ user_id: 'U111', view: { type: 'home', blocks: [{ type: 'divider' }] } }),
  'users.info': async () => ({ user: 'U111' }),
  'usergroups.users.list': async () => ({ usergroup: 'S100' }),
  'conversations.info': async () => ({ channel: 'C1' }),
  'conversations.open': async () => ({ users: 'U111' }),
};

function limitOf(method: string): TokenBucketLimit {
  const limit = DEFAULT_RATE_LIMITS.methods[method];
  if (!limit) throw new Error(`no default limit for ${method}`);
  return limit;
}

describe('fake Slack rate limits', () => {
  it("names Slack's tiers in DEFAULT_RATE_LIMITS", () => {
    const tier = (m: string) => limitOf(m).perMinute;
    expect(tier('chat.update')).toBe(50);
    for (const m of ['chat.postEphemeral', 'views.open', 'views.update', 'views.push', 'views.publish', 'users.info']) {
      expect(tier(m)).toBe(100);
    }
    expect(tier('usergroups.users.list')).toBe(20);
    expect(tier('conversations.info')).toBe(50);
    expect(DEFAULT_RATE_LIMITS.postMessagePerChannel).toEqual({ perMinute: 60, burst: 3 });
    expect(DEFAULT_RATE_LIMITS.methods['auth.test']).toBeUndefined();
  });

  for (const [method, argsFor] of Object.entries(TIERED)) {
    it(`${method}: the burst passes, the next call is answered 429 with Retry-After, the clock refills it`, async () => {
      const f = await start({ rateLimits: true });
      const { perMinute, burst } = limitOf(method);
      const args = await argsFor(f);
      for (let i = 0; i < burst; i++) {
        const ok = await call(f, method, args);
        expect(ok, `call ${i + 1} of the burst`).toMatchObject({ status: 200, body: { ok: true } });
      }
      const refused = await call(f, method, args);
      const retryAfter = Math.ceil(60 / perMinute); // one token back, in whole seconds
      expect(refused).toEqual({ status: 429, retryAfter: String(retryAfter), body: RATELIMITED });
      expect(f.rateLimitedCount(method)).toBe(1);
      expect(f.callsTo(method).at(-1)).toMatchObject({ rateLimited: true, retryAfter });
      expect(f.callsTo(method).filter((c) => !c.rateLimited)).toHaveLength(burst);

      const tokenMs = 60_000 / perMinute; // a token is back after this (Retry-After rounds it up)
      now += tokenMs - 1;
      expect(await call(f, method, args)).toMatchObject({ status: 429, retryAfter: '1' }); // never less than 1
      now += 1;
      expect(await call(f, method, args)).toMatchObject({ status: 200, body: { ok: true } });

      now += 10 * 60_000; // a long pause refills the burst, no more
      for (let i = 0; i < burst; i++) expect((await call(f, method, args)).status).toBe(200);
      expect((await call(f, method, args)).status).toBe(429);
      expect(f.rateLimitedCount(method)).toBe(3);
      expect(f.rateLimitedCount()).toBe(3);
    });
  }

  it('a refused call does not run: chat.postEphemeral records only what was accepted', async () => {
    const f = await start({ rateLimits: { methods: { 'chat.postEphemeral': { perMinute: 100, burst: 2 } } } });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await call(f, 'chat.postEphemeral', { channel: 'C1', user: 'U111', text: `${i}` }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429, 429]);
    expect(f.ephemerals().map((e) => e.text)).toEqual(['0', '1']);
  });

  it('chat.postMessage: about one a second per channel, with a burst of 3; channels do not share a bucket', async () => {
    const f = await start({ rateLimits: true });
    const post = (channel: string) => call(f, 'chat.postMessage', { channel, text: 'x' });
    for (let i = 0; i < 3; i++) expect((await post('C1')).status).toBe(200);
    expect(await post('C1')).toEqual({ status: 429, retryAfter: '1', body: RATELIMITED });
    for (let i = 0; i < 3; i++) expect((await post('C2')).status).toBe(200);
    expect((await post('C2')).status).toBe(429);
    now += 1000;
    expect((await post('C1')).status).toBe(200);
    expect((await post('C1')).status).toBe(429);
    expect(f.messages('C1')).toHaveLength(4);
    expect(f.rateLimitedCount('chat.postMessage')).toBe(3);
  });

  it('chat.postMessage: a channel counts as one bucket by ID or by name, a user ID as the DM it posts to', async () => {
    const f = await start({ rateLimits: true, channels: [{ id: 'C1', name: 'deploys' }] });
    const post = (channel: string) => call(f, 'chat.postMessage', { channel, text: 'x' });
    expect((await post('C1')).status).toBe(200);
    expect((await post('#deploys')).status).toBe(200);
    expect((await post('deploys')).status).toBe(200);
    expect((await post('C1')).status).toBe(429);
    expect((await post('U111')).status).toBe(200);
    expect((await post('U111')).status).toBe(200);
    expect((await post('D111')).status).toBe(200);
    expect((await post('U111')).status).toBe(429);
  });

  it("chat.postMessage: the workspace's limit applies across channels", async () => {
    const f = await start({ rateLimits: { methods: { 'chat.postMessage': { perMinute: 60, burst: 4 } } } });
    const statuses = [];
    for (const channel of ['C1', 'C1', 'C1', 'C2', 'C3']) {
      statuses.push((await call(f, 'chat.postMessage', { channel, text: 'x' })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });

  it('counts per workspace: every token of the one workspace spends from the same buckets', async () => {
    const f = await start({ rateLimits: { methods: { 'users.info': { perMinute: 100, burst: 2 } } } });
    expect((await call(f, 'users.info', { user: 'U111' }, 'xoxb-one')).status).toBe(200);
    expect((await call(f, 'users.info', { user: 'U111' }, 'xoxb-two')).status).toBe(200);
    expect((await call(f, 'users.info', { user: 'U111' }, 'xoxp-three')).status).toBe(429);
    // no token, no workspace: answered not_authed, never 429
    const anonymous = await fetch(`${f.apiUrl}users.info`, { method: 'POST', body: new URLSearchParams({ user: 'U111' }) });
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('resetRateLimits fills every bucket; an object changes only the methods it names', async () => {
    const f = await start({
      rateLimits: { methods: { 'users.info': false, 'conversations.info': { perMinute: 1, burst: 1 } } },
    });
    for (let i = 0; i < 150; i++) expect((await call(f, 'users.info', { user: 'U111' })).status).toBe(200);
    expect((await call(f, 'conversations.info', { channel: 'C1' })).status).toBe(200);
    expect(await call(f, 'conversations.info', { channel: 'C1' })).toMatchObject({ status: 429, retryAfter: '60' });
    f.resetRateLimits();
    expect((await call(f, 'conversations.info', { channel: 'C1' })).status).toBe(200);
    expect(f.rateLimitedCount('conversations.info')).toBe(1);
    // untouched methods keep their default buckets
    const { burst } = limitOf('usergroups.users.list');
    for (let i = 0; i < burst; i++) await call(f, 'usergroups.users.list', { usergroup: 'S100' });
    expect((await call(f, 'usergroups.users.list', { usergroup: 'S100' })).status).toBe(429);
  });

  it('failNext stays a platform error (HTTP 200), distinct from a 429, and waits for a call that runs', async () => {
    const f = await start({ rateLimits: { methods: { 'users.info': { perMinute: 60, burst: 2 } } } });
    f.failNext('users.info', 'ratelimited');
    expect(await call(f, 'users.info', { user: 'U111' })).toEqual({ status: 200, retryAfter: null, body: RATELIMITED });
    expect((await call(f, 'users.info', { user: 'U111' })).status).toBe(200); // the failed call spent a token too
    f.failNext('users.info', 'fatal_error');
    expect((await call(f, 'users.info', { user: 'U111' })).status).toBe(429);
    now += 1000;
    expect(await call(f, 'users.info', { user: 'U111' })).toMatchObject({ status: 200, body: { error: 'fatal_error' } });
    expect(f.rateLimitedCount('users.info')).toBe(1);
  });

  it('a held call is counted when it is released', async () => {
    const f = await start({ rateLimits: { methods: { 'views.publish': { perMinute: 100, burst: 1 } } } });
    f.hold('views.publish');
    const view = { type: 'home', blocks: [{ type: 'divider' }] };
    const answers = Promise.all([1, 2].map(() => call(f, 'views.publish', { user_id: 'U111', view })));
    await f.waitFor(() => f.pending('views.publish') === 2);
    expect(f.rateLimitedCount()).toBe(0);
    f.release('views.publish');
    expect((await answers).map((a) => a.status).sort()).toEqual([200, 429]);
  });

  it('is off when rateLimits is false, and follows RATE_LIMITS_ON_BY_DEFAULT when it is not given', async () => {
    const off = await start({ rateLimits: false });
    for (let i = 0; i < 10; i++) expect((await call(off, 'chat.postMessage', { channel: 'C1', text: 'x' })).status).toBe(200);
    await off.close();
    const unset = await start({});
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(unset, 'chat.postMessage', { channel: 'C1', text: 'x' })).status);
    expect(statuses).toEqual(RATE_LIMITS_ON_BY_DEFAULT ? [200, 200, 200, 429] : [200, 200, 200, 200]);
  });

  it('refuses a limit it cannot enforce', async () => {
    await expect(startFakeSlack({ rateLimits: { postMessagePerChannel: { perMinute: 60, burst: 0 } } })).rejects.toThrow(
      /postMessagePerChannel/,
    );
    await expect(startFakeSlack({ rateLimits: { methods: { 'chat.update': { perMinute: 0, burst: 1 } } } })).rejects.toThrow(
      /chat\.update/,
    );
  });

  it("ages trigger_ids on the fake's clock too", async () => {
    const f = await start({});
    const trigger = f.triggerId();
    now += 3001;
    expect((await call(f, 'views.open', { trigger_id: trigger, view: modal })).body).toEqual({
      ok: false,
      error: 'expired_trigger_id',
    });
  });
});
