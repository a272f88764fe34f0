/**
 * `npm run playground -- --socket-mode` without a browser: the bot in Socket Mode against the emulator, driven through
 * the page's own endpoints. A command, a click and a refused modal submission reach the bot as envelopes, the ack's
 * payload is the answer (a view_submission's errors), and the wire shows envelopes and acks. By default: HTTP.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION, INPUT } from '../../src/ids.js';
import { startPlayground, type Playground } from '../../src/playground/web/playground.js';
import type { WireEntry } from '../../src/playground/web/session.js';

const CHANNEL = 'C0DEPLOYS';

describe('the playground in Socket Mode', () => {
  let dataDir: string;
  let playground: Playground | undefined;

  afterEach(async () => {
    await playground?.close();
    playground = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  const post = async (p: Playground, route: string, body: unknown) => {
    const res = await fetch(new URL(route, p.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, any>;
  };
  const get = async (p: Playground, route: string) => (await (await fetch(new URL(route, p.url))).json()) as Record<string, any>;
  const requests = async (p: Playground) => ((await get(p, '/api/wire')).entries as WireEntry[]).filter((e) => e.dir === 'request');

  it('sends a command, a click and a refused modal submission as envelopes, and logs envelopes and acks', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'preflight-playground-'));
    playground = await startPlayground({ dataDir, socketMode: true });
    const fake = playground.session().stack.fake;
    expect(fake.socketMode.openConnections()).toBe(1);
    expect((await get(playground, '/api/state?user=U0LEAD')).transport).toBe('socket');

    // A command.
    expect(await post(playground, '/api/command', { user: 'U0LEAD', channel: CHANNEL, text: '/promote start v1.50' })).toEqual({ status: 200 });
    await playground.session().stack.settle();
    const overview = fake.messages(CHANNEL).find((m) => !m.thread_ts)!;
    expect(JSON.stringify(overview.blocks)).toContain('v1.50');
    let wire = await requests(playground);
    expect(wire).toHaveLength(1);
    expect(wire[0]).toMatchObject({ title: '/promote start v1.50', status: 'ack', ok: true, detail: { envelope: { type: 'slash_commands', accepts_response_payload: true, payload: { command: '/promote', text: 'start v1.50' } } } });
    expect(wire[0]!.detail.headers).toBeUndefined();
    expect(wire[0]!.detail.ack.envelope_id).toBe(wire[0]!.detail.envelope.envelope_id);
    expect(fake.socketMode.envelopes().map((e) => e.envelope_id)).toContain(wire[0]!.detail.envelope.envelope_id);

    // A click: an approval.
    const block = overview.blocks.find((b: any) => String(b.block_id).includes('|code-review'));
    const approve = block.elements.find((e: any) => e.text.text === 'Approve');
    expect(await post(playground, '/api/action', { user: 'U0CTO', container: { type: 'message', channel: CHANNEL, ts: overview.ts }, action: { ...approve, block_id: block.block_id } })).toEqual({ status: 200 });
    await playground.session().stack.settle();
    expect(JSON.stringify(fake.messages(CHANNEL).find((m) => !m.thread_ts)!.blocks)).toContain('1 of 2 approvals');

    // A refused modal submission: the field's modal opens from a click, and a bad SHA comes back in the ack.
    const field = fake
      .messages(CHANNEL)
      .flatMap((m) => m.blocks.map((b) => ({ m, b })))
      .find(({ b }) => typeof b.block_id === 'string' && b.block_id.startsWith('field|') && b.block_id.includes('|deployed-sha|'))!;
    await post(playground, '/api/action', {
      user: 'U0LEAD',
      container: { type: 'message', channel: CHANNEL, ts: field.m.ts },
      action: { type: 'button', action_id: ACTION.openField, block_id: field.b.block_id, value: field.b.accessory.value },
      threadTs: field.m.thread_ts,
    });
    await playground.session().stack.settle();
    const modals = (await get(playground, '/api/state?user=U0LEAD')).modals as { viewId: string }[];
    expect(modals).toHaveLength(1);
    const refused = await post(playground, '/api/submit', { user: 'U0LEAD', viewId: modals[0]!.viewId, values: { [INPUT.fieldValue]: { [INPUT.value]: { type: 'plain_text_input', value: 'not-a-sha!' } } } });
    expect(refused).toMatchObject({ status: 200, errors: { [INPUT.fieldValue]: expect.stringContaining('commit SHA') } });
    // The modal stays open, as Slack keeps it when the answer is errors.
    expect((await get(playground, '/api/state?user=U0LEAD')).modals).toHaveLength(1);

    // App Home opened: an events_api envelope, which takes no response payload.
    expect(await post(playground, '/api/home-opened', { user: 'U0LEAD' })).toEqual({ status: 200 });
    await playground.session().stack.settle();
    await fake.waitFor(() => fake.views().some((v) => v.method === 'views.publish' && v.user_id === 'U0LEAD'), { what: 'App Home published', timeoutMs: 10_000 });

    wire = await requests(playground);
    expect(wire.map((e) => e.detail.envelope.type)).toEqual(['slash_commands', 'interactive', 'interactive', 'interactive', 'events_api']);
    expect(wire.at(-1)).toMatchObject({ title: 'event app_home_opened', status: 'ack', detail: { envelope: { accepts_response_payload: false, payload: { event: { type: 'app_home_opened' } } } } });
    wire.pop();
    expect(wire.at(-1)).toMatchObject({
      title: expect.stringContaining('view_submission'),
      status: 'ack',
      detail: { envelope: { payload: { type: 'view_submission' } }, ack: { payload: { response_action: 'errors' } } },
    });
  }, 120_000);

  it('runs over HTTP by default, and the wire shows signed requests', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'preflight-playground-'));
    playground = await startPlayground({ dataDir });
    expect((await get(playground, '/api/state?user=U0LEAD')).transport).toBe('http');
    expect(playground.session().stack.fake.socketMode.openConnections()).toBe(0);
    expect(await post(playground, '/api/command', { user: 'U0LEAD', channel: CHANNEL, text: '/promote help' })).toEqual({ status: 200 });
    const [entry] = await requests(playground);
    expect(entry).toMatchObject({ status: 'HTTP 200', detail: { url: expect.stringContaining('/slack/events'), headers: { 'x-slack-signature': expect.stringMatching(/^v0=/) } } });
    expect(playground.session().stack.fake.socketMode.envelopes()).toHaveLength(0);
  }, 120_000);
});
