/** The fake Slack's Socket Mode on the wire, with a bare WebSocket client: hello, envelopes, acks, retries, disconnects. */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startFakeSlack, type FakeSlack, type SocketModeOptions } from '../../src/playground/fake-slack.js';
import { postInteractivity, socketSender } from '../../src/playground/slack-client/index.js';

const HOME_OPENED = { type: 'event_callback', event_id: 'Ev0TEST', event: { type: 'app_home_opened', user: 'U0BOB', tab: 'home' } };

async function connect(fake: FakeSlack): Promise<{ ws: WebSocket; messages: any[]; next: () => Promise<any> }> {
  const res = await fetch(`${fake.apiUrl}apps.connections.open`, { method: 'POST', headers: { authorization: 'Bearer xapp-1-A0PREFLIGHT-1-x' } });
  const { ok, url } = (await res.json()) as { ok: boolean; url: string };
  expect(ok).toBe(true);
  expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[\w-]+&app_id=A0PREFLIGHT$/);
  const ws = new WebSocket(url);
  const messages: any[] = [];
  const waiting: Array<(m: any) => void> = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    const w = waiting.shift();
    if (w) w(m);
    else messages.push(m);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const next = () => (messages.length > 0 ? Promise.resolve(messages.shift()) : new Promise((resolve) => waiting.push(resolve)));
  return { ws, messages, next };
}

describe('fake Slack: Socket Mode', () => {
  let fake: FakeSlack;
  const start = async (socketMode: SocketModeOptions) => (fake = await startFakeSlack({ socketMode }));
  afterEach(async () => fake?.close());

  it('greets with hello, and hands an ack payload back to the sender as an HTTP-like answer', async () => {
    await start({ ackTimeoutMs: 500 });
    const client = await connect(fake);
    expect(await client.next()).toMatchObject({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0PREFLIGHT' } });
    const sent = postInteractivity(socketSender(fake.socketMode), { type: 'view_submission', view: { id: 'V1' } });
    const envelope = await client.next();
    expect(envelope).toMatchObject({ type: 'interactive', accepts_response_payload: true, payload: { type: 'view_submission' } });
    expect(envelope).not.toHaveProperty('retry_attempt');
    client.ws.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: { response_action: 'errors', errors: { a: 'no' } } }));
    expect(await sent).toMatchObject({ status: 200, json: { response_action: 'errors' }, socket: { acked: true, deliveries: 1 } });
    // The usual ack, with no payload, answers like an empty HTTP 200.
    const plain = postInteractivity(socketSender(fake.socketMode), { type: 'block_actions' });
    client.ws.send(JSON.stringify({ envelope_id: (await client.next()).envelope_id }));
    expect(await plain).toEqual({ status: 200, body: '', socket: expect.objectContaining({ acked: true }) });
    client.ws.close();
  });

  it('retries an unacknowledged event with retry_attempt and the same envelope_id, then gives up', async () => {
    await start({ ackTimeoutMs: 100, retryDelaysMs: [0, 50] });
    const client = await connect(fake);
    await client.next();
    const outcome = fake.socketMode.deliver('events_api', HOME_OPENED);
    const first = await client.next();
    const second = await client.next();
    const third = await client.next();
    expect(first).toMatchObject({ type: 'events_api', accepts_response_payload: false, retry_attempt: 0, retry_reason: '', payload: HOME_OPENED });
    expect([first.retry_attempt, second.retry_attempt, third.retry_attempt]).toEqual([0, 1, 2]);
    expect([second.retry_reason, third.retry_reason]).toEqual(['timeout', 'timeout']);
    expect(new Set([first.envelope_id, second.envelope_id, third.envelope_id]).size).toBe(1);
    expect(await outcome).toMatchObject({ acked: false, deliveries: 3 });
    client.ws.close();
  });

  it('does not retry an interaction by default: sent with no connection open, it is given up at once (status 0)', async () => {
    await start({ ackTimeoutMs: 100 });
    const res = await postInteractivity(socketSender(fake.socketMode), { type: 'block_actions' });
    expect(res).toEqual({ status: 0, body: '', socket: expect.objectContaining({ acked: false, deliveries: 1 }) });
    expect(fake.socketMode.envelopes()[0]!.deliveries).toEqual([{ retryAttempt: 0, sent: false }]);
  });

  it('sends disconnect, and closes a connection the client keeps open', async () => {
    await start({ closeAfterMs: 100 });
    const client = await connect(fake);
    await client.next();
    const closed = new Promise((resolve) => client.ws.once('close', resolve));
    fake.socketMode.disconnect('warning');
    expect(await client.next()).toMatchObject({ type: 'disconnect', reason: 'warning', debug_info: { host: expect.any(String) } });
    await closed;
    await fake.waitFor(() => fake.socketMode.openConnections() === 0);
    expect(fake.socketMode.connections()).toEqual([{ id: 1, closed: true, disconnects: ['warning'] }]);
  });

  it('opens one connection per ticket', async () => {
    await start({});
    const res = await fetch(`${fake.apiUrl}apps.connections.open`, { method: 'POST', headers: { authorization: 'Bearer xapp-1-x' } });
    const { url } = (await res.json()) as { url: string };
    const open = (u: string) => new Promise<string>((resolve) => new WebSocket(u).once('open', function (this: WebSocket) { this.close(); resolve('opened'); }).once('error', () => resolve('refused')));
    expect(await open(url)).toBe('opened');
    expect(await open(url)).toBe('refused');
    const none = await fetch(`${fake.apiUrl}apps.connections.open`, { method: 'POST' });
    expect(await none.json()).toEqual({ ok: false, error: 'not_authed' });
  });
});
