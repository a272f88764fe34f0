import type { IncomingMessage, ServerResponse } from 'node:http';
import { PING_TIMEOUT_MS, type Db } from './store/db.js';

/** The answer is due before a probe's own timeout (often 1-2 s), even when the ping queues behind busy work. */
const READY_DEADLINE_MS = PING_TIMEOUT_MS + 250;

/**
 * Resolves once the database answers a trivial query, or rejects: on an error, or when it takes longer than
 * `ms` (every connection busy, a server that stopped answering, PGlite queued behind a long transaction).
 */
export async function databaseAnswers(db: Db, ms = READY_DEADLINE_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  const ping = db.ping();
  // A ping that fails after the deadline has nobody waiting on it: it must not become an unhandled rejection.
  ping.catch(() => undefined);
  try {
    await Promise.race([ping, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /healthz` (the process is alive) and `GET /readyz` (it can reach its database now: 503 while the
 * database is down, restarting or has no connection to spare, so a load balancer sends clicks elsewhere and
 * an operator sees why they fail). Returns false for any other request, so a server can answer those itself.
 */
export async function answerHealth(db: Db, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const path = (req.url ?? '').split('?')[0];
  if (req.method !== 'GET' || (path !== '/healthz' && path !== '/readyz')) return false;
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return true;
  }
  try {
    await databaseAnswers(db);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready","database":"ok"}');
  } catch {
    res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"unavailable","database":"unreachable"}');
  }
  return true;
}
