import { WebAPIPlatformError } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../../src/playground/fake-slack.js';
import { checklistBlocks, client, TOKEN } from './fixtures.js';

describe('fake Slack Web API', () => {
  let fake: FakeSlack;

  beforeEach(async () => {
    fake = await startFakeSlack({
      users: [
        { id: 'U111', name: 'alice', real_name: 'Alice A', tz: 'Europe/Berlin' },
        { id: 'U222', name: 'bob' },
      ],
      usergroups: { S100: ['U111', 'U222'] },
    });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('answers auth.test like Slack', async () => {
    const res = await client(fake).auth.test();
    expect(res).toMatchObject({
      ok: true,
      url: 'https://preflight-test.slack.com/',
      team_id: 'T0PREFLIGHT',
      user_id: 'U0PREFLIGHT',
      bot_id: 'B0PREFLIGHT',
      is_enterprise_install: false,
    });
    expect(fake.callsTo('auth.test')[0]?.token).toBe(TOKEN);
  });

  it('posts a message, then chat.update shows the new blocks', async () => {
    const web = client(fake);
    const posted = await web.chat.postMessage({ channel: 'C123', text: 'Checklist', blocks: checklistBlocks([]) });
    expect(posted.ok).toBe(true);
    expect(posted.channel).toBe('C123');
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(posted.message).toMatchObject({ type: 'message', user: 'U0PREFLIGHT', bot_id: 'B0PREFLIGHT', ts: posted.ts });
    const ts = posted.ts as string;

    // blocks arrive as JSON strings and are parsed back
    expect(fake.callsTo('chat.postMessage')[0]?.args.blocks).toEqual(checklistBlocks([]));

    const updated = await web.chat.update({ channel: 'C123', ts, text: 'Checklist', blocks: checklistBlocks(['b']) });
    expect(updated).toMatchObject({ ok: true, channel: 'C123', ts });

    const m = fake.message('C123', ts);
    expect(m?.updates).toBe(1);
    const actions = m?.blocks[1];
    expect(actions.elements[0].initial_options.map((o: { value: string }) => o.value)).toEqual(['b']);
    // stored the way Slack returns it
    expect(m?.blocks[0].text).toEqual({ type: 'plain_text', text: 'Promote api', emoji: true });

    const second = await web.chat.postMessage({ channel: 'C123', text: 'reply', thread_ts: ts });
    expect(second.ts! > ts).toBe(true);
    expect(fake.messages('C123').map((x) => x.ts)).toEqual([ts, second.ts]);
    expect(fake.message('C123', second.ts!)?.thread_ts).toBe(ts);

    await expect(web.chat.update({ channel: 'C123', ts: '1.000001', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
  });

  it('queues a held method until release', async () => {
    const web = client(fake);
    fake.hold('chat.postMessage');
    let settled = false;
    const p = web.chat.postMessage({ channel: 'C1', text: 'held' }).then((r) => {
      settled = true;
      return r;
    });
    await fake.waitFor(() => fake.pending('chat.postMessage') === 1);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1); // recorded on arrival
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    expect(fake.messages()).toHaveLength(0);

    // other methods are not held
    await expect(web.auth.test()).resolves.toMatchObject({ ok: true });

    fake.release('chat.postMessage');
    const res = await p;
    expect(res.ok).toBe(true);
    expect(fake.pending('chat.postMessage')).toBe(0);
    expect(fake.messages()).toHaveLength(1);
  });

  it('failNext answers { ok: false, error } once, as a WebAPIPlatformError', async () => {
    const web = client(fake);
    fake.failNext('chat.update', 'ratelimited');
    const posted = await web.chat.postMessage({ channel: 'C1', text: 'x' });
    const err = await web.chat.update({ channel: 'C1', ts: posted.ts!, text: 'y' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebAPIPlatformError);
    expect((err as WebAPIPlatformError).data.error).toBe('ratelimited');
    await expect(web.chat.update({ channel: 'C1', ts: posted.ts!, text: 'y' })).resolves.toMatchObject({ ok: true });
  });

  it('answers not_authed, unknown_method, and survives bad bodies', async () => {
    await expect(client(fake, null).auth.test()).rejects.toMatchObject({ data: { error: 'not_authed' } });
    await expect(client(fake).apiCall('nope.nothing')).rejects.toMatchObject({ data: { error: 'unknown_method' } });
    const bad = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: '{not json',
    });
    expect(await bad.json()).toEqual({ ok: false, error: 'invalid_json' });
    const state = (await (await fetch(`${fake.apiUrl}_state`)).json()) as { calls: unknown[] };
    expect(state.calls.length).toBe(3);
  });

  it('accepts JSON bodies with the token in the Authorization header', async () => {
    const res = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ channel: 'C9', text: 'hi', blocks: [{ type: 'divider' }] }),
    });
    const body = (await res.json()) as { ok: boolean };
    expect(body.ok).toBe(true);
    expect(fake.callsTo('chat.postMessage')[0]?.args.blocks).toEqual([{ type: 'divider' }]);
  });

  it('refuses messages beyond Block Kit limits like Slack', async () => {
    const web = client(fake);
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    await expect(web.chat.postMessage({ channel: 'C1', text: 'x', blocks: tooMany })).rejects.toMatchObject({
      data: { error: 'invalid_blocks' },
    });
    const options = Array.from({ length: 11 }, (_, i) => ({
      text: { type: 'plain_text' as const, text: `o${i}` },
      value: `v${i}`,
    }));
    await expect(
      web.chat.postMessage({
        channel: 'C1',
        text: 'x',
        blocks: [{ type: 'actions', elements: [{ type: 'checkboxes', action_id: 'c', options }] }],
      }),
    ).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
    const long = Array.from({ length: 5 }, () => ({ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(2900) } }));
    await expect(web.chat.postMessage({ channel: 'C1', text: 'x', blocks: long })).rejects.toMatchObject({
      data: { error: 'msg_blocks_too_long' },
    });
    expect(fake.messages()).toHaveLength(0);
  });

  it('records ephemerals, users, usergroups and channels', async () => {
    const web = client(fake);
    const eph = await web.chat.postEphemeral({ channel: 'C1', user: 'U111', text: 'only you' });
    expect(eph.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(fake.ephemerals()).toEqual([
      { channel: 'C1', user: 'U111', text: 'only you', via: 'chat.postEphemeral', message_ts: eph.message_ts },
    ]);

    const user = await web.users.info({ user: 'U111' });
    expect(user.user).toMatchObject({ id: 'U111', name: 'alice', real_name: 'Alice A', tz: 'Europe/Berlin' });
    expect([3600, 7200]).toContain(user.user?.tz_offset);
    await expect(web.users.info({ user: 'U999' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });

    await expect(web.usergroups.users.list({ usergroup: 'S100' })).resolves.toMatchObject({ users: ['U111', 'U222'] });

    const info = await web.conversations.info({ channel: 'C777' });
    expect(info.channel).toMatchObject({ id: 'C777', is_channel: true, is_private: false });

    const posted = await web.chat.postMessage({ channel: 'C777', text: 'x' });
    const link = await web.chat.getPermalink({ channel: 'C777', message_ts: posted.ts! });
    expect(link.permalink).toBe(`https://preflight-test.slack.com/archives/C777/p${posted.ts!.replace('.', '')}`);
  });

  it('is strict about channels when channels are configured', async () => {
    const strict = await startFakeSlack({ channels: [{ id: 'C1', name: 'deploys' }] });
    try {
      const web = client(strict);
      await expect(web.conversations.info({ channel: 'C1' })).resolves.toMatchObject({ channel: { name: 'deploys' } });
      await expect(web.conversations.info({ channel: 'C2' })).rejects.toMatchObject({
        data: { error: 'channel_not_found' },
      });
      await expect(web.chat.postMessage({ channel: 'C2', text: 'x' })).rejects.toMatchObject({
        data: { error: 'channel_not_found' },
      });
    } finally {
      await strict.close();
    }
  });

  it('opens, updates and publishes views', async () => {
    const web = client(fake);
    const modal = {
      type: 'modal' as const,
      callback_id: 'start',
      private_metadata: '{"x":1}',
      title: { type: 'plain_text' as const, text: 'Start a promotion' },
      submit: { type: 'plain_text' as const, text: 'Start' },
      blocks: [
        {
          type: 'input' as const,
          block_id: 'service',
          label: { type: 'plain_text' as const, text: 'Service' },
          element: { type: 'plain_text_input' as const, action_id: 'value' },
        },
      ],
    };
    const trigger = fake.triggerId();
    const opened = await web.views.open({ trigger_id: trigger, view: modal });
    expect(opened.view).toMatchObject({ type: 'modal', callback_id: 'start', private_metadata: '{"x":1}' });
    const id = opened.view?.id as string;
    expect(id).toBeTruthy();
    expect(opened.view?.hash).toBeTruthy();
    await expect(web.views.open({ trigger_id: trigger, view: modal })).rejects.toMatchObject({
      data: { error: 'exchanged_trigger_id' },
    });

    const updated = await web.views.update({ view_id: id, hash: opened.view?.hash, view: { ...modal, callback_id: 'start2' } });
    expect(updated.view?.callback_id).toBe('start2');
    await expect(web.views.update({ view_id: id, hash: opened.view?.hash, view: modal })).rejects.toMatchObject({
      data: { error: 'hash_conflict' },
    });

    await web.views.publish({ user_id: 'U111', view: { type: 'home', blocks: [{ type: 'divider' }] } });
    expect(fake.views().map((v) => [v.method, v.view.type])).toEqual([
      ['views.open', 'modal'],
      ['views.publish', 'home'],
    ]);
    expect(fake.views()[0]?.view.callback_id).toBe('start2');
  });

  it('takes response_url posts and 404s a url it never handed out', async () => {
    const web = client(fake);
    const posted = await web.chat.postMessage({ channel: 'C1', text: 'x', blocks: checklistBlocks([]) });
    const url = fake.responseUrl({ channel: 'C1', user: 'U111', messageTs: posted.ts });
    expect(url.startsWith(`${fake.baseUrl}/respond/`)).toBe(true);

    const post = (u: string, body: unknown) =>
      fetch(u, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const unknown = await post(`${fake.baseUrl}/respond/0123456789abcdef`, { text: 'hi' });
    expect(unknown.status).toBe(404);

    const ok = await post(url, { text: 'Only you can see this', response_type: 'ephemeral' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('ok');
    expect(fake.responses(url)).toEqual([{ url, body: { text: 'Only you can see this', response_type: 'ephemeral' } }]);
    expect(fake.ephemerals()).toMatchObject([{ channel: 'C1', user: 'U111', text: 'Only you can see this', via: 'response_url' }]);

    await post(url, { replace_original: true, text: 'replaced', blocks: [{ type: 'divider' }] });
    expect(fake.message('C1', posted.ts!)).toMatchObject({ text: 'replaced', updates: 1 });

    const bad = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(bad.status).toBe(400);

    // two uses so far (the bad body does not count); Slack allows 5
    for (const text of ['3', '4', '5']) expect((await post(url, { text })).status).toBe(200);
    expect((await post(url, { text: '6' })).status).toBe(404);
  });

  it('waitFor rejects after its timeout', async () => {
    await expect(fake.waitFor(() => false, { timeoutMs: 30, what: 'never' })).rejects.toThrow(/never.*timed out/);
  });
});
