/**
 * A fake Slack Web API server on loopback, for end-to-end tests and the local playground.
 *
 * Point a Bolt app (or any `WebClient`) at it with `clientOptions: { slackApiUrl: fake.apiUrl }`. It answers the
 * methods Preflight uses with Slack's own response shapes, keeps the state those calls create (messages, ephemerals,
 * views, response_url posts) and lets a test steer it: hold a method to simulate a slow Slack, make the next call of a
 * method fail, wait until some state appears.
 *
 * Wire behaviour, as the real Web API:
 * - `POST /api/<method>` (GET with a query string works too), form-encoded or JSON, token in `Authorization: Bearer`
 *   (or a `token` argument). No token answers `not_authed`; any non-empty token is accepted.
 * - Arguments that the client JSON-encodes (`blocks`, `view`, `attachments`, `metadata`, ...) are parsed back into
 *   objects in `RecordedCall.args`. Scalars stay as the strings they were on the wire ("true", "10").
 *   The token is not part of `args`; it is in `RecordedCall.token`.
 * - Every answer is HTTP 200 with a JSON body `{ ok: true, ... }` or `{ ok: false, error }`, like Slack.
 * - Methods: auth.test, chat.postMessage, chat.update, chat.postEphemeral, chat.getPermalink, views.open,
 *   views.update, views.push, views.publish, users.info, usergroups.users.list, conversations.info and
 *   conversations.open (1:1 DMs, for messaging an approver). Anything else answers `unknown_method`.
 *
 * Decisions worth knowing:
 * - Channels: when `channels` is given, only those (plus DMs with known users) exist and anything else is
 *   `channel_not_found`. When it is not given, any channel ID is accepted and auto-created as a public channel
 *   named after its ID lowercased (a `#name` creates a channel with a generated ID). Posting to a user ID opens the
 *   bot's DM with that user, whose channel ID is `D` + the user ID without its first letter, as Slack answers with a
 *   `D...` ID.
 * - Users: users.info knows the configured users and the bot user; anything else is `user_not_found`. When `users`
 *   is given, chat.postEphemeral and views.publish refuse other user IDs too (`user_not_found`).
 * - Stored messages are normalised the way Slack stores them: blocks without a `block_id` get a generated one,
 *   `plain_text` objects get `emoji: true` and `mrkdwn` objects `verbatim: false` when those are missing. So what a
 *   test reads back (and sends back in a block_actions payload) looks like what Slack sends. `normalizeBlocks: false`
 *   turns this off. `calls[].args` always holds exactly what the client sent.
 * - Block Kit limits are checked (`validateBlocks`, default true) and refused the way Slack refuses them:
 *   `invalid_blocks` for messages, `invalid_arguments` for views, both with `response_metadata.messages`
 *   ("[ERROR] ... [json-pointer:/blocks/3/text/text]"); a message whose block text adds up to more than
 *   MESSAGE_BLOCK_TEXT_LIMIT characters is `msg_blocks_too_long` (Slack's own threshold is only reported, 12-13k).
 * - `ts` values come from one counter: "1700000000.000100", "1700000000.000200", ... unique and increasing.
 * - response_url: `responseUrl(context?)` hands one out; the optional context (channel, user, messageTs) says where
 *   it came from, so that an ephemeral answer is recorded for that channel and user, `replace_original` replaces that
 *   message, `delete_original` marks it deleted and `response_type: 'in_channel'` posts a new message there (without
 *   a context an ephemeral answer is recorded with channel and user ''). A response_url takes 5 posts in 30 minutes, like Slack's; more,
 *   later, or never handed out answers 404.
 * - `triggerId()` hands out a trigger_id that views.open / views.push honour once within 3 seconds
 *   (`expired_trigger_id`, `exchanged_trigger_id` otherwise). trigger_ids this fake did not hand out are accepted
 *   without checks, so tests may invent them.
 * - A held method records its calls on arrival but neither processes nor answers them until `release()`.
 *   `failNext` is applied when the call is processed, and answers HTTP 200 `{ ok: false, error }` whatever the
 *   error (so `failNext(m, 'ratelimited')` is a platform error, not an HTTP 429 with Retry-After).
 *   `close()` drops held calls (the client sees a network error).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------------------

export interface FakeUser {
  id: string;
  name: string;
  real_name?: string;
  /** IANA time zone; default America/Los_Angeles. */
  tz?: string;
}

export interface FakeChannel {
  id: string;
  name: string;
  is_private?: boolean;
}

export interface FakeSlackOptions {
  /** 0 (default) picks a free port. The server listens on 127.0.0.1 only. */
  port?: number;
  botUserId?: string;
  botId?: string;
  teamId?: string;
  /** Workspace subdomain used in auth.test `url` and permalinks; default "preflight-test". */
  teamDomain?: string;
  /** The app's ID (`app_id` in messages and views); default "A0PREFLIGHT". */
  appId?: string;
  users?: FakeUser[];
  /** usergroup ID -> user IDs, for usergroups.users.list. */
  usergroups?: Record<string, string[]>;
  /** When given, the only channels that exist (see the module comment). */
  channels?: FakeChannel[];
  /** Refuse payloads beyond Block Kit limits like Slack does (default true). */
  validateBlocks?: boolean;
  /** Store blocks the way Slack returns them (generated block_ids, emoji/verbatim flags); default true. */
  normalizeBlocks?: boolean;
}

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  token: string | undefined;
  /** 1-based arrival order, shared by all methods. */
  seq: number;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks: any[];
  /** Author: the bot user for messages the app posted. */
  user: string;
  /** How many times the message was changed (chat.update, or replace_original through a response_url). */
  updates: number;
  bot_id?: string;
  /** Set when a response_url post said delete_original. */
  deleted?: boolean;
}

/** Where a response_url came from: lets the fake apply its answers like Slack would. */
export interface ResponseUrlContext {
  channel?: string;
  user?: string;
  /** The message a block_actions response_url belongs to (for replace_original / delete_original). */
  messageTs?: string;
}

export interface FakeResponse {
  url: string;
  body: Record<string, unknown>;
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  text?: string;
  blocks?: any[];
  /** 'chat.postEphemeral' or 'response_url'. */
  via: string;
  /** chat.postEphemeral's message_ts. */
  message_ts?: string;
}

export interface FakeView {
  id: string;
  view: any;
  trigger_id?: string;
  user_id?: string;
  /** The method that created the view: views.open, views.push or views.publish. */
  method: string;
}

export interface FakeSlack {
  /** e.g. http://127.0.0.1:PORT/api/ (what Bolt's clientOptions.slackApiUrl takes). */
  apiUrl: string;
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  /** Every Web API call, in arrival order (live array: do not mutate). */
  calls: RecordedCall[];
  callsTo(method: string): RecordedCall[];
  /** The message's current state (a copy), after updates. */
  message(channel: string, ts: string): FakeMessage | undefined;
  /** Messages (copies) in post order, optionally of one channel. */
  messages(channel?: string): FakeMessage[];
  /** A fresh response_url pointing back at this server: POST http://127.0.0.1:PORT/respond/<id>. */
  responseUrl(context?: ResponseUrlContext): string;
  /** Bodies POSTed (and accepted) to response_urls, optionally of one url. */
  responses(url?: string): FakeResponse[];
  /** From chat.postEphemeral and from ephemeral response_url posts. */
  ephemerals(): FakeEphemeral[];
  /** Opened, pushed and published views, current state. */
  views(): FakeView[];
  /** A trigger_id that views.open/views.push accept once within 3 s. */
  triggerId(): string;
  /** Answer nothing for this method until release(method); calls queue up. */
  hold(method: string): void;
  release(method: string): void;
  /** How many calls of this method are being held right now. */
  pending(method: string): number;
  /** The next call of method answers { ok: false, error } (queued when called several times). */
  failNext(method: string, error: string): void;
  /**
   * Resolves with the first truthy value of check(), evaluated now and after every change of the fake's state
   * (a call arriving or being answered, a response_url post). Rejects after timeoutMs (default 2000).
   */
  waitFor<T>(check: () => T | undefined | null | false, opts?: { timeoutMs?: number; what?: string }): Promise<T>;
  close(): Promise<void>;
}

/** Reported threshold of `msg_blocks_too_long` (sum of the text in a message's blocks); Slack's is about 12-13k. */
export const MESSAGE_BLOCK_TEXT_LIMIT = 12_000;

// ---------------------------------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly messages: string[] = [],
  ) {
    super(code);
  }
}

interface ChannelRecord {
  id: string;
  name: string;
  is_private: boolean;
  is_im: boolean;
  /** DM partner for is_im channels. */
  user?: string;
  created: number;
}

interface ResponseUrlRecord {
  id: string;
  url: string;
  context: ResponseUrlContext;
  createdAt: number;
  uses: number;
}

interface TriggerRecord {
  issuedAt: number;
  used: boolean;
}

interface HeldCall {
  run: () => void;
  drop: () => void;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const RESPONSE_URL_MAX_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;
const TRIGGER_TTL_MS = 3000;
const TS_BASE_SECONDS = 1_700_000_000;

/** Arguments that are never JSON even when they look like it. */
const TEXT_ARGS = new Set([
  'text',
  'markdown_text',
  'fallback',
  'title',
  'initial_comment',
  'content',
  'username',
  'icon_emoji',
  'icon_url',
  'query',
  'name',
  'private_metadata',
]);

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === 1 || v === '1';
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function randomId(len: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'): string {
  const bytes = randomBytes(len);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

function timeZoneInfo(tz: string, at = new Date()): { offset: number; label: string } {
  try {
    const seconds = Math.floor(at.getTime() / 1000) * 1000;
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'long',
    }).formatToParts(new Date(seconds));
    const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
    const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    const label = parts.find((p) => p.type === 'timeZoneName')?.value ?? tz;
    return { offset: Math.round((asUtc - seconds) / 1000), label };
  } catch {
    return { offset: 0, label: tz };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Block Kit checks (the limits in docs/SLACK-FACTS.md)
// ---------------------------------------------------------------------------------------------------------------

type Surface = 'message' | 'modal' | 'home';

class BlockChecker {
  readonly errors: string[] = [];

  private err(pointer: string, what: string): void {
    if (this.errors.length < 20) this.errors.push(`[ERROR] ${what} [json-pointer:${pointer}]`);
  }

  private maxLen(v: unknown, max: number, pointer: string): void {
    if (typeof v === 'string' && v.length > max) this.err(pointer, `must be less than ${max + 1} characters`);
  }

  textObject(t: unknown, pointer: string, max: number, plainOnly = false): void {
    if (!isObject(t)) {
      this.err(pointer, 'must be a text object');
      return;
    }
    if (t.type !== 'plain_text' && t.type !== 'mrkdwn') {
      this.err(`${pointer}/type`, 'must be plain_text or mrkdwn');
    } else if (plainOnly && t.type !== 'plain_text') {
      this.err(`${pointer}/type`, 'must be plain_text');
    }
    if (typeof t.text !== 'string') {
      this.err(`${pointer}/text`, 'missing required field: text');
    } else if (t.text.length === 0) {
      this.err(`${pointer}/text`, 'must be more than 0 characters');
    } else {
      this.maxLen(t.text, max, `${pointer}/text`);
    }
  }

  private options(options: unknown, pointer: string, max: number, min = 1): Json[] {
    if (!Array.isArray(options)) {
      this.err(pointer, 'must be an array');
      return [];
    }
    if (options.length < min) this.err(pointer, `must provide at least ${min} items`);
    if (options.length > max) this.err(pointer, `no more than ${max} items allowed`);
    const out: Json[] = [];
    options.forEach((o, i) => {
      const p = `${pointer}/${i}`;
      if (!isObject(o)) {
        this.err(p, 'must be an option object');
        return;
      }
      this.textObject(o.text, `${p}/text`, 75);
      if (typeof o.value !== 'string') this.err(`${p}/value`, 'missing required field: value');
      else this.maxLen(o.value, 150, `${p}/value`);
      if (o.description !== undefined) this.textObject(o.description, `${p}/description`, 75);
      out.push(o);
    });
    return out;
  }

  private sameOption(a: Json, b: Json): boolean {
    const at = isObject(a.text) ? a.text.text : undefined;
    const bt = isObject(b.text) ? b.text.text : undefined;
    return a.value === b.value && at === bt;
  }

  element(el: unknown, pointer: string): void {
    if (!isObject(el)) {
      this.err(pointer, 'must be an element object');
      return;
    }
    if (typeof el.type !== 'string') {
      this.err(`${pointer}/type`, 'missing required field: type');
      return;
    }
    if (el.action_id !== undefined) {
      if (typeof el.action_id !== 'string') this.err(`${pointer}/action_id`, 'must be a string');
      else this.maxLen(el.action_id, 255, `${pointer}/action_id`);
    }
    switch (el.type) {
      case 'button':
        this.textObject(el.text, `${pointer}/text`, 75, true);
        this.maxLen(el.value, 2000, `${pointer}/value`);
        this.maxLen(el.url, 3000, `${pointer}/url`);
        break;
      case 'checkboxes':
      case 'radio_buttons': {
        const opts = this.options(el.options, `${pointer}/options`, 10);
        const initial: unknown[] =
          el.type === 'checkboxes'
            ? Array.isArray(el.initial_options)
              ? el.initial_options
              : []
            : el.initial_option !== undefined
              ? [el.initial_option]
              : [];
        const key = el.type === 'checkboxes' ? 'initial_options' : 'initial_option';
        initial.forEach((o, i) => {
          const p = el.type === 'checkboxes' ? `${pointer}/${key}/${i}` : `${pointer}/${key}`;
          if (!isObject(o) || !opts.some((x) => this.sameOption(x, o))) {
            this.err(p, 'must match an option in options');
          }
        });
        break;
      }
      case 'static_select':
      case 'multi_static_select':
        if (el.options !== undefined) this.options(el.options, `${pointer}/options`, 100);
        if (Array.isArray(el.option_groups) && el.option_groups.length > 100) {
          this.err(`${pointer}/option_groups`, 'no more than 100 items allowed');
        }
        break;
      case 'overflow':
        this.options(el.options, `${pointer}/options`, 5);
        break;
      default:
        break;
    }
  }

  blocks(blocks: unknown, surface: Surface, pointer = '/blocks'): void {
    if (!Array.isArray(blocks)) {
      this.err(pointer, 'must be an array');
      return;
    }
    const max = surface === 'message' ? 50 : 100;
    if (blocks.length > max) this.err(pointer, `no more than ${max} items allowed`);
    const blockIds = new Set<string>();
    blocks.forEach((b, i) => {
      const p = `${pointer}/${i}`;
      if (!isObject(b)) {
        this.err(p, 'must be a block object');
        return;
      }
      if (typeof b.type !== 'string') {
        this.err(`${p}/type`, 'missing required field: type');
        return;
      }
      if (b.block_id !== undefined) {
        if (typeof b.block_id !== 'string') this.err(`${p}/block_id`, 'must be a string');
        else {
          this.maxLen(b.block_id, 255, `${p}/block_id`);
          if (blockIds.has(b.block_id)) this.err(`${p}/block_id`, `duplicate block_id "${b.block_id}"`);
          blockIds.add(b.block_id);
        }
      }
      switch (b.type) {
        case 'section':
          if (b.text === undefined && b.fields === undefined) this.err(p, 'must provide text or fields');
          if (b.text !== undefined) this.textObject(b.text, `${p}/text`, 3000);
          if (b.fields !== undefined) {
            if (!Array.isArray(b.fields)) this.err(`${p}/fields`, 'must be an array');
            else {
              if (b.fields.length > 10) this.err(`${p}/fields`, 'no more than 10 items allowed');
              b.fields.forEach((f, j) => this.textObject(f, `${p}/fields/${j}`, 2000));
            }
          }
          if (b.accessory !== undefined) this.element(b.accessory, `${p}/accessory`);
          break;
        case 'header':
          this.textObject(b.text, `${p}/text`, 150, true);
          break;
        case 'context':
          if (!Array.isArray(b.elements) || b.elements.length === 0) this.err(`${p}/elements`, 'must provide elements');
          else if (b.elements.length > 10) this.err(`${p}/elements`, 'no more than 10 items allowed');
          break;
        case 'actions': {
          if (!Array.isArray(b.elements) || b.elements.length === 0) {
            this.err(`${p}/elements`, 'must provide elements');
            break;
          }
          if (b.elements.length > 25) this.err(`${p}/elements`, 'no more than 25 items allowed');
          const actionIds = new Set<string>();
          b.elements.forEach((el, j) => {
            this.element(el, `${p}/elements/${j}`);
            if (isObject(el) && typeof el.action_id === 'string') {
              if (actionIds.has(el.action_id)) {
                this.err(`${p}/elements/${j}/action_id`, `duplicate action_id "${el.action_id}"`);
              }
              actionIds.add(el.action_id);
            }
          });
          break;
        }
        case 'input':
          this.textObject(b.label, `${p}/label`, 2000, true);
          this.element(b.element, `${p}/element`);
          break;
        default:
          break;
      }
    });
  }

  view(view: unknown): void {
    if (!isObject(view)) {
      this.err('/view', 'must be a view object');
      return;
    }
    if (view.type !== 'modal' && view.type !== 'home') {
      this.err('/view/type', 'must be modal or home');
      return;
    }
    this.blocks(view.blocks, view.type, '/view/blocks');
    this.maxLen(view.private_metadata, 3000, '/view/private_metadata');
    this.maxLen(view.callback_id, 255, '/view/callback_id');
    this.maxLen(view.external_id, 255, '/view/external_id');
    if (view.type === 'modal') {
      this.textObject(view.title, '/view/title', 24, true);
      if (view.submit !== undefined) this.textObject(view.submit, '/view/submit', 24, true);
      if (view.close !== undefined) this.textObject(view.close, '/view/close', 24, true);
      const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObject(b) && b.type === 'input');
      if (hasInput && view.submit === undefined) this.err('/view/submit', 'submit is required when an input block is in the view');
    }
  }
}

/** Total characters of text in Block Kit JSON (every `text` string of text objects and rich text). */
function blockTextLength(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + blockTextLength(x), 0);
  if (!isObject(v)) return 0;
  let n = 0;
  for (const [k, x] of Object.entries(v)) {
    if (k === 'text' && typeof x === 'string') n += x.length;
    else n += blockTextLength(x);
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------------------------

class FakeSlackServer implements FakeSlack {
  apiUrl = '';
  baseUrl = '';
  readonly calls: RecordedCall[] = [];

  private readonly server: Server;
  private readonly botUserId: string;
  private readonly botId: string;
  private readonly teamId: string;
  private readonly teamDomain: string;
  private readonly appId: string;
  private readonly validate: boolean;
  private readonly normalize: boolean;
  private readonly strictChannels: boolean;
  /** Users were configured: unknown user IDs are refused where Slack would refuse them. */
  private readonly strictUsers: boolean;
  private readonly users = new Map<string, FakeUser & { is_bot: boolean }>();
  private readonly usergroups = new Map<string, string[]>();
  private readonly channels = new Map<string, ChannelRecord>();

  private readonly msgs: FakeMessage[] = [];
  private readonly ephemeralList: FakeEphemeral[] = [];
  private readonly responseList: FakeResponse[] = [];
  private readonly viewMap = new Map<string, FakeView>();
  private readonly homeViewByUser = new Map<string, string>();
  private readonly responseUrls = new Map<string, ResponseUrlRecord>();
  private readonly triggers = new Map<string, TriggerRecord>();

  private readonly held = new Map<string, HeldCall[]>();
  private readonly failures = new Map<string, string[]>();
  private readonly listeners = new Set<() => void>();

  private seq = 0;
  private tsCounter = 0;
  private viewCounter = 0;
  private channelCounter = 0;
  private closed = false;

  constructor(opts: FakeSlackOptions) {
    this.botUserId = opts.botUserId ?? 'U0PREFLIGHT';
    this.botId = opts.botId ?? 'B0PREFLIGHT';
    this.teamId = opts.teamId ?? 'T0PREFLIGHT';
    this.teamDomain = opts.teamDomain ?? 'preflight-test';
    this.appId = opts.appId ?? 'A0PREFLIGHT';
    this.validate = opts.validateBlocks ?? true;
    this.normalize = opts.normalizeBlocks ?? true;
    this.strictChannels = opts.channels !== undefined && opts.channels.length > 0;
    this.strictUsers = opts.users !== undefined && opts.users.length > 0;
    for (const u of opts.users ?? []) this.users.set(u.id, { ...u, is_bot: false });
    if (!this.users.has(this.botUserId)) {
      this.users.set(this.botUserId, { id: this.botUserId, name: 'preflight', real_name: 'Preflight', is_bot: true });
    }
    for (const [id, members] of Object.entries(opts.usergroups ?? {})) this.usergroups.set(id, [...members]);
    for (const c of opts.channels ?? []) {
      this.channels.set(c.id, {
        id: c.id,
        name: c.name,
        is_private: c.is_private ?? false,
        is_im: c.id.startsWith('D'),
        created: TS_BASE_SECONDS,
      });
    }
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        // Never crash the server: answer what Slack answers when something breaks on its side.
        this.sendJson(res, 200, { ok: false, error: 'fatal_error', detail: String(err) });
      });
    });
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const { port: actual } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${actual}`;
    this.apiUrl = `${this.baseUrl}/api/`;
  }

  // ----- inspection ------------------------------------------------------------------------------------------

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  message(channel: string, ts: string): FakeMessage | undefined {
    const m = this.findMessage(channel, ts);
    return m ? clone(m) : undefined;
  }

  messages(channel?: string): FakeMessage[] {
    return this.msgs.filter((m) => channel === undefined || m.channel === channel).map((m) => clone(m));
  }

  responseUrl(context: ResponseUrlContext = {}): string {
    const id = randomBytes(12).toString('hex');
    const url = `${this.baseUrl}/respond/${id}`;
    this.responseUrls.set(id, { id, url, context: { ...context }, createdAt: Date.now(), uses: 0 });
    return url;
  }

  responses(url?: string): FakeResponse[] {
    return this.responseList.filter((r) => url === undefined || r.url === url).map((r) => clone(r));
  }

  ephemerals(): FakeEphemeral[] {
    return this.ephemeralList.map((e) => clone(e));
  }

  views(): FakeView[] {
    return [...this.viewMap.values()].map((v) => clone(v));
  }

  triggerId(): string {
    const id = `${Date.now()}.${Math.floor(Math.random() * 1e10)}.${randomBytes(16).toString('hex')}`;
    this.triggers.set(id, { issuedAt: Date.now(), used: false });
    return id;
  }

  // ----- steering --------------------------------------------------------------------------------------------

  hold(method: string): void {
    if (!this.held.has(method)) this.held.set(method, []);
  }

  release(method: string): void {
    const queue = this.held.get(method);
    this.held.delete(method);
    for (const call of queue ?? []) call.run();
  }

  pending(method: string): number {
    return this.held.get(method)?.length ?? 0;
  }

  failNext(method: string, error: string): void {
    const queue = this.failures.get(method) ?? [];
    queue.push(error);
    this.failures.set(method, queue);
  }

  waitFor<T>(check: () => T | undefined | null | false, opts: { timeoutMs?: number; what?: string } = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? 2000;
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const listener = (): void => {
        let value: T | undefined | null | false;
        try {
          value = check();
        } catch (err) {
          this.listeners.delete(listener);
          clearTimeout(timer);
          reject(err);
          return;
        }
        if (value !== undefined && value !== null && value !== false) {
          this.listeners.delete(listener);
          clearTimeout(timer);
          resolve(value);
        }
      };
      timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`fake Slack: waitFor${opts.what ? ` (${opts.what})` : ''} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.listeners.add(listener);
      listener();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const queue of this.held.values()) for (const call of queue) call.drop();
    this.held.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ----- HTTP ------------------------------------------------------------------------------------------------

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private sendJson(res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent || res.destroyed || res.writableEnded) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private sendText(res: ServerResponse, status: number, text: string): void {
    if (res.headersSent || res.destroyed || res.writableEnded) return;
    res.writeHead(status, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private readBody(req: IncomingMessage): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) tooLarge = true;
        else chunks.push(chunk);
      });
      req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (req.method === 'GET' && (path === '/api/_state' || path === '/_state')) {
      this.sendJson(res, 200, this.stateDump());
      return;
    }
    if (path.startsWith('/api/')) {
      await this.handleApi(req, res, url);
      return;
    }
    if (path.startsWith('/respond/')) {
      await this.handleResponseUrl(req, res, path.slice('/respond/'.length));
      return;
    }
    this.sendText(res, 404, 'not_found');
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let method: string;
    try {
      method = decodeURIComponent(url.pathname.slice('/api/'.length));
    } catch {
      method = url.pathname.slice('/api/'.length);
    }
    const raw = await this.readBody(req);
    if (raw === undefined) {
      this.sendJson(res, 413, { ok: false, error: 'request_too_large' });
      return;
    }
    let args: Json = {};
    let parseError: string | undefined;
    for (const [k, v] of url.searchParams) args[k] = v;
    if (req.method === 'POST' && raw.length > 0) {
      const contentType = (req.headers['content-type'] ?? '').toLowerCase();
      try {
        if (contentType.startsWith('application/json')) {
          const parsed: unknown = JSON.parse(raw.toString('utf8'));
          if (!isObject(parsed)) parseError = 'invalid_json';
          else args = { ...args, ...parsed };
        } else if (contentType.startsWith('multipart/form-data')) {
          const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
          for (const [k, v] of form) args[k] = typeof v === 'string' ? v : { filename: v.name, size: v.size };
        } else {
          for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) args[k] = v;
        }
      } catch {
        parseError = contentType.startsWith('application/json') ? 'invalid_json' : 'invalid_form_data';
      }
    }
    args = this.decodeArgs(args);
    const auth = req.headers.authorization;
    const bearer = auth?.match(/^Bearer\s+(\S+)/i)?.[1];
    const token = bearer ?? str(args.token) ?? undefined;
    delete args.token;

    const call: RecordedCall = { method, args, token: token === '' ? undefined : token, seq: ++this.seq };
    this.calls.push(call);
    this.changed();

    const run = (): void => {
      let body: Json;
      try {
        body = this.process(call, parseError);
      } catch (err) {
        body =
          err instanceof SlackApiError
            ? {
                ok: false,
                error: err.code,
                ...(err.messages.length > 0 ? { response_metadata: { messages: err.messages } } : {}),
              }
            : { ok: false, error: 'fatal_error' };
      }
      this.sendJson(res, 200, body);
      this.changed();
    };
    const queue = this.held.get(method);
    if (queue) {
      queue.push({ run, drop: () => res.destroy() });
      this.changed();
    } else {
      run();
    }
  }

  /** Parse the arguments the client JSON-encoded. */
  private decodeArgs(args: Json): Json {
    const out: Json = {};
    for (const [k, v] of Object.entries(args)) {
      if (typeof v === 'string' && !TEXT_ARGS.has(k) && /^\s*[[{]/.test(v)) {
        try {
          const parsed: unknown = JSON.parse(v);
          out[k] = typeof parsed === 'object' && parsed !== null ? parsed : v;
          continue;
        } catch {
          // not JSON after all: keep the string
        }
      }
      out[k] = v;
    }
    return out;
  }

  private process(call: RecordedCall, parseError: string | undefined): Json {
    const failures = this.failures.get(call.method);
    const failure = failures?.shift();
    if (failures && failures.length === 0) this.failures.delete(call.method);
    if (failure !== undefined) throw new SlackApiError(failure);
    if (parseError) throw new SlackApiError(parseError);
    if (!call.token) throw new SlackApiError('not_authed');
    const a = call.args;
    switch (call.method) {
      case 'auth.test':
        return {
          ok: true,
          url: `https://${this.teamDomain}.slack.com/`,
          team: 'Preflight Test',
          user: this.users.get(this.botUserId)?.name ?? 'preflight',
          team_id: this.teamId,
          user_id: this.botUserId,
          bot_id: this.botId,
          is_enterprise_install: false,
        };
      case 'chat.postMessage':
        return this.postMessage(a);
      case 'chat.update':
        return this.updateMessage(a);
      case 'chat.postEphemeral':
        return this.postEphemeral(a);
      case 'chat.getPermalink':
        return this.getPermalink(a);
      case 'views.open':
        return this.openView(a, 'views.open');
      case 'views.push':
        return this.openView(a, 'views.push');
      case 'views.update':
        return this.updateView(a);
      case 'views.publish':
        return this.publishView(a);
      case 'users.info':
        return this.usersInfo(a);
      case 'usergroups.users.list': {
        const members = this.usergroups.get(str(a.usergroup) ?? '');
        if (!members) throw new SlackApiError('no_such_subteam');
        return { ok: true, users: [...members] };
      }
      case 'conversations.info': {
        const id = str(a.channel);
        if (!id) throw new SlackApiError('channel_not_found');
        return { ok: true, channel: this.channelObject(this.resolveChannel(id)) };
      }
      case 'conversations.open': {
        const users = (str(a.users) ?? '').split(',').map((u) => u.trim()).filter(Boolean);
        const first = users[0];
        if (!first) throw new SlackApiError('users_list_not_supplied');
        if (users.length > 1) throw new SlackApiError('not_supported', ['[ERROR] the fake opens 1:1 DMs only']);
        const ch = this.resolveChannel(first);
        return { ok: true, channel: { id: ch.id } };
      }
      default:
        throw new SlackApiError('unknown_method');
    }
  }

  // ----- channels, users -------------------------------------------------------------------------------------

  private resolveChannel(ref: string): ChannelRecord {
    const existing = this.channels.get(ref);
    if (existing) return existing;
    if (/^[UW][A-Z0-9]+$/.test(ref)) {
      if (this.strictChannels && !this.users.has(ref)) throw new SlackApiError('channel_not_found');
      return this.dmWith(ref);
    }
    if (ref.startsWith('#') || !/^[CGD][A-Z0-9]+$/.test(ref)) {
      const name = ref.replace(/^#/, '');
      for (const c of this.channels.values()) if (!c.is_im && c.name === name) return c;
      if (this.strictChannels) throw new SlackApiError('channel_not_found');
      const id = `C0FAKE${String(++this.channelCounter).padStart(4, '0')}`;
      const created: ChannelRecord = { id, name, is_private: false, is_im: false, created: TS_BASE_SECONDS };
      this.channels.set(id, created);
      return created;
    }
    if (this.strictChannels) throw new SlackApiError('channel_not_found');
    const created: ChannelRecord = {
      id: ref,
      name: ref.toLowerCase(),
      is_private: false,
      is_im: ref.startsWith('D'),
      created: TS_BASE_SECONDS,
    };
    this.channels.set(ref, created);
    return created;
  }

  private dmWith(userId: string): ChannelRecord {
    const id = `D${userId.slice(1)}`;
    const existing = this.channels.get(id);
    if (existing) return existing;
    const created: ChannelRecord = { id, name: userId, is_private: true, is_im: true, user: userId, created: TS_BASE_SECONDS };
    this.channels.set(id, created);
    return created;
  }

  private channelObject(c: ChannelRecord): Json {
    if (c.is_im) {
      return {
        id: c.id,
        created: c.created,
        is_archived: false,
        is_im: true,
        is_org_shared: false,
        context_team_id: this.teamId,
        updated: c.created * 1000,
        user: c.user ?? '',
        is_user_deleted: false,
        priority: 0,
      };
    }
    return {
      id: c.id,
      name: c.name,
      is_channel: true,
      is_group: false,
      is_im: false,
      is_mpim: false,
      is_private: c.is_private,
      created: c.created,
      is_archived: false,
      is_general: c.name === 'general',
      unlinked: 0,
      name_normalized: c.name,
      is_shared: false,
      is_org_shared: false,
      is_pending_ext_shared: false,
      pending_shared: [],
      context_team_id: this.teamId,
      updated: c.created * 1000,
      parent_conversation: null,
      creator: this.botUserId,
      is_ext_shared: false,
      shared_team_ids: [this.teamId],
      pending_connected_team_ids: [],
      is_member: true,
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
      previous_names: [],
    };
  }

  private usersInfo(a: Json): Json {
    const u = this.users.get(str(a.user) ?? '');
    if (!u) throw new SlackApiError('user_not_found');
    const tz = u.tz ?? 'America/Los_Angeles';
    const { offset, label } = timeZoneInfo(tz);
    const realName = u.real_name ?? u.name;
    return {
      ok: true,
      user: {
        id: u.id,
        team_id: this.teamId,
        name: u.name,
        deleted: false,
        color: '9f69e7',
        real_name: realName,
        tz,
        tz_label: label,
        tz_offset: offset,
        profile: {
          real_name: realName,
          real_name_normalized: realName,
          display_name: u.is_bot ? '' : u.name,
          display_name_normalized: u.is_bot ? '' : u.name,
          team: this.teamId,
          ...(u.is_bot ? { bot_id: this.botId, api_app_id: this.appId, always_active: true } : {}),
        },
        is_admin: false,
        is_owner: false,
        is_primary_owner: false,
        is_restricted: false,
        is_ultra_restricted: false,
        is_bot: u.is_bot,
        is_app_user: false,
        updated: TS_BASE_SECONDS,
      },
    };
  }

  // ----- messages --------------------------------------------------------------------------------------------

  private nextTs(): string {
    const micros = ++this.tsCounter * 100;
    const seconds = TS_BASE_SECONDS + Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  private findMessage(channel: string, ts: string): FakeMessage | undefined {
    return this.msgs.find((m) => m.channel === channel && m.ts === ts);
  }

  private checkMessageBlocks(blocks: unknown): void {
    if (!this.validate || blocks === undefined) return;
    const checker = new BlockChecker();
    checker.blocks(blocks, 'message');
    if (checker.errors.length > 0) throw new SlackApiError('invalid_blocks', checker.errors);
    if (blockTextLength(blocks) > MESSAGE_BLOCK_TEXT_LIMIT) throw new SlackApiError('msg_blocks_too_long');
  }

  /** Store blocks the way Slack returns them. */
  private normalizeBlocks(blocks: unknown): any[] {
    if (!Array.isArray(blocks)) return [];
    const copy = clone(blocks) as unknown[];
    if (!this.normalize) return copy;
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) {
        for (const x of v) walk(x);
        return;
      }
      if (!isObject(v)) return;
      if (v.type === 'plain_text' && typeof v.text === 'string' && v.emoji === undefined) v.emoji = true;
      if (v.type === 'mrkdwn' && typeof v.text === 'string' && v.verbatim === undefined) v.verbatim = false;
      for (const x of Object.values(v)) walk(x);
    };
    for (const b of copy) {
      if (isObject(b) && b.block_id === undefined) b.block_id = randomId(5, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=');
    }
    walk(copy);
    return copy;
  }

  private messageJson(m: FakeMessage): Json {
    return {
      user: m.user,
      type: 'message',
      ts: m.ts,
      bot_id: m.bot_id,
      app_id: this.appId,
      text: m.text ?? '',
      team: this.teamId,
      blocks: clone(m.blocks),
      ...(m.thread_ts ? { thread_ts: m.thread_ts, parent_user_id: this.parentUser(m) } : {}),
    };
  }

  private parentUser(m: FakeMessage): string {
    return (m.thread_ts && this.findMessage(m.channel, m.thread_ts)?.user) || this.botUserId;
  }

  private storeMessage(channel: string, text: string | undefined, blocks: unknown, threadTs: string | undefined): FakeMessage {
    const m: FakeMessage = {
      channel,
      ts: this.nextTs(),
      ...(threadTs ? { thread_ts: threadTs } : {}),
      ...(text !== undefined ? { text } : {}),
      blocks: this.normalizeBlocks(blocks),
      user: this.botUserId,
      updates: 0,
      bot_id: this.botId,
    };
    this.msgs.push(m);
    return m;
  }

  private postMessage(a: Json): Json {
    const ref = str(a.channel);
    if (!ref) throw new SlackApiError('channel_not_found');
    const ch = this.resolveChannel(ref);
    const text = str(a.text);
    if (!text && a.blocks === undefined && a.attachments === undefined) throw new SlackApiError('no_text');
    if (text && text.length > 40_000) throw new SlackApiError('msg_too_long');
    this.checkMessageBlocks(a.blocks);
    const m = this.storeMessage(ch.id, text, a.blocks, str(a.thread_ts));
    return { ok: true, channel: ch.id, ts: m.ts, message: this.messageJson(m) };
  }

  private updateMessage(a: Json): Json {
    const ref = str(a.channel);
    const ts = str(a.ts);
    if (!ref) throw new SlackApiError('channel_not_found');
    const ch = this.resolveChannel(ref);
    const m = ts ? this.findMessage(ch.id, ts) : undefined;
    if (!m || m.deleted) throw new SlackApiError('message_not_found');
    const text = str(a.text);
    if (text && text.length > 40_000) throw new SlackApiError('msg_too_long');
    this.checkMessageBlocks(a.blocks);
    // Slack: blocks replace the old ones; text without blocks drops the old blocks; neither keeps them.
    if (a.blocks !== undefined) m.blocks = this.normalizeBlocks(a.blocks);
    else if (text !== undefined) m.blocks = [];
    if (text !== undefined) m.text = text;
    m.updates += 1;
    const message = this.messageJson(m);
    delete message.ts;
    return { ok: true, channel: ch.id, ts: m.ts, text: m.text ?? '', message };
  }

  private postEphemeral(a: Json): Json {
    const ref = str(a.channel);
    const user = str(a.user);
    if (!ref) throw new SlackApiError('channel_not_found');
    const ch = this.resolveChannel(ref);
    if (!user) throw new SlackApiError('user_not_found');
    if (this.strictUsers && !this.users.has(user)) throw new SlackApiError('user_not_found');
    const text = str(a.text);
    if (!text && a.blocks === undefined && a.attachments === undefined) throw new SlackApiError('no_text');
    this.checkMessageBlocks(a.blocks);
    const messageTs = this.nextTs();
    this.ephemeralList.push({
      channel: ch.id,
      user,
      ...(text !== undefined ? { text } : {}),
      ...(a.blocks !== undefined ? { blocks: this.normalizeBlocks(a.blocks) } : {}),
      via: 'chat.postEphemeral',
      message_ts: messageTs,
    });
    return { ok: true, message_ts: messageTs };
  }

  private getPermalink(a: Json): Json {
    const ref = str(a.channel);
    const ts = str(a.message_ts);
    if (!ref) throw new SlackApiError('channel_not_found');
    const ch = this.resolveChannel(ref);
    const m = ts ? this.findMessage(ch.id, ts) : undefined;
    if (!m || m.deleted) throw new SlackApiError('message_not_found');
    const base = `https://${this.teamDomain}.slack.com/archives/${ch.id}/p${m.ts.replace('.', '')}`;
    const permalink = m.thread_ts && m.thread_ts !== m.ts ? `${base}?thread_ts=${m.thread_ts}&cid=${ch.id}` : base;
    return { ok: true, channel: ch.id, permalink };
  }

  // ----- views -----------------------------------------------------------------------------------------------

  private checkView(view: unknown, type: 'modal' | 'home'): Json {
    if (!isObject(view)) throw new SlackApiError('invalid_arguments', ['[ERROR] missing required field: view [json-pointer:/view]']);
    if (view.type !== type) {
      throw new SlackApiError('invalid_arguments', [`[ERROR] must be ${type} [json-pointer:/view/type]`]);
    }
    if (this.validate) {
      const checker = new BlockChecker();
      checker.view(view);
      if (checker.errors.length > 0) throw new SlackApiError('invalid_arguments', checker.errors);
    }
    return view;
  }

  private useTrigger(a: Json): string {
    const trigger = str(a.trigger_id) ?? str(a.interactivity_pointer);
    if (!trigger) {
      throw new SlackApiError('invalid_arguments', ['[ERROR] missing required field: trigger_id [json-pointer:/trigger_id]']);
    }
    const issued = this.triggers.get(trigger);
    if (issued) {
      if (issued.used) throw new SlackApiError('exchanged_trigger_id');
      if (Date.now() - issued.issuedAt > TRIGGER_TTL_MS) throw new SlackApiError('expired_trigger_id');
      issued.used = true;
    }
    return trigger;
  }

  private newViewId(): string {
    return `V0FAKE${String(++this.viewCounter).padStart(5, '0')}`;
  }

  private newHash(): string {
    return `${Math.floor(Date.now() / 1000)}.${randomBytes(4).readUInt32BE(0)}`;
  }

  private viewJson(input: Json, id: string, extra: { root?: string; previous?: string | null; state?: unknown }): Json {
    return {
      id,
      team_id: this.teamId,
      type: input.type,
      blocks: this.normalizeBlocks(input.blocks),
      private_metadata: str(input.private_metadata) ?? '',
      callback_id: str(input.callback_id) ?? '',
      state: extra.state ?? { values: {} },
      hash: this.newHash(),
      title: input.title ?? null,
      clear_on_close: truthy(input.clear_on_close),
      notify_on_close: truthy(input.notify_on_close),
      close: input.close ?? null,
      submit: input.submit ?? null,
      previous_view_id: extra.previous ?? null,
      root_view_id: extra.root ?? id,
      app_id: this.appId,
      external_id: str(input.external_id) ?? '',
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
    };
  }

  private openView(a: Json, method: 'views.open' | 'views.push'): Json {
    const trigger = this.useTrigger(a);
    const input = this.checkView(a.view, 'modal');
    this.checkExternalId(input, undefined);
    const id = this.newViewId();
    const view = this.viewJson(input, id, {});
    this.viewMap.set(id, { id, view, trigger_id: trigger, method });
    return { ok: true, view: clone(view) };
  }

  private checkExternalId(input: Json, ownId: string | undefined): void {
    const ext = str(input.external_id);
    if (!ext) return;
    for (const v of this.viewMap.values()) {
      if (v.id !== ownId && v.view.external_id === ext) throw new SlackApiError('duplicate_external_id');
    }
  }

  private updateView(a: Json): Json {
    const viewId = str(a.view_id);
    const externalId = str(a.external_id);
    if (!viewId && !externalId) {
      throw new SlackApiError('invalid_arguments', ['[ERROR] either view_id or external_id is required']);
    }
    const record = viewId
      ? this.viewMap.get(viewId)
      : [...this.viewMap.values()].find((v) => v.view.external_id === externalId);
    if (!record) throw new SlackApiError('not_found');
    const hash = str(a.hash);
    if (hash && hash !== record.view.hash) throw new SlackApiError('hash_conflict');
    const input = this.checkView(a.view, record.view.type === 'home' ? 'home' : 'modal');
    this.checkExternalId(input, record.id);
    record.view = this.viewJson(input, record.id, {
      root: record.view.root_view_id,
      previous: record.view.previous_view_id,
    });
    return { ok: true, view: clone(record.view) };
  }

  private publishView(a: Json): Json {
    const userId = str(a.user_id);
    if (!userId) throw new SlackApiError('invalid_arguments', ['[ERROR] missing required field: user_id']);
    if (this.strictUsers && !this.users.has(userId)) throw new SlackApiError('user_not_found');
    const input = this.checkView(a.view, 'home');
    const existingId = this.homeViewByUser.get(userId);
    const existing = existingId ? this.viewMap.get(existingId) : undefined;
    const hash = str(a.hash);
    if (existing && hash && hash !== existing.view.hash) throw new SlackApiError('hash_conflict');
    const id = existing?.id ?? this.newViewId();
    const view = this.viewJson(input, id, {});
    this.viewMap.set(id, { id, view, user_id: userId, method: 'views.publish' });
    this.homeViewByUser.set(userId, id);
    return { ok: true, view: clone(view) };
  }

  // ----- response_url ----------------------------------------------------------------------------------------

  private async handleResponseUrl(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const raw = await this.readBody(req);
    if (req.method !== 'POST') {
      this.sendText(res, 405, 'method_not_allowed');
      return;
    }
    if (raw === undefined) {
      this.sendText(res, 413, 'request_too_large');
      return;
    }
    const record = this.responseUrls.get(id);
    if (!record || Date.now() - record.createdAt > RESPONSE_URL_TTL_MS) {
      this.sendText(res, 404, 'expired_url');
      return;
    }
    if (record.uses >= RESPONSE_URL_MAX_USES) {
      this.sendText(res, 404, 'used_url');
      return;
    }
    let body: unknown;
    try {
      const text = raw.toString('utf8');
      const contentType = (req.headers['content-type'] ?? '').toLowerCase();
      if (contentType.startsWith('application/x-www-form-urlencoded')) {
        body = JSON.parse(new URLSearchParams(text).get('payload') ?? '');
      } else {
        body = JSON.parse(text);
      }
    } catch {
      this.sendText(res, 400, 'invalid_payload');
      return;
    }
    if (!isObject(body)) {
      this.sendText(res, 400, 'invalid_payload');
      return;
    }
    const deleteOriginal = truthy(body.delete_original);
    if (!deleteOriginal && !str(body.text) && body.blocks === undefined && body.attachments === undefined) {
      this.sendText(res, 400, 'no_text');
      return;
    }
    if (this.validate && body.blocks !== undefined) {
      const checker = new BlockChecker();
      checker.blocks(body.blocks, 'message');
      if (checker.errors.length > 0 || blockTextLength(body.blocks) > MESSAGE_BLOCK_TEXT_LIMIT) {
        this.sendText(res, 400, 'invalid_blocks');
        return;
      }
    }
    record.uses += 1;
    this.responseList.push({ url: record.url, body: clone(body) });
    this.applyResponse(record.context, body);
    this.sendText(res, 200, 'ok');
    this.changed();
  }

  private applyResponse(ctx: ResponseUrlContext, body: Json): void {
    const original = ctx.channel && ctx.messageTs ? this.findMessage(ctx.channel, ctx.messageTs) : undefined;
    const text = str(body.text);
    if (truthy(body.delete_original)) {
      if (original) original.deleted = true;
      return;
    }
    if (truthy(body.replace_original)) {
      if (original) {
        if (body.blocks !== undefined) original.blocks = this.normalizeBlocks(body.blocks);
        else if (text !== undefined) original.blocks = [];
        if (text !== undefined) original.text = text;
        original.updates += 1;
      }
      return;
    }
    if (body.response_type === 'in_channel') {
      if (ctx.channel) this.storeMessage(ctx.channel, text, body.blocks, str(body.thread_ts));
      return;
    }
    this.ephemeralList.push({
      channel: ctx.channel ?? '',
      user: ctx.user ?? '',
      ...(text !== undefined ? { text } : {}),
      ...(body.blocks !== undefined ? { blocks: this.normalizeBlocks(body.blocks) } : {}),
      via: 'response_url',
    });
  }

  // ----- debugging -------------------------------------------------------------------------------------------

  private stateDump(): Json {
    const held: Record<string, number> = {};
    for (const [method, queue] of this.held) held[method] = queue.length;
    return {
      ok: true,
      apiUrl: this.apiUrl,
      team_id: this.teamId,
      bot_user_id: this.botUserId,
      calls: this.calls.map((c) => ({ ...c, token: c.token ? `${c.token.slice(0, 5)}...` : undefined })),
      messages: this.msgs,
      ephemerals: this.ephemeralList,
      responses: this.responseList,
      views: [...this.viewMap.values()],
      held,
    };
  }
}

/** Start a fake Slack Web API server on 127.0.0.1. Close it with `close()`. */
export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const fake = new FakeSlackServer(opts);
  await fake.listen(opts.port ?? 0);
  return fake;
}
