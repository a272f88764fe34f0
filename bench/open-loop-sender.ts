/**
 * The sender of bench/open-loop.ts, in its own process: sends signed checkbox clicks open loop (at a fixed rate,
 * never waiting for answers) and writes what it sent and how each was answered.
 *   node --import tsx bench/open-loop-sender.ts <config.json> <out.json>
 * config: { urls, signingSecret, rate, durationMs | count, targets: [{ message, blockId, value }], users, responseUrl | responseUrls,
 *          afterMicros }
 * out: { sent: [{ user, blockId, value, ticked, actionTs, status, ackMs }], sentInMs, firstSentAt, lastSentAt, lastMicros }
 * (status -1: no HTTP answer; the clicks go round-robin over urls.)
 * Each click ticks or unticks one item (chosen at random, the wanted state at random) from the view the sender
 * holds, which may be stale: the element's initial_options are set to show the item in the other state, so the
 * click is a change of that one item (a delta), and action_ts is unique and increasing across the run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { FakeMessage } from '../src/playground/fake-slack.js';
import { blockActionsPayload, fakeTriggerId, interactivityBody, postSigned, type SlackSender } from '../src/playground/slack-client/index.js';

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
}
export interface SentClick {
  user: string;
  blockId: string;
  value: string;
  ticked: boolean;
  actionTs: string;
  status: number;
  ackMs: number;
}

const [configPath, outPath] = process.argv.slice(2);
const cfg = JSON.parse(readFileSync(configPath!, 'utf8')) as Config;
const senders: SlackSender[] = cfg.urls.map((url) => ({ url, signingSecret: cfg.signingSecret }));

let lastMicros = cfg.afterMicros;
function nextActionTs(): string {
  lastMicros = Math.max(lastMicros + 1, Date.now() * 1000);
  return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
}

const total = cfg.count ?? Math.round((cfg.rate * cfg.durationMs) / 1000);
const sent: SentClick[] = [];
const pending: Promise<void>[] = [];

function send(i: number): void {
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
  const actionTs = nextActionTs();
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
  const click: SentClick = { user, blockId: t.blockId, value: t.value, ticked, actionTs, status: 0, ackMs: 0 };
  sent.push(click);
  const start = performance.now();
  pending.push(
    postSigned(s, body, 'application/x-www-form-urlencoded').then(
      (r) => {
        click.status = r.status;
        click.ackMs = performance.now() - start;
      },
      () => {
        click.status = -1;
        click.ackMs = performance.now() - start;
      },
    ),
  );
}

const t0 = performance.now();
const firstSentAt = Date.now();
let lastSentAt = firstSentAt;
let next = 0;
await new Promise<void>((done) => {
  const tick = () => {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * cfg.rate) / 1000) + 1);
    while (next < due) send(next++);
    lastSentAt = Date.now();
    if (next >= total) return done();
    setTimeout(tick, 2);
  };
  tick();
});
const sentInMs = performance.now() - t0;
await Promise.all(pending);
writeFileSync(outPath!, JSON.stringify({ sent, sentInMs, firstSentAt, lastSentAt, lastMicros }));
