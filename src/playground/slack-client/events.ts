/**
 * The Events API as Slack sends it: a JSON envelope (`type: event_callback`) around one event, signed like every
 * request. And clicks in the App Home tab: block_actions whose container is the Home view (no channel, no message).
 */
import { randomBytes } from 'node:crypto';
import { postInteractivity } from './interactivity.js';
import { postSigned, type SignedRequestOptions, type SlackHttpResult, type SlackSender } from './signing.js';
import { DEFAULT_APP, DEFAULT_TEAM, DEFAULT_TOKEN, fakeTriggerId, slackNowTs, teamBlock, userBlock } from './wire.js';

const JSON_TYPE = 'application/json';

/** An `event_callback` envelope around one event, as Slack posts it. */
export function eventEnvelope(s: SlackSender, event: Record<string, unknown>): Record<string, unknown> {
  const teamId = s.teamId ?? DEFAULT_TEAM;
  return {
    token: s.verificationToken ?? DEFAULT_TOKEN,
    team_id: teamId,
    api_app_id: s.appId ?? DEFAULT_APP,
    event: { event_ts: slackNowTs(), ...event },
    type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: teamId, user_id: 'U0PREFLIGHT', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}

export function postEvent(s: SlackSender, event: Record<string, unknown>, opts?: SignedRequestOptions): Promise<SlackHttpResult> {
  return postSigned(s, JSON.stringify(eventEnvelope(s, event)), JSON_TYPE, opts);
}

/** `app_home_opened`: the user opened the app's Home tab (`tab: 'messages'` for its Messages tab). */
export function appHomeOpened(s: SlackSender, p: { userId: string; tab?: 'home' | 'messages'; viewId?: string }, opts?: SignedRequestOptions): Promise<SlackHttpResult> {
  return postEvent(
    s,
    { type: 'app_home_opened', user: p.userId, channel: `D${p.userId.slice(1)}`, tab: p.tab ?? 'home', ...(p.viewId ? { view: { id: p.viewId, type: 'home' } } : {}) },
    opts,
  );
}

export interface HomeBlockActionsParams {
  userId: string;
  /** The Home view as the user's client shows it (what views.publish stored: id, hash, blocks...). */
  view: { id: string; hash?: string; blocks?: unknown[]; [key: string]: unknown };
  /** One action object as Slack sends it: type, action_id, block_id, value, action_ts. */
  action: Record<string, unknown>;
  triggerId?: string;
}

/** block_actions from a button in the App Home tab: the container is the Home view; no channel, message or response_url. */
export function homeBlockActionsPayload(s: SlackSender, p: HomeBlockActionsParams): Record<string, unknown> {
  const teamId = s.teamId ?? DEFAULT_TEAM;
  return {
    type: 'block_actions',
    user: userBlock(s, p.userId),
    api_app_id: s.appId ?? DEFAULT_APP,
    token: s.verificationToken ?? DEFAULT_TOKEN,
    container: { type: 'view', view_id: p.view.id },
    trigger_id: p.triggerId ?? fakeTriggerId(),
    team: teamBlock(s),
    enterprise: null,
    is_enterprise_install: false,
    view: {
      ...p.view,
      id: p.view.id,
      team_id: teamId,
      type: 'home',
      private_metadata: String(p.view['private_metadata'] ?? ''),
      callback_id: String(p.view['callback_id'] ?? ''),
      state: { values: {} },
      hash: p.view.hash ?? '',
      root_view_id: p.view.id,
      app_id: s.appId ?? DEFAULT_APP,
      bot_id: 'B0PREFLIGHT',
    },
    actions: [p.action],
  };
}

export function homeBlockActions(s: SlackSender, p: HomeBlockActionsParams, opts?: SignedRequestOptions): Promise<SlackHttpResult> {
  return postInteractivity(s, homeBlockActionsPayload(s, p), opts);
}
