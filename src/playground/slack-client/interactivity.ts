/**
 * Interactivity: one form field `payload=<JSON>`. block_actions (a click on a message as a given client shows it)
 * and view_submission (a modal submitted), shaped as in Slack's payload reference.
 */
import { randomBytes } from 'node:crypto';
import type { FakeMessage } from '../fake-slack.js';
import { postSigned, type SignedRequestOptions, type SlackHttpResult, type SlackSender } from './signing.js';
import { channelNameFor, DEFAULT_APP, DEFAULT_TEAM, DEFAULT_TOKEN, fakeTriggerId, FORM, teamBlock, userBlock } from './wire.js';

/** Form body `payload=<JSON>` as Slack sends interactivity payloads. */
export function interactivityBody(payload: Record<string, unknown>): string {
  return new URLSearchParams([['payload', JSON.stringify(payload)]]).toString();
}

export async function postInteractivity(
  s: SlackSender,
  payload: Record<string, unknown>,
  opts?: SignedRequestOptions,
): Promise<SlackHttpResult> {
  return postSigned(s, interactivityBody(payload), FORM, opts);
}

/** The message object as it appears in a block_actions payload. */
export function payloadMessage(message: FakeMessage, teamId = DEFAULT_TEAM, appId = DEFAULT_APP): Record<string, unknown> {
  return {
    user: message.user,
    type: 'message',
    ts: message.ts,
    ...(message.bot_id ? { bot_id: message.bot_id, app_id: appId } : {}),
    text: message.text ?? '',
    team: teamId,
    blocks: structuredClone(message.blocks),
    ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
  };
}

export interface BlockActionsParams {
  userId: string;
  userName?: string;
  channelId: string;
  channelName?: string;
  /** The message as this client shows it (take it from the fake before other updates land to simulate a stale client). */
  message: FakeMessage;
  /** One action object as Slack sends it: type, action_id, block_id, action_ts, plus selected_options / selected_option / value. */
  action: Record<string, unknown>;
  responseUrl: string;
  triggerId?: string;
  /** state.values of the message's stateful elements; default {} */
  stateValues?: Record<string, Record<string, unknown>>;
}

export function blockActionsPayload(s: SlackSender, p: BlockActionsParams): Record<string, unknown> {
  const teamId = s.teamId ?? DEFAULT_TEAM;
  return {
    type: 'block_actions',
    user: userBlock(s, p.userId, p.userName),
    api_app_id: s.appId ?? DEFAULT_APP,
    token: s.verificationToken ?? DEFAULT_TOKEN,
    container: {
      type: 'message',
      message_ts: p.message.ts,
      channel_id: p.channelId,
      is_ephemeral: false,
      ...(p.message.thread_ts ? { thread_ts: p.message.thread_ts } : {}),
    },
    trigger_id: p.triggerId ?? fakeTriggerId(),
    team: teamBlock(s),
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: p.channelId, name: p.channelName ?? channelNameFor(p.channelId) },
    message: payloadMessage(p.message, teamId, s.appId ?? DEFAULT_APP),
    state: { values: p.stateValues ?? {} },
    response_url: p.responseUrl,
    actions: [p.action],
  };
}

export async function blockActions(
  s: SlackSender,
  p: BlockActionsParams,
  opts?: SignedRequestOptions,
): Promise<SlackHttpResult> {
  return postInteractivity(s, blockActionsPayload(s, p), opts);
}

export interface ViewBlockActionsParams {
  userId: string;
  userName?: string;
  /** The modal as this client shows it: its id, hash, callback_id, private_metadata and current input state. */
  view: SubmittedView;
  /** One action object as Slack sends it for an element with dispatch_action (type, action_id, block_id, action_ts...). */
  action: Record<string, unknown>;
  triggerId?: string;
}

/** block_actions from inside an open modal: the container is the view, and there is no channel or message. */
export function viewBlockActionsPayload(s: SlackSender, p: ViewBlockActionsParams): Record<string, unknown> {
  const teamId = s.teamId ?? DEFAULT_TEAM;
  const { id, hash, ...rest } = p.view;
  return {
    type: 'block_actions',
    user: userBlock(s, p.userId, p.userName),
    api_app_id: s.appId ?? DEFAULT_APP,
    token: s.verificationToken ?? DEFAULT_TOKEN,
    container: { type: 'view', view_id: id },
    trigger_id: p.triggerId ?? fakeTriggerId(),
    team: teamBlock(s),
    enterprise: null,
    is_enterprise_install: false,
    view: { ...rest, id, team_id: teamId, type: 'modal', root_view_id: id, app_id: s.appId ?? DEFAULT_APP, hash: hash ?? '' },
    actions: [p.action],
  };
}

export async function viewBlockActions(s: SlackSender, p: ViewBlockActionsParams, opts?: SignedRequestOptions): Promise<SlackHttpResult> {
  return postInteractivity(s, viewBlockActionsPayload(s, p), opts);
}

export interface SubmittedView {
  id: string;
  callback_id: string;
  private_metadata: string;
  state: { values: Record<string, Record<string, unknown>> };
  hash?: string;
  /** Anything else of the view as opened (blocks, title, submit, root_view_id, ...) is passed through. */
  [key: string]: unknown;
}

export interface ViewSubmissionParams {
  userId: string;
  userName?: string;
  view: SubmittedView;
  triggerId?: string;
}

export function viewSubmissionPayload(s: SlackSender, p: ViewSubmissionParams): Record<string, unknown> {
  const teamId = s.teamId ?? DEFAULT_TEAM;
  const { id, callback_id, private_metadata, state, hash, ...rest } = p.view;
  return {
    type: 'view_submission',
    team: teamBlock(s),
    user: userBlock(s, p.userId, p.userName),
    api_app_id: s.appId ?? DEFAULT_APP,
    token: s.verificationToken ?? DEFAULT_TOKEN,
    trigger_id: p.triggerId ?? fakeTriggerId(),
    view: {
      id,
      team_id: teamId,
      type: 'modal',
      blocks: [],
      title: { type: 'plain_text', text: 'Preflight', emoji: true },
      close: null,
      submit: null,
      clear_on_close: false,
      notify_on_close: false,
      previous_view_id: null,
      root_view_id: id,
      app_id: s.appId ?? DEFAULT_APP,
      external_id: '',
      app_installed_team_id: teamId,
      bot_id: 'B0PREFLIGHT',
      ...rest,
      private_metadata,
      callback_id,
      state,
      hash: hash ?? `${Math.floor(Date.now() / 1000)}.${randomBytes(4).readUInt32BE(0)}`,
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export async function viewSubmission(
  s: SlackSender,
  p: ViewSubmissionParams,
  opts?: SignedRequestOptions,
): Promise<SlackHttpResult> {
  return postInteractivity(s, viewSubmissionPayload(s, p), opts);
}
