/**
 * HTTP helpers: reading a request body, answering JSON or text, and reading a Web API call's arguments (query string,
 * form, JSON or multipart body), decoding the ones a client JSON-encoded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isObject, type Json } from './util.js';

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

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed || res.writableEnded) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
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

/**
 * A Web API call's arguments: the query string, then the body (form-encoded, JSON or multipart). `parseError` is the
 * error Slack answers for a body it cannot read (`invalid_json`, `invalid_form_data`); undefined when the body is too
 * large to read at all.
 */
export async function readApiArgs(req: IncomingMessage, url: URL): Promise<{ args: Json; parseError?: string } | undefined> {
  const raw = await readBody(req);
  if (raw === undefined) return undefined;
  let args: Json = {};
  let parseError: string | undefined;
  for (const [k, v] of url.searchParams) args[k] = v;
  if (req.method === 'POST' && raw.length > 0) {
    const contentType = (req.headers['content-type'] ?? '').toLowerCase();
    try {
      if (contentType.startsWith('application/json')) {
        const parsed: unknown = JSON.parse(raw.toString('utf8'));
        if (!isObject(parsed)) parseError = 'invalid_json';
        else args = { ...args, ...parsed };
      } else if (contentType.startsWith('multipart/form-data')) {
        const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
        for (const [k, v] of form) args[k] = typeof v === 'string' ? v : { filename: v.name, size: v.size };
      } else {
        for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) args[k] = v;
      }
    } catch {
      parseError = contentType.startsWith('application/json') ? 'invalid_json' : 'invalid_form_data';
    }
  }
  return { args: decodeArgs(args), ...(parseError ? { parseError } : {}) };
}
