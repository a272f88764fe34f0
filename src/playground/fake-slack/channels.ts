/**
 * How a channel argument resolves to a channel (see "Channels" in the module comment of ../fake-slack.ts):
 * configured channels only when `channels` was given, auto-created ones otherwise, and user IDs open the bot's DM.
 */
import { type ChannelRecord, type FakeSlackState, TS_BASE_SECONDS } from './state.js';
import { SlackApiError } from './util.js';

export function resolveChannel(s: FakeSlackState, ref: string): ChannelRecord {
  const existing = s.channels.get(ref);
  if (existing) return existing;
  if (/^[UW][A-Z0-9]+$/.test(ref)) {
    if (s.strictChannels && !s.users.has(ref)) throw new SlackApiError('channel_not_found');
    return dmWith(s, ref);
  }
  if (ref.startsWith('#') || !/^[CGD][A-Z0-9]+$/.test(ref)) {
    const name = ref.replace(/^#/, '');
    for (const c of s.channels.values()) if (!c.is_im && c.name === name) return c;
    if (s.strictChannels) throw new SlackApiError('channel_not_found');
    const id = `C0FAKE${String(++s.channelCounter).padStart(4, '0')}`;
    const created: ChannelRecord = { id, name, is_private: false, is_im: false, created: TS_BASE_SECONDS };
    s.channels.set(id, created);
    return created;
  }
  if (s.strictChannels) throw new SlackApiError('channel_not_found');
  const created: ChannelRecord = {
    id: ref,
    name: ref.toLowerCase(),
    is_private: false,
    is_im: ref.startsWith('D'),
    created: TS_BASE_SECONDS,
  };
  s.channels.set(ref, created);
  return created;
}

export function dmWith(s: FakeSlackState, userId: string): ChannelRecord {
  const id = `D${userId.slice(1)}`;
  const existing = s.channels.get(id);
  if (existing) return existing;
  const created: ChannelRecord = { id, name: userId, is_private: true, is_im: true, user: userId, created: TS_BASE_SECONDS };
  s.channels.set(id, created);
  return created;
}
