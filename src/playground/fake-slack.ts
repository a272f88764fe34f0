/**
 * A fake Slack Web API server on loopback, for end-to-end tests and the local playground.
 *
 * Point a Bolt app (or any `WebClient`) at it with `clientOptions: { slackApiUrl: fake.apiUrl }`. It answers the
 * methods Preflight uses with Slack's own response shapes, keeps the state those calls create (messages, ephemerals,
 * views, response_url posts) and lets a test steer it: hold a method to simulate a slow Slack, make the next call of a
 * method fail, enforce Slack's rate limits on a clock the test steps, wait until some state appears.
 *
 * Wire behaviour, as the real Web API:
 * - `POST /api/<method>` (GET with a query string works too), form-encoded or JSON, token in `Authorization: Bearer`
 *   (or a `token` argument). No token answers `not_authed`; any non-empty token is accepted.
 * - Arguments that the client JSON-encodes (`blocks`, `view`, `attachments`, `metadata`, ...) are parsed back into
 *   objects in `RecordedCall.args`. Scalars stay as the strings they were on the wire ("true", "10").
 *   The token is not part of `args`; it is in `RecordedCall.token`.
 * - Every answer is HTTP 200 with a JSON body `{ ok: true, ... }` or `{ ok: false, error }`, like Slack, except a
 *   call over a rate limit (when they are on, below): HTTP 429, `Retry-After: <seconds>`,
 *   `{"ok":false,"error":"ratelimited"}`.
 * - Methods: auth.test, chat.postMessage, chat.update, chat.postEphemeral, chat.getPermalink, views.open,
 *   views.update, views.push, views.publish, users.info, usergroups.users.list, conversations.info and
 *   conversations.open (1:1 DMs, for messaging an approver), files.getUploadURLExternal and
 *   files.completeUploadExternal (uploads, below), and apps.connections.open (Socket Mode, below). Anything else
 *   answers `unknown_method`.
 * - Uploads (fake-slack/methods/files.ts): files.getUploadURLExternal answers an `upload_url` on this server
 *   (`POST /upload/v1/<ticket>`, raw bytes or multipart, answered 200) and a `file_id`; files.completeUploadExternal
 *   shares the uploaded files into `channel_id` / `thread_ts` as one message with a `files` array, and refuses an
 *   unknown file id, one whose bytes never arrived or one completed already (`file_not_found`). `files()` lists the
 *   uploads, `fileText(id)` reads the bytes back; `failNext('files.getUploadURLExternal', 'missing_scope')` refuses one.
 *
 * Decisions worth knowing:
 * - Channels: when `channels` is given, only those (plus DMs with known users) exist and anything else is
 *   `channel_not_found`. When it is not given, any channel ID is accepted and auto-created as a public channel
 *   named after its ID lowercased (a `#name` creates a channel with a generated ID). Posting to a user ID opens the
 *   bot's DM with that user, whose channel ID is `D` + the user ID without its first letter, as Slack answers with a
 *   `D...` ID.
 * - `refuse: { C0GONE: 'not_in_channel' }`: every chat.postMessage in that channel is refused with that error (a
 *   channel the bot was never invited to, an archived one...), before anything is stored; other channels post.
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
 * - Faults (a misbehaving Slack), `faults.set(method, { kind, count?, retryAfter?, hangMs?, apply?, when? })`: the
 *   next `count` calls of the method (default: all, until `faults.clear(method)`) answer HTTP 429 with Retry-After and
 *   `{"ok":false,"error":"ratelimited"}` (on views.open: Slack refusing a modal), HTTP 500, or hang `hangMs` (default
 *   20 s, past the bot's 15 s client timeout) and then drop the connection. The method does not run, unless `apply`
 *   (500 and timeout): then it runs (a post is stored) and the answer is lost. `when` picks the calls (say, posts with
 *   metadata). Checked when a call is processed, before the rate limits and `failNext`; each call records its
 *   `fault`, and `faults.count(method?)` counts them by kind.
 * - Rate limits (fake-slack/rate-limits.ts), option `rateLimits`: token buckets per workspace and method in Slack's
 *   tiers (chat.update Tier 3; chat.postEphemeral, views.open/update/push/publish, users.info Tier 4;
 *   usergroups.users.list Tier 2; conversations.info/open Tier 3, as Slack's reference pages say) and for
 *   chat.postMessage one per channel (about 1 a second, a burst of 3) on top of a generous workspace one; the numbers
 *   are DEFAULT_RATE_LIMITS. `rateLimits: true` enforces them, an object changes some (`{ methods: { 'chat.update':
 *   { perMinute: 50, burst: 2 } } }`), `false` turns them off. A call over a limit is answered as Slack answers it
 *   (HTTP 429 with Retry-After, whole seconds, at least 1), which @slack/web-api turns into a paused queue and a
 *   retry, or with `rejectRateLimitedCalls` into a WebAPIRateLimitedError; the method does not run, the call stays in
 *   `calls` with `rateLimited: true` and its `retryAfter`, and a queued `failNext` waits for the next call that runs.
 *   The buckets are checked when a call is processed (a held call at its release), count every token of the one
 *   workspace together, and refill on the `clock` option (default Date.now), which also ages trigger_ids and
 *   response_urls: a test steps that clock instead of sleeping. `rateLimitedCount(method?)` counts the refusals,
 *   `resetRateLimits()` fills every bucket.
 *   DEFAULT: off, for now. The bot's publisher does not spend a rate budget yet, and with the limits on the
 *   end-to-end suite would sit through Retry-After pauses. Turning them on for every fake started without the option
 *   is one line: `RATE_LIMITS_ON_BY_DEFAULT` in fake-slack/rate-limits.ts.
 *
 * - Socket Mode (fake-slack/socket-mode.ts, `fake.socketMode`): apps.connections.open with an app-level token answers
 *   a `ws://127.0.0.1:<port>/link/?ticket=...` URL; the WebSocket there greets with `hello`, carries envelopes
 *   (`slash_commands`, `interactive`, `events_api`) and the app's acks, retries unacknowledged events
 *   (`retry_attempt`, `retry_reason`) and sends `disconnect` messages. The simulator's `socketSender` delivers through it.
 *
 * The pieces live in ./fake-slack/: the server and its steering (server.ts), the Web API methods by family
 * (methods/), response_urls (response-url.ts), the rate limits (rate-limits.ts), the stored state (state.ts,
 * channels.ts, messages.ts) and the Block Kit checks (block-checker.ts).
 *
 * The other side lives next to it: the Slack client simulator (signed slash commands, block_actions, view_submission,
 * checkbox toggles, reading a channel) in ./slack-client/, and the fake plus N real bot processes plus that client
 * in ./stack.ts (`startLocalStack`), on a database from ./databases.ts.
 */
export { MESSAGE_BLOCK_TEXT_LIMIT } from './fake-slack/block-checker.js';
export {
  DEFAULT_RATE_LIMITS,
  RATE_LIMITS_ON_BY_DEFAULT,
  type RateLimitConfig,
  type TokenBucketLimit,
} from './fake-slack/rate-limits.js';
export { startFakeSlack } from './fake-slack/server.js';
export {
  TICKET_TTL_MS,
  type DisconnectReason,
  type EnvelopeOutcome,
  type EnvelopeType,
  type FakeSocketMode,
  type RecordedEnvelope,
  type SocketConnection,
  type SocketModeOptions,
} from './fake-slack/socket-mode.js';
export type {
  FakeChannel,
  FakeEphemeral,
  FakeFault,
  FakeFaultKind,
  FakeFaults,
  FakeFile,
  FakeMessage,
  FakeResponse,
  FakeSlack,
  FakeSlackOptions,
  FakeSlackSnapshot,
  FakeUser,
  FakeView,
  RecordedCall,
  ResponseUrlContext,
} from './fake-slack/types.js';
