/**
 * The sender of bench/open-loop.ts, in its own process: sends signed checkbox clicks open loop (at a fixed rate,
 * never waiting for answers) and writes what it sent and how each was answered.
 *   node --import tsx bench/open-loop-sender.ts <config.json> <out.json>
 * config: { urls, signingSecret, rate, durationMs | count, targets: [{ message, blockId, value }], users, responseUrl | responseUrls,
 *          afterMicros, mirrorUrl? }
 * out: { sent: [{ user, blockId, value, ticked, actionTs, status, ackMs, sentAtMs }], mirrored: [{ status, ackMs, sentAtMs }], sentInMs,
 *        firstSentAt, lastSentAt, lastMicros }
 * (status -1: no HTTP answer; the clicks go round-robin over urls.) With mirrorUrl, every click is also sent, the same
 * body, to that URL (the bare app of the paired mode), the two in turn first, and its answers go in `mirrored`.
 * Each click ticks or unticks one item (chosen at random, the wanted state at random) from the view the sender
 * holds, which may be stale: the element's initial_options are set to show the item in the other state, so the
 * click is a change of that one item (a delta), and action_ts is unique and increasing across the run.
 *
 * Every click's body is built before the first is sent, and sent with node:http over kept-alive connections:
 * building a body (its whole message, URL-encoded) and sending it with fetch took the sender about 1.3 ms of CPU a
 * click, so from about 400 a second the sender itself was saturated, and the answers it timed waited for its own
 * event loop, the bare app's as much as the bot's (bare Bolt's p99 read 60-200 ms at 400 a second; 4 ms since).
 * Sending a prepared request costs a fraction of that. Each is signed as it is sent, with the second it is sent in,
 * as Slack signs. action_ts follows the planned send times, shifted back by the preparation (Slack's, too, is when
 * the click was made, not when it arrived).
 */
import { Agent, request } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { FakeMessage } from '../src/playground/fake-slack.js';
import { blockActionsPayload, fakeTriggerId, interactivityBody, sign, type SlackSender } from '../src/playground/slack-client/index.js';

interface Target {
  message: FakeMessage;
  blockId: string;
  value: string;
}
interface Config {
  urls: string[];
  signingSecret: string;
  rate: number;
  durationMs: number;
  /** How many clicks to send (default rate x durationMs). */
  count?: number;
  targets: Target[];
  users: string[];
  responseUrl: string;
  /** One response_url per click, as Slack gives every interaction its own (a fake's takes 5 posts); else responseUrl. */
  responseUrls?: string[];
  /** action_ts (micros since the epoch) must exceed this: the previous run's last. */
  afterMicros: number;
  /** Also send every click to this URL (the paired bare app), at the same moment. */
  mirrorUrl?: string;
}
/** How one request was answered: its HTTP status (-1: none) and after how long. */
export interface Answer {
  status: number;
  ackMs: number;
  /** When it was sent, in ms from the first click: with ackMs, a timeline of the run (OPEN_LOOP_KEEP_ANSWERS). */
  sentAtMs?: number;
}
export interface SentClick extends Answer {
  user: string;
  blockId: string;
  value: string;
  ticked: boolean;
  actionTs: string;
}
/** A click ready to go: where, and its body, URL-encoded and so ASCII (signed when sent). */
interface Prepared {
  click: SentClick;
  url: URL;
  body: string;
}

const [configPath, outPath] = process.argv.slice(2);
const cfg = JSON.parse(readFileSync(configPath!, 'utf8')) as Config;
const senders: SlackSender[] = cfg.urls.map((url) => ({ url, signingSecret: cfg.signingSecret }));
const mirrorUrl = cfg.mirrorUrl ? new URL(cfg.mirrorUrl) : undefined;
const total = cfg.count ?? Math.round((cfg.rate * cfg.durationMs) / 1000);
// Open loop: as many connections as requests in flight, each kept for the next request.
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

/** Build every click in order, each from the view as the clicks before it left it. */
function prepare(): { prepared: Prepared[]; lastMicros: number } {
  const firstMicros = Math.max(cfg.afterMicros + 1, Date.now() * 1000);
  const stepMicros = 1e6 / cfg.rate;
  let lastMicros = cfg.afterMicros;
  const prepared: Prepared[] = [];
  for (let i = 0; i < total; i++) {
    const t = cfg.targets[Math.floor(Math.random() * cfg.targets.length)]!;
    const ticked = Math.random() < 0.5;
    const user = cfg.users[i % cfg.users.length]!;
    const block = t.message.blocks.find((b: any) => b?.block_id === t.blockId);
    const element = block.elements[0];
    const shown = new Set<string>(((element.initial_options ?? []) as Array<{ value: string }>).map((o) => o.value));
    if (ticked) shown.delete(t.value);
    else shown.add(t.value);
    element.initial_options = element.options.filter((o: any) => shown.has(o.value));
    const selected = new Set(shown);
    if (ticked) selected.add(t.value);
    else selected.delete(t.value);
    lastMicros = Math.max(lastMicros + 1, Math.round(firstMicros + i * stepMicros));
    const actionTs = `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
    const action = {
      type: 'checkboxes',
      action_id: element.action_id,
      block_id: t.blockId,
      selected_options: element.options.filter((o: any) => selected.has(o.value)).map((o: any) => ({ text: o.text, value: o.value, ...(o.description ? { description: o.description } : {}) })),
      action_ts: actionTs,
    };
    const s = senders[i % senders.length]!;
    const body = interactivityBody(
      blockActionsPayload(s, { userId: user, channelId: t.message.channel, message: t.message, action, responseUrl: cfg.responseUrls?.[i] ?? cfg.responseUrl, triggerId: fakeTriggerId() }),
    );
    const click = { user, blockId: t.blockId, value: t.value, ticked, actionTs, status: 0, ackMs: 0 };
    prepared.push({ click, url: new URL(s.url), body });
  }
  return { prepared, lastMicros };
}

const pending: Promise<void>[] = [];

function post(url: URL, p: Prepared, answer: Answer): void {
  const start = performance.now();
  answer.sentAtMs = start - t0;
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': String(Buffer.byteLength(p.body)),
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': sign(cfg.signingSecret, timestamp, p.body),
  };
  pending.push(
    new Promise<void>((resolve) => {
      const done = (status: number) => {
        answer.status = status;
        answer.ackMs = performance.now() - start;
        resolve();
      };
      const req = request(url, { method: 'POST', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? -1));
        res.on('error', () => done(-1));
      });
      req.on('error', () => done(-1));
      req.end(p.body);
    }),
  );
}

const sent: SentClick[] = [];
const mirrored: Answer[] = [];
function send(i: number, p: Prepared): void {
  sent.push(p.click);
  if (!mirrorUrl) return post(p.url, p, p.click);
  const copy: Answer = { status: 0, ackMs: 0 };
  mirrored.push(copy);
  // In turn first, so that neither side is always the one sent a little later.
  if (i % 2 === 0) {
    post(p.url, p, p.click);
    post(mirrorUrl, p, copy);
  } else {
    post(mirrorUrl, p, copy);
    post(p.url, p, p.click);
  }
}

const { prepared, lastMicros } = prepare();
const t0 = performance.now();
const firstSentAt = Date.now();
let lastSentAt = firstSentAt;
let next = 0;
await new Promise<void>((done) => {
  const tick = () => {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * cfg.rate) / 1000) + 1);
    while (next < due) send(next, prepared[next++]!);
    lastSentAt = Date.now();
    if (next >= total) return done();
    setTimeout(tick, 2);
  };
  tick();
});
const sentInMs = performance.now() - t0;
await Promise.all(pending);
agent.destroy();
writeFileSync(outPath!, JSON.stringify({ sent, mirrored, sentInMs, firstSentAt, lastSentAt, lastMicros }));
