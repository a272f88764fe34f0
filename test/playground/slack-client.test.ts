import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, verifySlackRequest } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../../src/playground/fake-slack.js';
import {
  blockActions,
  postSigned,
  type SlackSender,
  sign,
  slashCommand,
  toggleCheckboxes,
  viewSubmission,
} from '../../src/playground/slack-client/index.js';
import { checklistBlocks, client, TOKEN } from './fixtures.js';

describe('signed Slack requests', () => {
  it('sign() produces signatures that verifySlackRequest accepts', () => {
    const body = 'token=x&text=hello+world';
    const ts = Math.floor(Date.now() / 1000);
    const signature = sign('s3cret', ts, body);
    expect(signature).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(() =>
      verifySlackRequest({
        signingSecret: 's3cret',
        body,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': ts },
      }),
    ).not.toThrow();
    expect(() =>
      verifySlackRequest({
        signingSecret: 'other',
        body,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': ts },
      }),
    ).toThrow();
    const old = ts - 600;
    expect(() =>
      verifySlackRequest({
        signingSecret: 's3cret',
        body,
        headers: { 'x-slack-signature': sign('s3cret', old, body), 'x-slack-request-timestamp': old },
      }),
    ).toThrow();
  });

  it('toggleCheckboxes reports the whole selection as the client shows it', () => {
    const message = {
      channel: 'C1',
      ts: '1700000000.000100',
      blocks: checklistBlocks(['a']),
      user: 'U0PREFLIGHT',
      updates: 0,
    };
    const action = toggleCheckboxes(message, 'section-1', ['b', 'a']);
    expect(action).toMatchObject({ type: 'checkboxes', action_id: 'toggle', block_id: 'section-1' });
    expect(action.selected_options).toEqual([{ text: { type: 'mrkdwn', text: 'Step b' }, value: 'b' }]);
    expect(action.action_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(() => toggleCheckboxes(message, 'nope', ['a'])).toThrow(/no block "nope"/);
    expect(() => toggleCheckboxes(message, 'section-1', ['z'])).toThrow(/no option "z"/);
  });

  describe('against a real Bolt app', () => {
    let fake: FakeSlack;
    let app: App;
    let sender: SlackSender;
    const seen: Record<string, unknown[]> = { command: [], action: [], view: [] };

    beforeEach(async () => {
      fake = await startFakeSlack();
      app = new App({
        token: TOKEN,
        signingSecret: 'bolt-secret',
        logLevel: LogLevel.ERROR,
        clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
      });
      app.command('/promote', async ({ ack, command, respond }) => {
        await ack();
        seen.command?.push(command);
        await respond({ text: `starting ${command.text}` });
      });
      app.action('toggle', async ({ ack, body, action }) => {
        await ack();
        seen.action?.push({ body, action });
      });
      app.view('start', async ({ ack, view }) => {
        seen.view?.push(view);
        await ack({ response_action: 'errors', errors: { service: 'unknown service' } });
      });
      const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
      const { port } = server.address() as AddressInfo;
      sender = { url: `http://127.0.0.1:${port}/slack/events`, signingSecret: 'bolt-secret' };
    });
    afterEach(async () => {
      await app.stop();
      await fake.close();
      for (const k of Object.keys(seen)) seen[k] = [];
    });

    it('delivers a slash command that Bolt verifies, acks and responds to', async () => {
      const responseUrl = fake.responseUrl({ channel: 'C1', user: 'U111' });
      const res = await slashCommand(sender, { text: 'api 1.2.3', userId: 'U111', channelId: 'C1', responseUrl });
      expect(res.status).toBe(200);
      await fake.waitFor(() => fake.responses(responseUrl).length === 1);
      expect(fake.ephemerals()).toMatchObject([{ channel: 'C1', user: 'U111', text: 'starting api 1.2.3' }]);
      expect(seen.command?.[0]).toMatchObject({
        command: '/promote',
        text: 'api 1.2.3',
        user_id: 'U111',
        channel_id: 'C1',
        team_id: 'T0PREFLIGHT',
        response_url: responseUrl,
      });
    });

    it('refuses a stale or badly signed request', async () => {
      const p = { text: 'x', userId: 'U1', channelId: 'C1', responseUrl: fake.responseUrl() };
      const stale = await slashCommand(sender, p, { timestamp: Math.floor(Date.now() / 1000) - 600 });
      expect(stale.status).toBe(401);
      const forged = await slashCommand(sender, p, { signature: 'v0=deadbeef' });
      expect(forged.status).toBe(401);
      expect(seen.command).toHaveLength(0);
    });

    it('delivers block_actions built from the message as a client shows it', async () => {
      const web = client(fake);
      const posted = await web.chat.postMessage({ channel: 'C1', text: 'x', blocks: checklistBlocks(['a']) });
      const message = fake.message('C1', posted.ts!)!;
      const action = toggleCheckboxes(message, 'section-1', ['c']);
      const res = await blockActions(sender, {
        userId: 'U111',
        channelId: 'C1',
        message,
        action,
        responseUrl: fake.responseUrl({ channel: 'C1', user: 'U111', messageTs: message.ts }),
      });
      expect(res.status).toBe(200);
      await vi.waitFor(() => expect(seen.action).toHaveLength(1));
      const got = seen.action?.[0] as { body: any; action: any };
      expect(got.action.selected_options.map((o: { value: string }) => o.value)).toEqual(['a', 'c']);
      expect(got.body.container).toMatchObject({ type: 'message', message_ts: posted.ts, channel_id: 'C1' });
      expect(got.body.message.blocks[1].elements[0].initial_options.map((o: { value: string }) => o.value)).toEqual(['a']);
    });

    it('delivers view_submission and returns the ack body', async () => {
      const res = await viewSubmission(sender, {
        userId: 'U111',
        view: {
          id: 'V123',
          callback_id: 'start',
          private_metadata: '{"channel":"C1"}',
          state: { values: { service: { value: { type: 'plain_text_input', value: 'api' } } } },
        },
      });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ response_action: 'errors', errors: { service: 'unknown service' } });
      expect(seen.view?.[0]).toMatchObject({ id: 'V123', private_metadata: '{"channel":"C1"}', type: 'modal' });
    });

    it('postSigned sends exactly the bytes it signs (JSON too)', async () => {
      const body = JSON.stringify({ token: 'x', challenge: 'c-123', type: 'url_verification' });
      const res = await postSigned(sender, body, 'application/json');
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ challenge: 'c-123' });
      const forged = await postSigned(sender, body, 'application/json', { signature: sign('wrong', 1, body) });
      expect(forged.status).toBe(401);
    });
  });
});
