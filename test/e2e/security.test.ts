import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { HTTPReceiver } from '@slack/bolt';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTION, INPUT } from '../../src/ids.js';
import { listAudit } from '../../src/store/audit.js';
import { findActive } from '../../src/store/promotions.js';
import { EVENTS_PATH, routedToEvents } from '../../src/slack/request-guard.js';
import { blockActionsPayload, interactivityBody, postSigned, sign, slashCommandBody, toggleCheckboxes } from '../../src/playground/slack-client/index.js';
import { BOT_TOKEN, CHANNEL, findCheckbox, promotionMessages, SIGNING_SECRET, visibleText, type Harness } from '../support/harness.js';
import { harnessForSuite } from '../support/suite.js';

const FORM = 'application/x-www-form-urlencoded';

/**
 * Request targets Bolt's HTTPReceiver routes to its events endpoint (it matches on `new URL(req.url, base).pathname`),
 * and ones it does not. Sent as written, by node:http (fetch would normalise them to /slack/events).
 */
const ROUTED_TO_EVENTS = [
  '/slack/./events',
  '/slack/../slack/events',
  '/./slack/events',
  '/slack/%2e/events',
  '/slack/%2E%2E/slack/events',
  '/slack\\events',
  '/slack/events#fragment',
  '/slack/events?x=1',
  'http://preflight.example/slack/events',
];
const NOT_ROUTED = ['//slack/events', '/slack/events/', '/slack/%65vents', '/slack/events;x', '/SLACK/events', '/slack/events/..', '*'];

describe('requests that are not from Slack, or not as Slack sends them', () => {
  let h: Harness;
  let promotionId: string;
  let clickBody: string;
  const written = async () => ({ audit: (await listAudit(h.bot.db, promotionId)).length, calls: h.fake.calls.length });

  harnessForSuite((harness) => (h = harness), { templatesDir: 'test/fixtures/checklists' });
  beforeAll(async () => {
    await h.command('start v1.50');
    await h.settle();
    promotionId = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
    const box = findCheckbox(h.fake, 'gate-0');
    clickBody = interactivityBody(
      blockActionsPayload(h.bot.sender, {
        userId: 'U0MALLORY',
        channelId: CHANNEL,
        message: box.message,
        action: toggleCheckboxes(box.message, box.blockId, ['gate-0']),
        responseUrl: h.fake.responseUrl(),
      }),
    );
  });

  it('refuses a forged signature with 401 and writes nothing', async () => {
    const before = await written();
    const forged = await postSigned(h.bot.sender, clickBody, FORM, { signature: sign('not-the-secret', Math.floor(Date.now() / 1000), clickBody) });
    expect(forged.status).toBe(401);
    const command = await postSigned(h.bot.sender, slashCommandBody(h.bot.sender, { text: 'start v9', userId: 'U0MALLORY', channelId: CHANNEL, responseUrl: h.fake.responseUrl() }), FORM, {
      signature: 'v0=deadbeef',
    });
    expect(command.status).toBe(401);
    await h.settle();
    expect(await written()).toEqual(before);
    expect(findCheckbox(h.fake, 'gate-0').ticked).toBe(false);
  });

  it('refuses a stale timestamp (older than five minutes) and a far-future one, correctly signed, with 401', async () => {
    const before = await written();
    const old = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await postSigned(h.bot.sender, clickBody, FORM, { timestamp: old })).status).toBe(401);
    const future = Math.floor(Date.now() / 1000) + 10 * 60;
    expect((await postSigned(h.bot.sender, clickBody, FORM, { timestamp: future })).status).toBe(401);
    await h.settle();
    expect(await written()).toEqual(before);
  });

  it('refuses a malformed payload with 400 and writes nothing', async () => {
    const before = await written();
    expect((await postSigned(h.bot.sender, 'payload=%7Bnot-json', FORM)).status).toBe(400);
    expect((await postSigned(h.bot.sender, '{"type": "block_actions"', 'application/json')).status).toBe(400);
    // Valid JSON, correctly signed, but not shaped as Slack sends it.
    const shapeless = interactivityBody({ type: 'block_actions', user: { id: 'U0MALLORY' }, actions: [] });
    expect((await postSigned(h.bot.sender, shapeless, FORM)).status).toBe(400);
    const noUser = interactivityBody({ type: 'view_submission', view: { callback_id: 'item.field.submit', state: { values: {} } } });
    expect((await postSigned(h.bot.sender, noUser, FORM)).status).toBe(400);
    expect((await postSigned(h.bot.sender, 'command=%2Fpromote&text=start+v9', FORM)).status).toBe(400);
    await h.settle();
    expect(await written()).toEqual(before);
  });

  it('refuses with 400, correctly signed, every body Slack does not send, runs nothing, and keeps serving', async () => {
    const before = { ...(await written()), responses: h.fake.responses().length };
    const responseUrl = h.fake.responseUrl({ channel: CHANNEL, user: 'U0MALLORY' });
    const refused: [string, string][] = [
      // Interactivity and commands come form-encoded; as JSON, Bolt would hand them to the listeners.
      ['{"type":"block_actions","actions":null}', 'application/json'],
      [JSON.stringify({ command: '/promote', text: 'start v9', user_id: 'U0MALLORY', channel_id: CHANNEL, response_url: responseUrl }), 'application/json'],
      [JSON.stringify({ command: '/promote', text: 'start v9', user_id: 'U0MALLORY', channel_id: CHANNEL, response_url: responseUrl }), 'application/json; charset=utf-8'],
      // This one crashed the process: Bolt's receiver reads `body.ssl_check` of the parsed body.
      ['null', 'application/json'],
      ['[]', 'application/json'],
      ['"url_verification"', 'application/json'],
      // Events API envelopes for events the app does not subscribe to, or without an event.
      [JSON.stringify({ type: 'event_callback', team_id: 'T0PREFLIGHT', event_id: 'Ev01', event: { type: 'message', text: 'hi' } }), 'application/json'],
      [JSON.stringify({ type: 'event_callback', team_id: 'T0PREFLIGHT', event_id: 'Ev02' }), 'application/json'],
      [JSON.stringify({ type: 'app_rate_limited', team_id: 'T0PREFLIGHT', minute_rate_limited: 1 }), 'application/json'],
      // A real command, but in a content type Slack never sends.
      [slashCommandBody(h.bot.sender, { text: 'start v9', userId: 'U0MALLORY', channelId: CHANNEL, responseUrl }), 'text/plain'],
      [slashCommandBody(h.bot.sender, { text: 'start v9', userId: 'U0MALLORY', channelId: CHANNEL, responseUrl }), 'multipart/form-data; boundary=x'],
      // A repeated field: Bolt's form parser makes it an array.
      [`${clickBody}&${clickBody}`, FORM],
    ];
    for (const [body, type] of refused) {
      expect({ body, type, status: (await postSigned(h.bot.sender, body, type)).status }).toEqual({ body, type, status: 400 });
    }
    await h.settle();
    expect({ ...(await written()), responses: h.fake.responses().length }).toEqual(before);
    expect(h.logs.filter((l) => l.includes('"level":50') || l.includes('"level":60'))).toEqual([]);
    // Still up, and still serving.
    expect((await h.command('help')).status).toBe(200);
  });

  it('guards every request Bolt routes to its events endpoint however its path is written (400, far-future 401), runs nothing, and keeps serving', async () => {
    const { hostname, port } = new URL(h.bot.sender.url);
    /** POST rawBody, correctly signed over its bytes, with this exact request target. */
    const postRaw = (target: string, rawBody: string, contentType: string, timestamp = Math.floor(Date.now() / 1000)) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: hostname,
            port,
            path: target,
            method: 'POST',
            headers: {
              'content-type': contentType,
              'content-length': Buffer.byteLength(rawBody),
              'x-slack-request-timestamp': String(timestamp),
              'x-slack-signature': sign(SIGNING_SECRET, timestamp, rawBody),
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          },
        );
        req.on('error', reject);
        req.end(rawBody);
      });
    const before = { ...(await written()), responses: h.fake.responses().length };
    const responseUrl = h.fake.responseUrl({ channel: CHANNEL, user: 'U0MALLORY' });
    const jsonCommand = JSON.stringify({ command: '/promote', text: 'start v9', user_id: 'U0MALLORY', channel_id: CHANNEL, response_url: responseUrl });
    const future = Math.floor(Date.now() / 1000) + 10 * 60;
    for (const target of ROUTED_TO_EVENTS) {
      // A slash command as JSON ran, and `null` was an unhandled rejection in Bolt's receiver (the process died).
      expect({ target, status: await postRaw(target, jsonCommand, 'application/json') }).toEqual({ target, status: 400 });
      expect({ target, status: await postRaw(target, 'null', 'application/json') }).toEqual({ target, status: 400 });
      // Bolt checks only staleness: a click signed for ten minutes ahead ran.
      expect({ target, status: await postRaw(target, clickBody, FORM, future) }).toEqual({ target, status: 401 });
    }
    for (const target of NOT_ROUTED) {
      expect({ target, status: await postRaw(target, 'null', 'application/json') }).toEqual({ target, status: 404 });
      expect({ target, status: await postRaw(target, jsonCommand, 'application/json') }).toEqual({ target, status: 404 });
    }
    await h.settle();
    expect({ ...(await written()), responses: h.fake.responses().length }).toEqual(before);
    expect(await findActive(h.bot.db, CHANNEL, 'v9')).toBeUndefined();
    expect(findCheckbox(h.fake, 'gate-0').ticked).toBe(false);
    expect(h.logs.filter((l) => l.includes('"level":50') || l.includes('"level":60'))).toEqual([]);
    // Still up; and what Slack sends is still served on such a path (Bolt routes it), after the guard.
    const help = slashCommandBody(h.bot.sender, { text: 'help', userId: 'U0ALICE', channelId: CHANNEL, responseUrl: h.fake.responseUrl() });
    expect(await postRaw('/slack/./events', help, FORM)).toBe(200);
    expect((await h.command('help')).status).toBe(200);
  });

  it('decides which requests to guard exactly as Bolt routes them', () => {
    // Bolt's own receiver, its events handler replaced by a probe: whatever it routes there, the guard must guard.
    const bolt = new HTTPReceiver({ signingSecret: 's', endpoints: EVENTS_PATH });
    let routed = false;
    (bolt as unknown as { handleIncomingEvent: () => void }).handleIncomingEvent = () => (routed = true);
    const boltRoutes = (method: string, url: string) => {
      routed = false;
      try {
        bolt.requestListener({ method, url, headers: {} } as IncomingMessage, {} as ServerResponse);
      } catch {
        // Bolt throws for a request it does not route (and for a URL it cannot parse).
      }
      return routed;
    };
    const cases = [...ROUTED_TO_EVENTS, ...NOT_ROUTED, '/slack/events', 'http://[broken/slack/events', '/healthz', 'https://x:1/a/../slack/events?y#z'];
    for (const url of cases) {
      for (const method of ['POST', 'GET', 'PUT']) {
        expect({ method, url, guarded: routedToEvents(method, url) }).toEqual({ method, url, guarded: boltRoutes(method, url) });
      }
    }
    expect(ROUTED_TO_EVENTS.every((url) => boltRoutes('POST', url))).toBe(true);
    expect(NOT_ROUTED.some((url) => boltRoutes('POST', url))).toBe(false);
  });

  it('lets through what Slack sends: the URL check and subscribed events (JSON), and a command with a charset on its form', async () => {
    const check = JSON.stringify({ token: 'fake-verification-token', challenge: 'ch4llenge', type: 'url_verification' });
    for (const type of ['application/json', 'application/json; charset=utf-8']) {
      const answer = await postSigned(h.bot.sender, check, type);
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ challenge: 'ch4llenge' });
    }
    const opened = { type: 'event_callback', team_id: 'T0PREFLIGHT', api_app_id: 'A0PREFLIGHT', event_id: 'Ev03', event_time: 1795300000, event: { type: 'app_home_opened', user: 'U0ALICE', channel: 'D0ALICE', tab: 'home' } };
    expect((await postSigned(h.bot.sender, JSON.stringify(opened), 'application/json')).status).toBe(200);
    // Bolt reads a body as a form only under exactly `application/x-www-form-urlencoded`; the guard gives Bolt
    // the bare media type, so a charset does not turn a command into a JSON parse error.
    const help = slashCommandBody(h.bot.sender, { text: 'help', userId: 'U0ALICE', channelId: CHANNEL, responseUrl: h.fake.responseUrl() });
    expect((await postSigned(h.bot.sender, help, `${FORM}; charset=utf-8`)).status).toBe(200);
    // A URL check that is not signed is refused like any other request.
    expect((await postSigned(h.bot.sender, check, 'application/json', { signature: 'v0=deadbeef' })).status).toBe(401);
    // Slack's SSL check comes unsigned, and is answered 200 without running anything, whatever else its form carries.
    await h.settle();
    const before = { ...(await written()), responses: h.fake.responses().length };
    const sslCheck = await fetch(h.bot.sender.url, { method: 'POST', headers: { 'content-type': FORM }, body: `ssl_check=1&token=x&${clickBody}` });
    expect(sslCheck.status).toBe(200);
    expect(await sslCheck.text()).toBe('');
    await h.settle();
    expect({ ...(await written()), responses: h.fake.responses().length }).toEqual(before);
    await h.settle();
  });

  it('answers 404 to other paths and 413 to an oversized body, and keeps serving', async () => {
    const base = h.bot.sender.url.replace('/slack/events', '');
    expect((await fetch(`${base}/nope`, { method: 'POST', body: 'x' })).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST', body: 'x' })).status).toBe(404);
    const huge = `payload=${'x'.repeat(1024 * 1024 + 10)}`;
    expect((await postSigned(h.bot.sender, huge, FORM)).status).toBe(413);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await h.command('help')).status).toBe(200);
  });

  it('answers a readiness probe from the database and a liveness probe', async () => {
    const base = h.bot.sender.url.replace('/slack/events', '');
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ database: 'ok' });
  });
});

describe('acknowledging before slow work, and errors nobody expected', () => {
  let h: Harness;
  harnessForSuite((harness) => (h = harness), { templatesDir: 'test/fixtures/checklists' });

  it('acknowledges /promote start before posting anything', async () => {
    h.fake.hold('chat.postMessage');
    const res = await h.command('start v1.50');
    // The answer came back while the checklist post was still waiting on Slack.
    expect(res.status).toBe(200);
    await h.fake.waitFor(() => h.fake.pending('chat.postMessage') > 0, { what: 'the checklist post' });
    expect(h.fake.messages(CHANNEL)).toHaveLength(0);
    h.fake.release('chat.postMessage');
    await h.settle();
    expect(h.fake.messages(CHANNEL).length).toBeGreaterThan(1);
  });

  it('acknowledges a tick before updating the message', async () => {
    const box = findCheckbox(h.fake, 'gate-1');
    h.fake.hold('chat.update');
    const res = await h.toggle('U0BOB', box.message, box.blockId, ['gate-1']);
    expect(res.status).toBe(200);
    await h.fake.waitFor(() => h.fake.pending('chat.update') > 0, { what: 'the checklist update' });
    h.fake.release('chat.update');
    await h.settle();
    expect(findCheckbox(h.fake, 'gate-1').ticked).toBe(true);
  });

  it('acknowledges a modal button before opening the modal, and a modal submission before saving', async () => {
    await h.command('start v3.0');
    await h.settle();
    const field = h.fake.messages(CHANNEL).flatMap((m) => m.blocks.map((blk: any) => ({ m, blk })))
      .filter(({ blk }) => String(blk.block_id).includes('|deployed-sha|'))
      .at(-1)!;
    h.fake.hold('views.open');
    const click = await h.click('U0BOB', field.m, { type: 'button', action_id: ACTION.openField, block_id: field.blk.block_id, value: field.blk.accessory.value, action_ts: '1795300000.000009' });
    expect(click.status).toBe(200);
    await h.fake.waitFor(() => h.fake.pending('views.open') > 0, { what: 'the modal' });
    h.fake.release('views.open');
    await h.settle();
    const modal = h.fake.views().at(-1)!;
    h.fake.hold('chat.update');
    const submitted = await h.submit('U0BOB', { ...modal.view, id: modal.id, state: { values: { [INPUT.fieldValue]: { [INPUT.value]: { type: 'plain_text_input', value: 'abcdef1' } } } } });
    expect(submitted.status).toBe(200);
    await h.fake.waitFor(() => h.fake.pending('chat.update') > 0, { what: 'the checklist update' });
    h.fake.release('chat.update');
    await h.settle();
    expect(h.fake.messages(CHANNEL).map((m) => JSON.stringify(m.blocks)).join()).toContain('`abcdef1`');
  });

  it('when Slack fails, keeps the change, says it was saved with an error id that is in the log, and catches up', async () => {
    const overview = () => promotionMessages(h.fake).find((p) => visibleText(p.overview).includes('Promotion v1.50'))!.overview;
    const progressBefore = /(\d+) of \d+ items/.exec(visibleText(overview()))![1];
    // The first update of a tick is the message the clicker looks at; the overview's comes after it. The budget is
    // full first: a render that has to wait for it hands its clickers on, and then they hear nothing of its fate.
    h.time.advance(60_000);
    h.fake.failNext('chat.update', 'internal_error');
    const box = findCheckbox(h.fake, 'gate-2');
    await h.toggle('U0CAROL', box.message, box.blockId, ['gate-2']);
    await h.settle();
    const reply = await h.fake.waitFor(() => h.fake.ephemerals().find((e) => e.user === 'U0CAROL'), { what: 'the reply' });
    expect(reply.text).toContain('Saved, but the checklist message could not be updated just now');
    const errorId = /error id `(E-[0-9a-f]+)`/.exec(reply.text ?? '')?.[1];
    expect(errorId).toBeDefined();
    expect(h.logs.some((l) => l.includes(`"errorId":"${errorId}"`) && l.includes('internal_error'))).toBe(true);
    const promotion = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!;
    expect((await listAudit(h.bot.db, promotion.id)).at(-1)).toMatchObject({ actor: 'U0CAROL', data: { ticked: ['gate-2'] } });
    // The overview still took the tick; the section message missed it.
    expect(findCheckbox(h.fake, 'gate-2').ticked).toBe(false);
    expect(/(\d+) of \d+ items/.exec(visibleText(overview()))![1]).toBe(String(Number(progressBefore) + 1));

    // Nobody needs to click again: the repair sweep (run by the scheduler) brings the section message up to date.
    expect(await h.bot.preflight.repair()).toBeGreaterThan(0);
    expect(findCheckbox(h.fake, 'gate-2').ticked).toBe(true);
  });

  it('never writes the bot token or the signing secret to the logs or to Slack', async () => {
    const everything = [...h.logs, ...h.fake.calls.map((c) => JSON.stringify(c.args))].join('\n');
    expect(h.logs.length).toBeGreaterThan(20);
    expect(everything).not.toContain(BOT_TOKEN);
    expect(everything).not.toContain(SIGNING_SECRET);
  });
});
