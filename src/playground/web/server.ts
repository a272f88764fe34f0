/**
 * The page's web server, on 127.0.0.1 only: the static page (./static/), its state as JSON, live updates as
 * server-sent events, and the page's acts (a command typed, a click, a modal submitted or closed, App Home opened),
 * each sent on to the bot by the session as Slack sends it. Also the controls only the playground has: the bot's
 * clock, Reset, and the switch that makes the probes' health endpoint fail (`/api/health`). A POST from another origin is refused, so no other web page can drive it.
 * `POST /api/github/run` plays GitHub when a workflow run reaches the gated environment (the stand-in registers the
 * waiting gate and delivers the signed webhook to the bot); `/api/state`'s `github` lists those runs and their gates.
 * `GET /api/files/<id>?channel=…&ts=…` downloads a file the bot shared in a message (files.completeUploadExternal: the
 * report's Markdown and JSON), with the bytes the emulator keeps for it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { atOffset, readOffset } from '../../domain/offsets.js';
import { offsetLabel } from '../../domain/timeline.js';
import { PageError, type ActionRequest, type Session } from './session.js';

const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
const MAX_BODY = 1_000_000;

export interface WebServer {
  url: string;
  /** Tell every open page that something changed (debounced). */
  changed(): void;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface WebServerOptions {
  port: number;
  session: () => Session;
  reset: () => Promise<void>;
  /** The probes' health endpoint's switch (../targets.ts): the page shows it and flips it. */
  health?: { failing: boolean };
  /** The GitHub stand-in's deployment gate (../targets.ts): the page triggers runs and lists their gates. */
  github?: GitHubStandIn;
}

/** A workflow run waiting on (or let through by) Preflight's deployment protection rule, as the page lists it. */
export interface GitHubRunView {
  runId: number;
  repo: string;
  environment: string;
  sha: string;
  ref: string;
  status: 'waiting' | 'approved' | 'rejected';
  /** The comment GitHub got with the approval or rejection. */
  comment?: string;
  /** Status reports (comments without an answer), oldest first. */
  reports: string[];
  requestedAt: string;
  answeredAt?: string;
}

export interface GitHubStandIn {
  repo: string;
  environment: string;
  /** A run reached the environment: its gate registered, the webhook delivered; the bot's answer to the delivery. */
  run(): Promise<{ runId: number; sha: string; status: number; message: string }>;
  /** Every run's gate, newest first. */
  runs(): GitHubRunView[];
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const clients = new Set<ServerResponse>();
  let pending: NodeJS.Timeout | undefined;
  let resetting: Promise<void> | undefined;
  let url = '';

  const broadcast = (event: string): void => {
    for (const c of clients) c.write(`event: ${event}\ndata: {}\n\n`);
  };
  const changed = (): void => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      broadcast('change');
    }, 40);
  };
  const reset = async (): Promise<void> => {
    resetting ??= opts.reset().finally(() => (resetting = undefined));
    await resetting;
    broadcast('reset');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET') {
      if (u.pathname === '/api/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write('retry: 500\n\n');
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }
      if (resetting) await resetting;
      if (u.pathname === '/api/state') {
        return sendJson(res, 200, {
          ...opts.session().state(u.searchParams.get('user') ?? 'U0LEAD'),
          ...(opts.health ? { healthFailing: opts.health.failing } : {}),
          ...(opts.github ? { github: { repo: opts.github.repo, environment: opts.github.environment, runs: opts.github.runs() } } : {}),
        });
      }
      if (u.pathname === '/api/wire') return sendJson(res, 200, { entries: opts.session().wireLog() });
      if (u.pathname.startsWith('/api/files/')) return sendFile(opts.session(), decodeURIComponent(u.pathname.slice('/api/files/'.length)), u.searchParams, res);
      return serveStatic(u.pathname, res);
    }
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' });
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== url.replace(/\/$/, '')) return sendJson(res, 403, { error: 'not from the playground page' });
    const body = await readJson(req);
    if (u.pathname === '/api/reset') {
      await reset();
      return sendJson(res, 200, { ok: true });
    }
    if (resetting) await resetting;
    const s = opts.session();
    switch (u.pathname) {
      case '/api/command':
        return sendJson(res, 200, await s.command(String(body.user), String(body.channel), String(body.text ?? '')));
      case '/api/action':
        return sendJson(res, 200, await s.action(body as unknown as ActionRequest));
      case '/api/submit':
        return sendJson(res, 200, await s.submit(String(body.user), String(body.viewId), (body.values ?? {}) as Record<string, unknown>));
      case '/api/close':
        s.closeModal(String(body.user), String(body.viewId));
        return sendJson(res, 200, { ok: true });
      case '/api/home-opened':
        return sendJson(res, 200, await s.homeOpened(String(body.user)));
      case '/api/clock':
        return sendJson(res, 200, await moveClock(s, body));
      case '/api/health':
        if (!opts.health || typeof body.failing !== 'boolean') throw new PageError(400, 'say failing: true or false');
        opts.health.failing = body.failing;
        s.notify();
        return sendJson(res, 200, { failing: opts.health.failing });
      case '/api/github/run': {
        if (!opts.github) throw new PageError(404, 'no GitHub stand-in in this playground');
        const run = await opts.github.run();
        s.notify();
        return sendJson(res, 200, run);
      }
      default:
        return sendJson(res, 404, { error: 'not found' });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof PageError ? err.status : 500;
      if (!res.headersSent) sendJson(res, status, { error: err instanceof Error ? err.message : String(err) });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  // Keep the event streams alive through proxies and idle timeouts.
  const ping = setInterval(() => {
    for (const c of clients) c.write(': ping\n\n');
  }, 15_000);
  ping.unref();

  return {
    url,
    changed,
    reset,
    async close() {
      clearInterval(ping);
      clearTimeout(pending);
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** How to give a promotion its T0, for the page's refusals. */
const HOW_TO_SCHEDULE = (release: string) => `schedule its window (\`/promote schedule ${release} in 2h\`, or the overview's Schedule window button)`;

/** A reminder's kind as the page's answer to `{ to: 'next' }` names it. */
const KIND_WORDS: Record<string, string> = { timeline: 'reminder', 'item-due': 'items due', checkpoint: 'decision point', escalation: 'escalation', hold: 'end of a hold', 'rollback-update': 'rollback update due' };

/**
 * The page's clock controls. `{ advanceMs }` moves the bot's clock forward; `{ to: 'T-5m' }` (any offset) to that
 * offset of the newest running promotion's T0 (`promotions.t0`, the zero of the template's offsets, which is not the
 * window's start when the template's window opens before T0); `{ to: 'next' }` to the next reminder any running
 * promotion still has to send. Then the bots are asked to send what has fallen due at once (their scheduler would
 * within 5 s), so the page shows the reminders right after the move.
 */
async function moveClock(s: Session, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  let moved: string | undefined;
  if (typeof body.advanceMs === 'number') {
    if (!(body.advanceMs > 0)) throw new PageError(400, 'The clock only moves forward.');
    await s.clock.advance(body.advanceMs);
  } else if (body.to === 'next') {
    const next = await s.stack.bot.db.query<{ due_at: Date; kind: string; release: string; t0: Date | null }>(
      `SELECT r.due_at, r.kind, p.release, p.t0 FROM reminders r JOIN promotions p ON p.id = r.promotion_id
       WHERE p.status = 'active' AND r.state = 'pending' AND r.due_at > $1 ORDER BY r.due_at LIMIT 1`,
      [s.clock.now()],
    );
    const r = next.rows[0];
    if (!r) throw new PageError(409, `No running promotion has a reminder still to come: ${HOW_TO_SCHEDULE('<release>')} to plan its timeline.`);
    const at = new Date(r.due_at);
    await s.clock.jumpTo(at);
    moved = `${r.t0 ? `${offsetLabel(new Date(r.t0), at)} of ` : ''}${r.release}: ${KIND_WORDS[r.kind] ?? r.kind}`;
  } else if (typeof body.to === 'string') {
    const reading = readOffset(body.to);
    if (!reading.ok) throw new PageError(400, `${body.to}: ${reading.error}`);
    const rows = await s.stack.bot.db.query<{ t0: Date | null; release: string }>(
      "SELECT t0, release FROM promotions WHERE status = 'active' ORDER BY (t0 IS NULL), created_at DESC LIMIT 1",
    );
    const row = rows.rows[0];
    if (!row) throw new PageError(409, `No promotion is running, so there is no T0 (planned start) to jump to: start one (\`/promote start v1.50\`), then ${HOW_TO_SCHEDULE('v1.50')}.`);
    if (!row.t0) throw new PageError(409, `${row.release} has no T0 (planned start) yet, so there is no ${body.to} to jump to: ${HOW_TO_SCHEDULE(row.release)}.`);
    const at = atOffset(new Date(row.t0), body.to);
    if (at.getTime() <= s.clock.now().getTime()) throw new PageError(409, `${body.to} of ${row.release} (${at.toISOString()}) has already passed.`);
    await s.clock.jumpTo(at);
    moved = `${body.to} of ${row.release}`;
  } else {
    throw new PageError(400, 'say advanceMs or to');
  }
  s.notify();
  const reminded = await remindNow(s);
  return { now: s.clock.now().toISOString(), offsetMs: s.clock.offset, ...(moved ? { moved } : {}), reminded };
}

/** Ask every bot to send the reminders due by its (just moved) clock; how many were posted. A failure is left to the scheduler. */
async function remindNow(s: Session): Promise<number> {
  const counts = await Promise.all(s.stack.bots.map((b) => b.preflight.remind().catch(() => 0)));
  if (counts.some((n) => n > 0)) s.notify();
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * A file shared in a message, as its link on the page downloads it: the bytes the bot uploaded to the emulator. The
 * link names the message too, so a link left from before a restart (the emulator keeps uploads in memory only, and
 * counts file ids afresh) answers 404 rather than another file that got the same id.
 */
function sendFile(s: Session, id: string, params: URLSearchParams, res: ServerResponse): void {
  const file = s.stack.fake.files().find((f) => f.id === id);
  const shared = file?.completed === true && file.channel === params.get('channel') && file.message_ts === params.get('ts');
  if (!file || !shared || file.bytes === undefined) {
    return sendJson(res, 404, { error: 'The emulator does not hold this file: it keeps uploads in memory only, so they are gone after the playground restarts.' });
  }
  const name = file.filename.replace(/["\\\r\n]/g, '_');
  res.writeHead(200, {
    'content-type': mimetypeOf(file.filename),
    'content-length': String(file.bytes.length),
    'content-disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  });
  res.end(file.bytes);
}

const FILE_TYPES: Record<string, string> = { md: 'text/markdown; charset=utf-8', json: 'application/json; charset=utf-8', txt: 'text/plain; charset=utf-8', csv: 'text/csv; charset=utf-8' };

function mimetypeOf(filename: string): string {
  return FILE_TYPES[filename.split('.').at(-1)?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

async function serveStatic(pathname: string, res: ServerResponse): Promise<void> {
  const name = pathname === '/' ? 'index.html' : pathname.replace(/^\/+/, '');
  const file = path.resolve(STATIC_DIR, name);
  if (!file.startsWith(STATIC_DIR) || !TYPES[path.extname(file)]) return sendJson(res, 404, { error: 'not found' });
  try {
    const content = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)]!, 'cache-control': 'no-store' });
    res.end(content);
  } catch {
    sendJson(res, 404, { error: 'not found' });
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new PageError(413, 'too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    throw new PageError(400, 'not JSON');
  }
}
