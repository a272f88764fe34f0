/** auth.test, users.info, usergroups.users.list, conversations.info and conversations.open. */
import { resolveChannel } from '../channels.js';
import { type ChannelRecord, type FakeSlackState, TS_BASE_SECONDS } from '../state.js';
import { type Json, SlackApiError, str } from '../util.js';

export function authTest(s: FakeSlackState): Json {
  return {
    ok: true,
    url: `https://${s.teamDomain}.slack.com/`,
    team: 'Preflight Test',
    user: s.users.get(s.botUserId)?.name ?? 'preflight',
    team_id: s.teamId,
    user_id: s.botUserId,
    bot_id: s.botId,
    is_enterprise_install: false,
  };
}

export function usersInfo(s: FakeSlackState, a: Json): Json {
  const u = s.users.get(str(a.user) ?? '');
  if (!u) throw new SlackApiError('user_not_found');
  const tz = u.tz ?? 'America/Los_Angeles';
  const { offset, label } = timeZoneInfo(tz);
  const realName = u.real_name ?? u.name;
  return {
    ok: true,
    user: {
      id: u.id,
      team_id: s.teamId,
      name: u.name,
      deleted: false,
      color: '9f69e7',
      real_name: realName,
      tz,
      tz_label: label,
      tz_offset: offset,
      profile: {
        real_name: realName,
        real_name_normalized: realName,
        display_name: u.is_bot ? '' : u.name,
        display_name_normalized: u.is_bot ? '' : u.name,
        team: s.teamId,
        ...(u.is_bot ? { bot_id: s.botId, api_app_id: s.appId, always_active: true } : {}),
      },
      is_admin: false,
      is_owner: false,
      is_primary_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: u.is_bot,
      is_app_user: false,
      updated: TS_BASE_SECONDS,
    },
  };
}

function timeZoneInfo(tz: string, at = new Date()): { offset: number; label: string } {
  try {
    const seconds = Math.floor(at.getTime() / 1000) * 1000;
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'long',
    }).formatToParts(new Date(seconds));
    const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
    const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    const label = parts.find((p) => p.type === 'timeZoneName')?.value ?? tz;
    return { offset: Math.round((asUtc - seconds) / 1000), label };
  } catch {
    return { offset: 0, label: tz };
  }
}

export function usergroupsUsersList(s: FakeSlackState, a: Json): Json {
  const members = s.usergroups.get(str(a.usergroup) ?? '');
  if (!members) throw new SlackApiError('no_such_subteam');
  return { ok: true, users: [...members] };
}

export function conversationsInfo(s: FakeSlackState, a: Json): Json {
  const id = str(a.channel);
  if (!id) throw new SlackApiError('channel_not_found');
  return { ok: true, channel: channelObject(s, resolveChannel(s, id)) };
}

export function conversationsOpen(s: FakeSlackState, a: Json): Json {
  const users = (str(a.users) ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  const first = users[0];
  if (!first) throw new SlackApiError('users_list_not_supplied');
  if (users.length > 1) throw new SlackApiError('not_supported', ['[ERROR] the fake opens 1:1 DMs only']);
  const ch = resolveChannel(s, first);
  return { ok: true, channel: { id: ch.id } };
}

function channelObject(s: FakeSlackState, c: ChannelRecord): Json {
  if (c.is_im) {
    return {
      id: c.id,
      created: c.created,
      is_archived: false,
      is_im: true,
      is_org_shared: false,
      context_team_id: s.teamId,
      updated: c.created * 1000,
      user: c.user ?? '',
      is_user_deleted: false,
      priority: 0,
    };
  }
  return {
    id: c.id,
    name: c.name,
    is_channel: true,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: c.is_private,
    created: c.created,
    is_archived: false,
    is_general: c.name === 'general',
    unlinked: 0,
    name_normalized: c.name,
    is_shared: false,
    is_org_shared: false,
    is_pending_ext_shared: false,
    pending_shared: [],
    context_team_id: s.teamId,
    updated: c.created * 1000,
    parent_conversation: null,
    creator: s.botUserId,
    is_ext_shared: false,
    shared_team_ids: [s.teamId],
    pending_connected_team_ids: [],
    is_member: true,
    topic: { value: '', creator: '', last_set: 0 },
    purpose: { value: '', creator: '', last_set: 0 },
    previous_names: [],
  };
}
