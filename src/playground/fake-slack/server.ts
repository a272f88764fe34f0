/**
 * The fake's HTTP server: routes `/api/<method>` to the method handlers and `/respond/<id>` to response_urls,
 * records every call, refuses the calls over Slack's rate limits (rate-limits.ts), and lets a test steer it
 * (hold/release, failNext, rate limits, waitFor) and inspect the state.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readApiArgs, sendJson, sendText } from './http.js';
import { resolveChannel } from './channels.js';
import { findMessage, storeMessage } from './messages.js';
import { callMethod } from './methods/index.js';
import { receiveUpload } from './methods/files.js';
import { issueTriggerId } from './methods/views.js';
import { RateLimiter, rateLimitChannel, resolveRateLimits, workspaceOf } from './rate-limits.js';
import { restoreState, snapshotState, type FakeSlackSnapshot } from './snapshot.js';
import { handleResponseUrl, issueResponseUrl } from './response-url.js';
import { SocketModeServer } from './socket-mode.js';
import { FakeSlackState } from './state.js';
import type {
  FakeEphemeral,
  FakeFault,
  FakeFaultKind,
  FakeFaults,
  FakeFile,
  FakeMessage,
  FakeResponse,
  FakeSlack,
  FakeSlackOptions,
  FakeView,
  RecordedCall,
  ResponseUrlContext,
} from './types.js';
import { clone, errorBody, type Json, SlackApiError, str } from './util.js';

interface HeldCall {
  run: () => void;
  drop: () => void;
}

class FakeSlackServer implements FakeSlack {
  apiUrl = '';
  baseUrl = '';
  readonly calls: RecordedCall[] = [];
  /** Socket Mode: apps.connections.open, the WebSocket at /link/, envelopes and acks (socket-mode.ts). */
  readonly socketMode: SocketModeServer;

  private readonly server: Server;
  private readonly state: FakeSlackState;
  /** Undefined when rate limits are off. */
  private readonly limiter: RateLimiter | undefined;

  private readonly held = new Map<string, HeldCall[]>();
  private readonly failures = new Map<string, string[]>();
  private readonly lostAnswers = new Map<string, number>();
  /** Faults by method (`faults.set`), with how many calls each still answers. */
  private readonly faultsByMethod = new Map<string, FakeFault & { left: number }>();
  /** Calls hanging on a `timeout` fault: dropped when their time is up, or at close. */
  private readonly hanging = new Set<{ timer: NodeJS.Timeout; res: ServerResponse }>();
  private readonly listeners = new Set<() => void>();

  private seq = 0;
  private closed = false;

  constructor(opts: FakeSlackOptions) {
    this.state = new FakeSlackState(opts);
    if (opts.restore) restoreState(this.state, opts.restore);
    const limits = resolveRateLimits(opts.rateLimits);
    this.limiter = limits ? new RateLimiter(limits, this.state.now) : undefined;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        // Never crash the server: answer what Slack answers when something breaks on its side.
        sendJson(res, 200, { ok: false, error: 'fatal_error', detail: String(err) });
      });
    });
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    this.socketMode = new SocketModeServer(this.state.appId, () => this.baseUrl, () => this.changed(), opts.socketMode);
    this.server.on('upgrade', (req, socket, head) => this.socketMode.handleUpgrade(req, socket, head));
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
    this.state.baseUrl = this.baseUrl;
  }

  // ----- inspection ------------------------------------------------------------------------------------------

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  message(channel: string, ts: string): FakeMessage | undefined {
    const m = findMessage(this.state, channel, ts);
    return m ? clone(m) : undefined;
  }

  messages(channel?: string): FakeMessage[] {
    return this.state.msgs.filter((m) => channel === undefined || m.channel === channel).map((m) => clone(m));
  }

  responseUrl(context: ResponseUrlContext = {}): string {
    return issueResponseUrl(this.state, this.baseUrl, context);
  }

  responses(url?: string): FakeResponse[] {
    return this.state.responseList.filter((r) => url === undefined || r.url === url).map((r) => clone(r));
  }

  ephemerals(): FakeEphemeral[] {
    return this.state.ephemeralList.map((e) => clone(e));
  }

  views(): FakeView[] {
    return [...this.state.viewMap.values()].map((v) => clone(v));
  }

  files(): FakeFile[] {
    return [...this.state.fileMap.values()].map((f) => ({ ...f, ...(f.bytes ? { bytes: Buffer.from(f.bytes) } : {}) }));
  }

  fileText(id: string): string | undefined {
    return this.state.fileMap.get(id)?.bytes?.toString('utf8');
  }

  triggerId(): string {
    return issueTriggerId(this.state);
  }

  // ----- steering --------------------------------------------------------------------------------------------

  readonly faults: FakeFaults = {
    set: (method, fault) => {
      this.faultsByMethod.set(method, { ...fault, left: fault.count ?? Number.POSITIVE_INFINITY });
    },
    clear: (method) => {
      if (method === undefined) this.faultsByMethod.clear();
      else this.faultsByMethod.delete(method);
    },
    count: (method) => {
      const counts: Record<FakeFaultKind, number> = { '429': 0, '500': 0, timeout: 0 };
      for (const c of this.calls) if (c.fault && (method === undefined || c.method === method)) counts[c.fault]++;
      return counts;
    },
  };

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

  loseNextAnswer(method: string): void {
    this.lostAnswers.set(method, (this.lostAnswers.get(method) ?? 0) + 1);
  }

  setUsergroup(id: string, members: readonly string[]): void {
    this.state.usergroups.set(id, [...members]);
  }

  storeMessage(channel: string, m: { text: string; threadTs?: string; metadata?: FakeMessage['metadata'] }): string {
    const stored = storeMessage(this.state, resolveChannel(this.state, channel).id, m.text, undefined, m.threadTs, m.metadata);
    this.changed();
    return stored.ts;
  }

  rateLimitedCount(method?: string): number {
    return this.calls.filter((c) => c.rateLimited && (method === undefined || c.method === method)).length;
  }

  resetRateLimits(): void {
    this.limiter?.reset();
  }

  onChange(listener: () => void): () => void {
    const own = (): void => listener();
    this.listeners.add(own);
    return () => this.listeners.delete(own);
  }

  snapshot(): FakeSlackSnapshot {
    return snapshotState(this.state);
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
    for (const h of this.hanging) {
      clearTimeout(h.timer);
      h.res.destroy();
    }
    this.hanging.clear();
    await this.socketMode.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ----- HTTP ------------------------------------------------------------------------------------------------

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (req.method === 'GET' && (path === '/api/_state' || path === '/_state')) {
      sendJson(res, 200, this.stateDump());
      return;
    }
    if (path.startsWith('/api/')) {
      await this.handleApi(req, res, url);
      return;
    }
    if (path.startsWith('/upload/v1/')) {
      if (await receiveUpload(this.state, path.slice('/upload/v1/'.length), req, res)) this.changed();
      return;
    }
    if (path.startsWith('/respond/')) {
      await handleResponseUrl(this.state, req, res, path.slice('/respond/'.length), () => this.changed());
      return;
    }
    sendText(res, 404, 'not_found');
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let method: string;
    try {
      method = decodeURIComponent(url.pathname.slice('/api/'.length));
    } catch {
      method = url.pathname.slice('/api/'.length);
    }
    const read = await readApiArgs(req, url);
    if (read === undefined) {
      sendJson(res, 413, { ok: false, error: 'request_too_large' });
      return;
    }
    const { args, parseError } = read;
    const auth = req.headers.authorization;
    const bearer = auth?.match(/^Bearer\s+(\S+)/i)?.[1];
    const token = bearer ?? str(args.token) ?? undefined;
    delete args.token;

    const call: RecordedCall = { method, args, token: token === '' ? undefined : token, seq: ++this.seq };
    this.calls.push(call);
    this.changed();

    const run = (): void => {
      const fault = this.faultFor(call);
      const applied = fault !== undefined && fault.kind !== '429' && (typeof fault.apply === 'function' ? fault.apply(call) : fault.apply === true);
      if (fault && !applied) {
        this.answerFault(call, res, fault);
        return;
      }
      const retryAfter = this.overLimit(call);
      if (retryAfter !== undefined) {
        call.rateLimited = true;
        call.retryAfter = retryAfter;
        sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
        this.changed();
        return;
      }
      let body: Json;
      try {
        body = this.process(call, parseError);
      } catch (err) {
        body = errorBody(err);
      }
      call.answer = body;
      if (fault) {
        // Carried out (`apply`), and then the answer is the fault: the caller cannot tell the work was done.
        call.answerLost = true;
        this.answerFault(call, res, fault);
        return;
      }
      const lost = this.lostAnswers.get(method) ?? 0;
      if (lost > 0 && body.ok === true) {
        // Carried out, but the answer never reaches the caller (a timeout after Slack stored the message).
        if (lost === 1) this.lostAnswers.delete(method);
        else this.lostAnswers.set(method, lost - 1);
        call.answerLost = true;
        res.destroy();
        this.changed();
        return;
      }
      sendJson(res, 200, body);
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

  /** The fault this call is to be answered with (spending one of its `count`), if any. */
  private faultFor(call: RecordedCall): FakeFault | undefined {
    const fault = this.faultsByMethod.get(call.method);
    if (!fault || fault.left <= 0 || (fault.when && !fault.when(call))) return undefined;
    fault.left--;
    if (fault.left <= 0) this.faultsByMethod.delete(call.method);
    return fault;
  }

  private answerFault(call: RecordedCall, res: ServerResponse, fault: FakeFault): void {
    call.fault = fault.kind;
    if (fault.kind === '429') {
      const retryAfter = Math.max(1, Math.ceil(fault.retryAfter ?? 1));
      call.rateLimited = true;
      call.retryAfter = retryAfter;
      sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
    } else if (fault.kind === '500') {
      sendJson(res, 500, { ok: false, error: 'internal_error' });
    } else {
      const hung = {
        res,
        timer: setTimeout(() => {
          this.hanging.delete(hung);
          res.destroy();
          this.changed();
        }, fault.hangMs ?? 20_000),
      };
      this.hanging.add(hung);
    }
    this.changed();
  }

  /** The Retry-After (seconds) when the call is over a rate limit; a call without a token has no workspace to count in. */
  private overLimit(call: RecordedCall): number | undefined {
    if (!this.limiter || !call.token) return undefined;
    const channel = call.method === 'chat.postMessage' ? rateLimitChannel(this.state, call.args.channel) : undefined;
    return this.limiter.take(workspaceOf(this.state, call.token), call.method, channel);
  }

  private process(call: RecordedCall, parseError: string | undefined): Json {
    const failures = this.failures.get(call.method);
    const failure = failures?.shift();
    if (failures && failures.length === 0) this.failures.delete(call.method);
    if (failure !== undefined) throw new SlackApiError(failure);
    if (parseError) throw new SlackApiError(parseError);
    if (!call.token) throw new SlackApiError('not_authed');
    if (call.method === 'apps.connections.open') return this.socketMode.open(call.token);
    return callMethod(this.state, call.method, call.args);
  }

  // ----- debugging -------------------------------------------------------------------------------------------

  private stateDump(): Json {
    const held: Record<string, number> = {};
    for (const [method, queue] of this.held) held[method] = queue.length;
    return {
      ok: true,
      apiUrl: this.apiUrl,
      team_id: this.state.teamId,
      bot_user_id: this.state.botUserId,
      calls: this.calls.map((c) => ({ ...c, token: c.token ? `${c.token.slice(0, 5)}...` : undefined })),
      messages: this.state.msgs,
      ephemerals: this.state.ephemeralList,
      responses: this.state.responseList,
      views: [...this.state.viewMap.values()],
      held,
      rate_limits: this.limiter?.config ?? false,
    };
  }
}

/** Start a fake Slack Web API server on 127.0.0.1. Close it with `close()`. */
export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const fake = new FakeSlackServer(opts);
  await fake.listen(opts.port ?? 0);
  return fake;
}
