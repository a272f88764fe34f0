/** HTTP helpers: reading a request body, answering JSON or text, and decoding the arguments a client JSON-encoded. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Json } from './util.js';

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Arguments that are never JSON even when they look like it. */
const TEXT_ARGS = new Set([
  'text',
  'markdown_text',
  'fallback',
  'title',
  'initial_comment',
  'content',
  'username',
  'icon_emoji',
  'icon_url',
  'query',
  'name',
  'private_metadata',
]);

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed || res.writableEnded) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Parse the arguments the client JSON-encoded. */
export function decodeArgs(args: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(args)) {
    if (typeof v === 'string' && !TEXT_ARGS.has(k) && /^\s*[[{]/.test(v)) {
      try {
        const parsed: unknown = JSON.parse(v);
        out[k] = typeof parsed === 'object' && parsed !== null ? parsed : v;
        continue;
      } catch {
        // not JSON after all: keep the string
      }
    }
    out[k] = v;
  }
  return out;
}
