import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ErrorCode, type ChatPostMessageArguments, type WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import type { Db } from '../store/db.js';
import { claimDue, enqueue, getOutboxRow, markInDoubt, markPosted, markRefused, renewClaim, setThread, type ClaimedRow, type OutboxContent } from '../store/outbox.js';
import { overviewTs } from '../store/messages.js';
import { getPromotion } from '../store/promotions.js';
import { renderMessage, whatPost } from './message-kinds.js';
import type { RateBudget } from './rate-budget.js';

/** The `event_type` of the metadata every outbox post carries; its `event_payload` is `{ key }`. */
export const OUTBOX_EVENT_TYPE = 'preflight_outbox';

/**
 * How long a claim on an outbox row lasts (database clock) unless renewed. It is renewed right before each Slack call,
 * and a post times out well within it (the poster's 15 s), so it lapses only when its holder died or stalled.
 */
export const CLAIM_MS = 30_000;

/** Messages a lookup asks for per page: what Slack allows non-Marketplace apps. */
export const LOOKUP_PAGE = 15;

/**
 * Margin before a row's created_at where a lookup starts: created_at is this bot's clock, a message ts is Slack's,
 * and the two may disagree by a little (NTP keeps them within far less).
 */
export const LOOKUP_SKEW_S = 60;

/** Slack errors after which the post will never be accepted as it is: no retry. */
const REFUSED_FOR_GOOD = new Set([
  'channel_not_found',
  'is_archived',
  'not_in_channel',
  'restricted_action',
  'msg_too_long',
  'msg_blocks_too_long',
  'invalid_blocks',
  'invalid_metadata_format',
  'thread_not_found',
]);

/** The outbox key of the notice that the post `key` was refused for good in another channel: said once. */
export function postFailedKey(key: string): string {
  return `post-failed:${key}`;
}

/** Where an outbox post stands, as the person who caused it is told. */
export type OutboxOutcome = 'posted' | 'pending' | 'failed';

/** Sends what the outbox holds (src/store/outbox.ts); what the use cases see of it. */
export interface OutboxSending {
  /** Send this row now if it is due (waiting for the channel's budget), and say where it stands then. */
  send(key: string): Promise<OutboxOutcome>;
}

export interface OutboxSenderDeps {
  db: Db;
  /** chat.postMessage, never retried by the client (`retries: 0`, `rejectRateLimitedCalls`). */
  poster: WebClient;
  /** conversations.history / replies: reads, so retried by the client (`rejectRateLimitedCalls`). */
  reader: WebClient;
  log: Logger;
  /** The per-channel chat.postMessage budget, shared with the checklist's posts. */
  postBudget(channelId: string): RateBudget;
  /** conversations.history/replies, per process: 1 a minute by default (see rate-budget.ts). */
  lookups: RateBudget;
  /** Aborted when the process stops: a send waiting for a budget gives up (the row stays due for another sender). */
  signal: AbortSignal;
  /** The injected clock: `created_at` of the rows the sender enqueues itself (post-failed). Default the wall clock. */
  clock?: () => Date;
}

function slackCode(err: unknown): string | undefined {
  const code = (err as { data?: { error?: unknown } } | null)?.data?.error;
  return typeof code === 'string' ? code : undefined;
}

/** Seconds Slack asked to wait (a 429), if that is what this is. */
function retryAfterOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; retryAfter?: unknown } | null;
  if (e?.code !== ErrorCode.RateLimitedError) return undefined;
  return typeof e.retryAfter === 'number' && e.retryAfter > 0 ? e.retryAfter : 1;
}

/** Slack answered with a refusal: it certainly did not post. (A timeout, a network error or a 5xx leaves it unknown.) */
function isRefusal(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === ErrorCode.PlatformError;
}

/** What a row shows: its kind rendered now (src/slack/message-kinds.ts), or the text and blocks an older version stored. */
function render(content: OutboxContent): { text: string; blocks: unknown[] | null } {
  switch (content.type) {
    case 'message':
      return renderMessage(content.message);
    case 'rendered':
      return { text: content.text, blocks: content.blocks };
    case 'unreadable':
      throw new Error(`cannot read this ${content.kind ?? ''} post: ${content.error}`);
  }
}

interface HistoryPage {
  messages?: Array<{ ts?: string; metadata?: { event_type?: string; event_payload?: { key?: unknown } } }>;
  has_more?: boolean;
  response_metadata?: { next_cursor?: string };
}

/**
 * Posts the outbox's rows exactly once, each rendered from its kind and data as it is sent (./message-kinds.ts). A
 * row is claimed (one replica at a time, see claimDue), posted through the channel's chat.postMessage budget with
 * `metadata: { event_type: 'preflight_outbox', event_payload: { key } }`, and its ts recorded. When Slack refuses, nothing was posted: the row is retried after a backoff, or given up for good.
 * When the outcome is unknown (the answer timed out, the connection broke, or the process died holding the claim),
 * the row stays claimed until its claim lapses; whoever claims it next first looks for the message by its metadata
 * (conversations.replies in a thread, conversations.history in the channel, from the row's created_at, budgeted),
 * and records the ts it finds instead of posting again.
 */
export class OutboxSender implements OutboxSending {
  /** This process's name in `slack_outbox.claimed_by`. */
  readonly owner = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;

  constructor(private readonly deps: OutboxSenderDeps) {}

  async send(key: string): Promise<OutboxOutcome> {
    const [row] = await claimDue(this.deps.db, this.owner, CLAIM_MS, { key, limit: 1 });
    if (row) await this.deliver(row);
    const now = await getOutboxRow(this.deps.db, key);
    if (now?.state === 'posted') return 'posted';
    if (now?.state === 'failed') return 'failed';
    return 'pending';
  }

  /** Send every row that is due (left behind by a failure, a restart or another replica's crash). Returns how many were posted. */
  async sendDue(limit = 10): Promise<number> {
    let posted = 0;
    for (const row of await claimDue(this.deps.db, this.owner, CLAIM_MS, { limit })) {
      if (this.deps.signal.aborted) break;
      if (await this.deliver(row)) posted++;
    }
    return posted;
  }

  /** Post one claimed row, or record that it was posted already. True when it is now recorded posted. */
  private async deliver(row: ClaimedRow): Promise<boolean> {
    const { db, log } = this.deps;
    const where = { key: row.key, channel: row.channelId, promotionId: row.promotionId };
    if (row.threadOf && !row.threadTs) {
      // A reply to another post (an update under the broadcast): under its ts once it is posted; held back until then
      // (a backoff, like a refusal); posted in the channel itself if that post was refused for good.
      const parent = await getOutboxRow(db, row.threadOf);
      if (parent?.state === 'posted' && parent.postedTs) {
        await setThread(db, row.key, parent.postedTs);
        row = { ...row, threadTs: parent.postedTs };
      } else if (parent && parent.state !== 'failed') {
        await markRefused(db, row.key, this.owner, { error: `waiting for ${row.threadOf} to be posted first`, terminal: false });
        return false;
      }
    }
    if (row.inDoubt) {
      let found: string | undefined;
      try {
        const looked = await this.lookFor(row);
        if (looked === 'lost') return false;
        found = looked;
      } catch (err) {
        // Cannot tell whether it was posted: never post blind. Left in doubt for the next sweep.
        log.warn({ err, ...where }, 'could not look for an outbox post whose outcome is unknown; looking again later');
        await markInDoubt(db, row.key, this.owner, `lookup failed: ${slackCode(err) ?? (err as Error).message}`);
        return false;
      }
      if (found) {
        await markPosted(db, row.key, found);
        log.info({ ...where, ts: found }, 'an outbox post whose outcome was unknown had been posted: recorded, not posted again');
        return true;
      }
    }
    let shown: { text: string; blocks: unknown[] | null };
    try {
      shown = render(row.content);
    } catch (err) {
      // A kind this version does not know (written by a newer one) or a renderer's bug: nothing was posted. Given
      // back after a backoff, for a replica that can render it; never marked failed, which would lose the post.
      log.error({ err, ...where }, 'cannot render an outbox post; leaving it for a version that can');
      await markRefused(db, row.key, this.owner, { error: `cannot render: ${(err as Error).message}`, terminal: false });
      return false;
    }
    const budget = this.deps.postBudget(row.channelId);
    for (;;) {
      if (!(await budget.take(undefined, this.deps.signal))) {
        // Stopping: nothing was sent on this claim. Let another sender have it at once.
        await markRefused(db, row.key, this.owner, { error: 'sender stopped', terminal: false, rateLimited: true });
        return false;
      }
      // Never post without the claim in hand, renewed for the whole call.
      if (!(await renewClaim(db, row.key, this.owner, CLAIM_MS))) return false;
      let ts: string | undefined;
      const takenAt = budget.now();
      try {
        const args = {
          channel: row.channelId,
          text: shown.text,
          ...(shown.blocks ? { blocks: shown.blocks } : {}),
          ...(row.threadTs ? { thread_ts: row.threadTs, reply_broadcast: row.broadcast } : {}),
          unfurl_links: false,
          unfurl_media: false,
          metadata: { event_type: row.eventType, event_payload: { key: row.key } },
        } as ChatPostMessageArguments;
        const posted = await this.deps.poster.chat.postMessage(args).finally(() => budget.answered(takenAt));
        ts = posted.ts;
      } catch (err) {
        const retryAfter = retryAfterOf(err);
        if (retryAfter !== undefined) {
          // A 429 posts nothing: wait as long as Slack says, then post.
          budget.pauseFor(retryAfter * 1000);
          continue;
        }
        const code = slackCode(err);
        if (isRefusal(err)) {
          const terminal = code !== undefined && REFUSED_FOR_GOOD.has(code);
          log.warn({ err, ...where, terminal }, terminal ? 'Slack refused an outbox post for good' : 'Slack refused an outbox post; retrying later');
          if (terminal) await this.failed(row, code);
          else await markRefused(db, row.key, this.owner, { error: code ?? 'refused', terminal });
          return false;
        }
        log.warn({ err, ...where }, 'outbox post sent, but its outcome is unknown; it is looked for before any second post');
        await markInDoubt(db, row.key, this.owner, `outcome unknown: ${(err as Error).message ?? String(err)}`);
        return false;
      }
      if (!ts) {
        await markInDoubt(db, row.key, this.owner, 'chat.postMessage answered without a ts');
        return false;
      }
      await markPosted(db, row.key, ts);
      return true;
    }
  }

  /**
   * Slack refused the row for good: it is marked failed. When it was the promotion's post for another channel (a
   * stakeholder announcement, a broadcast), the lead is told in the checklist's thread, in the same transaction
   * (`post-failed:<key>`, once however often this runs), and that notice is sent now. Never for a post in the
   * promotion's own channel (the checklist's own problem) nor for a `post-failed` notice itself.
   */
  private async failed(row: ClaimedRow, code: string): Promise<void> {
    const { db, log } = this.deps;
    const noticeKey = postFailedKey(row.key);
    const told = await db.tx(async (q) => {
      await markRefused(q, row.key, this.owner, { error: code, terminal: true });
      if (!row.promotionId || row.content.type === 'unreadable') return false;
      if (row.content.type === 'message' && row.content.message.kind === 'post-failed') return false;
      const promotion = await getPromotion(q, row.promotionId);
      if (!promotion || promotion.channelId === row.channelId) return false;
      const thread = await overviewTs(q, promotion.id);
      await enqueue(
        q,
        {
          key: noticeKey,
          promotionId: promotion.id,
          channelId: promotion.channelId,
          ...(thread ? { threadTs: thread } : {}),
          message: {
            kind: 'post-failed',
            release: promotion.release,
            requester: promotion.requestedBy,
            channel: row.channelId,
            what: row.content.type === 'message' ? whatPost(row.content.message) : 'a post',
            error: code,
          },
        },
        (this.deps.clock ?? (() => new Date()))(),
      );
      return true;
    });
    if (!told) return;
    log.info({ key: row.key, channel: row.channelId, promotionId: row.promotionId, notice: noticeKey }, 'telling the promotion\'s requester in its thread that a post for another channel was refused');
    // A failure here leaves the notice to the outbox's sweep.
    await this.send(noticeKey).catch((err: unknown) => log.warn({ err, key: noticeKey }, 'could not send the notice of a refused post now; the sweep sends it'));
  }

  /**
   * Look for the row's message by its metadata, from its created_at on, one budgeted page (15 messages) at a time.
   * Its ts if found; undefined if it is not there (never posted); 'lost' if another sender took the row meanwhile.
   */
  private async lookFor(row: ClaimedRow): Promise<string | undefined | 'lost'> {
    const oldest = (row.createdAt.getTime() / 1000 - LOOKUP_SKEW_S).toFixed(6);
    let cursor: string | undefined;
    for (;;) {
      if (!(await this.deps.lookups.take(undefined, this.deps.signal))) throw new Error('sender stopped');
      if (!(await renewClaim(this.deps.db, row.key, this.owner, CLAIM_MS))) return 'lost';
      const args = {
        channel: row.channelId,
        oldest,
        inclusive: true,
        limit: LOOKUP_PAGE,
        include_all_metadata: true,
        ...(cursor ? { cursor } : {}),
      };
      let page: HistoryPage;
      try {
        page = (row.threadTs
          ? await this.deps.reader.conversations.replies({ ...args, ts: row.threadTs })
          : await this.deps.reader.conversations.history(args)) as HistoryPage;
      } catch (err) {
        const retryAfter = retryAfterOf(err);
        if (retryAfter === undefined) throw err;
        this.deps.lookups.pauseFor(retryAfter * 1000);
        continue;
      }
      const match = page.messages?.find((m) => m.metadata?.event_type === row.eventType && m.metadata.event_payload?.key === row.key);
      if (match?.ts) return match.ts;
      cursor = page.response_metadata?.next_cursor || undefined;
      if (!page.has_more || !cursor) return undefined;
    }
  }
}
