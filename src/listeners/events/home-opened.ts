import type { SlackEventMiddlewareArgs } from '@slack/bolt';
import { USER_ID_PATTERN } from '../../domain/assignees.js';
import { homeOpened } from '../../services/home.js';
import type { RequestContext } from '../context.js';

/**
 * `app_home_opened`: someone opened the app (the Home tab, or its Messages tab: only Home is answered). Their Home is
 * published (src/services/home.ts), and they are remembered, so that later changes that concern them publish it again.
 * Bolt has acknowledged the event already; a failure is logged, never answered (an event has nobody to answer).
 */
export async function onHomeOpened({ event, body, context }: SlackEventMiddlewareArgs<'app_home_opened'> & { context: RequestContext }): Promise<void> {
  if (event.tab !== 'home') return;
  // Only a person's Home is remembered: a user that is no user id (a forged or malformed event) would be stored and
  // its publish refused by Slack, then retried by the stale-Homes job for ever.
  const user: unknown = event.user;
  if (typeof user !== 'string' || !USER_ID_PATTERN.test(user)) {
    context.log.warn({ user: typeof user === 'string' ? user.slice(0, 40) : typeof user }, 'app_home_opened without a user id: ignored');
    return;
  }
  const teamId = (body as { team_id?: string }).team_id ?? null;
  await homeOpened(context.deps, teamId, user);
}
