/**
 * Issue 14, "Bad input, 10,000 requests": malformed, oversized (1 MB), wrongly typed, forged, replayed and stale
 * requests at one real bot process (`node --import tsx src/main.ts`, HTTP mode), covering the slash command (every
 * subcommand), every action id (src/ids.ts ACTION, and the not-applicable modal's switch), every modal callback
 * (VIEW), the Events API and the GitHub webhook.
 *   tsx test/faults/bad-input.fault.ts [--quick]      (quick: every distinct bad request once, about 1,100 requests;
 *                                                      full: 10,000)
 *
 * The bot runs against the fake Slack (src/playground/fake-slack.ts, served by this process), a loopback GitHub with
 * the App side (src/playground/fake-github.ts), a throwaway schema of TEST_DATABASE_URL and CHECKLISTS_DIR holding the
 * built-in checklists plus test/faults/fixtures/bad-input/gated.yml (the template the webhook maps a delivery to).
 * Two real promotions are made first with valid requests: A (`v1.0`, before GO) and B (`v2.0 --env staging`, its SHA
 * filled, ticked, approved, GO'd and rolling back), so that every action and modal can name a real promotion, its real
 * messages and approval, and be sent by the person its act needs (the decider, the lead): what is refused is refused
 * for its form, never merely because the person may not (which may rightly leave an audit event).
 *
 * Kinds: malformed (not a form, `payload=` not JSON or of the wrong shape, fields missing, truncated, the wrong
 * content type, a body cut off mid-way), oversized (past 1 MB, and just under it), wrongly typed (every action id with
 * values of the wrong type or shape, ids of promotions that do not exist, `refValue` garbage; every callback id with
 * wrong metadata and wrong input values; slash commands with junk: user text, long unicode, control characters, 10 KB;
 * events and webhook payloads with wrong types), forged (a wrong, missing or other body's signature; GitHub: a wrong
 * HMAC, sha1 only, none), stale (a timestamp 6 minutes old, ahead, or not a number), and replayed (valid requests sent
 * again after they changed something: a tick, an untick and the tick again, a field, an approval, a GitHub delivery).
 *
 * Checks: no answer is a 5xx (nor a dropped connection, but for the requests cut off on purpose); the bot's pid is
 * the same and alive at the end; no bad request wrote a row: every table has the same rows (count and digest) after
 * the bad requests as before, and no row was written and committed even for a moment (a trigger on every table logs
 * each row written into a table of its own while the bad requests run: a write a refusal rolls back leaves nothing
 * there), but click_intake (TRANSIENT: a click is stored before it is acknowledged, and deleted by the batch that
 * refuses it); no bad request was answered as an unexpected error, and nothing reached the process unhandled (its
 * log); every slash command refused in its acknowledgement got its usage or refusal line; every replayed request was
 * applied once; and no answer, nor any message the fake Slack received from the first bad request on (response_url
 * posts, ephemerals, posts, updates, modals), carries user text unescaped: `<!channel>`, `<!here>`, `<@U…>`, `<#C…>`,
 * links, or a raw `&`, `<`, `>` of the input (mrkdwn surfaces; plain_text ones, such as a modal's input errors, show
 * text as written). User text that is valid (a NO-GO reason, a rollback update, an abort's reason) is then sent, kept
 * and shown: it must show escaped too.
 */
import { createHmac, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ACTION, INPUT, VIEW, WHOLE_SECTION, approvalBlockId, refValue, templateChoiceValue } from '../../src/ids.js';
import { spawnBot, type BotProcess } from '../../src/playground/bot-process.js';
import { postgresDatabase, type LocalDatabase } from '../../src/playground/databases.js';
import { FakeGitHub } from '../../src/playground/fake-github.js';
import { FakeGitHubApp } from '../../src/playground/fake-github-app.js';
import { startFakeSlack, type FakeMessage, type FakeSlack } from '../../src/playground/fake-slack.js';
import { signatureOf, signedDelivery } from '../../src/playground/github-deliveries.js';
import { blockActionsPayload, interactivityBody, sign, slashCommandBody, viewSubmissionPayload, type SlackSender } from '../../src/playground/slack-client/index.js';
import { crashed, eventually, finish, QUICK, type Figures } from './support.js';

const NAME = 'bad-input';
const DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const TOTAL = QUICK ? 1_000 : 10_000;
const CONCURRENCY = 12;
const SECRET = 'bad-input-signing-secret-0f3c';
const WEBHOOK_SECRET = 'whsec-bad-input-77d2b84e06';
const BOT_TOKEN = 'xoxb-bad-input-0000-token';
const APP_ID = 515151;
const INSTALLATION = 6161;
const CHANNEL = 'C0DEPLOYS';
const RELEASE = 'v1.0';
const RELEASE_B = 'v2.0';
const CHAIR = 'U0CHAIR';
const LEAD = 'U0LEAD1';
const ALICE = 'U0ALICE';
const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

// ---- user text that must never come back unescaped ----
/** Pieces of user text, each unique to this script, whose raw form must never appear in what the bot shows. */
const ECHO = '<!channel> <!here> <@U0ECHO99> <@U0ECHO99|eve> <#C0ECHO9|general> <!subteam^S0ECHO9|@ops> <https://echo.invalid/x|click> Z&Q <zq> *bold* _it_ ~st~ `code`';
/** The raw forms: any of these in a mrkdwn surface is user text echoed unescaped. */
const RAW_MARKERS = ['<!channel', '<!here', '<@U0ECHO99', '<#C0ECHO9', '<!subteam^S0ECHO9', '<https://echo.invalid', 'Z&Q', '<zq>'];
/** User text with no `|` in it: a button value splits on it, and a value with more parts is refused before anything reads it. */
const ECHO_ONE_PART = '<!channel> <!here> <@U0ECHO99> <#C0ECHO9> <https://echo.invalid/x> Z&Q <zq> *bold*';
const LONG_UNICODE = '\u{1F680}\u00e9\u4e2d\u0627\u202e\u200b\u0301'.repeat(1_500); // ~10,500 UTF-16 units of emoji, RTL override, zero-width, combining
const TEN_KB = 'x'.repeat(10_240);
const CONTROL = 'v1\u0000\u0007\u001b[31m\r\n\t\u2028\u2029end';

type Kind = 'malformed' | 'oversized' | 'wrongly typed' | 'forged' | 'replayed' | 'stale';
const KINDS: Kind[] = ['malformed', 'oversized', 'wrongly typed', 'forged', 'replayed', 'stale'];
type Surface = 'command' | 'action' | 'view' | 'event' | 'webhook' | 'transport';

interface Req {
  kind: Kind;
  surface: Surface;
  what: string;
  path: string;
  method?: string;
  headers: Record<string, string>;
  body: string | Buffer;
  /** Send through a raw socket: 'truncate' announces more bytes than it sends, then closes. */
  raw?: 'truncate';
  /** The answer's body is a protocol echo, not shown to anyone (Slack's url_verification challenge). */
  protocolEcho?: boolean;
}

interface Answer {
  req: Req;
  status: number;
  body: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- what a request looks like on the wire ----
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const now = () => Math.floor(Date.now() / 1000);

function slackHeaders(body: string | Buffer, opts: { contentType?: string; timestamp?: number | string; signature?: string | null; secret?: string } = {}): Record<string, string> {
  const ts = opts.timestamp ?? now();
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? FORM, 'x-slack-request-timestamp': String(ts) };
  // Signed as Slack signs: over the timestamp header exactly as sent.
  const sig = opts.signature === undefined ? `v0=${createHmac('sha256', opts.secret ?? SECRET).update(`v0:${ts}:${body.toString()}`).digest('hex')}` : opts.signature;
  if (sig !== null) headers['x-slack-signature'] = sig;
  return headers;
}

function slackReq(kind: Kind, surface: Surface, what: string, body: string | Buffer, opts: Parameters<typeof slackHeaders>[1] = {}): Req {
  return { kind, surface, what, path: '/slack/events', headers: slackHeaders(body, opts), body };
}

let lastMicros = 0;
/** A Slack action_ts ("seconds.micros"), unique and increasing. */
function actionTs(): string {
  lastMicros = Math.max(lastMicros + 1, Date.now() * 1000);
  return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
}

async function send(bot: BotProcess, req: Req): Promise<Answer> {
  if (req.raw === 'truncate') return sendTruncated(bot, req);
  try {
    const res = await fetch(`${bot.url}${req.path}`, {
      method: req.method ?? 'POST',
      headers: req.headers,
      ...(req.method === 'GET' ? {} : { body: req.body }),
      signal: AbortSignal.timeout(30_000),
    });
    return { req, status: res.status, body: (await res.text()).slice(0, 50_000) };
  } catch (err) {
    return { req, status: -1, body: String((err as Error).cause ?? (err as Error).message) };
  }
}

/** A request whose body stops short of its Content-Length: the client goes away mid-body. */
function sendTruncated(bot: BotProcess, req: Req): Promise<Answer> {
  return new Promise((resolve) => {
    const body = Buffer.from(req.body);
    const socket = connect(bot.port, '127.0.0.1');
    let got = '';
    socket.on('data', (d) => (got += d.toString()));
    const done = () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? -2);
      resolve({ req, status, body: got.slice(0, 500) });
    };
    socket.on('close', done);
    socket.on('error', () => undefined);
    socket.setTimeout(10_000, () => socket.destroy());
    const head = [`POST ${req.path} HTTP/1.1`, 'host: 127.0.0.1', ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`), `content-length: ${body.length * 2}`, '', ''].join('\r\n');
    socket.write(head);
    socket.end(body);
  });
}

// ---- the stack ----
/** A promotion of the run: its id, release, and its messages as the channel shows them now (the overview first). */
interface Promo {
  id: string;
  release: string;
  messages: FakeMessage[];
}

interface World {
  fake: FakeSlack;
  bot: BotProcess;
  db: pg.Client;
  schema: string;
  /** Before GO: decisions, approvals, fields, ticks, not applicable, assignees, the window. */
  a: Promo;
  /** GO'd and rolling back: the rollback's buttons and forms. */
  b: Promo;
  sender: SlackSender;
  github: FakeGitHub;
}

/** A promotion's messages as the fake Slack shows them now, in the order the database keeps them. */
async function promo(w: Pick<World, 'db' | 'fake'>, release: string): Promise<Promo> {
  const id = (await w.db.query<{ id: string }>("SELECT id FROM promotions WHERE release = $1 AND status = 'active'", [release])).rows[0]?.id;
  if (!id) throw new Error(`no active promotion ${release}`);
  const rows = (await w.db.query<{ ts: string | null }>('SELECT ts FROM promotion_messages WHERE promotion_id = $1 ORDER BY idx', [id])).rows;
  const messages = rows.map((r) => (r.ts ? w.fake.message(CHANNEL, r.ts) : undefined)).filter((m): m is FakeMessage => m !== undefined);
  return { id, release, messages };
}

/** The element with this action id in the promotion's messages, with the message and block it is in. */
function findElement(p: Promo, actionId: string): { message: FakeMessage; blockId: string; element: Record<string, any> } | undefined {
  for (const message of p.messages) {
    for (const block of message.blocks) {
      const elements = [...(block.elements ?? []), ...(block.accessory ? [block.accessory] : [])];
      for (const element of elements) if (element?.action_id === actionId) return { message, blockId: block.block_id, element };
    }
  }
  return undefined;
}

function responseUrl(w: Pick<World, 'fake'>, user: string, messageTs?: string): string {
  return w.fake.responseUrl({ channel: CHANNEL, user, ...(messageTs ? { messageTs } : {}) });
}

/** A click on an element as the message shows it (`over` changes the action), signed and form-encoded. */
function clickBody(w: Pick<World, 'fake' | 'sender'>, user: string, found: { message: FakeMessage; blockId: string; element: Record<string, any> }, over: Record<string, unknown> = {}): string {
  const action = { ...found.element, block_id: found.blockId, action_ts: actionTs(), ...over };
  return interactivityBody(blockActionsPayload(w.sender, { userId: user, channelId: CHANNEL, message: found.message, action, responseUrl: responseUrl(w, user, found.message.ts) }));
}

function submitBody(w: Pick<World, 'sender'>, user: string, view: { id: string; callback_id: string; metadata: unknown; values: Record<string, Record<string, unknown>> }): string {
  return interactivityBody(viewSubmissionPayload(w.sender, { userId: user, view: { id: view.id, callback_id: view.callback_id, private_metadata: JSON.stringify(view.metadata), state: { values: view.values } } }));
}

/** A plain text input's state, as Slack sends it in a view submission. */
const text = (v: unknown) => ({ [INPUT.value]: { type: 'plain_text_input', value: v } });

// ---- the catalogue: every kind of bad request, as functions that make a fresh one ----
type Make = () => Req;
interface Entry {
  make: Make;
  /** Sent once per run, not once per round (Bolt leaves a request no listener takes unanswered for 3 s, then 404). */
  once?: boolean;
}

function catalogue(w: World): Entry[] {
  const out: Entry[] = [];
  const add = (make: Make, once = false) => out.push({ make, once });
  const pid = w.a.id;
  const pidB = w.b.id;
  const s = w.sender;

  // -- slash commands --
  const command = (kind: Kind, what: string, text: string, over: Record<string, string | null> = {}, opts: Parameters<typeof slackHeaders>[1] = {}): Req => {
    const form = new URLSearchParams(slashCommandBody(s, { text, userId: CHAIR, channelId: CHANNEL, responseUrl: responseUrl(w, CHAIR) }));
    for (const [k, v] of Object.entries(over)) {
      if (v === null) form.delete(k);
      else form.set(k, v);
    }
    return slackReq(kind, 'command', what, form.toString(), opts);
  };
  // Junk arguments: each is refused for its form, or names a release that does not exist, or only reads.
  const junk: Array<[string, string]> = [
    ['help + mentions', `help ${ECHO}`],
    ['start, no release', 'start'],
    ['start <!channel>', `start ${ECHO}`],
    ['start mention', 'start <@U0ECHO99|eve>'],
    ['start long unicode', `start ${LONG_UNICODE}`],
    ['start 10 KB', `start ${TEN_KB}`],
    ['start control chars', `start ${CONTROL}`],
    ['start release too long', `start ${'v'.repeat(65)}`],
    ['start bad template', `start v9.9 ${ECHO}`],
    ['start --env missing', 'start v9.9 --env'],
    ['start --env junk', 'start v9.9 gated --env <!here>'],
    ['start unknown flag', 'start v9.9 --bogus=<!channel>'],
    ['start --env twice', 'start v9.9 --env a --env b'],
    ['start *bold*', 'start *bold* _it_'],
    ['status junk', `status ${ECHO}`],
    ['status 10 KB', `status ${TEN_KB}`],
    ['schedule junk time', `schedule ${RELEASE} ${ECHO}`],
    ['schedule unknown release', `schedule v0.0-none 2031-01-01 02:00 UTC`],
    ['schedule nonsense start', `schedule ${RELEASE} yesterday-ish Z&Q`],
    ['schedule start beyond any date', `schedule ${RELEASE} in 99999999999h`],
    ['rollback junk release', `rollback ${ECHO}`],
    ['rollback unknown release', `rollback v0.0-none ${ECHO}`],
    ['check junk item', `check ${RELEASE} ${ECHO}`],
    ['check unknown release', 'check v0.0-none'],
    ['assign junk person', `assign ${RELEASE} backup ${ECHO}`],
    ['assign plain @name', `assign ${RELEASE} backup @eve Z&Q`],
    ['assign junk item', `assign ${RELEASE} <!here> nobody`],
    ['assign unknown release', 'assign v0.0-none backup <@U0ECHO99|eve>'],
    ['assign unknown item', `assign ${RELEASE} no-such-item nobody`],
    ['list junk', `list ${ECHO}`],
    ['complete junk', `complete ${ECHO}`],
    ['complete unknown release', 'complete v0.0-none'],
    ['abort no reason', 'abort'],
    ['abort lone release', `abort ${RELEASE}`],
    ['abort junk release', `abort ${ECHO}`],
    ['abort unknown release', `abort v0.0-none ${ECHO} ${LONG_UNICODE}`],
    ['report junk', `report ${ECHO}`],
    ['report unknown release', 'report v0.0-none'],
    ['locks junk', `locks ${ECHO}`],
    ['templates junk', `templates *bold* ${ECHO}`],
    ['unknown subcommand', ECHO],
    ['unknown subcommand, unicode', LONG_UNICODE],
    ['unknown subcommand, 10 KB', TEN_KB],
    ['control chars', CONTROL],
    ['a NUL in a reason', `abort ${RELEASE} why\u0000not`],
  ];
  for (const [what, text] of junk) add(() => command('wrongly typed', `/promote ${what}`, text));
  add(() => command('wrongly typed', 'command: channel_id <!channel>', 'list', { channel_id: '<!channel>' }));
  add(() => command('wrongly typed', 'command: user_id mention', 'list', { user_id: '<@U0ECHO99>' }));
  add(() => command('wrongly typed', 'command: response_url not a URL', 'status', { response_url: 'not a url' }));
  add(() => command('wrongly typed', 'command: response_url javascript:', `status ${ECHO}`, { response_url: 'javascript:alert(1)' }));
  add(() => command('wrongly typed', 'command: trigger_id junk', `start ${ECHO}`, { trigger_id: ECHO }));
  add(() => command('wrongly typed', 'command: team_id junk', `start ${ECHO}`, { team_id: ECHO }));
  add(() => command('malformed', 'command: no text', 'status', { text: null }));
  add(() => command('malformed', 'command: no user_id', 'status', { user_id: null }));
  add(() => command('malformed', 'command: empty channel_id', 'status', { channel_id: '' }));
  add(() => command('malformed', 'command: no command', 'status', { command: null }));
  add(() => command('malformed', 'command: another command', 'status', { command: '/other' }), true);
  add(() => {
    const form = slashCommandBody(s, { text: 'status', userId: CHAIR, channelId: CHANNEL, responseUrl: responseUrl(w, CHAIR) }) + '&text=again';
    return slackReq('malformed', 'command', 'command: repeated field', form);
  });
  add(() => {
    const form = slashCommandBody(s, { text: `abort ${RELEASE} truncated`, userId: CHAIR, channelId: CHANNEL, responseUrl: responseUrl(w, CHAIR) });
    return slackReq('malformed', 'command', 'command: truncated body', form.slice(0, form.indexOf('&text=') + 4));
  });
  for (const [what, contentType, body] of [
    ['command: sent as JSON', JSON_TYPE, (f: string) => JSON.stringify(Object.fromEntries(new URLSearchParams(f)))],
    ['command: text/plain', 'text/plain', (f: string) => f],
    ['command: multipart', 'multipart/form-data; boundary=x', (f: string) => f],
    ['command: no content-type', '', (f: string) => f],
    ['command: form with a charset', `${FORM}; charset=utf-8`, (f: string) => `${f}&text=twice`],
  ] as const) {
    add(() => {
      const form = slashCommandBody(s, { text: `abort ${RELEASE} wrong content type`, userId: CHAIR, channelId: CHANNEL, responseUrl: responseUrl(w, CHAIR) });
      return slackReq('malformed', 'command', what, body(form), { contentType });
    });
  }
  add(() => slackReq('malformed', 'transport', 'empty body', ''));
  add(() => slackReq('malformed', 'transport', 'invalid UTF-8', Buffer.from([0x70, 0x61, 0x79, 0x6c, 0x6f, 0x61, 0x64, 0x3d, 0xff, 0xfe, 0xc3, 0x28])));
  add(() => slackReq('malformed', 'transport', 'percent-encoding broken', 'payload=%7B%ZZ%E0%A4%A'));
  add(() => slackReq('malformed', 'transport', 'ssl_check with junk', `ssl_check=1&token=${encodeURIComponent(ECHO)}`));
  add(() => ({ ...slackReq('malformed', 'transport', 'GET /slack/events', ''), method: 'GET' }));
  add(() => ({ ...slackReq('malformed', 'transport', 'POST /slack/events/../slack/events?x=<!channel>', 'payload=x'), path: '/slack/events/../slack/events?x=%3C!channel%3E' }));

  // -- interactivity: the payload itself malformed --
  const interaction = (kind: Kind, surface: Surface, what: string, payload: unknown, opts: Parameters<typeof slackHeaders>[1] = {}) =>
    slackReq(kind, surface, what, typeof payload === 'string' ? payload : interactivityBody(payload as Record<string, unknown>), opts);
  add(() => interaction('malformed', 'action', 'payload= not JSON', 'payload=%7Bnot%20json'));
  add(() => interaction('malformed', 'action', 'payload= empty', 'payload='));
  add(() => interaction('malformed', 'action', 'payload= null', 'payload=null'));
  add(() => interaction('malformed', 'action', 'payload= a number', 'payload=42'));
  add(() => interaction('malformed', 'action', 'payload= an array', `payload=${encodeURIComponent('[{"type":"block_actions"}]')}`));
  add(() => interaction('malformed', 'action', 'payload twice', `${interactivityBody({ type: 'block_actions' })}&payload=x`));
  add(() => interaction('malformed', 'action', 'payload= deeply nested', `payload=${encodeURIComponent('['.repeat(5_000) + ']'.repeat(5_000))}`));
  add(() => interaction('malformed', 'action', 'payload= truncated JSON', `payload=${encodeURIComponent(clickBody(w, CHAIR, findElement(w.a, ACTION.go)!).slice(8, 400))}`));
  add(() => interaction('malformed', 'action', 'payload= unknown type', { type: 'dialog_submission', user: { id: CHAIR } }));
  add(() => interaction('malformed', 'action', 'block_actions without actions', { type: 'block_actions', user: { id: CHAIR } }));
  add(() => interaction('malformed', 'action', 'block_actions, actions []', { type: 'block_actions', user: { id: CHAIR }, actions: [] }));
  add(() => interaction('malformed', 'action', 'block_actions, action without type', { type: 'block_actions', user: { id: CHAIR }, actions: [{ action_id: ACTION.go }] }));
  add(() => interaction('malformed', 'action', 'block_actions, no user', { type: 'block_actions', actions: [{ action_id: ACTION.go, type: 'button' }] }));
  add(() => interaction('malformed', 'action', 'block_actions, user id ""', { type: 'block_actions', user: { id: '' }, actions: [{ action_id: ACTION.go, type: 'button' }] }));
  add(() => interaction('malformed', 'action', 'block_actions, user a string', { type: 'block_actions', user: CHAIR, actions: [{ action_id: ACTION.go, type: 'button' }] }));
  add(() => interaction('malformed', 'action', 'block_actions, actions an object', { type: 'block_actions', user: { id: CHAIR }, actions: { action_id: ACTION.go, type: 'button' } }));
  add(() => interaction('malformed', 'view', 'view_submission without view', { type: 'view_submission', user: { id: CHAIR } }));
  add(() => interaction('malformed', 'view', 'view_submission, values a string', { type: 'view_submission', user: { id: CHAIR }, view: { callback_id: VIEW.field, state: { values: 'x' } } }));
  add(() => interaction('malformed', 'view', 'view_submission, no callback_id', { type: 'view_submission', user: { id: CHAIR }, view: { state: { values: {} } } }));
  add(() => interaction('malformed', 'view', 'view_submission, no user', { type: 'view_submission', view: { callback_id: VIEW.noGo, state: { values: {} } } }));
  add(() => interaction('malformed', 'action', 'unknown action id', blockActionsPayload(s, { userId: CHAIR, channelId: CHANNEL, message: w.a.messages[0]!, responseUrl: responseUrl(w, CHAIR), action: { type: 'button', action_id: 'no.such.action', block_id: 'x', value: ECHO, action_ts: actionTs() } })), true);
  add(() => interaction('malformed', 'view', 'unknown callback id', viewSubmissionPayload(s, { userId: CHAIR, view: { id: 'V0BAD', callback_id: ECHO, private_metadata: '', state: { values: {} } } })), true);
  add(() => interaction('malformed', 'view', 'view_closed', { type: 'view_closed', user: { id: CHAIR }, view: { callback_id: VIEW.noGo } }), true);
  add(() => interaction('malformed', 'action', 'shortcut', { type: 'shortcut', user: { id: CHAIR }, callback_id: ECHO }), true);
  add(() => interaction('malformed', 'action', 'message_action', { type: 'message_action', user: { id: CHAIR }, callback_id: ECHO }), true);
  add(() => interaction('malformed', 'action', 'block_suggestion', { type: 'block_suggestion', user: { id: CHAIR }, action_id: ACTION.choose, value: ECHO }), true);

  // -- events --
  const event = (kind: Kind, what: string, envelope: unknown, opts: Parameters<typeof slackHeaders>[1] = {}) =>
    slackReq(kind, 'event', what, typeof envelope === 'string' ? envelope : JSON.stringify(envelope), { contentType: JSON_TYPE, ...opts });
  const envelope = (ev: Record<string, unknown>) => ({ token: 't', team_id: 'T0PREFLIGHT', api_app_id: 'A0PREFLIGHT', type: 'event_callback', event_id: `Ev${randomBytes(4).toString('hex')}`, event_time: now(), event: ev });
  add(() => event('malformed', 'event: not JSON', '{"type":"event_callback",'));
  add(() => event('malformed', 'event: null', 'null'));
  add(() => event('malformed', 'event: array', '[1,2,3]'));
  add(() => event('malformed', 'event: string', '"event_callback"'));
  add(() => event('malformed', 'event: unsubscribed type', envelope({ type: 'message', text: ECHO, user: CHAIR, channel: CHANNEL })));
  add(() => event('malformed', 'event: no event', { ...envelope({}), event: undefined }));
  add(() => event('malformed', 'event: no event_id', { ...envelope({ type: 'app_home_opened', user: 'U0X', tab: 'home' }), event_id: undefined }));
  add(() => event('malformed', 'event: url_verification, no challenge', { type: 'url_verification' }));
  add(() => ({ ...event('malformed', 'event: url_verification, junk challenge', { type: 'url_verification', challenge: ECHO }), protocolEcho: true }));
  add(() => event('malformed', 'event: form-encoded', `type=event_callback&event=${encodeURIComponent(ECHO)}`, { contentType: FORM }));
  add(() => event('malformed', 'event: a NUL in it', JSON.stringify(envelope({ type: 'app_home_opened', user: 'U0NUL', tab: 'home', x: 'a\u0000b' }))));
  add(() => event('wrongly typed', 'event: app_home_opened, user a number', envelope({ type: 'app_home_opened', user: 42, tab: 'home', channel: 'D0X' })));
  add(() => event('wrongly typed', 'event: app_home_opened, user an object', envelope({ type: 'app_home_opened', user: { id: 'U0X', evil: ECHO }, tab: 'home' })));
  add(() => event('wrongly typed', 'event: app_home_opened, user an array', envelope({ type: 'app_home_opened', user: ['U0A', 'U0B'], tab: 'home' })));
  add(() => event('wrongly typed', 'event: app_home_opened, no user', envelope({ type: 'app_home_opened', tab: 'home' })));
  add(() => event('wrongly typed', 'event: app_home_opened, user mention', envelope({ type: 'app_home_opened', user: '<!channel>', tab: 'home' })));
  add(() => event('wrongly typed', 'event: app_home_opened, user 10 KB', envelope({ type: 'app_home_opened', user: TEN_KB, tab: 'home' })));
  add(() => event('wrongly typed', 'event: app_home_opened, user lower case', envelope({ type: 'app_home_opened', user: 'u0lower', tab: 'home' })));
  add(() => event('wrongly typed', 'event: app_home_opened, team_id a number', { ...envelope({ type: 'app_home_opened', user: 'U0X', tab: 'home' }), team_id: 7 }));
  add(() => event('wrongly typed', 'event: app_home_opened, tab junk', envelope({ type: 'app_home_opened', user: 'U0HOMEJUNK', tab: { home: true } })));

  // -- actions: every action id, with what its parser reads made wrong --
  const click = (kind: Kind, what: string, user: string, action: Record<string, unknown>, over: (p: Record<string, any>) => void = () => undefined, message: FakeMessage = w.a.messages[0]!): Req => {
    const p = blockActionsPayload(s, { userId: user, channelId: CHANNEL, message, action: { action_ts: actionTs(), ...action }, responseUrl: responseUrl(w, user, message.ts) }) as Record<string, any>;
    over(p);
    return interaction(kind, 'action', what, p);
  };
  /** A button's action as the promotion's messages show it, or as blocks/ would build it. */
  const button = (p: Promo, actionId: string, blockId: string, value: string) => {
    const found = findElement(p, actionId);
    return { type: 'button', action_id: actionId, block_id: found?.blockId ?? blockId, value: (found?.element['value'] as string | undefined) ?? value, text: { type: 'plain_text', text: 'x' } };
  };
  /** Wrong values for a button whose value names a promotion (`ref`: and an item, section, approval...). */
  const badValues = (id: string, ref: boolean): Array<[string, unknown]> => [
    ['value a number', 42],
    ['value an array', [ref ? refValue(id, 'backup') : id]],
    ['value a nested object', { promotion: { id, deep: { deeper: [1, 2, 3] } } }],
    ['value null', null],
    ['value empty', ''],
    ['value only separators', '|||'],
    ['value of a promotion that does not exist', ref ? refValue(randomUUID(), 'backup') : randomUUID()],
    ['value a promotion id in upper case', ref ? refValue(id.toUpperCase(), 'backup') : id.toUpperCase()],
    ['value with user text', ref ? refValue(id, ECHO) : ECHO],
    ['value with user text, no separator in it', ref ? refValue(id, ECHO_ONE_PART) : ECHO_ONE_PART],
    ['value long unicode', ref ? refValue(id, LONG_UNICODE) : LONG_UNICODE],
    ['value 10 KB', TEN_KB],
    ['value with a third part', ref ? `${refValue(id, 'backup')}|extra` : `${id}|extra`],
  ];
  const badTs: Array<[string, unknown]> = [
    ['action_ts a number', 1_700_000_000.5],
    ['action_ts words', 'yesterday'],
    ['action_ts 40 digits', '9'.repeat(40)],
    ['action_ts missing', undefined],
  ];
  const badBody: Array<[string, (p: Record<string, any>) => void]> = [
    ['channel id a number', (p) => (p['channel'] = { id: 5 })],
    ['message a string', (p) => (p['message'] = 'x')],
    ['message ts a number', (p) => (p['message'] = { ...p['message'], ts: 5 })],
    ['trigger_id a number', (p) => (p['trigger_id'] = 5)],
    ['container a string', (p) => (p['container'] = 'x')],
  ];
  // Each button with the person its act needs (the decider, the lead...), so that what is refused is refused for its form.
  const a = w.a;
  const b = w.b;
  const valueButtons: Array<{ id: string; p: Promo; user: string; ref: boolean; blockId: string; value: string; readsTs: boolean; readsBody: boolean }> = [
    { id: ACTION.openField, p: a, user: ALICE, ref: true, blockId: 'x', value: refValue(pid, 'deployed-sha'), readsTs: false, readsBody: true },
    { id: ACTION.openNa, p: a, user: ALICE, ref: true, blockId: 'x', value: refValue(pid, 'gates'), readsTs: false, readsBody: true },
    { id: ACTION.openAssign, p: a, user: ALICE, ref: true, blockId: 'x', value: refValue(pid, 'gates'), readsTs: false, readsBody: true },
    { id: ACTION.approve, p: a, user: LEAD, ref: true, blockId: approvalBlockId(pid, 'lead'), value: refValue(pid, 'lead'), readsTs: true, readsBody: true },
    { id: ACTION.reject, p: a, user: LEAD, ref: true, blockId: approvalBlockId(pid, 'lead'), value: refValue(pid, 'lead'), readsTs: true, readsBody: true },
    { id: ACTION.go, p: a, user: CHAIR, ref: false, blockId: `decision|${pid}`, value: pid, readsTs: true, readsBody: true },
    { id: ACTION.noGo, p: a, user: CHAIR, ref: false, blockId: `decision|${pid}`, value: pid, readsTs: true, readsBody: true },
    { id: ACTION.complete, p: a, user: CHAIR, ref: false, blockId: `decision|${pid}`, value: pid, readsTs: true, readsBody: true },
    { id: ACTION.scheduleWindow, p: a, user: CHAIR, ref: false, blockId: `decision|${pid}`, value: pid, readsTs: true, readsBody: true },
    { id: ACTION.rollback, p: b, user: CHAIR, ref: false, blockId: `decision|${pidB}`, value: pidB, readsTs: true, readsBody: true },
    { id: ACTION.rollbackUpdate, p: b, user: CHAIR, ref: false, blockId: `rollback|${pidB}`, value: pidB, readsTs: true, readsBody: true },
    { id: ACTION.rollbackComplete, p: b, user: CHAIR, ref: false, blockId: `rollback|${pidB}`, value: pidB, readsTs: true, readsBody: true },
    { id: ACTION.acknowledgeRollback, p: b, user: CHAIR, ref: false, blockId: `rollback|${pidB}`, value: pidB, readsTs: true, readsBody: true },
    { id: ACTION.runProbe, p: a, user: ALICE, ref: true, blockId: 'probe', value: refValue(pid, 'backup'), readsTs: true, readsBody: true },
    { id: ACTION.runProbes, p: a, user: ALICE, ref: true, blockId: 'probe', value: refValue(pid, 'gates'), readsTs: true, readsBody: true },
    { id: ACTION.checkpointContinue, p: a, user: CHAIR, ref: true, blockId: 'checkpoint', value: refValue(pid, randomUUID()), readsTs: true, readsBody: true },
    { id: ACTION.checkpointRollback, p: b, user: CHAIR, ref: true, blockId: 'checkpoint', value: refValue(pidB, randomUUID()), readsTs: true, readsBody: true },
    { id: ACTION.retryDispatch, p: a, user: CHAIR, ref: false, blockId: 'dispatch', value: 'gh:none', readsTs: false, readsBody: false },
    { id: ACTION.startWithTemplate, p: a, user: CHAIR, ref: false, blockId: 'templates', value: templateChoiceValue('v9.9', 'gated'), readsTs: false, readsBody: false },
  ];
  for (const v of valueButtons) {
    const base = () => button(v.p, v.id, v.blockId, v.value);
    const on = v.p.messages[0]!;
    for (const [what, value] of badValues(v.p.id, v.ref)) add(() => click('wrongly typed', `${v.id}: ${what}`, v.user, { ...base(), value }, undefined, on));
    add(() => click('wrongly typed', `${v.id}: value missing`, v.user, { ...base(), value: undefined }, undefined, on));
    if (v.readsTs) {
      for (const [what, ts] of badTs) add(() => click('wrongly typed', `${v.id}: ${what}`, v.user, { ...base(), action_ts: ts }, undefined, on));
      add(() => click('wrongly typed', `${v.id}: block_id a number`, v.user, { ...base(), block_id: 7 }, undefined, on));
      add(() => click('wrongly typed', `${v.id}: block_id an array`, v.user, { ...base(), block_id: [v.blockId] }, undefined, on));
    }
    if (v.readsBody) for (const [what, over] of badBody) add(() => click('wrongly typed', `${v.id}: ${what}`, v.user, base(), over, on));
    // A bad value, answered through a response_url that is not one, or that nobody answers: the refusal has nowhere to go.
    add(() => click('wrongly typed', `${v.id}: bad value, response_url javascript:`, v.user, { ...base(), value: ECHO_ONE_PART }, (p) => (p['response_url'] = 'javascript:alert(1)'), on));
    add(() => click('wrongly typed', `${v.id}: bad value, response_url nobody answers`, v.user, { ...base(), value: ECHO_ONE_PART }, (p) => (p['response_url'] = 'http://127.0.0.1:1/nowhere'), on));
  }
  // Start with template: a template that does not exist, and a release that is not one.
  const tpl = (what: string, value: unknown, over?: (p: Record<string, any>) => void) => add(() => click('wrongly typed', `${ACTION.startWithTemplate}: ${what}`, CHAIR, { ...button(a, ACTION.startWithTemplate, 't', ''), value }, over));
  tpl('unknown template', templateChoiceValue('v9.9', 'no-such-template'));
  tpl('template with user text', templateChoiceValue('v9.9', ECHO_ONE_PART));
  tpl('release with user text', templateChoiceValue(ECHO_ONE_PART, 'gated'));
  tpl('release 10 KB', templateChoiceValue(TEN_KB, 'gated'));
  tpl('the release already running', templateChoiceValue(RELEASE, 'gated'));
  tpl('two actions', templateChoiceValue('v9.9', 'no-such-template'), (p) => p['actions'].push(p['actions'][0]));
  tpl('no channel', templateChoiceValue('v9.9', 'no-such-template'), (p) => { delete p['channel']; delete p['container']; });
  add(() => click('wrongly typed', `${ACTION.retryDispatch}: value 3 KB`, CHAIR, { ...button(a, ACTION.retryDispatch, 'd', ''), value: 'k'.repeat(3_000) }));
  add(() => click('wrongly typed', `${ACTION.retryDispatch}: key with user text`, CHAIR, { ...button(a, ACTION.retryDispatch, 'd', ''), value: ECHO }));

  // Withdraw (an overflow/static menu: the block names the approval, the option too).
  const withdrawBase = { type: 'static_select', action_id: ACTION.withdraw, block_id: approvalBlockId(pid, 'lead'), selected_option: { text: { type: 'plain_text', text: 'Withdraw' }, value: 'lead' } };
  const withdrawBad: Array<[string, Record<string, unknown>]> = [
    ['option another approval', { selected_option: { value: 'other' } }],
    ['option a number', { selected_option: { value: 5 } }],
    ['option a string', { selected_option: 'lead' }],
    ['option missing', { selected_option: undefined }],
    ['block of a promotion that does not exist', { block_id: approvalBlockId(randomUUID(), 'lead') }],
    ['block with user text', { block_id: approvalBlockId(pid, ECHO_ONE_PART), selected_option: { value: ECHO_ONE_PART } }],
    ['block not an approval', { block_id: `decision|${pid}` }],
    ['block a number', { block_id: 9 }],
    ['action_ts words', { action_ts: 'soon' }],
  ];
  for (const [what, over] of withdrawBad) add(() => click('wrongly typed', `${ACTION.withdraw}: ${what}`, LEAD, { ...withdrawBase, ...over }));

  // Toggle: a checkbox of the real thread, with its selection or its block made wrong.
  const chk = findElement(a, ACTION.toggle);
  if (!chk) throw new Error('the checklist shows no checkbox');
  const chkMessage = chk.message;
  const opts = chk.element['options'] as Array<{ value: string; text: unknown }>;
  const toggle = (what: string, action: Record<string, unknown>, over: (p: Record<string, any>) => void = () => undefined, message = chkMessage) =>
    click('wrongly typed', `${ACTION.toggle}: ${what}`, ALICE, { type: 'checkboxes', action_id: ACTION.toggle, block_id: chk.blockId, selected_options: [], ...action }, over, message);
  const withBlock = (blockId: string) => (p: Record<string, any>) => {
    const block = structuredClone(p['message'].blocks.find((x: any) => x.block_id === chk.blockId));
    block.block_id = blockId;
    p['message'].blocks.push(block);
  };
  const ghost = () => `chk|${randomUUID()}|gates|d`;
  add(() => toggle('an item that does not exist', { selected_options: [{ value: 'no-such-item', text: opts[0]!.text }] }));
  add(() => toggle('an item with user text', { selected_options: [{ value: ECHO, text: opts[0]!.text }] }));
  add(() => toggle('an item that does not exist, in the options too', { selected_options: [{ value: 'no-such-item' }] }, (p) => p['message'].blocks.find((x: any) => x.block_id === chk.blockId).elements[0].options.push({ text: opts[0]!.text, value: 'no-such-item' })));
  add(() => toggle('the selection unchanged', { selected_options: [] }));
  add(() => toggle('option values numbers', { selected_options: [{ value: 5 }] }));
  add(() => toggle('options a string', { selected_options: 'backup' }));
  add(() => toggle('options objects without value', { selected_options: [{}] }));
  add(() => toggle('options nested', { selected_options: [[{ value: 'backup' }]] }));
  add(() => { const id = ghost(); return toggle('a promotion that does not exist', { block_id: id, selected_options: [{ value: 'backup' }] }, withBlock(id)); });
  add(() => toggle('block id not a checklist block', { block_id: `chk|not-a-uuid|gates|d` }));
  add(() => toggle('block id a number', { block_id: 4 }));
  add(() => toggle('block the message does not show', { block_id: `chk|${pid}|gates|other-digest`, selected_options: [{ value: 'backup' }] }));
  add(() => toggle('initial options of the wrong type', { selected_options: [{ value: 'backup' }] }, (p) => {
    const block = p['message'].blocks.find((x: any) => x.block_id === chk.blockId);
    block.elements[0].initial_options = [{ value: 7 }];
  }));
  add(() => toggle('message without blocks', { selected_options: [{ value: 'backup' }] }, (p) => (p['message'] = { ts: p['message'].ts, blocks: 'none' })));
  add(() => toggle('no message', { selected_options: [{ value: 'backup' }] }, (p) => delete p['message']));
  add(() => toggle('no channel', { selected_options: [{ value: 'backup' }] }, (p) => { delete p['channel']; delete p['container']; }));
  for (const [what, ts] of badTs) add(() => toggle(what, { selected_options: [{ value: 'backup' }], action_ts: ts }));
  // Stale: a tick on a message that is not the checklist's live one (stored, then refused when applied).
  add(() => ({ ...toggle('a message that is not the live checklist', { selected_options: [{ value: 'backup' }] }, (p) => (p['message'].ts = '1600000000.000001')), kind: 'stale' as const }));
  // Choose: there is no choice item in this template; every variant is wrong in form, or names no choice.
  const chooseBase = { type: 'static_select', action_id: ACTION.choose, block_id: `choice|${pid}|backup|d`, selected_option: { text: { type: 'plain_text', text: 'x' }, value: 'yes' } };
  const chooseBad: Array<[string, Record<string, unknown>]> = [
    ['an item that is no choice', {}],
    ['an option with user text', { block_id: `choice|${pid}|${ECHO_ONE_PART}|d`, selected_option: { value: ECHO } }],
    ['a promotion that does not exist', { block_id: `choice|${randomUUID()}|backup|d` }],
    ['option a number', { selected_option: { value: 1 } }],
    ['option a string', { selected_option: 'yes' }],
    ['option missing', { selected_option: undefined }],
    ['block id a checkbox block', { block_id: chk.blockId }],
    ['block id a number', { block_id: 3 }],
    ['action_ts words', { action_ts: 'now' }],
  ];
  for (const [what, over] of chooseBad) add(() => click('wrongly typed', `${ACTION.choose}: ${what}`, ALICE, { ...chooseBase, ...over }, () => undefined, chkMessage));

  // The not-applicable modal's mark/restore switch (block na_action, action value), from inside a modal.
  const naSwitch = (what: string, view: Record<string, unknown>, action: Record<string, unknown> = {}) => {
    const p = {
      type: 'block_actions',
      user: { id: ALICE, username: 'alice', name: 'alice', team_id: 'T0PREFLIGHT' },
      api_app_id: 'A0PREFLIGHT',
      token: 't',
      container: { type: 'view', view_id: 'V0NASWITCH' },
      trigger_id: `${Date.now()}.1.${randomBytes(8).toString('hex')}`,
      team: { id: 'T0PREFLIGHT', domain: 'x' },
      view: { id: 'V0NASWITCH', hash: '1.x', type: 'modal', callback_id: VIEW.na, private_metadata: JSON.stringify({ promotion: pid, section: 'gates', channel: CHANNEL }), state: { values: {} }, ...view },
      actions: [{ type: 'radio_buttons', action_id: INPUT.value, block_id: INPUT.naAction, selected_option: { value: 'restore' }, action_ts: actionTs(), ...action }],
    };
    return interaction('wrongly typed', 'action', `na switch: ${what}`, p);
  };
  add(() => naSwitch('metadata not JSON', { private_metadata: ECHO }));
  add(() => naSwitch('metadata of a promotion that does not exist', { private_metadata: JSON.stringify({ promotion: randomUUID(), section: 'gates', channel: CHANNEL }) }));
  add(() => naSwitch('metadata a number', { private_metadata: 5 }));
  add(() => naSwitch('metadata with extra keys', { private_metadata: JSON.stringify({ promotion: pid, section: 'gates', channel: CHANNEL, evil: ECHO }) }));
  add(() => naSwitch('no hash', { hash: undefined }));
  add(() => naSwitch('values of the wrong shape', { state: { values: { a: 'x' } } }));
  add(() => naSwitch('item chosen of the wrong type', { state: { values: { [INPUT.naItem]: { [INPUT.value]: { type: 'static_select', selected_option: { value: ['backup'] } } } } } }));
  add(() => naSwitch('option a number', {}, { selected_option: 5 }));
  add(() => naSwitch('no view id', { id: undefined }));

  // -- modals: every callback id, with its metadata or its inputs made wrong --
  const submit = (kind: Kind, what: string, user: string, callbackId: string, metadata: unknown, values: unknown, viewOver: Record<string, unknown> = {}) => {
    const p = viewSubmissionPayload(s, {
      userId: user,
      view: { id: `V0${randomBytes(5).toString('hex').toUpperCase()}`, callback_id: callbackId, private_metadata: typeof metadata === 'string' ? metadata : JSON.stringify(metadata), state: { values: values as Record<string, Record<string, unknown>> } },
    }) as Record<string, any>;
    Object.assign(p['view'], viewOver);
    return interaction(kind, 'view', `${callbackId}: ${what}`, p);
  };
  /**
   * Values of the wrong type for an input, and (for free text, which takes anything a person types) longer than its
   * max_length; for an input that is not free text (a SHA, a menu, a person, a date), user text too.
   */
  const wrongValues = (plausible: string, freeText: boolean): Array<[string, unknown]> => [
    ['a number', 42],
    ['an array of a good value', [plausible]],
    ['a nested object', { value: plausible, deep: { er: [plausible] } }],
    ['true', true],
    ['long unicode', LONG_UNICODE],
    ['10 KB', TEN_KB],
    ...(freeText ? [] : ([['user text', ECHO], ['control chars', CONTROL]] as Array<[string, unknown]>)),
  ];
  const rollbackMeta = { promotion: pidB, channel: CHANNEL, checkpoint: null };
  const modals: Array<{ id: string; what: string; user: string; metadata: Record<string, unknown>; inputs: (v: unknown) => Record<string, unknown>; plausible: string; freeText: boolean }> = [
    { id: VIEW.field, what: 'value', user: ALICE, metadata: { promotion: pid, item: 'deployed-sha', channel: CHANNEL }, inputs: (v) => ({ [INPUT.fieldValue]: text(v) }), plausible: 'abcdef1234567', freeText: false },
    { id: VIEW.na, what: 'item', user: ALICE, metadata: { promotion: pid, section: 'gates', channel: CHANNEL }, inputs: (v) => ({ [INPUT.naItem]: { [INPUT.value]: { type: 'static_select', selected_option: { value: v } } }, [INPUT.naReason]: text('fine') }), plausible: 'backup', freeText: false },
    { id: VIEW.na, what: 'reason', user: ALICE, metadata: { promotion: pid, section: 'gates', channel: CHANNEL }, inputs: (v) => ({ [INPUT.naItem]: { [INPUT.value]: { type: 'static_select', selected_option: { value: 'backup' } } }, [INPUT.naReason]: text(v) }), plausible: 'a reason', freeText: true },
    { id: VIEW.na, what: 'mark or restore', user: ALICE, metadata: { promotion: pid, section: 'gates', channel: CHANNEL }, inputs: (v) => ({ [INPUT.naItem]: { [INPUT.value]: { type: 'static_select', selected_option: { value: WHOLE_SECTION } } }, [INPUT.naAction]: { [INPUT.value]: { type: 'radio_buttons', selected_option: { value: v } } }, [INPUT.naReason]: text('r') }), plausible: 'restore', freeText: false },
    { id: VIEW.assign, what: 'item', user: ALICE, metadata: { promotion: pid, section: 'gates', channel: CHANNEL }, inputs: (v) => ({ [INPUT.assignItem]: { [INPUT.value]: { type: 'static_select', selected_option: { value: v } } }, [INPUT.assignUser]: { [INPUT.value]: { type: 'users_select', selected_user: LEAD } } }), plausible: 'backup', freeText: false },
    { id: VIEW.assign, what: 'person', user: ALICE, metadata: { promotion: pid, section: 'gates', channel: CHANNEL }, inputs: (v) => ({ [INPUT.assignItem]: { [INPUT.value]: { type: 'static_select', selected_option: { value: 'backup' } } }, [INPUT.assignUser]: { [INPUT.value]: { type: 'users_select', selected_user: v } } }), plausible: LEAD, freeText: false },
    { id: VIEW.reject, what: 'reason', user: LEAD, metadata: { promotion: pid, approval: 'lead', channel: CHANNEL }, inputs: (v) => ({ [INPUT.rejectReason]: text(v) }), plausible: 'not reviewed', freeText: true },
    { id: VIEW.noGo, what: 'reason', user: CHAIR, metadata: { promotion: pid, channel: CHANNEL }, inputs: (v) => ({ [INPUT.noGoReason]: text(v), [INPUT.noGoDate]: { [INPUT.value]: { type: 'datepicker', selected_date: null } } }), plausible: 'not today', freeText: true },
    { id: VIEW.noGo, what: 'new date', user: CHAIR, metadata: { promotion: pid, channel: CHANNEL }, inputs: (v) => ({ [INPUT.noGoReason]: text('not today'), [INPUT.noGoDate]: { [INPUT.value]: { type: 'datepicker', selected_date: v } } }), plausible: '2031-01-02', freeText: false },
    { id: VIEW.schedule, what: 'start', user: CHAIR, metadata: { promotion: pid, channel: CHANNEL }, inputs: (v) => ({ [INPUT.windowStart]: { [INPUT.value]: { type: 'datetimepicker', selected_date_time: v } }, [INPUT.windowDuration]: text('2h') }), plausible: String(now() + 86_400), freeText: false },
    { id: VIEW.schedule, what: 'duration', user: CHAIR, metadata: { promotion: pid, channel: CHANNEL }, inputs: (v) => ({ [INPUT.windowStart]: { [INPUT.value]: { type: 'datetimepicker', selected_date_time: now() + 86_400 } }, [INPUT.windowDuration]: text(v) }), plausible: '2h', freeText: false },
    { id: VIEW.schedule, what: 'end', user: CHAIR, metadata: { promotion: pid, channel: CHANNEL }, inputs: (v) => ({ [INPUT.windowStart]: { [INPUT.value]: { type: 'datetimepicker', selected_date_time: now() + 86_400 } }, [INPUT.windowEnd]: { [INPUT.value]: { type: 'datetimepicker', selected_date_time: v } } }), plausible: String(now() + 90_000), freeText: false },
    { id: VIEW.rollback, what: 'issue', user: CHAIR, metadata: rollbackMeta, inputs: (v) => ({ [INPUT.rollbackIssue]: text(v) }), plausible: 'it broke', freeText: true },
    { id: VIEW.rollback, what: 'impact', user: CHAIR, metadata: rollbackMeta, inputs: (v) => ({ [INPUT.rollbackIssue]: text('it broke'), [INPUT.rollbackImpact]: text(v) }), plausible: 'some', freeText: true },
    { id: VIEW.rollbackUpdate, what: 'text', user: CHAIR, metadata: rollbackMeta, inputs: (v) => ({ [INPUT.rollbackText]: text(v) }), plausible: 'still rolling back', freeText: true },
    { id: VIEW.rollbackComplete, what: 'text', user: CHAIR, metadata: rollbackMeta, inputs: (v) => ({ [INPUT.rollbackText]: text(v) }), plausible: 'rolled back', freeText: true },
  ];
  for (const m of modals) {
    for (const [what, v] of wrongValues(m.plausible, m.freeText)) add(() => submit('wrongly typed', `${m.what} ${what}`, m.user, m.id, m.metadata, m.inputs(v)));
  }
  // Schedule: times that are not times.
  for (const [what, v] of [['start words', 'tomorrow'], ['start beyond any date', '1e20'], ['start before any date', '-1e15'], ['start NaN', 'NaN'], ['start Infinity', 'Infinity'], ['start empty', ''], ['start in 1970', '0']] as const) {
    add(() => submit('wrongly typed', `${what}`, CHAIR, VIEW.schedule, { promotion: pid, channel: CHANNEL }, { [INPUT.windowStart]: { [INPUT.value]: { type: 'datetimepicker', selected_date_time: v } }, [INPUT.windowDuration]: text('2h') }));
  }
  add(() => submit('wrongly typed', 'end beyond any date', CHAIR, VIEW.schedule, { promotion: pid, channel: CHANNEL }, { [INPUT.windowStart]: { [INPUT.value]: { type: 'datetimepicker', selected_date_time: now() + 86_400 } }, [INPUT.windowEnd]: { [INPUT.value]: { type: 'datetimepicker', selected_date_time: '9e15' } } }));
  add(() => submit('wrongly typed', 'end before the start', CHAIR, VIEW.schedule, { promotion: pid, channel: CHANNEL }, { [INPUT.windowStart]: { [INPUT.value]: { type: 'datetimepicker', selected_date_time: now() + 86_400 } }, [INPUT.windowEnd]: { [INPUT.value]: { type: 'datetimepicker', selected_date_time: now() + 3_600 } } }));
  add(() => submit('wrongly typed', 'duration 0m', CHAIR, VIEW.schedule, { promotion: pid, channel: CHANNEL }, { [INPUT.windowStart]: { [INPUT.value]: { type: 'datetimepicker', selected_date_time: now() + 86_400 } }, [INPUT.windowDuration]: text('0m') }));
  add(() => submit('wrongly typed', 'duration 99999999999d', CHAIR, VIEW.schedule, { promotion: pid, channel: CHANNEL }, { [INPUT.windowStart]: { [INPUT.value]: { type: 'datetimepicker', selected_date_time: now() + 86_400 } }, [INPUT.windowDuration]: text('99999999999d') }));
  for (const d of ['2031-02-31', '2031-13-01', '0000-01-01', '99999-01-01', '2031-1-1']) {
    add(() => submit('wrongly typed', `no-go date ${d}`, CHAIR, VIEW.noGo, { promotion: pid, channel: CHANNEL }, { [INPUT.noGoReason]: text('r'), [INPUT.noGoDate]: { [INPUT.value]: { type: 'datepicker', selected_date: d } } }));
  }
  add(() => submit('wrongly typed', 'assign an item of another section', ALICE, VIEW.assign, { promotion: pid, section: 'gates', channel: CHANNEL }, { [INPUT.assignItem]: { [INPUT.value]: { type: 'static_select', selected_option: { value: 'smoke' } } }, [INPUT.assignUser]: { [INPUT.value]: { type: 'users_select', selected_user: LEAD } } }));
  add(() => submit('wrongly typed', 'field value not a SHA', ALICE, VIEW.field, { promotion: pid, item: 'deployed-sha', channel: CHANNEL }, { [INPUT.fieldValue]: text(`${ECHO} zz`) }));
  add(() => submit('wrongly typed', 'field of an item that is no field', ALICE, VIEW.field, { promotion: pid, item: 'backup', channel: CHANNEL }, { [INPUT.fieldValue]: text('abcdef1') }));
  add(() => submit('wrongly typed', 'field of an item that does not exist', ALICE, VIEW.field, { promotion: pid, item: ECHO, channel: CHANNEL }, { [INPUT.fieldValue]: text('abcdef1') }));
  add(() => submit('wrongly typed', 'reject an approval that does not exist', LEAD, VIEW.reject, { promotion: pid, approval: ECHO, channel: CHANNEL }, { [INPUT.rejectReason]: text('no') }));
  add(() => submit('wrongly typed', 'not applicable: an item that does not exist', ALICE, VIEW.na, { promotion: pid, section: 'gates', channel: CHANNEL }, { [INPUT.naItem]: { [INPUT.value]: { type: 'static_select', selected_option: { value: ECHO } } }, [INPUT.naReason]: text('r') }));
  add(() => submit('wrongly typed', 'not applicable: a section that does not exist', ALICE, VIEW.na, { promotion: pid, section: ECHO, channel: CHANNEL }, { [INPUT.naItem]: { [INPUT.value]: { type: 'static_select', selected_option: { value: WHOLE_SECTION } } }, [INPUT.naReason]: text('r') }));
  add(() => submit('wrongly typed', 'rollback path that does not exist', CHAIR, VIEW.rollback, rollbackMeta, { [INPUT.rollbackIssue]: text('x'), [INPUT.rollbackPath]: { [INPUT.value]: { type: 'static_select', selected_option: { value: ECHO } } } }));
  // Metadata made wrong, for every callback id.
  const badMetadata: Array<[string, unknown]> = [
    ['metadata not JSON', `{${ECHO}`],
    ['metadata empty', ''],
    ['metadata JSON null', 'null'],
    ['metadata an array', [pid]],
    ['metadata promotion a number', { promotion: 5, channel: CHANNEL }],
    ['metadata of a promotion that does not exist', { promotion: randomUUID(), item: 'deployed-sha', section: 'gates', approval: 'lead', channel: CHANNEL }],
    ['metadata with extra keys', { promotion: pid, channel: CHANNEL, item: 'deployed-sha', section: 'gates', approval: 'lead', evil: ECHO }],
    ['metadata channel with user text', { promotion: 'nope', channel: ECHO }],
    ['metadata checkpoint not a uuid', { promotion: pidB, channel: CHANNEL, checkpoint: ECHO }],
  ];
  for (const callbackId of Object.values(VIEW)) {
    for (const [what, metadata] of badMetadata) add(() => submit('wrongly typed', what, CHAIR, callbackId, metadata, {}));
    add(() => submit('wrongly typed', 'metadata missing', CHAIR, callbackId, '', {}, { private_metadata: undefined }));
    add(() => submit('wrongly typed', 'metadata a number', CHAIR, callbackId, '', {}, { private_metadata: 12 }));
    add(() => submit('wrongly typed', 'values of the wrong depth', CHAIR, callbackId, { promotion: pid, channel: CHANNEL }, { a: 'x' }));
    add(() => submit('wrongly typed', 'values of the wrong depth (2)', CHAIR, callbackId, { promotion: pid, channel: CHANNEL }, { a: { b: 'x' } }));
  }

  // -- oversized: just past 1 MB, and just under --
  const MB = 1024 * 1024;
  add(() => slackReq('oversized', 'action', 'payload= 1 MB + 1', `payload=${'a'.repeat(MB - 7)}`));
  add(() => slackReq('oversized', 'command', 'command text 1.1 MB', slashCommandBody(s, { text: `start ${'v'.repeat(MB + 100_000)}`, userId: CHAIR, channelId: CHANNEL, responseUrl: responseUrl(w, CHAIR) })));
  add(() => slackReq('oversized', 'transport', 'unsigned 2 MB', 'z'.repeat(2 * MB), { signature: null }));
  add(() => slackReq('oversized', 'event', 'event JSON 1.5 MB', JSON.stringify({ type: 'event_callback', pad: 'p'.repeat(1.5 * MB) }), { contentType: JSON_TYPE }));
  add(() => slackReq('oversized', 'command', 'command text just under 1 MB', slashCommandBody(s, { text: `start ${'v'.repeat(MB - 2_000)}`, userId: CHAIR, channelId: CHANNEL, responseUrl: responseUrl(w, CHAIR) })));
  add(() => slackReq('oversized', 'command', 'command text just under 1 MB of user text', slashCommandBody(s, { text: `abort v0.0-none ${ECHO.repeat(3_000)}`, userId: CHAIR, channelId: CHANNEL, responseUrl: responseUrl(w, CHAIR) })));
  add(() => interaction('oversized', 'action', 'GO with a 900 KB value', blockActionsPayload(s, { userId: CHAIR, channelId: CHANNEL, message: a.messages[0]!, responseUrl: responseUrl(w, CHAIR), action: { ...button(a, ACTION.go, `decision|${pid}`, pid), value: 'g'.repeat(900_000), action_ts: actionTs() } })));
  add(() => submit('oversized', 'input 900 KB', ALICE, VIEW.field, { promotion: pid, item: 'deployed-sha', channel: CHANNEL }, { [INPUT.fieldValue]: text('f'.repeat(900_000)) }));
  add(() => submit('oversized', 'reason 900 KB', CHAIR, VIEW.noGo, { promotion: pid, channel: CHANNEL }, { [INPUT.noGoReason]: text('r'.repeat(900_000)), [INPUT.noGoDate]: { [INPUT.value]: { type: 'datepicker', selected_date: null } } }));
  add(() => ({ ...slackReq('oversized', 'transport', 'header 20 KB', 'payload=x'), headers: { ...slackHeaders('payload=x'), 'x-slack-signature': `v0=${'0'.repeat(20_000)}` } }));

  // -- forged: signed wrongly, or not at all --
  const someCommand = () => slashCommandBody(s, { text: `abort ${RELEASE} forged`, userId: CHAIR, channelId: CHANNEL, responseUrl: responseUrl(w, CHAIR) });
  const someClick = () => clickBody(w, CHAIR, findElement(a, ACTION.go)!);
  const someView = () => submitBody(w, CHAIR, { id: 'V0FORGED', callback_id: VIEW.noGo, metadata: { promotion: pid, channel: CHANNEL }, values: { [INPUT.noGoReason]: text('forged'), [INPUT.noGoDate]: { [INPUT.value]: { type: 'datepicker', selected_date: null } } } });
  const someEvent = () => JSON.stringify(envelope({ type: 'app_home_opened', user: 'U0FORGED', tab: 'home' }));
  const surfaces = [['command', someCommand, FORM], ['action', someClick, FORM], ['view', someView, FORM], ['event', someEvent, JSON_TYPE]] as const;
  for (const [surface, make, ct] of surfaces) {
    const f = (what: string, opts: (body: string) => Parameters<typeof slackHeaders>[1]) =>
      add(() => {
        const body = make();
        return slackReq('forged', surface, `${surface}: ${what}`, body, { contentType: ct, ...opts(body) });
      });
    f('wrong signature', () => ({ signature: `v0=${'0'.repeat(64)}` }));
    f('no signature', () => ({ signature: null }));
    f('empty signature', () => ({ signature: '' }));
    f('signature of another body', (body) => ({ signature: sign(SECRET, now(), `${body}&x=1`) }));
    f('signed with another secret', () => ({ secret: 'not-the-secret' }));
    f('v1 signature', (body) => ({ signature: sign(SECRET, now(), body).replace(/^v0=/, 'v1=') }));
    f('signature not hex', () => ({ signature: `v0=${'zz'.repeat(32)}` }));
    f('signature in upper case', (body) => ({ signature: sign(SECRET, now(), body).toUpperCase() }));
    f('signature for another timestamp', (body) => ({ signature: sign(SECRET, now() - 1, body) }));
    // Signed over one body, sent with another.
    add(() => {
      const body = make();
      const req = slackReq('forged', surface, `${surface}: changed after signing`, body, { contentType: ct });
      return { ...req, body: body.replace(/forged|decision|app_home_opened|\d/, (x) => (x === 'forged' ? 'FORGED' : x === 'decision' ? 'Decision' : x === 'app_home_opened' ? 'app_home_opened ' : String((Number(x) + 1) % 10))) };
    });
    add(() => ({ ...slackReq('forged', surface, `${surface}: no timestamp header`, make(), { contentType: ct }), headers: { 'content-type': ct, 'x-slack-signature': sign(SECRET, now(), 'x') } }));
  }

  // -- stale: timestamps out of the five minutes (each signed for its own timestamp) --
  for (const [surface, make, ct] of surfaces) {
    const st = (what: string, ts: () => number | string) => add(() => slackReq('stale', surface, `${surface}: ${what}`, make(), { contentType: ct, timestamp: ts() }));
    st('6 minutes old', () => now() - 360);
    st('6 minutes ahead', () => now() + 360);
    st('a year old', () => now() - 365 * 86_400);
    st('a century ahead', () => now() + 100 * 365 * 86_400);
    st('timestamp 0', () => 0);
    st('timestamp negative', () => -1);
    st('timestamp words', () => 'yesterday');
    st('timestamp 1e10', () => '1e10');
    st('timestamp fractional, 6 minutes old', () => `${now() - 360}.5`);
    st('timestamp in hex', () => `0x${now().toString(16)}`);
  }

  // -- the GitHub webhook --
  const hook = (kind: Kind, what: string, body: string, headers: Record<string, string>, over: Partial<Req> = {}): Req => ({ kind, surface: 'webhook', what: `webhook: ${what}`, path: '/github/webhook', headers, body, ...over });
  const gatePayload = () => {
    const run = 12_500_000_000 + Math.floor(Math.random() * 1e6);
    return {
      action: 'requested',
      environment: 'production',
      event: 'push',
      deployment_callback_url: `${w.github.url}/repos/acme/platform/actions/runs/${run}/deployment_protection_rule`,
      deployment: { id: 4_200_000_000 + Math.floor(Math.random() * 1e6), sha: SHA, ref: 'main', creator: { login: 'octocat' } },
      repository: { full_name: 'acme/platform', html_url: 'https://github.com/acme/platform' },
      installation: { id: INSTALLATION },
      sender: { login: 'octocat' },
    };
  };
  const signed = (body: string, event = 'deployment_protection_rule', extra: Record<string, string> = {}): Record<string, string> => ({
    ...signedDelivery({}, WEBHOOK_SECRET, { event }).headers,
    'X-Hub-Signature-256': signatureOf(body, WEBHOOK_SECRET),
    'X-Hub-Signature': `sha1=${createHmac('sha1', WEBHOOK_SECRET).update(body).digest('hex')}`,
    ...extra,
  });
  const without = (h: Record<string, string>, ...names: string[]) => Object.fromEntries(Object.entries(h).filter(([k]) => !names.includes(k)));
  const withPayload = (mutate: (p: Record<string, any>) => void) => {
    const p = gatePayload() as Record<string, any>;
    mutate(p);
    return JSON.stringify(p);
  };
  const fresh = () => JSON.stringify(gatePayload());
  add(() => { const body = fresh(); return hook('forged', 'wrong HMAC', body, { ...signed(body), 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}` }); });
  add(() => { const body = fresh(); return hook('forged', 'sha1 signature only', body, without(signed(body), 'X-Hub-Signature-256')); });
  add(() => { const body = fresh(); return hook('forged', 'no signature', body, without(signed(body), 'X-Hub-Signature-256', 'X-Hub-Signature')); });
  add(() => { const body = fresh(); return hook('forged', 'signature of another body', body, { ...signed(body), 'X-Hub-Signature-256': signatureOf(`${body} `, WEBHOOK_SECRET) }); });
  add(() => { const body = fresh(); return hook('forged', 'signed with another secret', body, { ...signed(body), 'X-Hub-Signature-256': signatureOf(body, 'another-secret') }); });
  add(() => { const body = fresh(); return hook('forged', 'signature not hex', body, { ...signed(body), 'X-Hub-Signature-256': `sha256=${'zz'.repeat(32)}` }); });
  add(() => { const body = fresh(); return hook('forged', 'signature sha512=', body, { ...signed(body), 'X-Hub-Signature-256': `sha512=${'0'.repeat(128)}` }); });
  add(() => { const body = fresh(); return hook('forged', 'signature in upper case', body, { ...signed(body), 'X-Hub-Signature-256': signatureOf(body, WEBHOOK_SECRET).toUpperCase() }); });
  add(() => { const body = fresh(); return hook('forged', 'changed after signing', body.replace('octocat', 'mallory'), signed(body)); });
  add(() => hook('malformed', 'signed, not JSON', '{"action":', signed('{"action":')));
  add(() => hook('malformed', 'signed, JSON null', 'null', signed('null')));
  add(() => hook('malformed', 'signed, JSON array', '[]', signed('[]')));
  add(() => hook('malformed', 'signed, empty', '', signed('')));
  add(() => hook('malformed', 'signed, form-encoded', 'payload=%7B%7D', { ...signed('payload=%7B%7D'), 'Content-Type': FORM }));
  add(() => { const body = fresh(); return hook('malformed', 'no delivery id', body, without(signed(body), 'X-GitHub-Delivery')); });
  add(() => { const body = fresh(); return hook('malformed', 'delivery id with user text', body, signed(body, 'deployment_protection_rule', { 'X-GitHub-Delivery': encodeURIComponent(ECHO) })); });
  add(() => { const body = fresh(); return hook('malformed', 'delivery id 200 chars', body, signed(body, 'deployment_protection_rule', { 'X-GitHub-Delivery': 'd'.repeat(200) })); });
  add(() => { const body = fresh(); return hook('malformed', 'no event', body, without(signed(body), 'X-GitHub-Event')); });
  add(() => { const body = fresh(); return hook('malformed', 'another event', body, signed(body, 'push')); });
  add(() => { const body = fresh(); return hook('malformed', 'event with user text', body, signed(body, encodeURIComponent(ECHO))); });
  add(() => { const body = withPayload((p) => (p['action'] = 'approved')); return hook('malformed', 'another action', body, signed(body)); });
  add(() => hook('malformed', 'GET', '', signed(''), { method: 'GET' }));
  add(() => hook('malformed', 'PUT', '{}', signed('{}'), { method: 'PUT' }));
  const hookTyped: Array<[string, (p: Record<string, any>) => void]> = [
    ['deployment id a string', (p) => (p['deployment'].id = '42')],
    ['deployment id negative', (p) => (p['deployment'].id = -1)],
    ['deployment id fractional', (p) => (p['deployment'].id = 1.5)],
    ['deployment id beyond bigint', (p) => (p['deployment'].id = 1e30)],
    ['sha not hex', (p) => (p['deployment'].sha = ECHO)],
    ['sha an array', (p) => (p['deployment'].sha = [SHA])],
    ['installation id a string', (p) => (p['installation'].id = String(INSTALLATION))],
    ['installation id beyond bigint', (p) => (p['installation'].id = 1e30)],
    ['installation missing', (p) => delete p['installation']],
    ['repository name with user text', (p) => (p['repository'].full_name = ECHO)],
    ['repository html_url javascript:', (p) => (p['repository'].html_url = 'javascript:alert(1)')],
    ['environment an object', (p) => (p['environment'] = { name: 'production' })],
    ['environment deeply nested', (p) => (p['environment'] = JSON.parse('['.repeat(3_000) + ']'.repeat(3_000)))],
    ['environment 10 KB', (p) => (p['environment'] = TEN_KB)],
    ['environment not gated', (p) => (p['environment'] = 'staging')],
    ['callback URL of no run', (p) => (p['deployment_callback_url'] = 'https://api.github.com/repos/acme/platform/actions/runs/x/deployment_protection_rule')],
    ['run id beyond bigint', (p) => (p['deployment_callback_url'] = `${w.github.url}/repos/acme/platform/actions/runs/${'9'.repeat(30)}/deployment_protection_rule`)],
    ['ref 10 KB', (p) => (p['deployment'].ref = TEN_KB)],
    ['ref with a NUL', (p) => (p['deployment'].ref = 'main\u0000x')],
    ['creator login with user text and 10 KB', (p) => (p['deployment'].creator = { login: `${ECHO}${TEN_KB}` })],
    ['installation unknown to GitHub', (p) => (p['installation'].id = 999_999)],
    ['deployment missing', (p) => delete p['deployment']],
  ];
  for (const [what, mutate] of hookTyped) add(() => { const body = withPayload(mutate); return hook('wrongly typed', what, body, signed(body)); });
  add(() => { const body = `{"pad":"${'p'.repeat(MB + 10)}"}`; return hook('oversized', '1 MB + signed', body, signed(body)); });
  add(() => { const body = `{"pad":"${'p'.repeat(2 * MB)}"}`; return hook('oversized', '2 MB unsigned', body, without(signed('x'), 'X-Hub-Signature-256')); });
  add(() => { const body = withPayload((p) => (p['deployment'].ref = 'r'.repeat(900_000))); return hook('oversized', '900 KB signed, a gate payload', body, signed(body)); });
  // Cut off mid-body: the client goes away before the body it announced.
  add(() => ({ ...hook('malformed', 'truncated mid-body', fresh(), { 'content-type': 'application/json', 'x-github-event': 'deployment_protection_rule', 'x-github-delivery': randomUUID() }), raw: 'truncate' as const }));
  add(() => ({ ...slackReq('malformed', 'transport', 'truncated mid-body', someClick()), raw: 'truncate' as const }));
  return out;
}

// ---- the database: which rows changed ----
/**
 * Tables a refusal may legitimately change, with why: none. A refusal is answered through the response_url or
 * chat.postEphemeral, which spend no rate budget (rate_budgets) and render nothing (render_leases), and it leaves no
 * audit event, receipt or outbox row; so every table is checked. A table goes here only with the reason it must.
 */
const EXCLUDED: Record<string, string> = {};

/**
 * Tables whose rows may be written and removed again while a bad request is handled: their rows must be the same
 * after (checked with the others), but PostgreSQL's counters will show the writes.
 */
const TRANSIENT: Record<string, string> = {
  click_intake:
    'a checkbox or menu click is stored before it is acknowledged (so an acknowledged click is never lost) and checked when applied, under the lock: one on a message that is not the live checklist, or naming an option the template does not have, is stored and then deleted by the batch that refuses it',
};

interface TableState {
  rows: number;
  digest: string;
}
/** The schema's tables (but the write log below). */
async function tables(db: pg.Client, schema: string): Promise<string[]> {
  const r = await db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name", [schema]);
  return r.rows.map((x) => x.table_name).filter((t) => t !== WRITE_LOG);
}

/**
 * Every row written, for as long as it is installed: a trigger on each table logs each row inserted, updated or
 * deleted into WRITE_LOG, in the writing transaction, so that a write rolled back (a refusal undone by its savepoint)
 * leaves nothing there and a write committed and deleted again (a row that lived a moment) does.
 */
const WRITE_LOG = 'zz_bad_input_writes';
async function logWrites(db: pg.Client, schema: string): Promise<() => Promise<Array<{ tbl: string; op: string; row: string }>>> {
  const list = await tables(db, schema);
  await db.query(`CREATE TABLE ${schema}.${WRITE_LOG} (tbl text NOT NULL, op text NOT NULL, row text)`);
  await db.query(`CREATE FUNCTION ${schema}.${WRITE_LOG}_log() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      INSERT INTO ${schema}.${WRITE_LOG} (tbl, op, row) VALUES (TG_TABLE_NAME, TG_OP, left(CASE WHEN TG_OP = 'DELETE' THEN row_to_json(OLD)::text ELSE row_to_json(NEW)::text END, 400));
      RETURN NULL;
    END $fn$`);
  for (const t of list) await db.query(`CREATE TRIGGER ${WRITE_LOG} AFTER INSERT OR UPDATE OR DELETE ON ${schema}.${t} FOR EACH ROW EXECUTE FUNCTION ${schema}.${WRITE_LOG}_log()`);
  return async () => {
    const rows = (await db.query<{ tbl: string; op: string; row: string }>(`SELECT tbl, op, row FROM ${schema}.${WRITE_LOG}`)).rows;
    for (const t of list) await db.query(`DROP TRIGGER ${WRITE_LOG} ON ${schema}.${t}`);
    await db.query(`DROP FUNCTION ${schema}.${WRITE_LOG}_log()`);
    await db.query(`DROP TABLE ${schema}.${WRITE_LOG}`);
    return rows;
  };
}
async function snapshot(db: pg.Client, schema: string): Promise<Map<string, TableState>> {
  const out = new Map<string, TableState>();
  for (const t of await tables(db, schema)) {
    const r = await db.query<{ n: number; h: string }>(`SELECT count(*)::int AS n, coalesce(md5(string_agg(x::text, E'\\n' ORDER BY x::text)), '') AS h FROM ${schema}.${t} x`);
    out.set(t, { rows: r.rows[0]!.n, digest: r.rows[0]!.h });
  }
  return out;
}
/** Rows inserted, updated and deleted in each table since the server started, as PostgreSQL counts them. */
async function writeCounters(db: pg.Client, schema: string): Promise<Map<string, number[]>> {
  const r = await db.query<{ relname: string; i: string; u: string; d: string }>('SELECT relname, n_tup_ins AS i, n_tup_upd AS u, n_tup_del AS d FROM pg_stat_user_tables WHERE schemaname = $1', [schema]);
  return new Map(r.rows.map((x) => [x.relname, [Number(x.i), Number(x.u), Number(x.d)]]));
}
const countersKey = (m: Map<string, number[]>) => JSON.stringify([...m.entries()].sort());

/**
 * Wait until the bot is quiet: no Slack call, no response_url post, no click waiting in the intake, no row written
 * (while the write log is installed) and, with `counters`, PostgreSQL's write counters unchanged, for `quietMs` (a
 * backend reports its counters up to 10 s after its last transaction: `counters` needs `quietMs` above that).
 */
async function quiet(w: Pick<World, 'fake' | 'db' | 'schema'>, quietMs: number, opts: { withinMs?: number; counters?: boolean } = {}): Promise<boolean> {
  const withinMs = opts.withinMs ?? 60_000;
  const deadline = Date.now() + withinMs;
  let last = '';
  let since = Date.now();
  for (;;) {
    const r = await w.db.query<{ n: string; logged: string | null }>(`SELECT (SELECT count(*) FROM ${w.schema}.click_intake) AS n, (SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relname = $2) AS logged`, [w.schema, WRITE_LOG]);
    const intake = Number(r.rows[0]!.n);
    const logged = r.rows[0]!.logged === '1' ? (await w.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${w.schema}.${WRITE_LOG}`)).rows[0]!.n : '-';
    const key = `${w.fake.calls.length}/${w.fake.responses().length}/${intake}/${logged}/${opts.counters ? countersKey(await writeCounters(w.db, w.schema)) : ''}`;
    if (key !== last) {
      last = key;
      since = Date.now();
    } else if (intake === 0 && Date.now() - since >= quietMs) return true;
    if (Date.now() > deadline) {
      console.log(`bad-input: the bot was not quiet within ${withinMs} ms (last Slack calls: ${w.fake.calls.slice(-5).map((c) => `${c.method} ${JSON.stringify(c.args).slice(0, 150)}`).join('; ')})`);
      return false;
    }
    await sleep(250);
  }
}

// ---- what the bot showed ----
/** The mrkdwn text of a message or view: its `text`, and every mrkdwn text object in its blocks. */
function mrkdwnTexts(o: { text?: unknown; blocks?: unknown }, includeText = true): string[] {
  const out: string[] = [];
  if (includeText && typeof o.text === 'string') out.push(o.text);
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const x = n as Record<string, unknown>;
    if (x['type'] === 'mrkdwn' && typeof x['text'] === 'string') out.push(x['text']);
    for (const [k, v] of Object.entries(x)) if (k !== 'text' || typeof v !== 'string') walk(v);
  };
  walk(o.blocks);
  return out;
}
function rawEchoes(text: string): string[] {
  return RAW_MARKERS.filter((m) => text.includes(m));
}

// ---- main ----
async function main(): Promise<{ figures: Figures; checks: Array<[string, boolean]> }> {
  const started = Date.now();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const app = new FakeGitHubApp({ appId: APP_ID, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), installations: [{ id: INSTALLATION, account: 'acme' }] });
  const github = await new FakeGitHub({ app }).start();
  const fake = await startFakeSlack({ rateLimits: false });
  const database: LocalDatabase = await postgresDatabase(DATABASE_URL);
  const dir = mkdtempSync(join(tmpdir(), 'bad-input-checklists-'));
  for (const f of readdirSync('checklists')) if (f.endsWith('.yml')) copyFileSync(join('checklists', f), join(dir, f));
  copyFileSync('test/faults/fixtures/bad-input/gated.yml', join(dir, 'gated.yml'));
  const db = new pg.Client({ connectionString: database.url });
  let bot: BotProcess | undefined;
  try {
    await db.connect();
    const schema = (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
    bot = await spawnBot(NAME, {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
      DATABASE_URL: database.url!,
      CHECKLISTS_DIR: dir,
      GITHUB_API_URL: github.url,
      GITHUB_APP_ID: String(APP_ID),
      GITHUB_APP_PRIVATE_KEY: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
      LOG_LEVEL: 'info',
    });
    const theBot = bot;
    const pidAtStart = bot.pid;
    const sender: SlackSender = { url: `${bot.url}/slack/events`, signingSecret: SECRET };
    const base = { fake, db, schema, sender };
    const valid = async (what: string, body: string): Promise<Answer> => {
      const answer = await send(theBot, slackReq('malformed', 'command', what, body));
      if (answer.status !== 200) throw new Error(`${what} answered ${answer.status}: ${answer.body}`);
      return answer;
    };
    const until = (what: string, sql: string, args: unknown[] = []) => eventually(what, async () => ((await db.query(sql, args)).rows.length > 0 ? true : undefined), 30_000);
    const posted = (release: string) => until(`${release} posted`, "SELECT 1 FROM promotions p WHERE p.release = $1 AND NOT EXISTS (SELECT 1 FROM promotion_messages m WHERE m.promotion_id = p.id AND (m.ts IS NULL OR m.rendered_version < p.version))", [release]);
    const startCommand = (text: string) => slashCommandBody(sender, { text, userId: ALICE, channelId: CHANNEL, responseUrl: responseUrl(base, ALICE) });

    // Two real promotions of the gated template: A before GO (decisions, approvals, fields, ticks, the window), and B
    // GO'd and rolling back (the rollback's buttons and forms), on another environment so that both may run.
    await valid('the start of A', startCommand(`start ${RELEASE} gated`));
    await posted(RELEASE);
    await valid('the start of B', startCommand(`start ${RELEASE_B} gated --env staging`));
    await posted(RELEASE_B);
    let b = await promo(base, RELEASE_B);
    await valid('B: the SHA', submitBody(base, ALICE, { id: 'V0SETUPSHA', callback_id: VIEW.field, metadata: { promotion: b.id, item: 'deployed-sha', channel: CHANNEL }, values: { [INPUT.fieldValue]: text('abcdef1234567') } }));
    await until('B: the SHA saved', "SELECT 1 FROM item_states WHERE promotion_id = $1 AND item_id = 'deployed-sha' AND state = 'done'", [b.id]);
    await posted(RELEASE_B);
    b = await promo(base, RELEASE_B);
    const bTick = findElement(b, ACTION.toggle)!;
    await valid('B: the backup ticked', clickBody(base, ALICE, bTick, { selected_options: (bTick.element['options'] as Array<{ value: string }>).filter((o) => o.value === 'backup') }));
    await until('B: the backup ticked', "SELECT 1 FROM item_states WHERE promotion_id = $1 AND item_id = 'backup' AND state = 'done'", [b.id]);
    await posted(RELEASE_B);
    b = await promo(base, RELEASE_B);
    await valid('B: approved', clickBody(base, LEAD, findElement(b, ACTION.approve)!));
    await until('B: approved', "SELECT 1 FROM approvals WHERE promotion_id = $1 AND decision = 'approve' AND voided_at IS NULL", [b.id]);
    await posted(RELEASE_B);
    b = await promo(base, RELEASE_B);
    await valid('B: GO', clickBody(base, CHAIR, findElement(b, ACTION.go)!));
    await until('B: GO', "SELECT 1 FROM promotions WHERE id = $1 AND stage = 'go'", [b.id]);
    await valid('B: rolled back', submitBody(base, CHAIR, { id: 'V0SETUPROLLBACK', callback_id: VIEW.rollback, metadata: { promotion: b.id, channel: CHANNEL, checkpoint: null }, values: { [INPUT.rollbackIssue]: text('the setup rolls it back') } }));
    await until('B: rolling back', "SELECT 1 FROM promotions WHERE id = $1 AND stage = 'rolling-back'", [b.id]);
    await posted(RELEASE_B);
    if (!(await quiet(base, QUICK ? 1_500 : 11_000, { counters: !QUICK }))) throw new Error('the bot was not quiet after the setup');
    const w: World = { ...base, bot, a: await promo(base, RELEASE), b: await promo(base, RELEASE_B), github };
    console.log(`bad-input: bot pid ${bot.pid}, schema ${schema}, promotions A ${w.a.id} (${w.a.messages.length} messages), B ${w.b.id} (rolling back); setup ${Math.round((Date.now() - started) / 1000)} s`);

    // ---- the bad requests ----
    const entries = catalogue(w);
    const replays = Math.max(40, Math.round(TOTAL * 0.05));
    const reqs: Req[] = [];
    for (const e of entries.filter((x) => x.once)) reqs.push(e.make());
    const repeated = entries.filter((x) => !x.once);
    for (let i = 0; reqs.length < Math.max(TOTAL - replays, entries.length); i++) reqs.push(repeated[i % repeated.length]!.make());
    // Interleave the kinds (a fixed shuffle: the same order every run).
    let seed = 14;
    const rnd = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = reqs.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [reqs[i], reqs[j]] = [reqs[j]!, reqs[i]!];
    }
    const before = await snapshot(db, schema);
    const countersBefore = await writeCounters(db, schema);
    const writesLogged = await logWrites(db, schema);
    const callsBefore = fake.calls.length;
    const responsesBefore = fake.responses().length;
    const ephemeralsBefore = fake.ephemerals().length;
    const logBefore = bot.output().length;
    const answers: Answer[] = [];
    const badStarted = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < reqs.length) answers.push(await send(theBot, reqs[next++]!));
      }),
    );
    const badMs = Date.now() - badStarted;
    console.log(`bad-input: ${answers.length} bad requests (${entries.length} distinct) answered in ${Math.round(badMs / 1000)} s; waiting for the bot to be quiet`);
    // The background jobs run every 5 s: quiet for longer than that. The full form waits out PostgreSQL's counters too.
    const quietAfterBad = await quiet(w, QUICK ? 6_000 : 11_000, { withinMs: 40_000, counters: !QUICK });
    const after = await snapshot(db, schema);
    const countersAfter = await writeCounters(db, schema);
    const writes = await writesLogged();
    const badLog = bot.output().slice(logBefore);
    const responsesAfterBad = fake.responses().length;
    const ephemeralsAfterBad = fake.ephemerals().length;
    const newAudit = (await db.query<{ action: string; actor: string; data: unknown }>('SELECT action, actor, data FROM audit_events ORDER BY at, seq OFFSET $1', [before.get('audit_events')?.rows ?? 0])).rows;
    for (const e of newAudit) console.log(`  audit event written by a bad request: ${e.actor} ${e.action} ${JSON.stringify(e.data).slice(0, 300)}`);
    for (const x of answers.filter((x) => x.req.surface === 'webhook' && x.status === 202 && !/ignored/.test(x.body))) console.log(`  webhook delivery taken from a bad request: ${x.req.what}: ${x.body.slice(0, 200)}`);

    // ---- replayed: valid requests, each sent again after it changed something ----
    const replayAnswers: Answer[] = [];
    const replayChecks: Array<[string, boolean]> = [];
    const auditCount = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM audit_events')).rows[0]!.n);
    const itemState = async (item: string) => (await db.query<{ state: string; value: string | null }>('SELECT state, value FROM item_states WHERE promotion_id = $1 AND item_id = $2', [w.a.id, item])).rows[0];
    const perReplay = Math.max(4, Math.floor((replays - 6) / 5));
    let applied = 0;
    const replayed = async (what: string, req: Req, times: number, appliedWhen: () => Promise<boolean>): Promise<void> => {
      const first = await send(theBot, { ...req, kind: 'replayed', what: `${what} (first)` });
      replayAnswers.push(first);
      await eventually(`${what} applied`, async () => ((await appliedWhen()) ? true : undefined), 30_000);
      await quiet(w, 1_000);
      const audit = await auditCount();
      replayAnswers.push(...(await Promise.all(Array.from({ length: times }, () => send(theBot, { ...req, kind: 'replayed', what })))));
      await quiet(w, 1_000);
      const held = (await auditCount()) === audit;
      if (held) applied++;
      replayChecks.push([`replayed, applied once: ${what}, sent ${times + 1} times`, held]);
    };
    // A tick, replayed; then unticked by a later click, and the old tick replayed again: it must not tick it back.
    let a = await promo(w, RELEASE);
    const chk = findElement(a, ACTION.toggle)!;
    const tick = slackReq('replayed', 'action', `${ACTION.toggle}: a tick`, clickBody(w, ALICE, chk, { selected_options: (chk.element['options'] as Array<{ value: string }>).filter((o) => o.value === 'backup') }));
    await replayed(`${ACTION.toggle}: a tick`, tick, perReplay, async () => (await itemState('backup'))?.state === 'done');
    await posted(RELEASE);
    a = await promo(w, RELEASE);
    const ticked = findElement(a, ACTION.toggle)!;
    await replayed(`${ACTION.toggle}: an untick`, slackReq('replayed', 'action', `${ACTION.toggle}: an untick`, clickBody(w, ALICE, ticked, { selected_options: [] })), 1, async () => (await itemState('backup'))?.state === 'open');
    const afterUntick = await auditCount();
    replayAnswers.push(...(await Promise.all(Array.from({ length: perReplay }, () => send(theBot, { ...tick, what: `${ACTION.toggle}: the first tick, after a later untick` })))));
    await quiet(w, 1_000);
    const untickHeld = (await itemState('backup'))?.state === 'open' && (await auditCount()) === afterUntick;
    if (untickHeld) applied++;
    replayChecks.push([`replayed, applied once: the first tick again after a later untick (${perReplay} times) left the item open`, untickHeld]);
    // A field saved from its modal, replayed (the same view id).
    const field = slackReq('replayed', 'view', `${VIEW.field}: a value saved`, submitBody(w, ALICE, { id: 'V0REPLAYFIELD', callback_id: VIEW.field, metadata: { promotion: w.a.id, item: 'deployed-sha', channel: CHANNEL }, values: { [INPUT.fieldValue]: text('abcdef1234567') } }));
    await replayed(`${VIEW.field}: a value saved`, field, perReplay, async () => (await itemState('deployed-sha'))?.value === 'abcdef1234567');
    // An approval, replayed.
    await posted(RELEASE);
    a = await promo(w, RELEASE);
    const approvalRows = async () => Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM approvals WHERE promotion_id = $1 AND decision = 'approve'", [w.a.id])).rows[0]!.n);
    await replayed(`${ACTION.approve}: an approval`, slackReq('replayed', 'action', `${ACTION.approve}: an approval`, clickBody(w, LEAD, findElement(a, ACTION.approve)!)), perReplay, async () => (await approvalRows()) >= 1);
    replayChecks.push([`${ACTION.approve}: one approval stored for A`, (await approvalRows()) === 1]);
    // A GitHub delivery sent again with the same X-GitHub-Delivery; and the same deployment under new delivery ids.
    const gate = app.requestGate({ repo: 'acme/platform', environment: 'production', sha: SHA, ref: 'main', installationId: INSTALLATION });
    const delivery = signedDelivery(gate.payload, WEBHOOK_SECRET);
    const webhookReq: Req = { kind: 'replayed', surface: 'webhook', what: 'webhook: a delivery, its delivery id again', path: '/github/webhook', headers: delivery.headers, body: delivery.body };
    const gateRows = async () => (await db.query<{ g: string; d: string }>('SELECT (SELECT count(*) FROM github_gates) AS g, (SELECT count(*) FROM github_deliveries) AS d')).rows[0]!;
    const gatesBefore = await gateRows();
    const firstDelivery = await send(theBot, { ...webhookReq, what: 'webhook: a delivery (first)' });
    replayAnswers.push(firstDelivery);
    await quiet(w, 1_000);
    const gatesOnce = await gateRows();
    const hookReplays = Math.max(2, replays - 4 * perReplay - 5);
    const sameId = await Promise.all(Array.from({ length: hookReplays }, () => send(theBot, webhookReq)));
    const newIds = await Promise.all(Array.from({ length: 3 }, () => send(theBot, { ...webhookReq, what: 'webhook: the same deployment, a new delivery id', headers: { ...delivery.headers, 'X-GitHub-Delivery': randomUUID() } })));
    replayAnswers.push(...sameId, ...newIds);
    await quiet(w, 1_000);
    const gatesAfter = await gateRows();
    const hookHeld = firstDelivery.status === 202 && Number(gatesOnce.g) === Number(gatesBefore.g) + 1 && Number(gatesOnce.d) === Number(gatesBefore.d) + 1 && gatesAfter.g === gatesOnce.g && Number(gatesAfter.d) === Number(gatesOnce.d) + newIds.length && [...sameId, ...newIds].every((x) => x.status === 200);
    if (hookHeld) applied++;
    replayChecks.push([`replayed, applied once: a GitHub delivery (answered ${firstDelivery.status}) sent ${hookReplays} times more with its id (answered ${[...new Set(sameId.map((x) => x.status))].join('/')}) and 3 under new ids: 1 gate, 1 delivery row per id (gates ${gatesBefore.g} -> ${gatesAfter.g}, deliveries ${gatesBefore.d} -> ${gatesAfter.d})`, hookHeld]);

    // ---- user text as people type it, kept and shown (valid requests, not counted as bad): it must show escaped ----
    const userText: Answer[] = [];
    userText.push(await send(theBot, slackReq('malformed', 'view', 'a NO-GO reason with user text', submitBody(w, CHAIR, { id: 'V0ECHONOGO', callback_id: VIEW.noGo, metadata: { promotion: w.a.id, channel: CHANNEL }, values: { [INPUT.noGoReason]: text(ECHO), [INPUT.noGoDate]: { [INPUT.value]: { type: 'datepicker', selected_date: null } } } }))));
    userText.push(await send(theBot, slackReq('malformed', 'view', 'a rollback update with user text', submitBody(w, CHAIR, { id: 'V0ECHOUPDATE', callback_id: VIEW.rollbackUpdate, metadata: { promotion: w.b.id, channel: CHANNEL, checkpoint: null }, values: { [INPUT.rollbackText]: text(ECHO) } }))));
    userText.push(await send(theBot, slackReq('malformed', 'command', 'an abort with user text', slashCommandBody(sender, { text: `abort ${RELEASE} ${ECHO}`, userId: ALICE, channelId: CHANNEL, responseUrl: responseUrl(w, ALICE) }))));
    await until('A aborted', "SELECT 1 FROM promotions WHERE release = $1 AND status = 'aborted'", [RELEASE]);
    await quiet(w, 1_500);

    // ---- what the bot showed, from the first bad request on ----
    const shown: Array<{ where: string; text: string }> = [];
    for (const call of fake.calls.slice(callsBefore)) {
      const args = call.args as { text?: unknown; blocks?: unknown; view?: { blocks?: unknown } };
      if (call.method.startsWith('views.')) for (const t of mrkdwnTexts({ blocks: args.view?.blocks }, false)) shown.push({ where: call.method, text: t });
      else for (const t of mrkdwnTexts(args)) shown.push({ where: call.method, text: t });
    }
    for (const r of fake.responses().slice(responsesBefore)) for (const t of mrkdwnTexts(r.body as { text?: unknown; blocks?: unknown })) shown.push({ where: 'response_url', text: t });
    for (const x of [...answers, ...replayAnswers, ...userText]) {
      if (x.req.protocolEcho || !x.body || x.req.surface === 'webhook') continue;
      let json: any;
      try {
        json = JSON.parse(x.body);
      } catch {
        json = undefined;
      }
      // A modal's input errors are plain_text: shown as written, never read as mrkdwn.
      if (json?.response_action === 'errors') continue;
      if (json && (typeof json.text === 'string' || json.blocks)) for (const t of mrkdwnTexts(json)) shown.push({ where: `answer to ${x.req.what}`, text: t });
      else shown.push({ where: `answer to ${x.req.what}`, text: x.body });
    }
    const echoed = shown.filter((x) => rawEchoes(x.text).length > 0);
    const longestShown = shown.reduce<{ where: string; text: string } | undefined>((m, x) => (!m || x.text.length > m.text.length ? x : m), undefined);
    const longest = longestShown?.text.length ?? 0;
    if (longestShown) console.log(`  the longest text shown (${longest} chars), in ${longestShown.where}: ${JSON.stringify(longestShown.text.slice(0, 160))}…`);
    const userTextShown = shown.filter((x) => x.text.includes('&lt;!channel&gt;') || x.text.includes('&lt;zq&gt;')).length;

    // ---- figures ----
    const all = [...answers, ...replayAnswers];
    const table = new Map<string, Map<string, number>>();
    for (const x of all) {
      const row = `${x.req.kind} / ${x.req.surface}`;
      const m = table.get(row) ?? new Map<string, number>();
      m.set(String(x.status), (m.get(String(x.status)) ?? 0) + 1);
      table.set(row, m);
    }
    console.log('\n  kind / surface                 requests  answers (HTTP status: count; -2: cut off by the client on purpose)');
    for (const k of KINDS) {
      for (const [row, m] of [...table.entries()].filter(([r]) => r.startsWith(`${k} /`)).sort()) {
        const n = [...m.values()].reduce((x, y) => x + y, 0);
        console.log(`  ${row.padEnd(30)}${String(n).padStart(9)}  ${[...m.entries()].sort().map(([st, c]) => `${st}: ${c}`).join(', ')}`);
      }
    }
    const byKind = (k: Kind) => all.filter((x) => x.req.kind === k).length;
    const statusCount = (f: (st: number) => boolean) => all.filter((x) => f(x.status)).length;
    const fiveXX = all.filter((x) => x.status >= 500);
    const dropped = all.filter((x) => x.status < 0 && x.req.raw !== 'truncate');
    // Slash commands: the 200 body is what Slack shows; one refused at once carries its usage or refusal line.
    const commandBodies = answers.filter((x) => x.req.surface === 'command' && x.status === 200 && x.body !== '');
    const USAGE = /Usage:|I don't know|Say why|A release is|template name|only option|environment|Give `--env`/;
    const commandRefusedInAck = commandBodies.filter((x) => USAGE.test(x.body)).length;
    const commandBodiesOther = commandBodies.filter((x) => !USAGE.test(x.body));
    const badResponses = fake.responses().slice(responsesBefore, responsesAfterBad);
    // Each slash command and click of the bad requests carried a response_url of its own: was the person told, and what?
    const toldBy = new Map<string, string>();
    // The refusal, when a response_url took several posts (a "Starting…" first, then why it could not start).
    for (const r of badResponses) if (!toldBy.has(r.url) || String(r.body['text'] ?? '').startsWith(':no_entry_sign:')) toldBy.set(r.url, String(r.body['text'] ?? ''));
    const ownUrl = (x: Answer): string | undefined => {
      try {
        const form = new URLSearchParams(x.req.body.toString());
        const url = form.get('response_url') ?? (JSON.parse(form.get('payload') ?? '{}') as { response_url?: unknown }).response_url;
        return typeof url === 'string' && url.startsWith(fake.baseUrl) ? url : undefined;
      } catch {
        return undefined;
      }
    };
    const refusalKind = (t: string) =>
      /could not read/.test(t) ? 'not readable (BadPayload)' : /no longer exists|no longer known|is no longer configured|There is no|not part of this/.test(t) ? 'names nothing that exists' : /^:no_entry_sign:/.test(t) ? 'other refusal' : /Something went wrong/.test(t) ? 'unexpected error' : 'an answer (not a refusal)';
    const told = new Map<string, number>();
    let untold = 0;
    for (const x of answers.filter((y) => y.status === 200 && (y.req.surface === 'command' || y.req.surface === 'action'))) {
      const url = ownUrl(x);
      if (!url) continue;
      const t = toldBy.get(url);
      if (t === undefined) {
        if (x.body === '') untold++;
        continue;
      }
      const k = `${x.req.surface}: ${refusalKind(t)}`;
      if (!told.has(k)) console.log(`  e.g. ${x.req.what} -> ${k}: ${JSON.stringify(t.slice(0, 160))}`);
      told.set(k, (told.get(k) ?? 0) + 1);
    }
    const refusalsShown = badResponses.filter((r) => String(r.body['text'] ?? '').startsWith(':no_entry_sign:')).length + fake.ephemerals().slice(ephemeralsBefore, ephemeralsAfterBad).filter((e) => e.via !== 'response_url' && (e.text ?? '').startsWith(':no_entry_sign:')).length;
    const unexpectedShown = [...badResponses.map((r) => String(r.body['text'] ?? '')), ...fake.ephemerals().slice(ephemeralsBefore, ephemeralsAfterBad).filter((e) => e.via !== 'response_url').map((e) => e.text ?? '')].filter((t) => t.includes('Something went wrong on our side'));
    const logLines = badLog
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        try {
          return JSON.parse(l) as { level: number; msg: string; err?: { message?: string } };
        } catch {
          return { level: 0, msg: l };
        }
      });
    const errorLines = logLines.filter((l) => l.level >= 50);
    const byMsg = new Map<string, number>();
    for (const l of errorLines) {
      const key = `${l.msg}${l.err?.message ? ` (${l.err.message.slice(0, 120)})` : ''}`;
      byMsg.set(key, (byMsg.get(key) ?? 0) + 1);
    }
    // What a bad request may not cause: a failure nobody handled. A reply that could not reach the response_url given
    // (one that does not answer, on purpose: `fetch failed`) is logged at error level too, and is not one of them.
    const unexpected = errorLines.filter((l) => /unhandled promise rejection|uncaught exception|request failed|GitHub webhook failed|unhandled error/.test(l.msg) && !/^fetch failed/.test(l.err?.message ?? ''));
    const changedTables = [...after.keys()].filter((t) => before.get(t)?.digest !== after.get(t)?.digest || before.get(t)?.rows !== after.get(t)?.rows);
    // Attempted writes, as PostgreSQL counts them: those rolled back too (a refusal undone by its savepoint).
    const attempted = [...countersAfter.entries()]
      .map(([t, c]) => {
        const was = countersBefore.get(t) ?? [0, 0, 0];
        return { table: t, ins: c[0]! - was[0]!, upd: c[1]! - was[1]!, del: c[2]! - was[2]! };
      })
      .filter((x) => (x.ins || x.upd || x.del) && x.table !== WRITE_LOG);
    // Committed writes, as the triggers logged them.
    const written = [...new Set(writes.map((x) => x.tbl))].sort().map((t) => ({
      table: t,
      ins: writes.filter((x) => x.tbl === t && x.op === 'INSERT').length,
      upd: writes.filter((x) => x.tbl === t && x.op === 'UPDATE').length,
      del: writes.filter((x) => x.tbl === t && x.op === 'DELETE').length,
    }));
    const writtenKept = written.filter((x) => !(x.table in EXCLUDED) && !(x.table in TRANSIENT));
    for (const x of writes.filter((y) => !(y.tbl in EXCLUDED) && !(y.tbl in TRANSIENT)).slice(0, 10)) console.log(`  written by a bad request: ${x.tbl} ${x.op} ${x.row}`);
    const changedKept = changedTables.filter((t) => !(t in EXCLUDED));

    if (byMsg.size) {
      console.log('\n  error-level log lines during the bad requests:');
      for (const [m, n] of byMsg) console.log(`    ${n} x ${m}`);
    }
    const tag = (t: string) => (t in EXCLUDED ? ' (excluded)' : t in TRANSIENT ? ' (transient)' : '');
    console.log(`\n  rows written and committed during the bad requests (+ inserted ~ updated - deleted): ${written.map((x) => `${x.table} +${x.ins} ~${x.upd} -${x.del}${tag(x.table)}`).join('; ') || 'none'}`);
    if (!QUICK) console.log(`  rows written, committed or rolled back (pg_stat_user_tables): ${attempted.map((x) => `${x.table} +${x.ins} ~${x.upd} -${x.del}${tag(x.table)}`).join('; ') || 'none'}`);
    console.log(`  tables whose rows differ after the bad requests: ${changedTables.map((t) => `${t} (${before.get(t)?.rows} -> ${after.get(t)?.rows} rows)${t in EXCLUDED ? ' (excluded)' : ''}`).join(', ') || 'none'}`);
    for (const [t, why] of Object.entries(EXCLUDED)) console.log(`  excluded from the row checks: ${t}: ${why}`);
    for (const [t, why] of Object.entries(TRANSIENT)) console.log(`  transient (its rows must be the same after, may be written meanwhile): ${t}: ${why}`);
    for (const e of echoed.slice(0, 10)) console.log(`  echoed unescaped in ${e.where}: ${rawEchoes(e.text).join(', ')} in ${JSON.stringify(e.text.slice(0, 300))}`);
    for (const x of fiveXX.slice(0, 20)) console.log(`  5xx: ${x.status} to ${x.req.kind} ${x.req.what}: ${x.body.slice(0, 200)}`);
    for (const x of dropped.slice(0, 10)) console.log(`  no answer: ${x.req.kind} ${x.req.what}: ${x.body.slice(0, 200)}`);
    for (const x of commandBodiesOther.slice(0, 10)) console.log(`  command answered with something else: ${x.req.what}: ${x.body.slice(0, 200)}`);
    for (const t of unexpectedShown.slice(0, 5)) console.log(`  shown as unexpected: ${t.slice(0, 200)}`);
    for (const l of unexpected.slice(0, 5)) console.log(`  log: ${JSON.stringify(l).slice(0, 700)}`);
    for (const x of userText.filter((u) => u.status !== 200)) console.log(`  user text request answered ${x.status}: ${x.req.what}: ${x.body.slice(0, 200)}`);

    const alive = bot.alive() && bot.pid === pidAtStart;
    const bad = answers.length;
    return {
      figures: {
        mode: QUICK ? 'quick' : 'full',
        requests: all.length,
        'distinct bad requests': entries.length,
        ...Object.fromEntries(KINDS.map((k) => [`requests ${k}`, byKind(k)])),
        'answered 2xx': statusCount((st) => st >= 200 && st < 300),
        'answered 400': statusCount((st) => st === 400),
        'answered 401': statusCount((st) => st === 401),
        'answered 403': statusCount((st) => st === 403),
        'answered 404': statusCount((st) => st === 404),
        'answered 405': statusCount((st) => st === 405),
        'answered 413': statusCount((st) => st === 413),
        'answered 431': statusCount((st) => st === 431),
        'answered other 4xx': statusCount((st) => st >= 400 && st < 500 && ![400, 401, 403, 404, 405, 413, 431].includes(st)),
        'answered 5xx': fiveXX.length,
        'cut off by the client on purpose': all.filter((x) => x.req.raw === 'truncate').length,
        'no answer otherwise': dropped.length,
        'slash commands refused in the acknowledgement (usage or rule line)': commandRefusedInAck,
        'refusals told privately (response_url or ephemeral)': refusalsShown,
        ...Object.fromEntries([...told.entries()].sort().map(([k, n]) => [`told through its response_url, ${k}`, n])),
        'commands and clicks answered 200 and never told': untold,
        'modal submissions refused beside an input': answers.filter((x) => x.req.surface === 'view' && x.body.includes('"response_action":"errors"')).length,
        'replayed, applied once': `${applied} of ${replayChecks.filter(([c]) => c.startsWith('replayed')).length}`,
        'answered as unexpected errors': unexpectedShown.length,
        'error-level log lines': errorLines.length,
        'texts shown, checked for escaping': shown.length,
        'user text shown escaped (&lt;!channel&gt;)': userTextShown,
        'longest text shown (chars)': longest,
        'tables checked': `${after.size - Object.keys(EXCLUDED).filter((t) => after.has(t)).length} of ${after.size}`,
        'tables written by bad requests (not excluded)': writtenKept.map((x) => x.table).join(', ') || 'none',
        'tables written meanwhile, excluded or transient': written.filter((x) => !writtenKept.includes(x)).map((x) => `${x.table} +${x.ins} ~${x.upd} -${x.del}`).join('; ') || 'none',
        'writes committed or rolled back (pg_stat)': QUICK ? 'not counted in the quick form' : attempted.map((x) => `${x.table} +${x.ins} ~${x.upd} -${x.del}`).join('; ') || 'none',
        'bad requests sent in (s)': Math.round(badMs / 1000),
        'whole run (s)': Math.round((Date.now() - started) / 1000),
      },
      checks: [
        [`${bad} bad requests sent, each kind at least once`, bad >= Math.min(TOTAL - replays, entries.length) && KINDS.every((k) => byKind(k) > 0)],
        [`the bot fell quiet after the bad requests (no Slack call, no row written, for ${QUICK ? 6 : 11} s)`, quietAfterBad],
        ['no answer was a 5xx', fiveXX.length === 0],
        ['every request was answered (but those cut off on purpose)', dropped.length === 0],
        [`the bot is alive, same pid (${pidAtStart})`, alive],
        [`no row differs after the bad requests in ${after.size - Object.keys(EXCLUDED).length} tables${changedKept.length ? ` (differ: ${changedKept.join(', ')})` : ''}`, changedKept.length === 0],
        [`no row was written and committed, even for a moment${writtenKept.length ? ` (written: ${writtenKept.map((x) => `${x.table} +${x.ins} ~${x.upd} -${x.del}`).join('; ')})` : ''}`, writtenKept.length === 0],
        ['no bad request was answered as an unexpected error', unexpectedShown.length === 0],
        ['nothing reached the process unhandled, no request failed unexpectedly (log)', unexpected.length === 0],
        ['every slash command answered in its acknowledgement got a usage or refusal line', commandBodiesOther.length === 0],
        [`no user text shown unescaped (${shown.length} texts checked)`, echoed.length === 0],
        ['the user text kept and shown (a NO-GO reason, a rollback update, an abort) was taken and shown escaped', userText.every((u) => u.status === 200) && userTextShown > 0],
        ...replayChecks,
      ],
    };
  } finally {
    await bot?.stop().catch(() => undefined);
    await db.end().catch(() => undefined);
    await fake.close().catch(() => undefined);
    await github.close().catch(() => undefined);
    await database.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  ({ figures, checks }) => finish(NAME, figures, checks),
  (err: unknown) => crashed(NAME, err),
);
