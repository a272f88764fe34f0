/**
 * The fake's Socket Mode: what Slack does for an app that connects over a WebSocket instead of receiving HTTP POSTs.
 *
 * As Slack (docs.slack.dev/apis/events-api/using-socket-mode), and as @slack/socket-mode expects it:
 * - `apps.connections.open` takes an app-level token (`xapp-…`: any other token is `not_allowed_token_type`, none is
 *   `not_authed`) and answers `{ ok: true, url: 'ws://127.0.0.1:<port>/link/?ticket=<ticket>&app_id=<app>' }`. A
 *   ticket opens one connection, within TICKET_TTL_MS of wall-clock time; an unknown, used or stale one is refused
 *   at the upgrade with HTTP 401. (A ticket never used, like the one the bot's start-up check asks for, just expires.)
 * - On connect Slack sends `hello` (`num_connections`, `debug_info`, `connection_info.app_id`).
 * - Payloads go out as envelopes `{ envelope_id, type, payload, accepts_response_payload }`: `slash_commands` (the
 *   command's fields as JSON), `interactive` (block_actions, view_submission...) and `events_api` (the
 *   `event_callback` body, plus `retry_attempt` and `retry_reason`, `0` and `''` on the first delivery). With
 *   several connections open, each envelope goes to one of them (round robin here; Slack promises no pattern).
 * - The app acknowledges with `{ envelope_id, payload? }` on the socket; the payload is what an HTTP response body
 *   would be (a slash command's answer, a view_submission's `response_action`). An envelope not acknowledged within
 *   `ackTimeoutMs` (Slack's 3 seconds), or sent while no connection is open, is unacknowledged: Slack retries events
 *   (`retry_attempt` 1, 2, 3 with `retry_reason: 'timeout'`, the same envelope_id; immediately, after a minute,
 *   after five: `retryDelaysMs`), and shows the person an error for a command or an interaction. `retryTypes` says
 *   which types are retried: Slack's `['events_api']` by default; a test may add `interactive` to exercise the
 *   app's at-least-once handling of clicks (such a redelivery carries `retry_attempt` and `retry_reason` too).
 * - `disconnect(reason)` sends `{ type: 'disconnect', reason, debug_info }` (`refresh_requested`, `warning`,
 *   `link_disabled`). The client is expected to close and reconnect through apps.connections.open; a connection
 *   still open `closeAfterMs` later is closed by the server, as Slack does when it recycles a host.
 * - The client's pings are answered with pongs (the `ws` server does so by itself); this server sends no pings.
 *
 * Steering for tests: `loseNextAck()` drops the next acknowledgement on arrival (recorded, never applied), so the
 * envelope stays unacknowledged; `waitForConnection()`; `envelopes()` records every envelope, its deliveries and
 * its ack. Timers here run on the wall clock (the fake's `clock` option steers rate limits, trigger_ids and
 * response_urls only).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { SlackApiError, type Json } from './util.js';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';
export type DisconnectReason = 'refresh_requested' | 'warning' | 'link_disabled';

/** How long a ticket from apps.connections.open may wait before it is used. */
export const TICKET_TTL_MS = 30_000;

export interface SocketModeOptions {
  /** How long Slack waits for an acknowledgement: 3000 ms. */
  ackTimeoutMs?: number;
  /** The wait before each retry, after the unacknowledged delivery: Slack's Events API [0, 60_000, 300_000]. */
  retryDelaysMs?: number[];
  /** Which envelope types are retried when unacknowledged: default ['events_api'], as Slack does. */
  retryTypes?: EnvelopeType[];
  /** How long a connection may stay open after a disconnect message before the server closes it: 10 s. */
  closeAfterMs?: number;
}

/** One delivery of an envelope, as sent. */
export interface EnvelopeDelivery {
  retryAttempt: number;
  /** False when no connection was open: nothing was sent. */
  sent: boolean;
  /** Which connection it went to (see `connections()`). */
  connectionId?: number;
}

export interface RecordedEnvelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Json;
  accepts_response_payload: boolean;
  deliveries: EnvelopeDelivery[];
  /** Set once acknowledged: the ack's payload ({} when it had none). */
  ack?: Json;
  /** Acks that arrived and were dropped (`loseNextAck`). */
  lostAcks: number;
  /** Unacknowledged for good: no retry left. */
  gaveUp?: true;
}

/** What the delivery of an envelope came to: its ack, or none within the time and the retries allowed. */
export interface EnvelopeOutcome {
  envelopeId: string;
  acked: boolean;
  /** The ack's payload ({} when the app sent none). */
  payload?: Json;
  /** How many deliveries it took (1 when the first was acknowledged). */
  deliveries: number;
}

export interface SocketConnection {
  id: number;
  /** Set once the client closed it, or the server did. */
  closed: boolean;
  /** The disconnect reasons sent on it. */
  disconnects: DisconnectReason[];
}

/** The Socket Mode side of the fake Slack (`fake.socketMode`). */
export interface FakeSocketMode {
  /** Connections ever opened, in order (open ones have `closed: false`). */
  connections(): SocketConnection[];
  /** How many connections are open and greeted. */
  openConnections(): number;
  /** Resolves once at least `count` (default 1) connections are open; rejects after timeoutMs (default 5000). */
  waitForConnection(opts?: { count?: number; timeoutMs?: number }): Promise<void>;
  /**
   * Send an envelope as Slack would, and resolve with its acknowledgement, or with `acked: false` once the time
   * and the retries its type is allowed are spent.
   */
  deliver(type: EnvelopeType, payload: Json, opts?: { acceptsResponsePayload?: boolean }): Promise<EnvelopeOutcome>;
  /** Send `{ type: 'disconnect', reason }` on every open connection (or one, by id). */
  disconnect(reason: DisconnectReason, connectionId?: number): void;
  /** Drop the next acknowledgement that arrives (of an envelope of this type, or any): Slack never sees it. */
  loseNextAck(type?: EnvelopeType): void;
  /** Every envelope sent so far (copies), in order. */
  envelopes(): RecordedEnvelope[];
}

interface Ticket {
  issuedAt: number;
}

interface Live {
  connection: SocketConnection;
  ws: WebSocket;
}

interface Pending {
  envelope: RecordedEnvelope;
  resolve: (outcome: EnvelopeOutcome) => void;
  timer?: NodeJS.Timeout;
}

const DEFAULTS = { ackTimeoutMs: 3000, retryDelaysMs: [0, 60_000, 300_000], retryTypes: ['events_api'] as EnvelopeType[], closeAfterMs: 10_000 };

export class SocketModeServer implements FakeSocketMode {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly opts: Required<SocketModeOptions>;
  private readonly tickets = new Map<string, Ticket>();
  private readonly live: Live[] = [];
  private readonly all: SocketConnection[] = [];
  private readonly recorded: RecordedEnvelope[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly lostAcks: Array<EnvelopeType | undefined> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextConnection = 1;
  private turn = 0;
  private closed = false;

  constructor(
    private readonly appId: string,
    private readonly baseUrl: () => string,
    private readonly changed: () => void,
    opts: SocketModeOptions = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  /** apps.connections.open, called with the call's token. */
  open(token: string | undefined): Json {
    if (!token) throw new SlackApiError('not_authed');
    if (!/^xapp-\S+$/.test(token)) throw new SlackApiError('not_allowed_token_type');
    const ticket = randomUUID();
    this.tickets.set(ticket, { issuedAt: Date.now() });
    const ws = this.baseUrl().replace(/^http/, 'ws');
    return { ok: true, url: `${ws}/link/?ticket=${ticket}&app_id=${this.appId}` };
  }

  /** The HTTP server's `upgrade` event: a WebSocket to /link/ with a valid ticket becomes a connection. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket') ?? '';
    const issued = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (this.closed || url.pathname !== '/link/' || !issued || Date.now() - issued.issuedAt > TICKET_TTL_MS) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  connections(): SocketConnection[] {
    return this.all.map((c) => structuredClone(c));
  }

  openConnections(): number {
    return this.live.length;
  }

  waitForConnection(opts: { count?: number; timeoutMs?: number } = {}): Promise<void> {
    const count = opts.count ?? 1;
    const deadline = Date.now() + (opts.timeoutMs ?? 5000);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.live.length >= count) return resolve();
        if (Date.now() > deadline) return reject(new Error(`fake Slack: no Socket Mode connection (${this.live.length} of ${count}) after ${opts.timeoutMs ?? 5000} ms`));
        setTimeout(check, 10);
      };
      check();
    });
  }

  deliver(type: EnvelopeType, payload: Json, opts: { acceptsResponsePayload?: boolean } = {}): Promise<EnvelopeOutcome> {
    const envelope: RecordedEnvelope = {
      envelope_id: randomUUID(),
      type,
      payload: structuredClone(payload),
      // As in Slack's examples: a command or an interaction may be answered in the ack; an event may not.
      accepts_response_payload: opts.acceptsResponsePayload ?? type !== 'events_api',
      deliveries: [],
      lostAcks: 0,
    };
    this.recorded.push(envelope);
    return new Promise((resolve) => {
      this.pending.set(envelope.envelope_id, { envelope, resolve });
      this.send(envelope);
    });
  }

  disconnect(reason: DisconnectReason, connectionId?: number): void {
    for (const l of [...this.live]) {
      if (connectionId !== undefined && l.connection.id !== connectionId) continue;
      l.connection.disconnects.push(reason);
      l.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake-1' } }));
      // Slack closes the connection itself if the client has not by then.
      this.later(this.opts.closeAfterMs, () => {
        if (l.ws.readyState === WebSocket.OPEN) l.ws.close(1001, 'disconnect');
      });
    }
    this.changed();
  }

  loseNextAck(type?: EnvelopeType): void {
    this.lostAcks.push(type);
  }

  envelopes(): RecordedEnvelope[] {
    return this.recorded.map((e) => structuredClone(e));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.resolve(this.outcome(p.envelope));
    }
    this.pending.clear();
    for (const l of this.live) l.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  // ----- connections -----------------------------------------------------------------------------------------

  private accept(ws: WebSocket): void {
    const connection: SocketConnection = { id: this.nextConnection++, closed: false, disconnects: [] };
    const l: Live = { connection, ws };
    this.all.push(connection);
    this.live.push(l);
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(data.toString());
    });
    ws.on('close', () => this.drop(l));
    ws.on('error', () => this.drop(l));
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.live.length,
        debug_info: { host: 'applink-fake-1', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
    this.changed();
  }

  private drop(l: Live): void {
    const i = this.live.indexOf(l);
    if (i < 0) return;
    this.live.splice(i, 1);
    l.connection.closed = true;
    this.changed();
  }

  /** An acknowledgement `{ envelope_id, payload? }`; anything else from the client is ignored, as Slack does. */
  private onMessage(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    const id = (message as { envelope_id?: unknown } | null)?.envelope_id;
    if (typeof id !== 'string') return;
    const p = this.pending.get(id);
    if (!p) return;
    const lost = this.lostAcks.findIndex((t) => t === undefined || t === p.envelope.type);
    if (lost >= 0) {
      this.lostAcks.splice(lost, 1);
      p.envelope.lostAcks += 1;
      this.changed();
      return;
    }
    const payload = (message as { payload?: unknown }).payload;
    p.envelope.ack = payload && typeof payload === 'object' && !Array.isArray(payload) ? structuredClone(payload as Json) : {};
    clearTimeout(p.timer);
    this.pending.delete(id);
    p.resolve(this.outcome(p.envelope));
    this.changed();
  }

  // ----- envelopes -------------------------------------------------------------------------------------------

  private send(envelope: RecordedEnvelope): void {
    const p = this.pending.get(envelope.envelope_id);
    if (!p || this.closed) return;
    const retryAttempt = envelope.deliveries.length;
    const target = this.live.length > 0 ? this.live[this.turn++ % this.live.length] : undefined;
    envelope.deliveries.push({ retryAttempt, sent: target !== undefined, ...(target ? { connectionId: target.connection.id } : {}) });
    if (target) {
      target.ws.send(
        JSON.stringify({
          envelope_id: envelope.envelope_id,
          payload: envelope.payload,
          type: envelope.type,
          accepts_response_payload: envelope.accepts_response_payload,
          // Slack's events always carry these; another type carries them only when retried (`retryTypes`).
          ...(envelope.type === 'events_api' || retryAttempt > 0 ? { retry_attempt: retryAttempt, retry_reason: retryAttempt === 0 ? '' : 'timeout' } : {}),
        }),
      );
    }
    this.changed();
    // Unacknowledged after the timeout (at once when nothing could be sent): retried, or given up.
    p.timer = this.later(target ? this.opts.ackTimeoutMs : 0, () => {
      if (!this.pending.has(envelope.envelope_id)) return;
      const retries = this.opts.retryTypes.includes(envelope.type) ? this.opts.retryDelaysMs : [];
      const delay = retries[retryAttempt];
      if (delay === undefined) {
        envelope.gaveUp = true;
        this.pending.delete(envelope.envelope_id);
        p.resolve(this.outcome(envelope));
        this.changed();
        return;
      }
      p.timer = this.later(delay, () => this.send(envelope));
    });
  }

  private outcome(envelope: RecordedEnvelope): EnvelopeOutcome {
    return {
      envelopeId: envelope.envelope_id,
      acked: envelope.ack !== undefined,
      ...(envelope.ack !== undefined ? { payload: structuredClone(envelope.ack) } : {}),
      deliveries: envelope.deliveries.length,
    };
  }

  private later(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    this.timers.add(timer);
    return timer;
  }
}
