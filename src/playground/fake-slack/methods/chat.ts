/** chat.postMessage, chat.update, chat.postEphemeral and chat.getPermalink. */
import { resolveChannel } from '../channels.js';
import { checkMessageBlocks, findMessage, messageJson, nextTs, normalizeBlocks, storeMessage } from '../messages.js';
import type { FakeSlackState } from '../state.js';
import type { FakeMessage } from '../types.js';
import { type Json, SlackApiError, str } from '../util.js';

export function postMessage(s: FakeSlackState, a: Json): Json {
  const ref = str(a.channel);
  if (!ref) throw new SlackApiError('channel_not_found');
  const refused = s.refusals.get(ref);
  if (refused) throw new SlackApiError(refused);
  const ch = resolveChannel(s, ref);
  const text = str(a.text);
  if (!text && a.blocks === undefined && a.attachments === undefined) throw new SlackApiError('no_text');
  if (text && text.length > 40_000) throw new SlackApiError('msg_too_long');
  checkMessageBlocks(s, a.blocks);
  const m = storeMessage(s, ch.id, text, a.blocks, str(a.thread_ts), metadataOf(a.metadata));
  // A thread reply also sent to the channel: Slack shows it in both.
  if (m.thread_ts && (a.reply_broadcast === true || a.reply_broadcast === 'true')) m.reply_broadcast = true;
  return { ok: true, channel: ch.id, ts: m.ts, message: messageJson(s, m) };
}

/** `metadata: { event_type, event_payload }` as Slack takes it (it refuses one without an event_type). */
function metadataOf(v: unknown): FakeMessage['metadata'] {
  if (v === undefined) return undefined;
  const m = (typeof v === 'string' ? safeParse(v) : v) as { event_type?: unknown; event_payload?: unknown } | undefined;
  if (!m || typeof m.event_type !== 'string' || !m.event_type) throw new SlackApiError('invalid_metadata_format');
  const payload = m.event_payload && typeof m.event_payload === 'object' ? (m.event_payload as Record<string, unknown>) : {};
  return { event_type: m.event_type, event_payload: payload };
}

function safeParse(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

export function updateMessage(s: FakeSlackState, a: Json): Json {
  const ref = str(a.channel);
  const ts = str(a.ts);
  if (!ref) throw new SlackApiError('channel_not_found');
  const ch = resolveChannel(s, ref);
  const m = ts ? findMessage(s, ch.id, ts) : undefined;
  if (!m || m.deleted) throw new SlackApiError('message_not_found');
  const text = str(a.text);
  if (text && text.length > 40_000) throw new SlackApiError('msg_too_long');
  checkMessageBlocks(s, a.blocks);
  // Slack: blocks replace the old ones; text without blocks drops the old blocks; neither keeps them.
  if (a.blocks !== undefined) m.blocks = normalizeBlocks(s, a.blocks);
  else if (text !== undefined) m.blocks = [];
  if (text !== undefined) m.text = text;
  m.updates += 1;
  const message = messageJson(s, m);
  delete message.ts;
  return { ok: true, channel: ch.id, ts: m.ts, text: m.text ?? '', message };
}

export function postEphemeral(s: FakeSlackState, a: Json): Json {
  const ref = str(a.channel);
  const user = str(a.user);
  if (!ref) throw new SlackApiError('channel_not_found');
  const ch = resolveChannel(s, ref);
  if (!user) throw new SlackApiError('user_not_found');
  if (s.strictUsers && !s.users.has(user)) throw new SlackApiError('user_not_found');
  const text = str(a.text);
  if (!text && a.blocks === undefined && a.attachments === undefined) throw new SlackApiError('no_text');
  checkMessageBlocks(s, a.blocks);
  const messageTs = nextTs(s);
  s.ephemeralList.push({
    channel: ch.id,
    user,
    ...(text !== undefined ? { text } : {}),
    ...(a.blocks !== undefined ? { blocks: normalizeBlocks(s, a.blocks) } : {}),
    via: 'chat.postEphemeral',
    message_ts: messageTs,
  });
  return { ok: true, message_ts: messageTs };
}

export function getPermalink(s: FakeSlackState, a: Json): Json {
  const ref = str(a.channel);
  const ts = str(a.message_ts);
  if (!ref) throw new SlackApiError('channel_not_found');
  const ch = resolveChannel(s, ref);
  const m = ts ? findMessage(s, ch.id, ts) : undefined;
  if (!m || m.deleted) throw new SlackApiError('message_not_found');
  const base = `https://${s.teamDomain}.slack.com/archives/${ch.id}/p${m.ts.replace('.', '')}`;
  const permalink = m.thread_ts && m.thread_ts !== m.ts ? `${base}?thread_ts=${m.thread_ts}&cid=${ch.id}` : base;
  return { ok: true, channel: ch.id, permalink };
}
