import { ErrorCode, type WebClient } from '@slack/web-api';
import { homeView } from '../../blocks/home.js';
import { planMessages } from '../../blocks/layout.js';
import type { Home } from '../domain/home.js';
import type { Template } from '../domain/template.js';
import { DatabaseUnavailable } from '../errors.js';
import type { Logger } from '../logger.js';
import { CannotPost, DisplayBehind, DisplayBroken, GroupsUnavailable, type HomeView, type PostOutcome, type SlackPort, type UploadFile, type UploadOutcome, type UserKind } from '../services/deps.js';
import type { Db } from '../store/db.js';
import { enqueue, type OutboxPost } from '../store/outbox.js';
import { slackErrorCode, TERMINAL_ERRORS, type Publisher } from './publisher.js';
import { RateBudget } from './rate-budget.js';
import { FileUploader } from './uploads.js';

/** Errors Slack gives when the bot cannot post in a channel. */
const CANNOT_POST = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action']);

/** views.publish: Tier 4, 100+ a minute per workspace. */
export const HOME_PUBLISHES = Object.freeze({ perMinute: 100, burst: 10 });
/** usergroups.users.list: Tier 2, 20+ a minute per workspace: cached. */
export const GROUP_READS = Object.freeze({ perMinute: 20, burst: 3 });
/** How long a group's members are taken as known. */
export const GROUP_TTL_MS = 5 * 60_000;
/** How long what a user id names (a person, a bot) is taken as known. */
export const USER_KIND_TTL_MS = 10 * 60_000;

export interface SlackPortDeps {
  db: Db;
  clock: () => Date;
  log: Logger;
  publisher: Publisher;
  /** For views.publish, usergroups.users.list and file uploads: `rejectRateLimitedCalls`, so that a 429 reaches the budget here. */
  client: WebClient;
  groupTtlMs?: number;
}

function retryAfterOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; retryAfter?: unknown } | null;
  if (e?.code !== ErrorCode.RateLimitedError) return undefined;
  return typeof e.retryAfter === 'number' && e.retryAfter > 0 ? e.retryAfter : 1;
}

/**
 * The use cases' Slack (SlackPort in ../services/deps.ts) over the publisher (checklist messages), its outbox
 * (one-off posts) and budgets of its own for App Home and user groups. Slack's error codes are turned into the port's
 * typed errors here, so that no service reads them.
 */
export class SlackAdapter implements SlackPort {
  private readonly homes: RateBudget;
  private readonly groupReads: RateBudget;
  /** files.getUploadURLExternal / completeUploadExternal on a budget of their own (./uploads.ts). */
  private readonly uploader: FileUploader;
  private readonly groups = new Map<string, { users: string[]; at: number }>();
  private readonly userKinds = new Map<string, { kind: UserKind; at: number }>();
  /** Promotions whose people's Homes are to be published again, and the background run doing it. */
  private readonly homesDue = new Set<string>();
  private homesRun: Promise<void> | undefined;
  /**
   * How the Homes of a promotion's people are published again (`refreshHomesOf` over the app's deps, set where the
   * deps are built: the port is one of them). Unset, `homesChanged` does nothing.
   */
  republishHomes?: (promotionId: string) => Promise<void>;

  constructor(private readonly deps: SlackPortDeps) {
    const timer = () => deps.publisher.time;
    this.homes = new RateBudget(HOME_PUBLISHES, timer);
    this.groupReads = new RateBudget(GROUP_READS, timer);
    this.uploader = new FileUploader(deps.client, timer, deps.log);
  }

  uploadFiles(input: { channelId: string; threadTs: string; files: readonly UploadFile[] }): Promise<UploadOutcome> {
    return this.uploader.upload(input);
  }

  async refresh(promotionId: string, opts: { first?: string } = {}): Promise<void> {
    try {
      await this.deps.publisher.refresh(promotionId, opts);
    } catch (err) {
      if (err instanceof DatabaseUnavailable) throw err;
      const code = slackErrorCode(err);
      if (code && CANNOT_POST.has(code)) throw new CannotPost(code, { cause: err });
      if (code && TERMINAL_ERRORS.has(code)) throw new DisplayBroken(code, { cause: err });
      throw new DisplayBehind(code, { cause: err });
    }
  }

  async post(message: OutboxPost): Promise<PostOutcome> {
    await enqueue(this.deps.db, message, this.deps.clock());
    return this.send(message.key);
  }

  send(key: string): Promise<PostOutcome> {
    return this.deps.publisher.outbox.send(key);
  }

  async publishHome(userId: string, home: Home): Promise<void> {
    const view: HomeView = homeView(home);
    for (;;) {
      await this.homes.take();
      try {
        await this.deps.client.views.publish({ user_id: userId, view: view as never });
        return;
      } catch (err) {
        const retryAfter = retryAfterOf(err);
        if (retryAfter === undefined) throw new DisplayBehind(slackErrorCode(err), { cause: err });
        this.homes.pauseFor(retryAfter * 1000);
      }
    }
  }

  homesChanged(promotionId: string): void {
    if (!this.republishHomes) return;
    this.homesDue.add(promotionId);
    this.startHomes();
  }

  private startHomes(): void {
    if (this.homesRun) return;
    this.homesRun = this.publishDueHomes().finally(() => {
      this.homesRun = undefined;
      // Asked for between the last round and now.
      if (this.homesDue.size > 0) this.startHomes();
    });
  }

  /** One promotion at a time; changes arriving meanwhile are coalesced into the next round. */
  private async publishDueHomes(): Promise<void> {
    await Promise.resolve();
    while (this.homesDue.size > 0) {
      const [promotionId] = this.homesDue;
      this.homesDue.delete(promotionId!);
      await this.republishHomes!(promotionId!).catch((err: unknown) => this.deps.log.warn({ err, promotionId }, 'App Home: could not publish the Homes a change concerns'));
    }
  }

  /** Resolves once the Homes changes asked for are published (shutdown and tests wait for it). */
  async homesIdle(): Promise<void> {
    while (this.homesRun) await this.homesRun;
  }

  /** blocks/layout.ts sizes each section by rendering it as the publisher will (renderSectionsMessage). */
  layout(template: Template): number[][] {
    return planMessages(template);
  }

  /**
   * users.info (Tier 4; assigning an item is rare, so no budget of its own): a 429 or any other failure is logged and
   * answers undefined, and the caller goes by the id's shape alone.
   */
  async userKind(userId: string): Promise<UserKind | undefined> {
    const now = this.deps.publisher.time.now();
    const cached = this.userKinds.get(userId);
    if (cached && now - cached.at < USER_KIND_TTL_MS) return cached.kind;
    let kind: UserKind;
    try {
      const r = await this.deps.client.users.info({ user: userId });
      const u = r.user;
      kind = !u || u.deleted ? 'gone' : u.is_bot || u.is_app_user || u.id === 'USLACKBOT' ? 'bot' : 'person';
    } catch (err) {
      if (slackErrorCode(err) !== 'user_not_found') {
        this.deps.log.warn({ err, userId }, 'could not read a user');
        return undefined;
      }
      kind = 'gone';
    }
    this.userKinds.set(userId, { kind, at: this.deps.publisher.time.now() });
    return kind;
  }

  private team: Promise<string | undefined> | undefined;

  teamId(): Promise<string | undefined> {
    this.team ??= this.deps.client.auth
      .test()
      .then((r) => (typeof r.team_id === 'string' ? r.team_id : undefined))
      .catch((err: unknown) => {
        this.team = undefined; // asked again next time
        this.deps.log.warn({ err }, 'auth.test failed: the workspace is not known yet');
        return undefined;
      });
    return this.team;
  }

  async groupMembers(groupId: string): Promise<string[]> {
    const now = this.deps.publisher.time.now();
    const cached = this.groups.get(groupId);
    if (cached && now - cached.at < (this.deps.groupTtlMs ?? GROUP_TTL_MS)) return [...cached.users];
    for (;;) {
      await this.groupReads.take();
      try {
        const r = await this.deps.client.usergroups.users.list({ usergroup: groupId });
        const users = r.users ?? [];
        this.groups.set(groupId, { users, at: this.deps.publisher.time.now() });
        return [...users];
      } catch (err) {
        const retryAfter = retryAfterOf(err);
        if (retryAfter !== undefined) {
          this.groupReads.pauseFor(retryAfter * 1000);
          continue;
        }
        if (slackErrorCode(err) === 'plan_upgrade_required') throw new GroupsUnavailable(groupId);
        this.deps.log.warn({ err, groupId }, 'could not read a user group');
        throw err;
      }
    }
  }
}
