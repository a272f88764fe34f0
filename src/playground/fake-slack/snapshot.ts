/**
 * The fake's workspace state as plain JSON, and back: what the playground saves on disk so that a restarted fake still
 * shows the messages, views and App Homes the bot's database refers to (their ts and view ids). Calls, response_urls
 * and trigger_ids are not kept: they expire long before anyone restarts.
 */
import type { ChannelRecord, FakeSlackState } from './state.js';
import type { FakeEphemeral, FakeMessage, FakeView } from './types.js';
import { clone } from './util.js';

export interface FakeSlackSnapshot {
  version: 1;
  messages: FakeMessage[];
  ephemerals: FakeEphemeral[];
  views: FakeView[];
  homeViewByUser: Record<string, string>;
  channels: ChannelRecord[];
  usergroups: Record<string, string[]>;
  tsCounter: number;
  viewCounter: number;
  channelCounter: number;
}

export function snapshotState(s: FakeSlackState): FakeSlackSnapshot {
  return clone({
    version: 1 as const,
    messages: s.msgs,
    ephemerals: s.ephemeralList,
    views: [...s.viewMap.values()],
    homeViewByUser: Object.fromEntries(s.homeViewByUser),
    channels: [...s.channels.values()],
    usergroups: Object.fromEntries(s.usergroups),
    tsCounter: s.tsCounter,
    viewCounter: s.viewCounter,
    channelCounter: s.channelCounter,
  });
}

/** Put a snapshot's state back (over a fresh state: configured channels and groups stay unless the snapshot has them). */
export function restoreState(s: FakeSlackState, snap: FakeSlackSnapshot): void {
  const copy = clone(snap);
  s.msgs.push(...copy.messages);
  s.ephemeralList.push(...copy.ephemerals);
  for (const v of copy.views) s.viewMap.set(v.id, v);
  for (const [user, id] of Object.entries(copy.homeViewByUser)) s.homeViewByUser.set(user, id);
  for (const c of copy.channels) if (!s.channels.has(c.id)) s.channels.set(c.id, c);
  for (const [id, members] of Object.entries(copy.usergroups)) if (!s.usergroups.has(id)) s.usergroups.set(id, members);
  s.tsCounter = Math.max(s.tsCounter, copy.tsCounter);
  s.viewCounter = Math.max(s.viewCounter, copy.viewCounter);
  s.channelCounter = Math.max(s.channelCounter, copy.channelCounter);
}
