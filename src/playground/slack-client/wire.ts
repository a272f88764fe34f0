/**
 * What every payload shares: the defaults a sender leaves out (team, domain, app, verification token), the content
 * type, Slack-shaped ids and timestamps, and the `user` / `team` objects of interactivity payloads.
 */
import { randomBytes } from 'node:crypto';
import type { SlackSender } from './signing.js';

export const DEFAULT_TEAM = 'T0PREFLIGHT';
export const DEFAULT_DOMAIN = 'preflight-test';
export const DEFAULT_APP = 'A0PREFLIGHT';
export const DEFAULT_TOKEN = 'fake-verification-token';
/** Exactly this, no charset: Bolt compares it exactly. */
export const FORM = 'application/x-www-form-urlencoded';

/** A trigger_id shaped like Slack's ("1234567890.1234567890.<hex>"). */
export function fakeTriggerId(): string {
  return `${Date.now()}.${Math.floor(Math.random() * 1e10)}.${randomBytes(16).toString('hex')}`;
}

/** action_ts / now as a Slack timestamp string "seconds.micros". */
export function slackNowTs(): string {
  const ms = Date.now();
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000 + Math.floor(Math.random() * 1000)).padStart(6, '0')}`;
}

export function channelNameFor(channelId: string): string {
  if (channelId.startsWith('D')) return 'directmessage';
  return channelId.toLowerCase();
}

export function userBlock(s: SlackSender, userId: string, userName?: string): Record<string, unknown> {
  const name = userName ?? userId.toLowerCase();
  return { id: userId, username: name, name, team_id: s.teamId ?? DEFAULT_TEAM };
}

export function teamBlock(s: SlackSender): Record<string, unknown> {
  return { id: s.teamId ?? DEFAULT_TEAM, domain: s.teamDomain ?? DEFAULT_DOMAIN };
}
