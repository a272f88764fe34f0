/**
 * The fake's conversations.history and conversations.replies (what the outbox's look-up reads): metadata kept from
 * chat.postMessage and returned only with include_all_metadata, pages of at most 15 with a cursor, `oldest`, and the
 * 1-a-minute limit of apps outside the Marketplace; and loseNextAnswer (a post carried out whose answer never comes).
 */
import { ErrorCode, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../../src/playground/fake-slack.js';
import { client, TOKEN } from './fixtures.js';

describe('fake Slack conversations.history / replies', () => {
  let fake: FakeSlack;
  let now = Date.parse('2026-11-21T10:00:00Z');
  afterEach(async () => {
    await fake.close();
  });

  it('keeps metadata, pages 15 newest first from oldest on, and answers the thread oldest first', async () => {
    fake = await startFakeSlack({ rateLimits: false, clock: () => now });
    const web = client(fake);
    const parent = await web.chat.postMessage({ channel: 'C1', text: 'parent' });
    for (let i = 0; i < 20; i++) {
      now += 1000;
      await web.chat.postMessage({ channel: 'C1', text: `m${i}`, metadata: { event_type: 'preflight_outbox', event_payload: { key: `k${i}` } } });
    }
    await web.chat.postMessage({ channel: 'C1', text: 'reply', thread_ts: parent.ts!, metadata: { event_type: 'preflight_outbox', event_payload: { key: 'r' } } });
    const first = (await web.conversations.history({ channel: 'C1', limit: 15, include_all_metadata: true })) as any;
    expect(first.messages).toHaveLength(15);
    expect(first.messages[0].text).toBe('m19');
    expect(first.messages[0].metadata).toEqual({ event_type: 'preflight_outbox', event_payload: { key: 'k19' } });
    expect(first.has_more).toBe(true);
    const second = (await web.conversations.history({ channel: 'C1', limit: 15, cursor: first.response_metadata.next_cursor })) as any;
    expect(second.messages.map((m: any) => m.text)).toEqual(['m4', 'm3', 'm2', 'm1', 'm0', 'parent']);
    expect(second.messages[0].metadata).toBeUndefined();
    const recent = (await web.conversations.history({ channel: 'C1', oldest: String((now - 2500) / 1000) })) as any;
    expect(recent.messages.map((m: any) => m.text)).toEqual(['m19', 'm18', 'm17']);
    const thread = (await web.conversations.replies({ channel: 'C1', ts: parent.ts!, include_all_metadata: true })) as any;
    expect(thread.messages.map((m: any) => m.text)).toEqual(['parent', 'reply']);
    expect(thread.messages[1].metadata.event_payload.key).toBe('r');
  });

  it('allows 1 request a minute by default', async () => {
    fake = await startFakeSlack({ clock: () => now });
    const web = new WebClient(TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    await web.conversations.history({ channel: 'C1' });
    await expect(web.conversations.history({ channel: 'C1' })).rejects.toMatchObject({ code: ErrorCode.RateLimitedError });
    now += 60_000;
    await expect(web.conversations.history({ channel: 'C1' })).resolves.toMatchObject({ ok: true });
  });

  it('carries out a post whose answer it then drops', async () => {
    fake = await startFakeSlack({ rateLimits: false, clock: () => now });
    fake.loseNextAnswer('chat.postMessage');
    await expect(client(fake).chat.postMessage({ channel: 'C1', text: 'lost' })).rejects.toBeDefined();
    expect(fake.messages('C1').map((m) => m.text)).toEqual(['lost']);
    expect(fake.callsTo('chat.postMessage')[0]!.answerLost).toBe(true);
  });
});
