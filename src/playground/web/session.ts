/**
 * One run of the playground: the local stack (the real bot on PGlite and the emulator) and what a Slack client would
 * keep for the people using the page: who has which modals open (a stack of up to three), ephemeral messages and where
 * they show, the answers a slash command or a modal submission got in its acknowledgement, and the wire log (every
 * request sent to the bot, signed and form-encoded as Slack sends it, or in Socket Mode its envelope and ack, and every
 * Web API call the bot made).
 *
 * Every click reaches the bot through the slack-client simulator (../slack-client/): a fresh response_url and a
 * trigger_id from the emulator, which honours it once within 3 seconds.
 */
import { randomBytes } from 'node:crypto';
import { SUBCOMMANDS } from '../../../commands/index.js';
import { BlockChecker } from '../fake-slack/block-checker.js';
import type { FakeMessage, FakeView, RecordedCall } from '../fake-slack.js';
import {
  blockActionsPayload,
  envelopeOf,
  eventEnvelope,
  homeBlockActionsPayload,
  interactivityBody,
  postSigned,
  sign,
  slackNowTs,
  slashCommandBody,
  viewBlockActionsPayload,
  viewSubmissionPayload,
  type SlackHttpResult,
  type SubmittedView,
} from '../slack-client/index.js';
import type { LocalStack } from '../stack.js';
import type { PlaygroundClock } from './clock.js';
import { BOT_USER_ID, CHANNELS, PEOPLE, USER_GROUPS } from './workspace.js';

const FORM = 'application/x-www-form-urlencoded';
const WIRE_KEPT = 400;
/** Web API calls the emulator keeps for the wire panel and the refusals shown (older ones are dropped). */
const CALLS_KEPT = 2000;
/** Slack shows at most three modals on top of each other. */
const MAX_MODALS = 3;

type Json = Record<string, any>;

export interface WireEntry {
  /** 'request': to the bot's /slack/events (in Socket Mode: an envelope and its ack); 'call': a Web API call the bot made. */
  dir: 'request' | 'call';
  at: number;
  id: string;
  title: string;
  status: string;
  ok: boolean;
  detail: Json;
}

interface ModalEntry {
  viewId: string;
  /** A view the bot answered a submission with (`response_action: update | push`): no Web API call made it. */
  local?: Json;
}

interface Ephemeral {
  key: string;
  channel: string;
  user: string;
  text?: string;
  blocks?: unknown[];
  /** Shown after this message of the channel (or of the thread). */
  afterTs: string;
  threadTs?: string;
  from: 'app' | 'slackbot';
  hidden?: boolean;
  /** A button in it answers through this response_url (its replace_original / delete_original apply to it). */
  responseUrl?: string;
}

export interface ActionRequest {
  user: string;
  container:
    | { type: 'message'; channel: string; ts: string; /** The message's blocks as the page showed them when clicked. */ blocks?: unknown[] }
    | { type: 'ephemeral'; key: string }
    | { type: 'view'; viewId: string; values?: Json }
    | { type: 'home' };
  action: Json;
  /** The thread the page shows the message in (so that answers to the click show there). */
  threadTs?: string;
}

export class Session {
  private readonly wire: WireEntry[] = [];
  private readonly triggerOwner = new Map<string, string>();
  private readonly modals = new Map<string, ModalEntry[]>();
  private readonly seenViews = new Set<string>();
  private readonly fakeEphemerals: Ephemeral[] = [];
  private readonly localEphemerals: Ephemeral[] = [];
  /** Where the next ephemerals of a person belong: the thread of their last click. */
  private readonly lastThread = new Map<string, string | undefined>();
  /** response_url -> the ephemeral message it answers for. */
  private readonly ephemeralUrls = new Map<string, { key: string; seen: number }>();
  private readonly callsSeenAt = new Map<number, number>();
  private readonly stopListening: () => void;
  private seq = 0;
  version = 0;

  constructor(
    readonly stack: LocalStack,
    readonly clock: PlaygroundClock,
    private readonly changed: () => void,
  ) {
    for (const v of stack.fake.views()) this.seenViews.add(v.id);
    for (const e of stack.fake.ephemerals()) this.fakeEphemerals.push({ ...e, key: `f${this.fakeEphemerals.length}`, afterTs: e.message_ts ?? '0', from: 'app' });
    this.stopListening = stack.fake.onChange(() => this.notify());
  }

  close(): void {
    this.stopListening();
  }

  /** Something the page shows changed. */
  notify(): void {
    this.version += 1;
    const now = Date.now();
    const calls = this.stack.fake.calls;
    for (const c of calls.slice(-20)) if (!this.callsSeenAt.has(c.seq)) this.callsSeenAt.set(c.seq, now);
    // The emulator records every call with its blocks; a playground left running for days must not keep them all.
    if (calls.length > CALLS_KEPT * 2) {
      for (const c of calls.splice(0, calls.length - CALLS_KEPT)) this.callsSeenAt.delete(c.seq);
    }
    this.changed();
  }

  // ----- what the page shows ----------------------------------------------------------------------------------

  /** Bring the client-side state up to date with the emulator: new modals, new ephemerals, answers to ephemerals. */
  private sync(): void {
    const fake = this.stack.fake;
    for (const v of fake.views()) {
      if (this.seenViews.has(v.id)) continue;
      this.seenViews.add(v.id);
      if (v.method === 'views.publish') continue;
      const user = v.trigger_id ? this.triggerOwner.get(v.trigger_id) : undefined;
      if (!user) continue;
      const stack = v.method === 'views.open' ? [] : (this.modals.get(user) ?? []);
      this.modals.set(user, [...stack, { viewId: v.id }].slice(-MAX_MODALS));
    }
    const all = fake.ephemerals();
    for (let i = this.fakeEphemerals.length; i < all.length; i++) {
      const e = all[i]!;
      const threadTs = this.lastThread.get(e.user);
      this.fakeEphemerals.push({
        key: `f${i}`,
        channel: e.channel,
        user: e.user,
        ...(e.text !== undefined ? { text: e.text } : {}),
        ...(e.blocks !== undefined ? { blocks: e.blocks } : {}),
        afterTs: this.lastTs(e.channel, threadTs),
        ...(threadTs ? { threadTs } : {}),
        from: 'app',
      });
    }
    for (const [url, target] of this.ephemeralUrls) {
      const answers = fake.responses(url);
      for (const r of answers.slice(target.seen)) {
        const shown = this.ephemeral(target.key);
        if (!shown) continue;
        if (r.body.delete_original === true || r.body.delete_original === 'true') shown.hidden = true;
        else if (r.body.replace_original === true || r.body.replace_original === 'true') {
          shown.text = typeof r.body.text === 'string' ? r.body.text : '';
          shown.blocks = Array.isArray(r.body.blocks) ? r.body.blocks : [];
        }
      }
      target.seen = answers.length;
    }
  }

  private ephemeral(key: string): Ephemeral | undefined {
    return [...this.fakeEphemerals, ...this.localEphemerals].find((e) => e.key === key);
  }

  /** The newest message of a channel (or of a thread): an ephemeral appearing now shows after it. */
  private lastTs(channel: string, threadTs?: string): string {
    const msgs = this.stack.fake.messages(channel).filter((m) => (threadTs ? m.thread_ts === threadTs || m.ts === threadTs : !m.thread_ts || m.thread_ts === m.ts));
    return msgs.at(-1)?.ts ?? '0';
  }

  state(user: string): Json {
    this.sync();
    const fake = this.stack.fake;
    const messages = fake.messages().filter((m) => !m.deleted && !m.channel.startsWith('D'));
    const dms = fake.messages(`D${user.slice(1)}`).filter((m) => !m.deleted);
    const home = fake.views().find((v) => v.method === 'views.publish' && v.user_id === user);
    const modals = (this.modals.get(user) ?? []).map((m) => ({ viewId: m.viewId, view: m.local ?? this.fakeView(m.viewId)?.view ?? null })).filter((m) => m.view);
    return {
      version: this.version,
      me: user,
      transport: this.transport,
      botUserId: BOT_USER_ID,
      people: PEOPLE,
      usergroups: USER_GROUPS,
      channels: CHANNELS,
      now: this.clock.now().toISOString(),
      clockOffsetMs: this.clock.offset,
      /** When the clock was moved (wall-clock ms) and by how much since: the page shows each message at the bot's time. */
      clockSteps: this.clock.steps,
      messages,
      dms,
      ephemerals: [...this.fakeEphemerals, ...this.localEphemerals].filter((e) => e.user === user && !e.hidden),
      modals,
      home: home ? home.view : null,
      refusals: this.refusals(),
      subcommands: [...SUBCOMMANDS.map((s) => ({ name: s.name, usage: s.usage, summary: s.summary })), { name: 'help', usage: '/promote help', summary: 'list the subcommands' }],
    };
  }

  private fakeView(id: string): FakeView | undefined {
    return this.stack.fake.views().find((v) => v.id === id);
  }

  /** Web API calls the emulator refused (bad Block Kit, unknown channel...): Slack would show nothing; the page does. */
  private refusals(): Json[] {
    return this.stack.fake.calls
      .filter((c) => c.answer && c.answer.ok === false)
      .map((c) => ({
        seq: c.seq,
        method: c.method,
        error: c.answer!.error,
        messages: (c.answer!.response_metadata as { messages?: string[] } | undefined)?.messages ?? [],
        channel: typeof c.args.channel === 'string' ? c.args.channel : undefined,
        at: this.callsSeenAt.get(c.seq) ?? 0,
      }));
  }

  wireLog(): WireEntry[] {
    const calls = this.stack.fake.calls.slice(-WIRE_KEPT).map((c) => callEntry(c, this.callsSeenAt.get(c.seq) ?? 0));
    return [...this.wire, ...calls].sort((a, b) => a.at - b.at).slice(-WIRE_KEPT);
  }

  // ----- what a person does -------------------------------------------------------------------------------------

  private issueTrigger(user: string): string {
    const id = this.stack.fake.triggerId();
    this.triggerOwner.set(id, user);
    return id;
  }

  private person(user: string) {
    const p = PEOPLE.find((x) => x.id === user);
    if (!p) throw new PageError(400, `no such person: ${user}`);
    return p;
  }

  /** How the bot takes requests: signed HTTP POSTs (the default) or Socket Mode envelopes (`--socket-mode`). */
  get transport(): 'http' | 'socket' {
    return this.stack.bot.sender.socket ? 'socket' : 'http';
  }

  /**
   * POST a body to the bot signed as Slack signs it, or in Socket Mode deliver it as an envelope and take the ack's
   * payload as the answer, and log it on the wire.
   */
  private async send(title: string, rawBody: string, contentType: string, payload: Json): Promise<SlackHttpResult> {
    const sender = this.stack.bot.sender;
    const timestamp = Math.floor(Date.now() / 1000);
    const at = Date.now();
    let res: SlackHttpResult;
    try {
      res = await postSigned(sender, rawBody, contentType, { timestamp });
    } catch (err) {
      res = { status: 0, body: String(err) };
    }
    if (sender.socket) {
      const { type } = envelopeOf(rawBody, contentType);
      const envelopeId = res.socket?.envelopeId;
      this.wire.push({
        dir: 'request',
        at,
        id: `r${++this.seq}`,
        title,
        status: res.socket?.acked ? `ack${res.socket.deliveries > 1 ? ` after ${res.socket.deliveries} deliveries` : ''}` : 'no ack',
        ok: res.status === 200,
        detail: {
          envelope: { envelope_id: envelopeId, type, accepts_response_payload: type !== 'events_api', payload },
          ack: res.socket?.acked ? { envelope_id: envelopeId, ...(res.json ? { payload: res.json } : {}) } : null,
          ...(res.socket ? { deliveries: res.socket.deliveries } : { error: res.body }),
        },
      });
      if (this.wire.length > WIRE_KEPT) this.wire.splice(0, this.wire.length - WIRE_KEPT);
      this.notify();
      return res;
    }
    this.wire.push({
      dir: 'request',
      at,
      id: `r${++this.seq}`,
      title,
      status: res.status === 0 ? 'no answer' : `HTTP ${res.status}`,
      ok: res.status === 200,
      detail: {
        url: sender.url,
        headers: {
          'content-type': contentType,
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': sign(sender.signingSecret, timestamp, rawBody),
        },
        body: rawBody.length > 20_000 ? `${rawBody.slice(0, 20_000)}…` : rawBody,
        payload,
        answer: res.json ?? res.body,
      },
    });
    if (this.wire.length > WIRE_KEPT) this.wire.splice(0, this.wire.length - WIRE_KEPT);
    this.notify();
    return res;
  }

  private notice(user: string, channel: string, text: string, from: Ephemeral['from'], blocks?: unknown[], threadTs?: string): void {
    this.localEphemerals.push({
      key: `l${this.localEphemerals.length}`,
      channel,
      user,
      text,
      ...(blocks ? { blocks } : {}),
      afterTs: this.lastTs(channel, threadTs),
      ...(threadTs ? { threadTs } : {}),
      from,
    });
    this.notify();
  }

  /** A slash command typed in the composer. Its acknowledgement's answer shows as Slack shows it, privately. */
  async command(user: string, channel: string, line: string): Promise<Json> {
    const p = this.person(user);
    const m = /^(\/\S+)\s*([\s\S]*)$/.exec(line.trim());
    if (!m) throw new PageError(400, 'type a slash command, such as /promote start v1.50');
    const [, command, text] = m;
    if (command !== '/promote') {
      this.notice(user, channel, `\`${command}\` is not a valid command. In the playground, only \`/promote\` is installed.`, 'slackbot');
      return { status: 0 };
    }
    this.lastThread.set(user, undefined);
    const fake = this.stack.fake;
    const params = { text: text!, userId: user, userName: p.name, channelId: channel, channelName: CHANNELS.find((c) => c.id === channel)?.name, responseUrl: fake.responseUrl({ channel, user }), triggerId: this.issueTrigger(user) };
    const body = slashCommandBody(this.stack.bot.sender, params);
    const res = await this.send(`${command} ${text}`, body, FORM, Object.fromEntries(new URLSearchParams(body)));
    if (res.status !== 200) {
      this.notice(user, channel, `${command} failed with the error "${res.status === 0 ? 'operation_timeout' : 'dispatch_failed'}"`, 'slackbot');
    } else if (res.json && (res.json.text || res.json.blocks)) {
      this.notice(user, channel, res.json.text ?? '', 'app', res.json.blocks);
    }
    return { status: res.status };
  }

  /** A click on a button, checkbox, menu or picker, wherever it is. */
  async action(req: ActionRequest): Promise<Json> {
    const p = this.person(req.user);
    const sender = this.stack.bot.sender;
    const fake = this.stack.fake;
    const action = { ...req.action, action_ts: slackNowTs() };
    const triggerId = this.issueTrigger(req.user);
    const title = `block_actions ${String(req.action.action_id ?? req.action.type)}`;
    let payload: Json;
    switch (req.container.type) {
      case 'message': {
        const { channel, ts } = req.container;
        const stored = fake.message(channel, ts);
        if (!stored) throw new PageError(404, 'that message is gone');
        // Slack sends the message as the clicker's client shows it, which may be behind what the bot last rendered.
        const message: FakeMessage = Array.isArray(req.container.blocks) ? { ...stored, blocks: req.container.blocks } : stored;
        this.lastThread.set(req.user, req.threadTs);
        payload = blockActionsPayload(sender, { userId: req.user, userName: p.name, channelId: channel, channelName: CHANNELS.find((c) => c.id === channel)?.name, message, action, responseUrl: fake.responseUrl({ channel, user: req.user, messageTs: ts }), triggerId });
        break;
      }
      case 'ephemeral': {
        const shown = this.ephemeral(req.container.key);
        if (!shown) throw new PageError(404, 'that message is gone');
        this.lastThread.set(req.user, shown.threadTs);
        const responseUrl = fake.responseUrl({ channel: shown.channel, user: req.user });
        this.ephemeralUrls.set(responseUrl, { key: shown.key, seen: 0 });
        const ts = shown.afterTs;
        const message: FakeMessage = { channel: shown.channel, ts, blocks: [], user: BOT_USER_ID, updates: 0 };
        payload = blockActionsPayload(sender, { userId: req.user, userName: p.name, channelId: shown.channel, message, action, responseUrl, triggerId });
        // Slack sends no message for a click in an ephemeral one: only its container.
        delete payload.message;
        payload.container = { type: 'message', message_ts: ts, channel_id: shown.channel, is_ephemeral: true };
        break;
      }
      case 'view': {
        const view = this.openView(req.user, req.container.viewId);
        payload = viewBlockActionsPayload(sender, { userId: req.user, userName: p.name, view: { ...view, state: { values: req.container.values ?? {} } }, action, triggerId });
        break;
      }
      case 'home': {
        const home = fake.views().find((v) => v.method === 'views.publish' && v.user_id === req.user);
        if (!home) throw new PageError(404, 'no App Home was published for you');
        payload = homeBlockActionsPayload(sender, { userId: req.user, view: { ...home.view, id: home.id }, action, triggerId });
        break;
      }
    }
    const res = await this.send(title, interactivityBody(payload), FORM, payload);
    return { status: res.status };
  }

  private openView(user: string, viewId: string): SubmittedView {
    const entry = (this.modals.get(user) ?? []).find((m) => m.viewId === viewId);
    if (!entry) throw new PageError(404, 'that modal is closed');
    const view = entry.local ?? this.fakeView(viewId)?.view;
    if (!view) throw new PageError(404, 'that modal is gone');
    return { ...view, id: viewId } as SubmittedView;
  }

  /** Submit the top modal with what its inputs hold; the acknowledgement says what Slack does next. */
  async submit(user: string, viewId: string, values: Json): Promise<Json> {
    const p = this.person(user);
    const view = this.openView(user, viewId);
    const payload = viewSubmissionPayload(this.stack.bot.sender, { userId: user, userName: p.name, view: { ...view, state: { values } }, triggerId: this.issueTrigger(user) });
    const res = await this.send(`view_submission ${view.callback_id}`, interactivityBody(payload), FORM, payload);
    if (res.status !== 200) return { status: res.status, trouble: 'We had some trouble connecting. Try again?' };
    const answer: Json = res.json ?? {};
    const stack = this.modals.get(user) ?? [];
    const at = stack.findIndex((m) => m.viewId === viewId);
    switch (answer.response_action) {
      case 'errors':
        return { status: res.status, errors: answer.errors ?? {} };
      case 'update':
      case 'push': {
        const problems = checkView(answer.view);
        if (problems.length > 0) return { status: res.status, trouble: `Slack refused the view in response_action: ${problems.join('; ')}` };
        const local = { ...answer.view, id: answer.response_action === 'update' ? viewId : `VLOCAL${randomBytes(4).toString('hex').toUpperCase()}`, hash: `${Date.now()}.local`, private_metadata: answer.view.private_metadata ?? '', callback_id: answer.view.callback_id ?? '' };
        if (answer.response_action === 'update') stack[at] = { viewId, local };
        else stack.push({ viewId: local.id, local });
        this.modals.set(user, stack.slice(-MAX_MODALS));
        break;
      }
      case 'clear':
        this.modals.set(user, []);
        break;
      default:
        this.modals.set(user, stack.slice(0, Math.max(0, at)));
    }
    this.notify();
    return { status: res.status };
  }

  /** The person closed the top modal (×, Cancel). */
  closeModal(user: string, viewId: string): void {
    const stack = this.modals.get(user) ?? [];
    const at = stack.findIndex((m) => m.viewId === viewId);
    if (at >= 0) this.modals.set(user, stack.slice(0, at));
    this.notify();
  }

  /** The person opened the app's Home tab: `app_home_opened`, as the Events API sends it. */
  async homeOpened(user: string): Promise<Json> {
    this.person(user);
    const home = this.stack.fake.views().find((v) => v.method === 'views.publish' && v.user_id === user);
    const envelope = eventEnvelope(this.stack.bot.sender, { type: 'app_home_opened', user, channel: `D${user.slice(1)}`, tab: 'home', ...(home ? { view: { id: home.id, type: 'home' } } : {}) });
    const res = await this.send('event app_home_opened', JSON.stringify(envelope), 'application/json', envelope);
    return { status: res.status };
  }
}

export class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function checkView(view: unknown): string[] {
  const checker = new BlockChecker();
  checker.view(view);
  return checker.errors;
}

function callEntry(c: RecordedCall, at: number): WireEntry {
  const answer = c.answer;
  const status = c.rateLimited ? `429 Retry-After ${c.retryAfter}` : c.answerLost ? 'answer lost' : answer ? (answer.ok ? 'ok' : String(answer.error)) : 'waiting';
  return {
    dir: 'call',
    at,
    id: `c${c.seq}`,
    title: c.method,
    status,
    ok: !c.rateLimited && answer?.ok === true,
    detail: { args: c.args, ...(answer ? { answer } : {}) },
  };
}
