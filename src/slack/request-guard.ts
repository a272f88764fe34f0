import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTPReceiver, isValidSlackRequest } from '@slack/bolt';
import { z } from 'zod';

/** How far ahead of our clock a request's timestamp may be: the same window Bolt allows behind it. */
const MAX_CLOCK_SKEW_S = 5 * 60;
/** The one path Slack posts to. */
export const EVENTS_PATH = '/slack/events';
/** Slack's own bodies are a few kilobytes; Bolt's default limit is far larger than anything legitimate. */
const MAX_BODY_BYTES = 1024 * 1024;

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

/** Whether a correctly signed body has the shape Slack gives the kinds of request this app handles. */
export function wellFormed(rawBody: string, contentType: string | undefined): boolean {
  if (contentType !== 'application/x-www-form-urlencoded') return true; // JSON (Events API): Bolt parses it
  const form = new URLSearchParams(rawBody);
  const payload = form.get('payload');
  if (payload === null) return form.has('ssl_check') || slashCommand.safeParse(Object.fromEntries(form)).success;
  try {
    return interaction.safeParse(JSON.parse(payload)).success;
  } catch {
    return false;
  }
}

/** The whole body, or undefined once it passes MAX_BODY_BYTES (the rest is then not kept). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        resolve(undefined);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
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
 * In front of Bolt's request handling (HTTP mode):
 * - a timestamp far in the future is refused like a stale one (Bolt checks only staleness), so a signed
 *   request cannot be held back and replayed later;
 * - a correctly signed body that is not shaped as Slack sends it is refused with 400 before any listener
 *   runs, so nothing is acknowledged or written for it.
 * Everything else, including forged and stale requests, goes to Bolt, which verifies and refuses them.
 */
export function guardRequests(receiver: InstanceType<typeof HTTPReceiver>, signingSecret: string): void {
  const inner = receiver.requestListener;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== EVENTS_PATH) return handOver(inner, req, res);
    const stamp = Number(req.headers['x-slack-request-timestamp']);
    if (Number.isFinite(stamp) && stamp > Date.now() / 1000 + MAX_CLOCK_SKEW_S) {
      res.writeHead(401).end();
      return;
    }
    readBody(req).then(
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
        if (signed && !wellFormed(raw, req.headers['content-type'])) {
          res.writeHead(400).end();
          return;
        }
        // Bolt reads a request whose body was already read from `rawBody`.
        (req as IncomingMessage & { rawBody: Buffer }).rawBody = body;
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
