/**
 * The playground's workspace: the people the "you are" switcher offers, the user group, the channels, and the bot's
 * own identity, as the emulator (../fake-slack.ts) is started with. The playground template
 * (../checklists/playground.yml) gives these people its roles.
 */
import type { FakeChannel, FakeUser } from '../fake-slack.js';

export interface Person extends FakeUser {
  /** What the switcher says they are in the promotion. */
  role: string;
  tz: string;
}

export const PEOPLE: readonly Person[] = [
  { id: 'U0LEAD', name: 'riley', real_name: 'Riley Chen', role: 'Release lead (starts the promotion, leads a rollback)', tz: 'Europe/London' },
  { id: 'U0PM', name: 'priya', real_name: 'Priya Natarajan', role: 'Product manager (acknowledges a rollback)', tz: 'America/New_York' },
  { id: 'U0CTO', name: 'morgan', real_name: 'Morgan Blake', role: 'CTO (engineering lead, acknowledges a rollback)', tz: 'America/Los_Angeles' },
  { id: 'U0CHAIR', name: 'eleanor', real_name: 'Eleanor Hughes', role: 'Chairman (decides GO / NO-GO)', tz: 'Europe/London' },
  { id: 'U0DBA', name: 'sam', real_name: 'Sam Okafor', role: 'DBA (in @dba-team)', tz: 'Africa/Lagos' },
  { id: 'U0SEC', name: 'jordan', real_name: 'Jordan Reyes', role: 'Security lead (engineering lead)', tz: 'Europe/Berlin' },
  { id: 'U0OUT', name: 'casey', real_name: 'Casey Park', role: 'Outsider (no role)', tz: 'Asia/Tokyo' },
];

export interface UserGroup {
  id: string;
  handle: string;
  name: string;
  users: string[];
}

export const USER_GROUPS: readonly UserGroup[] = [{ id: 'S0DBATEAM', handle: 'dba-team', name: 'Database admins', users: ['U0DBA'] }];

export const DEPLOYS = 'C0DEPLOYS';
export const RELEASES = 'C0RELEASES';

export const CHANNELS: readonly (FakeChannel & { topic: string })[] = [
  { id: DEPLOYS, name: 'deploys', topic: 'Promotions run here: type /promote start v1.50' },
  { id: RELEASES, name: 'release-announcements', topic: 'Where stakeholders hear about GO, NO-GO, completion and a rollback (and acknowledge it)' },
];

export const BOT_USER_ID = 'U0PREFLIGHT';
