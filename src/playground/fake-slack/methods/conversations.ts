/**
 * conversations.history and conversations.replies, as far as the bot reads them: a page of at most `limit` messages
 * (Slack lets non-Marketplace apps ask for 15 at most) between `oldest` and `latest`, a cursor to the next page, and
 * each message's `metadata` only with `include_all_metadata`. History is the channel's top level, newest first;
 * replies is one thread, oldest first (the parent first). Their rate tier is in ../rate-limits.ts.
 */
import { resolveChannel } from '../channels.js';
import { findMessage, messageJson } from '../messages.js';
import type { FakeSlackState } from '../state.js';
import type { FakeMessage } from '../types.js';
import { type Json, SlackApiError, str } from '../util.js';

/** What a non-Marketplace app may ask for per page since 2025-05-29. */
const MAX_LIMIT = 15;

function page(s: FakeSlackState, a: Json, list: FakeMessage[]): Json {
  const oldest = Number(str(a.oldest) ?? '0');
  const latest = str(a.latest) !== undefined ? Number(str(a.latest)) : Infinity;
  const inclusive = a.inclusive === true || a.inclusive === 'true' || a.inclusive === '1';
  const inRange = (m: FakeMessage): boolean => {
    const ts = Number(m.ts);
    return inclusive ? ts >= oldest && ts <= latest : ts > oldest && ts < latest;
  };
  const limit = Math.max(1, Math.min(MAX_LIMIT, Number(str(a.limit) ?? MAX_LIMIT) || MAX_LIMIT));
  const cursor = str(a.cursor);
  const offset = cursor ? Number(Buffer.from(cursor, 'base64').toString('utf8').replace(/^offset:/, '')) || 0 : 0;
  const matching = list.filter((m) => !m.deleted && inRange(m));
  const slice = matching.slice(offset, offset + limit);
  const withMetadata = a.include_all_metadata === true || a.include_all_metadata === 'true' || a.include_all_metadata === '1';
  const messages = slice.map((m) => {
    const json = messageJson(s, m);
    if (!withMetadata) delete json.metadata;
    return json;
  });
  const more = offset + limit < matching.length;
  return {
    ok: true,
    messages,
    has_more: more,
    response_metadata: { next_cursor: more ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '' },
  };
}

export function conversationsHistory(s: FakeSlackState, a: Json): Json {
  const ref = str(a.channel);
  if (!ref) throw new SlackApiError('channel_not_found');
  const ch = resolveChannel(s, ref);
  const top = s.msgs.filter((m) => m.channel === ch.id && (!m.thread_ts || m.thread_ts === m.ts));
  return { ...page(s, a, [...top].reverse()), pin_count: 0 };
}

export function conversationsReplies(s: FakeSlackState, a: Json): Json {
  const ref = str(a.channel);
  const ts = str(a.ts);
  if (!ref) throw new SlackApiError('channel_not_found');
  const ch = resolveChannel(s, ref);
  const parent = ts ? findMessage(s, ch.id, ts) : undefined;
  if (!parent || parent.deleted) throw new SlackApiError('thread_not_found');
  const replies = s.msgs.filter((m) => m.channel === ch.id && m.thread_ts === parent.ts && m.ts !== parent.ts);
  return page(s, a, [parent, ...replies]);
}
