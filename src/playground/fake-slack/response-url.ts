/**
 * POSTs to a response_url (`/respond/<id>`): Slack's limits on them (5 posts in 30 minutes), and what each post does
 * to the state (replace_original, delete_original, in_channel, ephemeral) given where the response_url came from.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BlockChecker, blockTextLength, MESSAGE_BLOCK_TEXT_LIMIT } from './block-checker.js';
import { readBody, sendText } from './http.js';
import { findMessage, normalizeBlocks, storeMessage } from './messages.js';
import type { FakeSlackState } from './state.js';
import type { ResponseUrlContext } from './types.js';
import { clone, isObject, type Json, str, truthy } from './util.js';

const RESPONSE_URL_MAX_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

/** A fresh response_url pointing back at the server at baseUrl: POST <baseUrl>/respond/<id>. */
export function issueResponseUrl(s: FakeSlackState, baseUrl: string, context: ResponseUrlContext): string {
  const id = randomBytes(12).toString('hex');
  const url = `${baseUrl}/respond/${id}`;
  s.responseUrls.set(id, { id, url, context: { ...context }, createdAt: s.now(), uses: 0 });
  return url;
}

/** Answer a POST to response_url `id`; `onChange` is called after an accepted post changed the state. */
export async function handleResponseUrl(
  s: FakeSlackState,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  onChange: () => void,
): Promise<void> {
  const raw = await readBody(req);
  if (req.method !== 'POST') {
    sendText(res, 405, 'method_not_allowed');
    return;
  }
  if (raw === undefined) {
    sendText(res, 413, 'request_too_large');
    return;
  }
  const record = s.responseUrls.get(id);
  if (!record || s.now() - record.createdAt > RESPONSE_URL_TTL_MS) {
    sendText(res, 404, 'expired_url');
    return;
  }
  if (record.uses >= RESPONSE_URL_MAX_USES) {
    sendText(res, 404, 'used_url');
    return;
  }
  let body: unknown;
  try {
    const text = raw.toString('utf8');
    const contentType = (req.headers['content-type'] ?? '').toLowerCase();
    if (contentType.startsWith('application/x-www-form-urlencoded')) {
      body = JSON.parse(new URLSearchParams(text).get('payload') ?? '');
    } else {
      body = JSON.parse(text);
    }
  } catch {
    sendText(res, 400, 'invalid_payload');
    return;
  }
  if (!isObject(body)) {
    sendText(res, 400, 'invalid_payload');
    return;
  }
  const deleteOriginal = truthy(body.delete_original);
  if (!deleteOriginal && !str(body.text) && body.blocks === undefined && body.attachments === undefined) {
    sendText(res, 400, 'no_text');
    return;
  }
  if (s.validate && body.blocks !== undefined) {
    const checker = new BlockChecker();
    checker.blocks(body.blocks, 'message');
    if (checker.errors.length > 0 || blockTextLength(body.blocks) > MESSAGE_BLOCK_TEXT_LIMIT) {
      sendText(res, 400, 'invalid_blocks');
      return;
    }
  }
  record.uses += 1;
  s.responseList.push({ url: record.url, body: clone(body) });
  applyResponse(s, record.context, body);
  sendText(res, 200, 'ok');
  onChange();
}

function applyResponse(s: FakeSlackState, ctx: ResponseUrlContext, body: Json): void {
  const original = ctx.channel && ctx.messageTs ? findMessage(s, ctx.channel, ctx.messageTs) : undefined;
  const text = str(body.text);
  if (truthy(body.delete_original)) {
    if (original) original.deleted = true;
    return;
  }
  if (truthy(body.replace_original)) {
    if (original) {
      if (body.blocks !== undefined) original.blocks = normalizeBlocks(s, body.blocks);
      else if (text !== undefined) original.blocks = [];
      if (text !== undefined) original.text = text;
      original.updates += 1;
    }
    return;
  }
  if (body.response_type === 'in_channel') {
    if (ctx.channel) storeMessage(s, ctx.channel, text, body.blocks, str(body.thread_ts));
    return;
  }
  s.ephemeralList.push({
    channel: ctx.channel ?? '',
    user: ctx.user ?? '',
    ...(text !== undefined ? { text } : {}),
    ...(body.blocks !== undefined ? { blocks: normalizeBlocks(s, body.blocks) } : {}),
    via: 'response_url',
  });
}
