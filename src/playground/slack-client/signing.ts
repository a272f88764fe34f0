/**
 * Send requests to the app's POST /slack/events exactly as Slack does: the same bodies, content types and
 * signature headers (X-Slack-Request-Timestamp, X-Slack-Signature: v0=HMAC-SHA256(secret, `v0:${ts}:${body}`)).
 */
import { createHmac } from 'node:crypto';
import { deliverOverSocket, type SocketModeLink } from './socket-mode.js';

export interface SlackSender {
  /** Full URL of POST /slack/events. */
  url: string;
  signingSecret: string;
  /** Default T0PREFLIGHT (the fake's default team). */
  teamId?: string;
  /** Default preflight-test. */
  teamDomain?: string;
  /** Default A0PREFLIGHT. */
  appId?: string;
  /** The deprecated verification token Slack still sends as `token`; default "fake-verification-token". */
  verificationToken?: string;
  /** Deliver over Socket Mode instead of HTTP (`socketSender`, ./socket-mode.ts): same bodies, as envelopes. */
  socket?: SocketModeLink;
}

export interface SignedRequestOptions {
  /** Seconds since the epoch; default now. Pass an old one to test staleness. */
  timestamp?: number;
  /** Send this X-Slack-Signature instead of the correct one. */
  signature?: string;
  /** Extra headers, e.g. X-Slack-Retry-Num. */
  headers?: Record<string, string>;
}

export interface SlackHttpResult {
  status: number;
  body: string;
  json?: any;
  /** Over Socket Mode: the envelope, whether it was acknowledged, and how many deliveries that took. */
  socket?: { envelopeId: string; acked: boolean; deliveries: number };
}

/** "v0=<hex>": HMAC-SHA256 of `v0:${timestamp}:${rawBody}` with the signing secret. */
export function sign(signingSecret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** POST rawBody signed over its exact bytes. */
export async function postSigned(
  s: SlackSender,
  rawBody: string,
  contentType: string,
  opts: SignedRequestOptions = {},
): Promise<SlackHttpResult> {
  if (s.socket) return deliverOverSocket(s.socket, rawBody, contentType);
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await fetch(s.url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': opts.signature ?? sign(s.signingSecret, timestamp, rawBody),
      ...opts.headers,
    },
    body: rawBody,
  });
  const body = await res.text();
  let json: unknown;
  if (body.length > 0) {
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
  }
  return { status: res.status, body, ...(json !== undefined ? { json } : {}) };
}
