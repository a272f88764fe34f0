import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from './store/db.js';

/**
 * `GET /healthz` (the process is alive) and `GET /readyz` (it can reach its database). Returns false for any
 * other request, so a server can answer those itself.
 */
export async function answerHealth(db: Db, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const path = (req.url ?? '').split('?')[0];
  if (req.method !== 'GET' || (path !== '/healthz' && path !== '/readyz')) return false;
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return true;
  }
  try {
    await db.ping();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready","database":"ok"}');
  } catch {
    res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"unavailable","database":"unreachable"}');
  }
  return true;
}
