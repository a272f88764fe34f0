/** The fake's public types: its options, what it records, and the `FakeSlack` handle a test steers it with. */
import type { RateLimitConfig } from './rate-limits.js';
import type { FakeSocketMode, SocketModeOptions } from './socket-mode.js';
import type { FakeSlackSnapshot } from './snapshot.js';

export type { FakeSlackSnapshot } from './snapshot.js';

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
  /**
   * Channels where every chat.postMessage is refused with the given error, as Slack refuses a bot that is not a
   * member (`{ C0GONE: 'not_in_channel' }`), an archived channel (`is_archived`)... Other channels are unaffected.
   */
  refuse?: Record<string, string>;
  /** Refuse payloads beyond Block Kit limits like Slack does (default true). */
  validateBlocks?: boolean;
  /** Store blocks the way Slack returns them (generated block_ids, emoji/verbatim flags); default true. */
  normalizeBlocks?: boolean;
  /**
   * Enforce Slack's rate limits (see rate-limits.ts): false none, true DEFAULT_RATE_LIMITS, an object
   * DEFAULT_RATE_LIMITS with its changes. Unset: RATE_LIMITS_ON_BY_DEFAULT (true).
   */
  rateLimits?: boolean | Partial<RateLimitConfig>;
  /**
   * The fake's time in epoch milliseconds, read on every use: rate limit buckets refill on it, trigger_ids and
   * response_urls expire on it. Default Date.now. A test steps it instead of sleeping.
   */
  clock?: () => number;
  /** Start from this state (a `snapshot()` of an earlier fake), as a restarted workspace would (the playground). */
  restore?: FakeSlackSnapshot;
  /** Socket Mode's timings and retries (socket-mode.ts): Slack's by default. */
  socketMode?: SocketModeOptions;
}

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  token: string | undefined;
  /** 1-based arrival order, shared by all methods. */
  seq: number;
  /** Set when the call was refused with HTTP 429 (rate limits); the method never ran. */
  rateLimited?: true;
  /** The Retry-After (seconds) the refused call was given. */
  retryAfter?: number;
  /** The call was carried out but its answer was dropped (`loseNextAnswer`, or a fault with `apply`). */
  answerLost?: true;
  /** The fault (`faults.set`) this call was answered with instead of (or, with `apply`, after) running. */
  fault?: FakeFaultKind;
  /** The JSON body it was answered with (HTTP 200), once answered: `{ ok: false, error, response_metadata }` for a refusal. */
  answer?: Record<string, unknown>;
}

/**
 * How a misbehaving Slack answers a call (`FakeSlack.faults`):
 * - `429`: HTTP 429, `Retry-After: <retryAfter>`, `{"ok":false,"error":"ratelimited"}` (as a rate limit; the call is
 *   recorded `rateLimited` with its `retryAfter`, and counted by `rateLimitedCount`). On views.open this is how Slack
 *   refuses a modal when the app is over its limit.
 * - `500`: HTTP 500 `{"ok":false,"error":"internal_error"}`, as Slack's own failures look.
 * - `timeout`: the request hangs `hangMs`, then the connection is dropped without an answer: past the client's
 *   timeout (the bot's WebClient gives up after 15 s), so the caller sees a timeout, or a reset if it waits longer.
 */
export type FakeFaultKind = '429' | '500' | 'timeout';

export interface FakeFault {
  kind: FakeFaultKind;
  /** How many calls it answers, then it is spent; default every call until `clear`. */
  count?: number;
  /** For `429`: the Retry-After in whole seconds; default 1. */
  retryAfter?: number;
  /** For `timeout`: how long the request hangs before its connection is dropped; default 20 s (past the bot's 15 s). */
  hangMs?: number;
  /**
   * For `500` and `timeout`: carry the call out first (a post is stored), then answer the fault: Slack did the work
   * and the caller cannot know. Default false: the method never runs (a 429 never runs). A function decides per call
   * (say, only posts with metadata: the outbox's, which look before posting again).
   */
  apply?: boolean | ((call: RecordedCall) => boolean);
  /** Only calls this accepts (their arguments as decoded) get the fault, and only they spend `count`; default all. */
  when?: (call: RecordedCall) => boolean;
}

/**
 * Faults to answer a method's calls with (a misbehaving Slack), checked when a call is processed (a held call at its
 * release), before the rate limits and `failNext`. One fault per method at a time; `set` replaces it.
 */
export interface FakeFaults {
  set(method: string, fault: FakeFault): void;
  /** Stop answering faults (for one method, or for all). Calls already hanging still hang until their `hangMs`. */
  clear(method?: string): void;
  /** The calls answered with a fault so far (of one method, or of all), by kind. */
  count(method?: string): Record<FakeFaultKind, number>;
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
  /** A thread reply posted with `reply_broadcast`: shown in the channel too. */
  reply_broadcast?: boolean;
  /** Set when a response_url post said delete_original. */
  deleted?: boolean;
  /** The `metadata` it was posted with (returned by conversations.history/replies with include_all_metadata). */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  /** Files shared by this message (files.completeUploadExternal), as Slack lists them in a message. */
  files?: Array<{ id: string; name: string; title: string; size: number; mimetype: string }>;
}

/** A file uploaded through files.getUploadURLExternal, its upload URL and files.completeUploadExternal. */
export interface FakeFile {
  id: string;
  filename: string;
  /** The `length` files.getUploadURLExternal was given. */
  length: number;
  /** Its title, from files.completeUploadExternal (the filename until then). */
  title: string;
  /** The bytes POSTed to its upload URL; undefined until they arrive. */
  bytes?: Buffer;
  /** files.completeUploadExternal finished it (once only). */
  completed: boolean;
  /** Set once files.completeUploadExternal shared it: where, and the message that shows it. */
  channel?: string;
  thread_ts?: string;
  message_ts?: string;
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
  /** Socket Mode (socket-mode.ts): connections, envelopes and their acks, disconnects. */
  socketMode: FakeSocketMode;
  /** Faults to answer calls with: 429 with Retry-After, 500, timeouts (see FakeFault). */
  faults: FakeFaults;
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
  /**
   * The next call of method that runs answers HTTP 200 { ok: false, error } (queued when called several times).
   * A platform error, not a rate limit: a call refused with 429 does not use it up.
   */
  failNext(method: string, error: string): void;
  /**
   * The next call of method that runs is carried out (a post is stored), but its answer never arrives: the connection
   * is closed instead, as when a request times out after Slack took it. Queued when called several times.
   */
  loseNextAnswer(method: string): void;
  /** Files uploaded (files.getUploadURLExternal, its upload URL, files.completeUploadExternal), in upload order (copies). */
  files(): FakeFile[];
  /** The bytes POSTed for a file, as UTF-8 text (undefined when none arrived): what a test reads back of an upload. */
  fileText(id: string): string | undefined;
  /** Set a user group's members (usergroups.users.list answers them from now on); creates the group if new. */
  setUsergroup(id: string, members: readonly string[]): void;
  /** Store a message as if the bot had posted it (with metadata, say), without a Web API call. Returns its ts. */
  storeMessage(channel: string, m: { text: string; threadTs?: string; metadata?: FakeMessage['metadata'] }): string;
  /** How many calls (of one method, or of all) were refused with HTTP 429 so far. */
  rateLimitedCount(method?: string): number;
  /** Fill every rate limit bucket again (the calls already refused stay recorded). */
  resetRateLimits(): void;
  /** Calls `listener` after every change of the fake's state (as waitFor checks); returns a function that stops it. */
  onChange(listener: () => void): () => void;
  /** The workspace state as JSON (messages, ephemerals, views, channels...), to start a later fake with (`restore`). */
  snapshot(): FakeSlackSnapshot;
  /**
   * Resolves with the first truthy value of check(), evaluated now and after every change of the fake's state
   * (a call arriving or being answered, a response_url post). Rejects after timeoutMs (default 2000).
   */
  waitFor<T>(check: () => T | undefined | null | false, opts?: { timeoutMs?: number; what?: string }): Promise<T>;
  close(): Promise<void>;
}

