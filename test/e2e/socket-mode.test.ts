/**
 * The bot in Socket Mode (SLACK_APP_TOKEN set) against the fake Slack's Socket Mode: it connects through
 * apps.connections.open with the app-level token, takes commands, clicks and submissions as envelopes and answers
 * them in its acks, reconnects after Slack asks it to, and applies a redelivered click once.
 */
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ACTION, INPUT } from '../../src/ids.js';
import { listAudit } from '../../src/store/audit.js';
import { findActive } from '../../src/store/promotions.js';
import type { FakeMessage } from '../../src/playground/fake-slack.js';
import { CHANNEL, findCheckbox, promotionMessages, visibleText, type Harness } from '../support/harness.js';
import { harnessForSuite } from '../support/suite.js';

const ACK_TIMEOUT_MS = 2000;

describe('the bot in Socket Mode', () => {
  let h: Harness;
  harnessForSuite((harness) => (h = harness), {
    socketMode: true,
    // Slack retries unacknowledged events; interactive envelopes are retried here too, to exercise the bot's
    // at-least-once handling of clicks. A shorter ack timeout than Slack's 3 s keeps the test quick.
    fake: { socketMode: { ackTimeoutMs: ACK_TIMEOUT_MS, retryDelaysMs: [0], retryTypes: ['events_api', 'interactive'] } },
  });

  const firstItem = (): string => {
    const first = promotionMessages(h.fake)[0]!.thread[0]!;
    return first.blocks.find((b) => b.type === 'actions' && b.elements[0].type === 'checkboxes')!.elements[0].options[0].value as string;
  };
  const toggles = async (itemId: string) => {
    const promotion = await findActive(h.bot.db, CHANNEL, 'v1.50');
    const audit = await listAudit(h.bot.db, promotion!.id);
    return audit.filter((e) => e.action === 'items.toggled' && JSON.stringify(e.data).includes(itemId)).length;
  };

  it('connects with the app-level token, is greeted, and answers health probes on its own port', async () => {
    const opens = h.fake.callsTo('apps.connections.open');
    // The start-up check asks once, the Socket Mode client once more.
    expect(opens.length).toBeGreaterThanOrEqual(2);
    expect(opens.every((c) => c.token?.startsWith('xapp-'))).toBe(true);
    expect(h.fake.socketMode.openConnections()).toBe(1);
    const health = await fetch(`http://127.0.0.1:${h.bot.port}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${h.bot.port}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('refuses another kind of token, and a WebSocket without a valid ticket', async () => {
    const res = await fetch(`${h.fake.apiUrl}apps.connections.open`, { method: 'POST', headers: { authorization: 'Bearer xoxb-not-an-app-token' } });
    expect(await res.json()).toEqual({ ok: false, error: 'not_allowed_token_type' });
    const refused = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`${h.fake.baseUrl.replace('http', 'ws')}/link/?ticket=made-up`);
      ws.on('error', () => resolve('refused'));
      ws.on('open', () => resolve('opened'));
    });
    expect(refused).toBe('refused');
  });

  it('starts a promotion from /promote start delivered as a slash_commands envelope', async () => {
    const res = await h.command('start v1.50 db-housekeeping');
    expect(res.status).toBe(200);
    expect(res.socket).toMatchObject({ acked: true, deliveries: 1 });
    await h.settle();
    const envelope = h.fake.socketMode.envelopes().find((e) => e.envelope_id === res.socket!.envelopeId)!;
    expect(envelope).toMatchObject({ type: 'slash_commands', accepts_response_payload: true, payload: { command: '/promote', text: 'start v1.50 db-housekeeping' } });
    const [promo] = promotionMessages(h.fake);
    expect(visibleText(promo!.overview)).toContain('Promotion v1.50');
    expect(promo!.thread.length).toBeGreaterThan(0);
  });

  it('ticks and unticks an item through interactive envelopes', async () => {
    const itemId = firstItem();
    const box = findCheckbox(h.fake, itemId);
    expect(box.ticked).toBe(false);
    const tick = await h.toggle('U0BOB', box.message, box.blockId, [itemId]);
    expect(tick).toMatchObject({ status: 200, body: '', socket: { acked: true, deliveries: 1 } });
    await h.settle();
    const after = findCheckbox(h.fake, itemId);
    expect(after.ticked).toBe(true);
    expect(visibleText(after.message)).toContain('<@U0BOB>');

    await h.toggle('U0CAROL', after.message, after.blockId, [itemId]);
    await h.settle();
    expect(findCheckbox(h.fake, itemId).ticked).toBe(false);
    expect(await toggles(itemId)).toBe(2);
  });

  it('refuses a bad value inside the modal: the ack carries response_action errors', async () => {
    let found: { message: FakeMessage; block: any } | undefined;
    for (const message of h.fake.messages(CHANNEL)) {
      const block = message.blocks.find((b) => typeof b.block_id === 'string' && b.block_id.startsWith('field|') && b.block_id.includes('|staging-commit-sha|'));
      if (block) found = { message, block };
    }
    const { message, block } = found!;
    const opened = h.fake.callsTo('views.open').length;
    await h.click('U0BOB', message, { type: 'button', action_id: ACTION.openField, block_id: block.block_id, value: block.accessory.value, action_ts: `${Date.now() / 1000}` });
    await h.settle();
    expect(h.fake.callsTo('views.open')).toHaveLength(opened + 1);
    const modal = h.fake.views().at(-1)!;

    const res = await h.submit('U0BOB', { ...modal.view, id: modal.id, state: { values: { [INPUT.fieldValue]: { [INPUT.value]: { type: 'plain_text_input', value: 'not-a-sha!' } } } } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_action: 'errors', errors: { [INPUT.fieldValue]: expect.stringContaining('commit SHA') } });
    const envelope = h.fake.socketMode.envelopes().find((e) => e.envelope_id === res.socket!.envelopeId)!;
    expect(envelope).toMatchObject({ type: 'interactive', accepts_response_payload: true, payload: { type: 'view_submission' } });
    expect(envelope.ack).toMatchObject({ response_action: 'errors' });
  });

  it('reconnects through apps.connections.open after a refresh_requested disconnect, and the next click works', async () => {
    const opens = h.fake.callsTo('apps.connections.open').length;
    const [before] = h.fake.socketMode.connections().filter((c) => !c.closed);
    h.fake.socketMode.disconnect('refresh_requested');
    // The client closes the old connection, then (after its reconnect delay) opens a new one.
    await h.fake.waitFor(() => h.fake.socketMode.connections().find((c) => c.id === before!.id)?.closed, { what: 'old connection closed', timeoutMs: 5000 });
    await h.fake.socketMode.waitForConnection({ timeoutMs: 15_000 });
    const now = h.fake.socketMode.connections();
    expect(now.find((c) => c.id === before!.id)).toMatchObject({ closed: true, disconnects: ['refresh_requested'] });
    expect(now.filter((c) => !c.closed)).toHaveLength(1);
    expect(h.fake.callsTo('apps.connections.open').length).toBe(opens + 1);

    const itemId = firstItem();
    const box = findCheckbox(h.fake, itemId);
    const tick = await h.toggle('U0DAVE', box.message, box.blockId, [itemId]);
    expect(tick).toMatchObject({ status: 200, socket: { acked: true } });
    await h.settle();
    expect(findCheckbox(h.fake, itemId).ticked).toBe(true);
    expect(await toggles(itemId)).toBe(3);
  }, 30_000);

  it('redelivers a click whose ack was lost, with retry_attempt, and applies it once', async () => {
    const itemId = firstItem();
    const box = findCheckbox(h.fake, itemId);
    expect(box.ticked).toBe(true);
    h.fake.socketMode.loseNextAck('interactive');
    const untick = await h.toggle('U0BOB', box.message, box.blockId, [itemId]);
    expect(untick).toMatchObject({ status: 200, socket: { acked: true, deliveries: 2 } });
    await h.settle();
    const envelope = h.fake.socketMode.envelopes().find((e) => e.envelope_id === untick.socket!.envelopeId)!;
    expect(envelope.lostAcks).toBe(1);
    expect(envelope.deliveries.map((d) => d.retryAttempt)).toEqual([0, 1]);
    expect(findCheckbox(h.fake, itemId).ticked).toBe(false);
    // Both deliveries reached the bot; the click was stored and applied once.
    expect(await toggles(itemId)).toBe(4);
  }, 15_000);
});
