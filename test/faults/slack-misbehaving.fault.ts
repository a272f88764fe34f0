/**
 * Slack misbehaving (issue 14): the fake Slack (src/playground/fake-slack.ts, its `faults` knob) answers chat.update
 * and chat.postMessage with 429s and Retry-After, then 500s, then requests that hang past the bot's 15 s client
 * timeout, then refuses views.open with `ratelimited` (HTTP 429), while people tick, approve, set a field, open forms,
 * start and abort promotions through two bot processes of the in-process local stack on a throwaway PostgreSQL schema.
 *
 * Holds when: every click and command was acknowledged (HTTP 200); whoever clicked a button whose form Slack would not
 * open was told so; once the faults stop and the repair sweep and the outbox have run, every checklist message shows
 * exactly what the stored state renders (its blocks and text, its ticks against item_states); every one-off post
 * (outbox key in its metadata) is in Slack once, and no checklist message was posted twice.
 *
 * `--quick`: fewer promotions and faults (what `npm test` runs). Times are printed, never asserted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { renderSectionsMessage } from '../../blocks/checklist.js';
import { renderOverview } from '../../blocks/overview.js';
import { ACTION, approvalBlockId, INPUT, VIEW } from '../../src/ids.js';
import { postgresDatabase, type LocalDatabase } from '../../src/playground/databases.js';
import type { FakeFaultKind, FakeMessage, RecordedCall } from '../../src/playground/fake-slack.js';
import { checkboxBlocks, promotionMessages, visibleText } from '../../src/playground/slack-client/index.js';
import { startLocalStack, type BotProcess, type LocalStack } from '../../src/playground/stack.js';
import { VirtualTime } from '../../src/playground/virtual-time.js';
import { OUTBOX_EVENT_TYPE } from '../../src/slack/outbox.js';
import { listMessages } from '../../src/store/messages.js';
import { findActive, loadView } from '../../src/store/promotions.js';
import { crashed, eventually, finish, QUICK, type Figures } from './support.js';

const NAME = 'slack-misbehaving';
const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REQUESTER = 'U0DAN';
const CHAIR = 'U0CHAIR';
const LEADS = ['U0LEAD1', 'U0LEAD2', 'U0ALICE'];
/** What the person is told when Slack did not open a form (src/slack/open-modal.ts). */
const NOT_OPENED = 'did not open the form';

interface Promotion {
  release: string;
  channel: string;
  pid?: string;
  aborted?: boolean;
}

/** One phase's tally. */
interface Tally {
  requests: number;
  acknowledged: number;
  notAcknowledged: string[];
  started: number;
  modalClicks: number;
  modalToldNotOpened: number;
  modalSilent: string[];
  /** How long each person waited to hear that a form did not open (ms, printed only). */
  toldAfterMs: number[];
}

const newTally = (): Tally => ({ requests: 0, acknowledged: 0, notAcknowledged: [], started: 0, modalClicks: 0, modalToldNotOpened: 0, modalSilent: [], toldAfterMs: [] });

let h: LocalStack;
let database: LocalDatabase | undefined;
const time = new VirtualTime('auto');
const promotions: Promotion[] = [];
let actionTs = 1795300000;
let releases = 0;
let tally = newTally();

const hasMetadata = (c: RecordedCall) => typeof (c.args['metadata'] as { event_type?: unknown } | undefined)?.event_type === 'string';
const botFor = (i: number): BotProcess => h.bots[i % h.bots.length]!;

/** A request's answer counted: 200 is acknowledged; anything else is named. */
function counted(what: string, status: number): void {
  tally.requests++;
  if (status === 200) tally.acknowledged++;
  else tally.notAcknowledged.push(`${what}: HTTP ${status}`);
}

/** The promotion's messages as its channel shows them now (undefined when its overview is not posted yet). */
function shown(p: Promotion): { overview: FakeMessage; thread: FakeMessage[] } | undefined {
  // One promotion a channel: its first message there is its overview.
  return p.pid ? promotionMessages(h.fake, p.channel)[0] : undefined;
}

/** An element with `actionId` (in block `blockPrefix…` when given) in the promotion's messages, as Slack sends it clicked. */
function element(p: Promotion, actionId: string, blockPrefix?: string): { message: FakeMessage; action: Record<string, unknown> } | undefined {
  const m = shown(p);
  if (!m) return undefined;
  for (const message of [m.overview, ...m.thread]) {
    for (const block of message.blocks) {
      if (blockPrefix && !String(block.block_id ?? '').startsWith(blockPrefix)) continue;
      const candidates = [...(block.elements ?? []), ...(block.accessory ? [block.accessory] : [])];
      const el = candidates.find((e: any) => e.action_id === actionId);
      if (el) return { message, action: { ...el, block_id: block.block_id, action_ts: `${actionTs++}.000001` } };
    }
  }
  return undefined;
}

async function command(text: string, p: Promotion, i: number, user = REQUESTER): Promise<void> {
  const res = await h.command(text, { user, channel: p.channel, bot: botFor(i) });
  counted(`/promote ${text}`, res.status);
}

async function start(i: number): Promise<Promotion> {
  const p: Promotion = { release: `v${++releases}.0`, channel: `C0DEPLOY${releases}` };
  promotions.push(p);
  await command(`start ${p.release} approvals`, p, i);
  p.pid = (await eventually(`promotion ${p.release} stored`, () => findActive(h.bot.db, p.channel, p.release), 20_000))!.id;
  tally.started++;
  return p;
}

/** Tick (or untick) the backup item as the checkbox shows it now. */
async function tick(p: Promotion, i: number, user = REQUESTER): Promise<void> {
  const m = shown(p);
  const box = m && [m.overview, ...m.thread].flatMap((message) => checkboxBlocks(message).filter((b) => b.values.includes('backup')).map((b) => ({ message, b })))[0];
  if (!box) return;
  const res = await h.toggle(user, box.message, box.b.blockId, ['backup'], botFor(i));
  counted('tick', res.status);
}

async function approve(p: Promotion, approval: string, user: string, i: number): Promise<void> {
  const el = element(p, ACTION.approve, approvalBlockId(p.pid!, approval));
  if (!el) return;
  const res = await h.click(user, el.message, el.action, botFor(i));
  counted(`approve ${approval}`, res.status);
}

/** Click a button that opens a form; the form, once Slack shows it (undefined if told it did not open). */
async function openForm(p: Promotion, actionId: string, callbackId: string, user: string, i: number, blockPrefix?: string): Promise<any | undefined> {
  const el = element(p, actionId, blockPrefix);
  if (!el) return undefined;
  const views = h.fake.views().length;
  const told = h.fake.ephemerals().length;
  tally.modalClicks++;
  const clicked = performance.now();
  const res = await h.click(user, el.message, el.action, botFor(i));
  counted(`open ${callbackId}`, res.status);
  const saidSince = () => h.fake.ephemerals().slice(told).filter((e) => e.user === user && e.channel === p.channel);
  const outcome = await eventually(
    `the ${callbackId} form, or word that it did not open`,
    () => {
      const opened = h.fake.views().slice(views).find((v) => v.view.callback_id === callbackId && String(v.view.private_metadata ?? '').includes(p.pid!));
      if (opened) return { opened };
      return saidSince().some((e) => e.text?.includes(NOT_OPENED)) ? { told: true } : undefined;
    },
    40_000,
  ).catch(() => undefined);
  if (outcome && 'opened' in outcome) return outcome.opened;
  if (outcome) {
    tally.modalToldNotOpened++;
    tally.toldAfterMs.push(performance.now() - clicked);
  }
  else tally.modalSilent.push(`${callbackId} for ${user}: neither opened nor told it did not (told: ${saidSince().map((e) => `"${e.text}"`).join(', ') || 'nothing'})`);
  return undefined;
}

/** Set the deployed SHA through its form (which voids the lead approvals bound to the old one: a one-off post). */
async function setSha(p: Promotion, value: string, i: number): Promise<void> {
  const form = await openForm(p, ACTION.openField, VIEW.field, REQUESTER, i, `field|${p.pid}|deployed-sha|`);
  if (!form) return;
  const res = await h.submit(REQUESTER, { ...form.view, id: form.id, state: { values: { [INPUT.fieldValue]: { [INPUT.value]: { type: 'plain_text_input', value } } } } }, botFor(i));
  counted('submit SHA', res.status);
}

async function noGo(p: Promotion, i: number): Promise<void> {
  const form = await openForm(p, ACTION.noGo, VIEW.noGo, CHAIR, i, `decision|${p.pid}`);
  if (!form) return;
  const values = {
    [INPUT.noGoReason]: { [INPUT.value]: { type: 'plain_text_input', value: 'Slack was misbehaving' } },
    [INPUT.noGoDate]: { [INPUT.value]: { type: 'datepicker', selected_date: null } },
  };
  const res = await h.submit(CHAIR, { ...form.view, id: form.id, state: { values } }, botFor(i));
  counted('submit NO-GO', res.status);
}

async function abort(p: Promotion, i: number): Promise<void> {
  await command(`abort ${p.release} aborted while Slack misbehaved`, p, i);
  p.aborted = true;
}

/** What the repair sweep and the outbox's sweep do every few seconds, on both replicas. */
async function sweep(): Promise<void> {
  for (const b of h.bots) {
    await b.preflight.repair();
    await b.preflight.publisher.outbox.sendDue(50);
  }
  await h.settle();
}

const live = () => promotions.filter((p) => !p.aborted && shown(p));

/** Calls answered with each fault so far, per method. */
function faultCounts(): Record<string, Record<FakeFaultKind, number>> {
  const out: Record<string, Record<FakeFaultKind, number>> = {};
  for (const m of ['chat.update', 'chat.postMessage', 'views.open']) out[m] = h.fake.faults.count(m);
  return out;
}

const outboxRows = async () => Number((await h.bot.db.query<{ n: string }>('SELECT count(*) AS n FROM slack_outbox')).rows[0]!.n);

async function phase(name: string, figures: Figures, faults: () => void, drive: () => Promise<void>): Promise<void> {
  tally = newTally();
  const before = faultCounts();
  const enqueued = await outboxRows();
  const ephemerals = h.fake.ephemerals().length;
  const started = performance.now();
  faults();
  await drive();
  await h.settle();
  h.fake.faults.clear();
  const behindNow = (await divergences()).problems;
  const behind = behindNow.length;
  for (const problem of behindNow) console.log(`phase ${name}, before the sweep: ${problem}`);
  const after = faultCounts();
  const answered = Object.entries(after)
    .flatMap(([m, kinds]) => (Object.keys(kinds) as FakeFaultKind[]).map((k) => [m, k, kinds[k] - before[m]![k]] as const))
    .filter(([, , n]) => n > 0)
    .map(([m, k, n]) => `${m} ${k} ×${n}`);
  const told = h.fake.ephemerals().slice(ephemerals);
  figures[`${name}: faults answered`] = answered.join(', ') || 'none';
  figures[`${name}: requests acknowledged`] = `${tally.acknowledged} of ${tally.requests}`;
  figures[`${name}: promotions started / one-off posts enqueued`] = `${tally.started} / ${(await outboxRows()) - enqueued}`;
  const waits = [...tally.toldAfterMs].sort((x, y) => x - y);
  figures[`${name}: forms clicked / told they did not open`] = `${tally.modalClicks} / ${tally.modalToldNotOpened}${waits.length ? ` (told after ${Math.round(waits[0]!)}-${Math.round(waits.at(-1)!)} ms)` : ''}`;
  figures[`${name}: private answers`] = `${told.length}${told.length ? ` (${[...new Set(told.map((e) => (e.text ?? '').slice(0, 70)))].join(' | ')})` : ''}`;
  figures[`${name}: checklist messages not showing the stored state when it ended (before the sweep)`] = behind;
  figures[`${name}: took`] = `${Math.round(performance.now() - started)} ms`;
  phases.push({ name, tally });
  console.log(`phase ${name} done in ${Math.round(performance.now() - started)} ms: ${answered.join(', ') || 'no faults answered'}`);
  // Between phases the 20 s sweep would have run.
  await sweep();
}

const phases: Array<{ name: string; tally: Tally }> = [];

/** Deep copy without what the fake adds when it stores blocks (emoji / verbatim flags), keys sorted. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (!v || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) if (k !== 'emoji' && k !== 'verbatim') out[k] = canonical((v as Record<string, unknown>)[k]);
  return out;
}

/** Every checklist message against what the stored state renders; what differs, as sentences. */
async function divergences(): Promise<{ messages: number; ticks: number; problems: string[] }> {
  const problems: string[] = [];
  let messages = 0;
  let ticks = 0;
  for (const p of promotions) {
    const view = (await loadView(h.bot.db, p.pid!))!;
    const done = new Set((await h.bot.db.query<{ item_id: string }>(`SELECT item_id FROM item_states WHERE promotion_id = $1 AND state = 'done'`, [p.pid])).rows.map((r) => r.item_id));
    for (const row of await listMessages(h.bot.db, p.pid!)) {
      messages++;
      const where = `${p.release} message ${row.idx}`;
      if (!row.ts) {
        problems.push(`${where} was never posted`);
        continue;
      }
      if (row.broken) problems.push(`${where} was given up on (broken)`);
      if (row.renderedVersion < view.promotion.version) problems.push(`${where} is behind (version ${row.renderedVersion} of ${view.promotion.version})`);
      const inSlack = h.fake.message(row.channelId, row.ts);
      if (!inSlack) {
        problems.push(`${where} is not in Slack`);
        continue;
      }
      const rendered = row.idx === 0 ? renderOverview(view) : renderSectionsMessage(view, row.sections);
      const blocks = inSlack.blocks.map((b, i) => {
        const copy = { ...b };
        if ((rendered.blocks[i] as { block_id?: string } | undefined)?.block_id === undefined) delete copy.block_id;
        return copy;
      });
      if (JSON.stringify(canonical(blocks)) !== JSON.stringify(canonical(rendered.blocks))) {
        const i = blocks.findIndex((b, k) => JSON.stringify(canonical(b)) !== JSON.stringify(canonical(rendered.blocks[k])));
        problems.push(`${where}'s blocks differ from what the stored state renders (block ${i}: Slack shows ${JSON.stringify(canonical(blocks[i])).slice(0, 300)}, the state renders ${JSON.stringify(canonical(rendered.blocks[i])).slice(0, 300)})`);
      }
      if ((inSlack.text ?? '') !== rendered.text) problems.push(`${where}'s text differs from what the stored state renders`);
      for (const b of checkboxBlocks(inSlack)) {
        for (const value of b.values) {
          ticks++;
          if (b.ticked.includes(value) !== done.has(value)) problems.push(`${where} shows ${value} ${b.ticked.includes(value) ? 'ticked' : 'unticked'}, the database says ${done.has(value) ? 'done' : 'not done'}`);
        }
      }
    }
  }
  return { messages, ticks, problems };
}

/** Posts in Slack twice: one-off posts by their outbox key, and bot messages that are neither a checklist message nor a one-off. */
async function duplicates(): Promise<{ oneOffs: number; twice: string[]; strays: string[]; outboxNotPosted: string[] }> {
  const checklistTs = new Set((await h.bot.db.query<{ channel_id: string; ts: string }>('SELECT channel_id, ts FROM promotion_messages WHERE ts IS NOT NULL')).rows.map((r) => `${r.channel_id} ${r.ts}`));
  const keys = new Map<string, number>();
  const strays: string[] = [];
  for (const m of h.fake.messages()) {
    if (m.user !== 'U0PREFLIGHT') continue;
    if (m.metadata?.event_type === OUTBOX_EVENT_TYPE) {
      const key = String(m.metadata.event_payload['key']);
      keys.set(`${m.channel} ${key}`, (keys.get(`${m.channel} ${key}`) ?? 0) + 1);
    } else if (!checklistTs.has(`${m.channel} ${m.ts}`)) {
      strays.push(`${m.channel} ${m.ts}: ${(m.text ?? visibleText(m)).slice(0, 80)}`);
    }
  }
  const twice = [...keys].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
  const rows = (await h.bot.db.query<{ key: string; state: string; last_error: string | null }>('SELECT key, state, last_error FROM slack_outbox')).rows;
  const outboxNotPosted = rows.filter((r) => r.state !== 'posted').map((r) => `${r.key}: ${r.state} (${r.last_error ?? ''})`);
  return { oneOffs: keys.size, twice, strays, outboxNotPosted };
}

async function main(): Promise<void> {
  const figures: Figures = {};
  const checks: Array<[string, boolean]> = [];
  const began = performance.now();
  database = await postgresDatabase(TEST_DATABASE_URL);
  h = await startLocalStack({
    database,
    bots: 2,
    templatesDir: 'test/fixtures/approvals',
    scheduler: false,
    time,
    clock: () => time.date(),
    logLevel: 'info',
    fake: { usergroups: { S0DBA: ['U0DB1', 'U0DB2'] } },
  });
  try {
    const initial = QUICK ? 2 : 4;
    const n = QUICK ? 1 : 3; // fault counts scale with this
    figures['form'] = QUICK ? 'quick' : 'full';
    for (let i = 0; i < initial; i++) await start(i);
    await h.settle();
    await sweep();

    // (a) 429 with Retry-After on chat.update and chat.postMessage. No forms here: the bots wait Retry-After out on the
    // stack's virtual time, which would age a form's trigger_id past its 3 seconds.
    await phase(
      'a 429',
      figures,
      () => {
        h.fake.faults.set('chat.update', { kind: '429', count: 6 * n, retryAfter: 3 });
        h.fake.faults.set('chat.postMessage', { kind: '429', count: 4 * n, retryAfter: 2 });
      },
      async () => {
        const ps = live();
        await Promise.all(ps.map(async (p, i) => {
          await tick(p, i);
          await approve(p, 'lead', LEADS[0]!, i + 1);
          await approve(p, 'dba', 'U0DB1', i);
          await command(`status ${p.release}`, p, i + 1);
        }));
        await start(0);
        await abort(ps[0]!, 1);
      },
    );

    // (b) 500s: a post to the outbox is carried out before its 500 (the answer lost), a checklist post is not.
    await phase(
      'b 500',
      figures,
      () => {
        h.fake.faults.set('chat.update', { kind: '500', count: 6 * n });
        h.fake.faults.set('chat.postMessage', { kind: '500', count: 3 * n, apply: hasMetadata });
      },
      async () => {
        const ps = live();
        await Promise.all(ps.map(async (p, i) => {
          await setSha(p, 'abc1234', i);
          await tick(p, i + 1);
          await approve(p, 'lead', LEADS[1]!, i);
          await setSha(p, 'def5678', i + 1); // voids the lead approvals bound to abc1234: a one-off post
        }));
        await start(1);
        await abort(ps[0]!, 0);
      },
    );

    // (c) timeouts: the request hangs past the bots' 15 s client timeout, then its connection is dropped. An outbox
    // post is carried out first (its answer never comes: looked for before any second post); nothing else is.
    await phase(
      'c timeout',
      figures,
      () => {
        h.fake.faults.set('chat.update', { kind: 'timeout', count: 2 * n, hangMs: 16_000 });
        h.fake.faults.set('chat.postMessage', { kind: 'timeout', count: 2 * n, hangMs: 16_000, apply: hasMetadata });
      },
      async () => {
        const ps = live();
        await start(0);
        await Promise.all(ps.map(async (p, i) => {
          await tick(p, i);
          await approve(p, 'lead', LEADS[2]!, i + 1);
          await setSha(p, 'abc1234', i); // voids again: a one-off post
        }));
        await abort(ps[0]!, 1);
      },
    );

    // (d) views.open refused with `ratelimited` (HTTP 429): NO-GO, Reject and Not applicable cannot open their forms;
    // ticks and approvals go on. Then one with a Retry-After longer than the trigger_id lives (3 s).
    await phase(
      'd views.open ratelimited',
      figures,
      () => h.fake.faults.set('views.open', { kind: '429', retryAfter: 1 }),
      async () => {
        const ps = live();
        await Promise.all(ps.flatMap((p, i) => [
          openForm(p, ACTION.noGo, VIEW.noGo, CHAIR, i, `decision|${p.pid}`),
          openForm(p, ACTION.reject, VIEW.reject, LEADS[0]!, i + 1, approvalBlockId(p.pid!, 'lead')),
          openForm(p, ACTION.openNa, VIEW.na, REQUESTER, i).then(async () => {
            await tick(p, i + 1);
            await approve(p, 'lead', LEADS[1]!, i);
          }),
        ]));
        h.fake.faults.set('views.open', { kind: '429', retryAfter: 5, count: 1 });
        await openForm(ps[0]!, ACTION.openField, VIEW.field, REQUESTER, 1, `field|${ps[0]!.pid}|deployed-sha|`);
      },
    );

    // Slack behaves again: a NO-GO goes through (its form opens, its announcement is a one-off post).
    tally = newTally();
    const stillLive = live();
    await noGo(stillLive[0]!, 0);
    figures['after: NO-GO form opened and submitted'] = tally.acknowledged === 2;
    const afterTally = tally;

    // The repair sweep and the outbox until every message shows the stored state (render backoffs run on the bots'
    // clock, moved on a minute a round; a real sweep would simply come back later).
    const converging = performance.now();
    let rounds = 0;
    let last = await divergences();
    for (; rounds < 10; rounds++) {
      await sweep();
      last = await divergences();
      const dup = await duplicates();
      if (last.problems.length === 0 && dup.outboxNotPosted.length === 0) break;
      time.advance(60_000);
      await sleep(200);
    }
    const dup = await duplicates();
    figures['converged after'] = `${rounds + 1} sweep round(s), ${Math.round(performance.now() - converging)} ms`;
    figures['checklist messages compared / checkboxes compared'] = `${last.messages} / ${last.ticks}`;
    figures['promotions'] = `${promotions.length} (${promotions.filter((p) => p.aborted).length} aborted)`;
    figures['one-off posts in Slack (distinct outbox keys)'] = dup.oneOffs;
    figures['bot messages in Slack'] = h.fake.messages().filter((m) => m.user === 'U0PREFLIGHT').length;
    figures['Web API calls / answered with a fault'] = `${h.fake.calls.length} / ${h.fake.calls.filter((c) => c.fault).length}`;
    figures['error-level log lines'] = h.logs.filter((l) => l.includes('"level":50') || l.includes('"level":60')).length;
    figures['total'] = `${Math.round(performance.now() - began)} ms`;
    for (const problem of [...last.problems, ...dup.twice, ...dup.strays, ...dup.outboxNotPosted].slice(0, 20)) console.log(`  problem: ${problem}`);
    for (const line of h.logs.filter((l) => l.includes('"level":50') || l.includes('"level":60'))) {
      const { msg, component, err } = JSON.parse(line) as { msg?: string; component?: string; err?: { message?: string } };
      console.log(`  error logged: ${component ?? ''}: ${msg ?? ''}${err?.message ? ` (${err.message.slice(0, 160)})` : ''}`);
    }

    const all = [...phases.map((x) => x.tally), afterTally];
    const notAcked = all.flatMap((t) => t.notAcknowledged);
    const silent = all.flatMap((t) => t.modalSilent);
    const d = phases.find((x) => x.name.startsWith('d'))!.tally;
    checks.push([`every click, submission and command acknowledged with HTTP 200 (${all.reduce((s, t) => s + t.acknowledged, 0)} of ${all.reduce((s, t) => s + t.requests, 0)})${notAcked.length ? `: not ${notAcked.join(', ')}` : ''}`, notAcked.length === 0]);
    checks.push([`every form Slack refused to open was answered with "${NOT_OPENED}" (${d.modalToldNotOpened} of ${d.modalClicks} in phase d)${silent.length ? `: ${silent.join('; ')}` : ''}`, d.modalClicks > 0 && d.modalToldNotOpened === d.modalClicks && silent.length === 0]);
    checks.push([`forms open while views.open is not refused (phases a-c and after: ${all.filter((t) => t !== d).reduce((s, t) => s + t.modalClicks, 0)} clicked, ${all.filter((t) => t !== d).reduce((s, t) => s + t.modalToldNotOpened, 0)} refused)`, all.filter((t) => t !== d).every((t) => t.modalToldNotOpened === 0)]);
    checks.push([`every checklist message shows what the stored state renders (${last.problems.length} differ)`, last.problems.length === 0]);
    checks.push([`every one-off post is in Slack exactly once (${dup.twice.length} twice, ${dup.outboxNotPosted.length} not posted)`, dup.twice.length === 0 && dup.outboxNotPosted.length === 0 && dup.oneOffs > 0]);
    checks.push([`no checklist message posted twice (${dup.strays.length} bot messages neither a checklist message nor a one-off)`, dup.strays.length === 0]);
    const upd = h.fake.faults.count('chat.update');
    const post = h.fake.faults.count('chat.postMessage');
    checks.push(['every fault was answered at least once (429, 500 and timeout on chat.update and chat.postMessage; 429 on views.open)', [upd, post].every((c) => c['429'] > 0 && c['500'] > 0 && c.timeout > 0) && h.fake.faults.count('views.open')['429'] > 0]);
  } finally {
    await h.close();
    await database.drop();
    database = undefined;
  }
  finish(NAME, figures, checks);
}

main().catch(async (err) => {
  await database?.drop().catch(() => undefined);
  crashed(NAME, err);
});
