import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { HTTPReceiver, isValidSlackRequest } from '@slack/bolt';
import { z } from 'zod';
import { readCappedBody } from '../http-body.js';
import type { Logger } from '../logger.js';

/** How far ahead of our clock a request's timestamp may be: the same window Bolt allows behind it. */
const MAX_CLOCK_SKEW_S = 5 * 60;
/** The one path Slack posts to. */
export const EVENTS_PATH = '/slack/events';
/** Slack's own bodies are a few kilobytes; Bolt's default limit is far larger than anything legitimate. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The Events API event types whose `event_callback` is let through to Bolt (any other is refused with 400).
 * Today only `app_home_opened`, which the App Home work will handle: manifest.yml subscribes to no event yet and
 * no `app.event` listener is registered, so Bolt acknowledges such an event and no listener runs. Add a type here
 * together with its subscription in the manifest and its listener.
 */
export const EVENT_TYPES = ['app_home_opened'] as const;

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

const slashCommand = z.object({ command: z.string().startsWith('/'), user_id: z.string().min(1), channel_id: z.string().min(1), text: z.string() });
const interaction = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('block_actions'),
    user: z.object({ id: z.string().min(1) }),
    actions: z.array(z.object({ action_id: z.string(), type: z.string() })).min(1),
  }),
  z.object({
    type: z.literal('view_submission'),
    user: z.object({ id: z.string().min(1) }),
    view: z.object({ callback_id: z.string(), state: z.object({ values: z.record(z.string(), z.unknown()) }) }),
  }),
  z.object({ type: z.literal('view_closed'), user: z.object({ id: z.string() }) }),
  z.object({ type: z.literal('shortcut'), user: z.object({ id: z.string() }) }),
  z.object({ type: z.literal('message_action'), user: z.object({ id: z.string() }) }),
  z.object({ type: z.literal('block_suggestion'), user: z.object({ id: z.string() }) }),
]);
/** The Events API's JSON envelopes: the URL check when the request URL is set, and subscribed events. */
const envelope = z.discriminatedUnion('type', [
  z.object({ type: z.literal('url_verification'), challenge: z.string().min(1) }),
  z.object({
    type: z.literal('event_callback'),
    team_id: z.string().min(1),
    event_id: z.string().min(1),
    event: z.object({ type: z.enum(EVENT_TYPES) }),
  }),
]);

/**
 * The body's media type as Bolt must read it: Slack sends exactly `application/x-www-form-urlencoded` (commands,
 * interactivity) or `application/json` (Events API). Bolt parses a body as a form only when the header is
 * exactly the first, and anything else as JSON, so `application/json; charset=utf-8` already reads as JSON
 * there, but a form with a charset would too. Returns the bare type, or undefined for any other.
 */
export function mediaType(contentType: string | undefined): typeof FORM | typeof JSON_TYPE | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return type === FORM || type === JSON_TYPE ? type : undefined;
}

function parsesAs(schema: z.ZodType, text: string): boolean {
  try {
    return schema.safeParse(JSON.parse(text)).success;
  } catch {
    return false;
  }
}

/**
 * A NUL character, raw or as a JSON escape (`\u0000`, not `\\u0000`, which is a backslash and text): Slack never
 * sends one, and PostgreSQL's text cannot hold one.
 */
const NUL = /\u0000|(?<!\\)(?:\\\\)*\\u0000/;

/**
 * A correctly signed body as Bolt is to read it, or undefined when it is not one Slack sends to this app: a slash
 * command or an interaction (form-encoded), or an Events API envelope for an event in EVENT_TYPES (JSON). Forms are
 * read with node:querystring, as Bolt reads them, so a repeated field (an array there) is refused, not misread. A body
 * that carries a NUL character is refused: storing what it says would fail as an unexpected error.
 *
 * What Bolt reads is JSON, what its own form parsing would have made of the body (an interaction's `payload`, or the
 * form's fields): decoding a form is the dearest part of reading a click (its whole message, URL-encoded), and it is
 * done here once instead of twice.
 */
export function boltBody(rawBody: string, contentType: string | undefined): string | undefined {
  const type = mediaType(contentType);
  if (type === JSON_TYPE) return !NUL.test(rawBody) && parsesAs(envelope, rawBody) ? rawBody : undefined;
  if (type !== FORM) return undefined;
  const form = parseQuery(rawBody);
  if (Object.values(form).some((v) => NUL.test(String(v)))) return undefined;
  if ('payload' in form) return typeof form['payload'] === 'string' && parsesAs(interaction, form['payload']) ? form['payload'] : undefined;
  return form['ssl_check'] === '1' || slashCommand.safeParse(form).success ? JSON.stringify(form) : undefined;
}

/**
 * Whether Bolt's HTTPReceiver will hand this request to its events endpoint (EVENTS_PATH, the one endpoint
 * src/app.ts gives it). This is its own routing test (`unboundRequestListener` in @slack/bolt's
 * dist/receivers/HTTPReceiver.js): the method upper-cased is POST and the WHATWG pathname of `req.url` resolved
 * against a dummy base is the endpoint. That parse resolves `.` and `..` segments (also written `%2e`), turns
 * `\` into `/`, drops the query and a fragment, and takes the path of an absolute-form URL
 * (`POST http://any-host/slack/events`), so the raw `req.url` must not be compared. A URL it cannot parse
 * makes Bolt throw (answered 404), so it is not the endpoint here either. test/e2e/security.test.ts checks
 * this against Bolt's own routing.
 */
export function routedToEvents(method: string | undefined, url: string | undefined): boolean {
  if ((method ?? '').toUpperCase() !== 'POST') return false;
  try {
    return new URL(url ?? '', 'http://localhost').pathname === EVENTS_PATH;
  } catch {
    return false;
  }
}

/** Bolt throws synchronously for a path it does not serve; its own server answered that with 404. */
function handOver(inner: (req: IncomingMessage, res: ServerResponse) => void, req: IncomingMessage, res: ServerResponse): void {
  try {
    inner(req, res);
  } catch {
    if (!res.headersSent) res.writeHead(404).end();
  }
}

/**
 * In front of Bolt's request handling (HTTP mode), for every request Bolt routes to its events endpoint however
 * its path is written (see routedToEvents; any other request goes to Bolt untouched):
 * - a forged or stale request is refused with 401 (as Bolt refused them), and so is a timestamp far in the future
 *   (Bolt checks only staleness), so a signed request cannot be held back and replayed later; Slack's SSL check,
 *   which Slack does not sign, is answered 200 (as Bolt answered it) and goes no further;
 * - a correctly signed body that is not one Slack sends (see boltBody) is refused with 400 before Bolt parses it, so
 *   no listener runs and nothing is written: Bolt reads any body that is not a form as JSON and hands it to the
 *   listeners (a slash command sent as JSON ran), and a body of `null` crashed its receiver;
 * - what is left is handed to Bolt as the JSON it would have made of it (boltBody), read once here. Bolt's own
 *   verification is off for that reason (src/app.ts): it would check the signature against the decoded body.
 */
const ARRIVED_AT = Symbol('preflight.arrivedAt');
type ArrivedRequest = IncomingMessage & { [ARRIVED_AT]?: number };

/** When the guard first saw a request (performance.now()), for the receiver to hand on as a custom property. */
export function arrivedAtOf(req: IncomingMessage): number {
  return (req as ArrivedRequest)[ARRIVED_AT] ?? performance.now();
}

export function guardRequests(receiver: InstanceType<typeof HTTPReceiver>, signingSecret: string, log: Logger): void {
  const inner = receiver.requestListener;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    // When it arrived: the deadline to acknowledge a click counts from here (see arrivedAtOf).
    (req as ArrivedRequest)[ARRIVED_AT] = performance.now();
    // Every request Bolt would route to its events endpoint, however its path is written, and nothing else.
    if (!routedToEvents(req.method, req.url)) return handOver(inner, req, res);
    const stamp = Number(req.headers['x-slack-request-timestamp']);
    if (Number.isFinite(stamp) && stamp > Date.now() / 1000 + MAX_CLOCK_SKEW_S) {
      res.writeHead(401).end();
      return;
    }
    readCappedBody(req, MAX_BODY_BYTES).then(
      (body) => {
        if (!body) {
          res.writeHead(413, { connection: 'close' }).end(() => req.destroy());
          return;
        }
        const raw = body.toString('utf8');
        const signed = isValidSlackRequest({
          signingSecret,
          body: raw,
          headers: {
            'x-slack-signature': String(req.headers['x-slack-signature'] ?? ''),
            'x-slack-request-timestamp': stamp,
          },
        });
        if (!signed) {
          // Slack's SSL check comes unsigned; Bolt answers it 200 without verifying, and reads nothing else of it.
          if (mediaType(req.headers['content-type']) === FORM && parseQuery(raw)['ssl_check'] === '1') {
            res.writeHead(200).end();
            return;
          }
          log.warn({ url: req.url }, 'refused a request whose Slack signature or timestamp does not verify');
          res.writeHead(401).end();
          return;
        }
        const decoded = boltBody(raw, req.headers['content-type']);
        if (decoded === undefined) {
          res.writeHead(400).end();
          return;
        }
        // Bolt reads a request whose body was already read from `rawBody`, and reads it as JSON (see boltBody).
        req.headers['content-type'] = JSON_TYPE;
        (req as IncomingMessage & { rawBody: Buffer }).rawBody = Buffer.from(decoded, 'utf8');
        handOver(inner, req, res);
      },
      () => {
        if (!res.headersSent) res.writeHead(400).end();
      },
    )
      .catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
  };
}
