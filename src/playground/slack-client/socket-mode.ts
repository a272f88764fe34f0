/**
 * The simulator's Socket Mode transport: the same "a person runs a command / clicks / submits" helpers, delivered
 * as Socket Mode envelopes through the fake Slack (../fake-slack/socket-mode.ts) instead of signed HTTP POSTs.
 *
 * A sender made by `socketSender(fake.socketMode)` is a `SlackSender` like any other: every helper of this
 * simulator (slashCommand, blockActions, viewSubmission, postEvent...) builds the very body it would sign and post,
 * and `postSigned` hands it here instead. The body becomes its envelope as Slack sends it (docs.slack.dev, "Using
 * Socket Mode"): a slash command's form fields as a JSON object (`slash_commands`), interactivity's `payload` field
 * parsed (`interactive`), an Events API body as it is (`events_api`). The ack is awaited, and comes back shaped
 * like the HTTP answer: status 200 and the ack's payload as the body (an empty payload, the usual ack, as an empty
 * body). An envelope never acknowledged (within Slack's time and the retries its type is allowed) answers status 0:
 * there was no response at all, and Slack would tell the person the app did not respond. Signature options
 * (timestamp, signature, headers) mean nothing on a WebSocket and are ignored.
 */
import type { EnvelopeOutcome, EnvelopeType } from '../fake-slack/socket-mode.js';
import type { SlackHttpResult, SlackSender } from './signing.js';

/** Where envelopes go: the fake Slack's `socketMode`. */
export interface SocketModeLink {
  deliver(type: EnvelopeType, payload: Record<string, unknown>, opts?: { acceptsResponsePayload?: boolean }): Promise<EnvelopeOutcome>;
}

/** A sender whose requests go over Socket Mode (`url` and `signingSecret` are unused). */
export function socketSender(link: SocketModeLink, ids: Pick<SlackSender, 'teamId' | 'teamDomain' | 'appId' | 'verificationToken'> = {}): SlackSender {
  return { url: 'socket-mode:', signingSecret: '', ...ids, socket: link };
}

/** The envelope type and payload Slack sends in Socket Mode for what it would have POSTed over HTTP. */
export function envelopeOf(rawBody: string, contentType: string): { type: EnvelopeType; payload: Record<string, unknown> } {
  if (contentType.toLowerCase().startsWith('application/json')) return { type: 'events_api', payload: JSON.parse(rawBody) as Record<string, unknown> };
  const form = new URLSearchParams(rawBody);
  const payload = form.get('payload');
  if (payload !== null) return { type: 'interactive', payload: JSON.parse(payload) as Record<string, unknown> };
  return { type: 'slash_commands', payload: Object.fromEntries(form) };
}

/** Deliver a request's body as an envelope and answer with its ack, as an HTTP response would. */
export async function deliverOverSocket(link: SocketModeLink, rawBody: string, contentType: string): Promise<SlackHttpResult> {
  const { type, payload } = envelopeOf(rawBody, contentType);
  const outcome = await link.deliver(type, payload);
  const socket = { envelopeId: outcome.envelopeId, acked: outcome.acked, deliveries: outcome.deliveries };
  if (!outcome.acked) return { status: 0, body: '', socket };
  const answer = outcome.payload ?? {};
  if (Object.keys(answer).length === 0) return { status: 200, body: '', socket };
  return { status: 200, body: JSON.stringify(answer), json: answer, socket };
}
