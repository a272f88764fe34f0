import type { Logger } from '../logger.js';
import type { Db } from '../store/db.js';
import type { OutboxPost } from '../store/outbox.js';
import type { Home } from '../domain/home.js';
import type { Template } from '../domain/template.js';
import { UserError } from '../errors.js';
import type { ClickIntake } from './intake.js';
import type { ProbeRunner } from '../probes/runner.js';

/** What a Slack user id names (`SlackPort.userKind`). */
export type UserKind = 'person' | 'bot' | 'gone';

/** Where a one-off post stands: posted, still to be posted (once, by the outbox's sweep), or refused by Slack for good. */
export type PostOutcome = 'posted' | 'pending' | 'failed';

/** A file to upload (the audit report): its name, its title in Slack, and its text (sent as UTF-8). */
export interface UploadFile {
  filename: string;
  title: string;
  content: string;
}

/**
 * Why Slack did not take an upload, in the use cases' terms: the app may not upload (no `files:write`, the wrong kind
 * of token), is not in the channel, the workspace turned uploads off, or anything else (`detail` says what Slack said).
 */
export type UploadRefusal = 'not-allowed' | 'not-in-channel' | 'uploads-disabled' | 'failed';

export type UploadOutcome = { ok: true; fileIds: string[] } | { ok: false; why: UploadRefusal; detail?: string };

/**
 * Everything the use cases ask of Slack, in their terms (src/slack/port.ts implements it over the publisher and the
 * outbox). Slack's error codes stay behind it: `refresh` throws `DisplayBehind` (Slack failed for now: the sweep
 * catches up), `DisplayBroken` (Slack will never take part of the checklist again), or `CannotPost` (a kind of
 * DisplayBroken: the bot may not post in the channel); a database failure comes through as `DatabaseUnavailable`.
 */
export interface SlackPort {
  /**
   * Bring a promotion's checklist messages up to date with the database; `first` (a message's ts) is rendered before
   * the others: the message the clicker is looking at goes before the overview.
   */
  refresh(promotionId: string, opts?: { first?: string }): Promise<void>;
  /**
   * Post once: enqueue in the outbox (a key already there is not enqueued again) and send now. A post caused by a
   * change is enqueued inside the change instead (`enqueue(scope.q, ...)`) and sent with `send`.
   */
  post(message: OutboxPost): Promise<PostOutcome>;
  /** Send an outbox row enqueued inside a change, now (waiting for the channel's budget). */
  send(key: string): Promise<PostOutcome>;
  /**
   * Publish a user's App Home tab (views.publish, on a Tier 4 budget), rendered from what it shows
   * (src/domain/home.ts; blocks/home.ts renders it). Throws `DisplayBehind` when Slack did not take it.
   */
  publishHome(userId: string, home: Home): Promise<void>;
  /**
   * A committed change altered what Homes show (an approval, a rejection, GO, NO-GO, completion...): the Homes of the
   * people this promotion concerns who have opened theirs are published again, in the background (src/services/
   * home.ts `refreshHomesOf`; bursts coalesce). Returns at once and never throws. Optional: fakes may leave it out.
   */
  homesChanged?(promotionId: string): void;
  /**
   * The workspace the bot is installed in (auth.test, asked once): for what starts without a Slack request (a GitHub
   * job waiting at a gate), so its environment lock is the workspace's. Undefined when Slack could not be asked.
   */
  teamId?(): Promise<string | undefined>;
  /** The members of a user group (cached for a while); `GroupsUnavailable` on plans without user groups. */
  groupMembers(groupId: string): Promise<string[]>;
  /**
   * What a user id names, for assigning work to it (users.info, cached): a person, a bot (or app user), or nobody
   * (no such user, or deactivated: 'gone'); undefined when Slack could not be asked. Optional: fakes may leave it out.
   */
  userKind?(userId: string): Promise<UserKind | undefined>;
  /**
   * Upload files into a thread, shared there together as one message: Slack's upload flow (a URL per file, the bytes
   * sent to it, one completion naming them all), on a small budget of its own. A refusal is returned, never thrown.
   * Optional: fakes may leave it out (the use case then says uploading is not available).
   */
  uploadFiles?(input: { channelId: string; threadTs: string; files: readonly UploadFile[] }): Promise<UploadOutcome>;
  /**
   * How a template's checklist is cut into thread messages (indexes of its sections, message by message), each
   * within Slack's limits however the checklist is filled in. Depends on the template alone: planned once, at start.
   */
  layout(template: Template): number[][];
}

/** An App Home view (Block Kit, at most 100 blocks). */
export interface HomeView {
  type: 'home';
  blocks: unknown[];
  private_metadata?: string;
  callback_id?: string;
}

/** Slack did not take part of the checklist just now; the repair sweep retries. */
export class DisplayBehind extends Error {
  constructor(
    readonly slackCode: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`the checklist messages are behind${slackCode ? ` (${slackCode})` : ''}`, options);
    this.name = 'DisplayBehind';
  }
}

/** Slack will never accept part of the checklist again (a message deleted, a channel archived...). */
export class DisplayBroken extends Error {
  constructor(
    readonly slackCode: string,
    options?: { cause?: unknown },
  ) {
    super(`Slack no longer accepts part of the checklist (${slackCode})`, options);
    this.name = 'DisplayBroken';
  }
}

/** The bot may not post in the channel (not invited, archived, restricted). */
export class CannotPost extends DisplayBroken {
  constructor(slackCode: string, options?: { cause?: unknown }) {
    super(slackCode, options);
    this.name = 'CannotPost';
  }
}

/** The workspace's plan has no user groups (usergroups.users.list answers plan_upgrade_required). */
export class GroupsUnavailable extends UserError {
  constructor(readonly groupId: string) {
    super(
      `This Slack workspace's plan has no user groups, so the group <!subteam^${groupId}> cannot be resolved. Name people instead of a group in the template.`,
      'groups_unavailable',
    );
    this.name = 'GroupsUnavailable';
  }
}

/** The status page's sender, as the use cases see it (issue 12). */
export interface StatuspagePort {
  enabled: boolean;
  /** Send what is due now, in the background (after the commit of a change that enqueued a call); never throws. */
  kick(): void;
}

/** What the use cases depend on, passed explicitly: no hidden singletons. */
export interface Deps {
  db: Db;
  clock: () => Date;
  log: Logger;
  templates: ReadonlyMap<string, Template>;
  /** Slack, in the use cases' terms (src/slack/port.ts). */
  slack: SlackPort;
  /** Stores clicks as they arrive and applies them in batches (./intake.ts): one per process. */
  clicks: ClickIntake;
  /** Runs verification probes (src/probes/runner.ts): one per process; absent where a test or tool runs none. */
  probes?: ProbeRunner;
  /**
   * The status page (issue 12, src/statuspage/sender.ts): `enabled` when STATUSPAGE_API_KEY is set (otherwise nothing is
   * enqueued and the template's status-page items stay manual); `kick()` sends, in the background, what a committed
   * change enqueued (the `send-statuspage` job sends what is left). Absent: disabled.
   */
  statuspage?: StatuspagePort;
  /**
   * The GitHub deployment gate (issue 13, src/github/gate-sender.ts over the App, src/github/app.ts): absent when the
   * GitHub App is not configured (the webhook then refuses deliveries and nothing is ever answered).
   */
  gates?: GatePort;
}

/** What the gate's use cases ask of GitHub (./github-gate.ts). */
export interface GatePort {
  /** Whether GitHub knows this installation of the App (a token is minted for it). */
  checkInstallation(installationId: number): Promise<'ok' | 'unknown' | 'unreachable'>;
  /** Send, in the background, the answers a committed change decided (the `answer-github-gates` job sends what is left). */
  kick(): void;
}
