/**
 * Send requests to the app's POST /slack/events exactly as Slack does: the same bodies, content types and
 * signature headers (X-Slack-Request-Timestamp, X-Slack-Signature: v0=HMAC-SHA256(secret, `v0:${ts}:${body}`)).
 *
 * Bodies follow Slack's payload reference: slash commands are form-encoded fields; interactivity is one form field
 * `payload=<JSON>`. The content type is exactly `application/x-www-form-urlencoded` (Bolt compares it exactly).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { FakeMessage } from '../../src/playground/fake-slack.js';

export interface SlackSender {
  /** Full URL of POST /slack/events. */
  url: string;
  signingSecret: string;
  /** Default T0PREFLIGHT (the fake's default team). */
  teamId?: string;
  /** Default preflight-test. */
  teamDomain?: string;
  /** Default A0PREFLIGHT. */
  appId?: string;
  /** The deprecated verification token Slack still sends as `token`; default "fake-verification-token". */
  verificationToken?: string;
}

export interface SignedRequestOptions {
  /** Seconds since the epoch; default now. Pass an old one to test staleness. */
  timestamp?: number;
  /** Send this X-Slack-Signature instead of the correct one. */
  signature?: string;
  /** Extra headers, e.g. X-Slack-Retry-Num. */
  headers?: Record<string, string>;
}

export interface SlackHttpResult {
  status: number;
  body: string;
  json?: any;
}

const DEFAULT_TEAM = 'T0PREFLIGHT';
const DEFAULT_DOMAIN = 'preflight-test';
const DEFAULT_APP = 'A0PREFLIGHT';
const DEFAULT_TOKEN = 'fake-verification-token';
const FORM = 'application/x-www-form-urlencoded';

/** "v0=<hex>": HMAC-SHA256 of `v0:${timestamp}:${rawBody}` with the signing secret. */
export function sign(signingSecret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** POST rawBody signed over its exact bytes. */
export async function postSigned(
  s: SlackSender,
  rawBody: string,
  contentType: string,
  opts: SignedRequestOptions = {},
): Promise<SlackHttpResult> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await fetch(s.url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': opts.signature ?? sign(s.signingSecret, timestamp, rawBody),
      ...opts.headers,
    },
    body: rawBody,
  });
  const body = await res.text();
  let json: unknown;
  if (body.length > 0) {
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
  }
  return { status: res.status, body, ...(json !== undefined ? { json } : {}) };
}

/** A trigger_id shaped like Slack's ("1234567890.1234567890.<hex>"). */
export function fakeTriggerId(): string {
  return `${Date.now()}.${Math.floor(Math.random() * 1e10)}.${randomBytes(16).toString('hex')}`;
}

/** action_ts / now as a Slack timestamp string "seconds.micros". */
export function slackNowTs(): string {
  const ms = Date.now();
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000 + Math.floor(Math.random() * 1000)).padStart(6, '0')}`;
}

function channelNameFor(channelId: string): string {
  if (channelId.startsWith('D')) return 'directmessage';
  return channelId.toLowerCase();
}

function userBlock(s: SlackSender, userId: string, userName?: string): Record<string, unknown> {
  const name = userName ?? userId.toLowerCase();
  return { id: userId, username: name, name, team_id: s.teamId ?? DEFAULT_TEAM };
}

function teamBlock(s: SlackSender): Record<string, unknown> {
  return { id: s.teamId ?? DEFAULT_TEAM, domain: s.teamDomain ?? DEFAULT_DOMAIN };
}

export interface SlashCommandParams {
  /** Default /promote. */
  command?: string;
  text: string;
  userId: string;
  userName?: string;
  channelId: string;
  channelName?: string;
  responseUrl: string;
  triggerId?: string;
}

/** The form body of a slash command, fields in the order Slack sends them. */
export function slashCommandBody(s: SlackSender, p: SlashCommandParams): string {
  return new URLSearchParams([
    ['token', s.verificationToken ?? DEFAULT_TOKEN],
    ['team_id', s.teamId ?? DEFAULT_TEAM],
    ['team_domain', s.teamDomain ?? DEFAULT_DOMAIN],
    ['channel_id', p.channelId],
    ['channel_name', p.channelName ?? channelNameFor(p.channelId)],
    ['user_id', p.userId],
    ['user_name', p.userName ?? p.userId.toLowerCase()],
    ['command', p.command ?? '/promote'],
    ['text', p.text],
    ['api_app_id', s.appId ?? DEFAULT_APP],
    ['is_enterprise_install', 'false'],
    ['response_url', p.responseUrl],
    ['trigger_id', p.triggerId ?? fakeTriggerId()],
  ]).toString();
}

export async function slashCommand(
  s: SlackSender,
  p: SlashCommandParams,
  opts?: SignedRequestOptions,
): Promise<SlackHttpResult> {
  return postSigned(s, slashCommandBody(s, p), FORM, opts);
}

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

type AnyJson = any;

function findCheckboxes(message: FakeMessage, blockId: string, actionId?: string): { element: AnyJson; block: AnyJson } {
  const block = message.blocks.find((b: AnyJson) => b && b.block_id === blockId);
  if (!block) {
    const ids = message.blocks.map((b: AnyJson) => b?.block_id).filter(Boolean);
    throw new Error(`toggleCheckboxes: no block "${blockId}" in message ${message.ts} (blocks: ${ids.join(', ')})`);
  }
  const candidates: AnyJson[] = [];
  if (Array.isArray(block.elements)) candidates.push(...block.elements);
  if (block.accessory) candidates.push(block.accessory);
  if (block.element) candidates.push(block.element);
  const element = candidates.find(
    (e) => e && e.type === 'checkboxes' && (actionId === undefined || e.action_id === actionId),
  );
  if (!element) throw new Error(`toggleCheckboxes: block "${blockId}" has no checkboxes element`);
  return { element, block };
}

function copyOption(o: AnyJson): Record<string, unknown> {
  return {
    text: structuredClone(o.text),
    value: o.value,
    ...(o.description !== undefined ? { description: structuredClone(o.description) } : {}),
  };
}

/**
 * Simulates a user who sees `message` and toggles the options with these values in the checkboxes element of block
 * `blockId` (an actions block element, a section accessory or an input element; `actionId` picks one when a block
 * holds several). Returns the action object Slack sends: the element's whole selection as that client now shows it.
 */
export function toggleCheckboxes(
  message: FakeMessage,
  blockId: string,
  toggle: string[],
  actionId?: string,
): Record<string, unknown> {
  const { element } = findCheckboxes(message, blockId, actionId);
  const options: AnyJson[] = Array.isArray(element.options) ? element.options : [];
  const initial: AnyJson[] = Array.isArray(element.initial_options) ? element.initial_options : [];
  const selected = new Set<string>(initial.map((o) => o.value));
  for (const value of toggle) {
    if (!options.some((o) => o.value === value)) {
      throw new Error(
        `toggleCheckboxes: block "${blockId}" has no option "${value}" (options: ${options.map((o) => o.value).join(', ')})`,
      );
    }
    if (selected.has(value)) selected.delete(value);
    else selected.add(value);
  }
  return {
    type: 'checkboxes',
    action_id: element.action_id,
    block_id: blockId,
    selected_options: options.filter((o) => selected.has(o.value)).map(copyOption),
    action_ts: slackNowTs(),
  };
}
