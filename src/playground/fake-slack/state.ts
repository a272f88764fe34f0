/**
 * What the fake remembers: its configuration and the workspace state the Web API calls create (channels, messages,
 * ephemerals, views, response_urls, trigger_ids). The server owns the HTTP side (calls, held calls, failures);
 * the method handlers read and change this.
 */
import type {
  FakeEphemeral,
  FakeFile,
  FakeMessage,
  FakeResponse,
  FakeSlackOptions,
  FakeUser,
  FakeView,
  ResponseUrlContext,
} from './types.js';

export const TS_BASE_SECONDS = 1_700_000_000;

export interface ChannelRecord {
  id: string;
  name: string;
  is_private: boolean;
  is_im: boolean;
  /** DM partner for is_im channels. */
  user?: string;
  created: number;
}

export interface ResponseUrlRecord {
  id: string;
  url: string;
  context: ResponseUrlContext;
  createdAt: number;
  uses: number;
}

export interface TriggerRecord {
  issuedAt: number;
  used: boolean;
}

export class FakeSlackState {
  readonly botUserId: string;
  readonly botId: string;
  readonly teamId: string;
  readonly teamDomain: string;
  readonly appId: string;
  readonly validate: boolean;
  readonly normalize: boolean;
  readonly strictChannels: boolean;
  /** Users were configured: unknown user IDs are refused where Slack would refuse them. */
  readonly strictUsers: boolean;
  /** The fake's clock (epoch ms): `clock` from the options, or Date.now. */
  readonly now: () => number;
  readonly users = new Map<string, FakeUser & { is_bot: boolean }>();
  readonly usergroups = new Map<string, string[]>();
  readonly channels = new Map<string, ChannelRecord>();
  /** Channel ID -> the error every chat.postMessage there is refused with (option `refuse`). */
  readonly refusals: ReadonlyMap<string, string>;

  readonly msgs: FakeMessage[] = [];
  readonly ephemeralList: FakeEphemeral[] = [];
  readonly responseList: FakeResponse[] = [];
  readonly viewMap = new Map<string, FakeView>();
  readonly homeViewByUser = new Map<string, string>();
  readonly responseUrls = new Map<string, ResponseUrlRecord>();
  readonly triggers = new Map<string, TriggerRecord>();
  /** Uploads by file id, and the upload URL ticket -> file id (methods/files.ts). */
  readonly fileMap = new Map<string, FakeFile>();
  readonly uploadTickets = new Map<string, string>();
  /** http://127.0.0.1:PORT once the server listens: where upload URLs point. */
  baseUrl = '';

  /** The last message ts handed out, in microseconds (see nextTs). */
  tsCounter = 0;
  viewCounter = 0;
  channelCounter = 0;
  fileCounter = 0;

  constructor(opts: FakeSlackOptions) {
    this.botUserId = opts.botUserId ?? 'U0PREFLIGHT';
    this.botId = opts.botId ?? 'B0PREFLIGHT';
    this.teamId = opts.teamId ?? 'T0PREFLIGHT';
    this.teamDomain = opts.teamDomain ?? 'preflight-test';
    this.appId = opts.appId ?? 'A0PREFLIGHT';
    const clock = opts.clock;
    this.now = clock ? () => clock() : () => Date.now();
    this.validate = opts.validateBlocks ?? true;
    this.normalize = opts.normalizeBlocks ?? true;
    this.strictChannels = opts.channels !== undefined && opts.channels.length > 0;
    this.strictUsers = opts.users !== undefined && opts.users.length > 0;
    for (const u of opts.users ?? []) this.users.set(u.id, { ...u, is_bot: false });
    if (!this.users.has(this.botUserId)) {
      this.users.set(this.botUserId, { id: this.botUserId, name: 'preflight', real_name: 'Preflight', is_bot: true });
    }
    this.refusals = new Map(Object.entries(opts.refuse ?? {}));
    for (const [id, members] of Object.entries(opts.usergroups ?? {})) this.usergroups.set(id, [...members]);
    for (const c of opts.channels ?? []) {
      this.channels.set(c.id, {
        id: c.id,
        name: c.name,
        is_private: c.is_private ?? false,
        is_im: c.id.startsWith('D'),
        created: TS_BASE_SECONDS,
      });
    }
  }
}
