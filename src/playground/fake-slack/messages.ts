/**
 * Messages as Slack stores them: one `ts` counter, normalised blocks, the message JSON the Web API answers with,
 * and the Block Kit checks a message must pass. Shared by the chat.* methods and response_url posts.
 */
import { BlockChecker, blockTextLength, MESSAGE_BLOCK_TEXT_LIMIT } from './block-checker.js';
import { type FakeSlackState, TS_BASE_SECONDS } from './state.js';
import type { FakeMessage } from './types.js';
import { clone, isObject, type Json, randomId, SlackApiError } from './util.js';

/**
 * A new message ts: the fake's clock (as Slack's ts is its clock when the message was stored), strictly after the
 * last one handed out, so that `oldest`/`latest` in conversations.history mean what they mean on Slack.
 */
export function nextTs(s: FakeSlackState): string {
  const micros = Math.max(s.tsCounter + 100, Math.floor(s.now()) * 1000, TS_BASE_SECONDS * 1_000_000);
  s.tsCounter = micros;
  const seconds = Math.floor(micros / 1_000_000);
  return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

export function findMessage(s: FakeSlackState, channel: string, ts: string): FakeMessage | undefined {
  return s.msgs.find((m) => m.channel === channel && m.ts === ts);
}

export function checkMessageBlocks(s: FakeSlackState, blocks: unknown): void {
  if (!s.validate || blocks === undefined) return;
  const checker = new BlockChecker();
  checker.blocks(blocks, 'message');
  if (checker.errors.length > 0) throw new SlackApiError('invalid_blocks', checker.errors);
  if (blockTextLength(blocks) > MESSAGE_BLOCK_TEXT_LIMIT) throw new SlackApiError('msg_blocks_too_long');
}

/** Store blocks the way Slack returns them. */
export function normalizeBlocks(s: FakeSlackState, blocks: unknown): any[] {
  if (!Array.isArray(blocks)) return [];
  const copy = clone(blocks) as unknown[];
  if (!s.normalize) return copy;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (!isObject(v)) return;
    if (v.type === 'plain_text' && typeof v.text === 'string' && v.emoji === undefined) v.emoji = true;
    if (v.type === 'mrkdwn' && typeof v.text === 'string' && v.verbatim === undefined) v.verbatim = false;
    for (const x of Object.values(v)) walk(x);
  };
  for (const b of copy) {
    if (isObject(b) && b.block_id === undefined) b.block_id = randomId(5, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=');
  }
  walk(copy);
  return copy;
}

export function messageJson(s: FakeSlackState, m: FakeMessage): Json {
  return {
    user: m.user,
    type: 'message',
    ts: m.ts,
    bot_id: m.bot_id,
    app_id: s.appId,
    text: m.text ?? '',
    team: s.teamId,
    blocks: clone(m.blocks),
    ...(m.thread_ts ? { thread_ts: m.thread_ts, parent_user_id: parentUser(s, m) } : {}),
    ...(m.metadata ? { metadata: clone(m.metadata) } : {}),
    ...(m.files ? { files: clone(m.files) } : {}),
  };
}

function parentUser(s: FakeSlackState, m: FakeMessage): string {
  return (m.thread_ts && findMessage(s, m.channel, m.thread_ts)?.user) || s.botUserId;
}

export function storeMessage(
  s: FakeSlackState,
  channel: string,
  text: string | undefined,
  blocks: unknown,
  threadTs: string | undefined,
  metadata?: FakeMessage['metadata'],
): FakeMessage {
  const m: FakeMessage = {
    channel,
    ts: nextTs(s),
    ...(threadTs ? { thread_ts: threadTs } : {}),
    ...(text !== undefined ? { text } : {}),
    blocks: normalizeBlocks(s, blocks),
    user: s.botUserId,
    updates: 0,
    bot_id: s.botId,
    ...(metadata ? { metadata } : {}),
  };
  s.msgs.push(m);
  return m;
}
