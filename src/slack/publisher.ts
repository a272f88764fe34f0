import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import { isDatabaseUnreachable, type Db } from '../store/db.js';
import { renderSectionsMessage, type RenderedMessage } from '../../blocks/checklist.js';
import { renderOverview } from '../../blocks/overview.js';
import { loadView } from '../store/promotions.js';
import { isStale, listMessages, markRendered, recordRenderFailure, stalePromotions, type MessageRow } from '../store/messages.js';
import { claimLease, holdsLease, markBehind, markRenderedIfHeld, releaseLease, renewLease } from '../store/render-leases.js';
import type { PromotionView } from '../domain/promotion.js';
import type { Refresher } from '../services/deps.js';

/**
 * How long a render lease lasts unless renewed, by the database's clock (see ../store/render-leases.ts). A render
 * renews it every third of this, so it lapses only when its holder crashed, hung, or lost the database; then
 * another replica (or the sweep) takes over.
 */
export const LEASE_MS = 30_000;

/**
 * While the database is away after a post, recording the post's ts is retried this long after the first failure,
 * doubling each time up to RECORD_RETRY_MAX_MS: soon enough to record it before another replica's sweep could find
 * the message unposted once the database is back.
 */
export const RECORD_RETRY_MIN_MS = 200;
export const RECORD_RETRY_MAX_MS = 2_000;

/**
 * Slack errors after which a message will never be accepted: retrying them only costs rate limit. (Token
 * errors are not here: they break everything, and fixing the token should let every message catch up.)
 */
export const TERMINAL_ERRORS = new Set([
  'message_not_found',
  'channel_not_found',
  'is_archived',
  'not_in_channel',
  'cant_update_message',
  'edit_window_closed',
  'msg_too_long',
  'msg_blocks_too_long',
  'invalid_blocks',
  'restricted_action',
]);

/** The `error` of a Slack Web API failure, if that is what it is. */
export function slackErrorCode(err: unknown): string | undefined {
  const code = (err as { data?: { error?: unknown } } | null)?.data?.error;
  return typeof code === 'string' ? code : undefined;
}

function isTerminal(err: unknown): boolean {
  const code = slackErrorCode(err);
  return code !== undefined && TERMINAL_ERRORS.has(code);
}

function hashOf(m: RenderedMessage): string {
  return createHash('sha256').update(JSON.stringify(m)).digest('hex');
}

export interface PublisherDeps {
  db: Db;
  /** For chat.update: retried on rate limits and network errors (an update is idempotent). */
  client: WebClient;
  /** For chat.postMessage: never retried by the client, since a retried post can post twice. */
  poster: WebClient;
  log: Logger;
  clock: () => Date;
}

/**
 * Brings a promotion's messages up to date with the database, one promotion at a time.
 *
 * Within a process, refreshes of one promotion coalesce: while one is running, further requests only mark
 * it dirty and it runs once more at the end, so a burst of clicks costs a couple of `chat.update` calls.
 * Across processes, a lease row (`render_leases`) lets one replica render at a time; a replica that finds it
 * taken leaves the work to the holder, which re-checks the stored version after releasing it. Each render
 * reads the database afresh, so the last update shows the latest committed state. No database connection is
 * held while Slack answers (the lease is claimed, renewed and released by short statements, and timed by the
 * database's clock), so a database restart mid-render fails only that render, and slow Slack calls never take
 * connections that clicks need. (A post whose ts the database could not take is the exception: see `recordPost`.)
 *
 * When Slack fails, the change is still saved and the messages stay marked as behind: `repairStale` (run by
 * the scheduler) renders them again, whoever's refresh it was.
 */
export class Publisher implements Refresher {
  private readonly inflight = new Map<string, { dirty: boolean; done: Promise<void> }>();
  /** This publisher's name in `render_leases`: host and pid say which replica holds a lease. */
  private readonly owner = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  /** Aborted by `stop`: a post still waiting for the database to record it is given up. */
  private readonly stopping = new AbortController();

  constructor(private readonly deps: PublisherDeps) {}

  /**
   * The process is stopping: posts whose ts the database has not taken yet (it was away) get one last attempt and
   * are then logged as orphans, rather than waited on. Call before waiting for `idle`.
   */
  stop(): void {
    this.stopping.abort();
  }

  refresh(promotionId: string): Promise<void> {
    const running = this.inflight.get(promotionId);
    if (running) {
      running.dirty = true;
      return running.done;
    }
    const entry = { dirty: false, done: Promise.resolve() };
    entry.done = (async () => {
      let failure: unknown;
      // A message Slack refused for good is marked broken and skipped by the passes after it, which then
      // succeed: the refusal must still reach everyone waiting, or they never hear that part of the checklist
      // stopped updating. A passing failure that a later pass made good is no longer news.
      let refusedForGood: unknown;
      try {
        do {
          entry.dirty = false;
          try {
            await this.syncAcrossReplicas(promotionId);
            failure = undefined;
          } catch (err) {
            // Keep going for requests that arrived meanwhile; report the last failure to every waiter.
            failure = err;
            if (isTerminal(err)) refusedForGood ??= err;
          }
        } while (entry.dirty);
      } finally {
        this.inflight.delete(promotionId);
      }
      if (failure !== undefined || refusedForGood !== undefined) throw failure ?? refusedForGood;
    })();
    this.inflight.set(promotionId, entry);
    return entry.done;
  }

  /** Resolves when no refresh is running in this process (tests and shutdown wait on it). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight.values()].map((e) => e.done));
  }

  /** Render every promotion whose messages are behind the database. Returns how many were brought up to date. */
  async repairStale(limit = 20): Promise<number> {
    let repaired = 0;
    for (const id of await stalePromotions(this.deps.db, limit, this.deps.clock())) {
      try {
        await this.refresh(id);
        repaired++;
      } catch (err) {
        this.deps.log.warn({ err, promotionId: id }, 'checklist messages still behind; will retry');
      }
    }
    return repaired;
  }

  private async syncAcrossReplicas(promotionId: string): Promise<void> {
    for (;;) {
      const lease = await this.claim(promotionId);
      // Someone else holds the lease: it re-checks after releasing it and will render our change. (If it died
      // holding it, the lease lapses and the repair sweep renders.)
      if (!lease) return;
      try {
        await this.syncOnce(lease, promotionId);
      } finally {
        await lease.release();
      }
      // A change committed while we held the lease may have found it taken: re-check now that it is free.
      if (!(await isStale(this.deps.db, promotionId, this.deps.clock()))) return;
    }
  }

  private async claim(promotionId: string): Promise<Lease | undefined> {
    if (!(await claimLease(this.deps.db, promotionId, this.owner, LEASE_MS))) return undefined;
    return new Lease(this.deps, promotionId, this.owner);
  }

  private async syncOnce(lease: Lease, promotionId: string): Promise<void> {
    const { db } = this.deps;
    const view = await loadView(db, promotionId);
    if (!view) return;
    const messages = await listMessages(db, promotionId);
    const threadTs = { value: messages.find((m) => m.idx === 0)?.ts ?? null };
    let failure: unknown;
    for (const m of messages) {
      if (m.broken || (m.ts && m.renderedVersion >= view.promotion.version)) continue;
      // Another replica took over (this one stalled past its lease): the rest is its to render.
      if (lease.lost) return;
      const slackFailure = await this.syncMessage(lease, view, m, threadTs);
      if (slackFailure === undefined) continue;
      failure ??= slackFailure;
      // A post that failed stops the posts after it, so the thread keeps the template's order (and without
      // the overview there is no thread at all). Updates of messages already posted go on regardless.
      if (!m.ts) break;
    }
    if (failure !== undefined) throw failure;
  }

  /**
   * Render one message. Slack's refusal is recorded (for the sweep's backoff) and returned; a database error is
   * thrown and ends the render: nothing more could be recorded, and the sweep redoes it once the database is back.
   */
  private async syncMessage(lease: Lease, view: PromotionView, m: MessageRow, threadTs: { value: string | null }): Promise<unknown> {
    const { client, poster, log } = this.deps;
    const promotionId = view.promotion.id;
    const version = view.promotion.version;
    const rendered = m.idx === 0 ? renderOverview(view) : renderSectionsMessage(view, m.sections);
    const hash = hashOf(rendered);
    if (m.ts && m.renderedHash === hash) {
      await this.record(lease, m, { ts: m.ts, version, hash }, 'nothing');
      return undefined;
    }
    // A post cannot be taken back: never post without the lease in hand, renewed for a whole call.
    if (!m.ts && !(await lease.renew())) return undefined;
    let ts = m.ts;
    try {
      if (ts) {
        await client.chat.update({ channel: m.channelId, ts, text: rendered.text, blocks: rendered.blocks });
      } else {
        // Thread messages go under the overview, never loose in the channel.
        if (m.idx > 0 && !threadTs.value) throw new Error(`promotion ${promotionId}: the overview was never posted`);
        const posted = await poster.chat.postMessage({
          channel: m.channelId,
          text: rendered.text,
          blocks: rendered.blocks,
          unfurl_links: false,
          unfurl_media: false,
          ...(m.idx > 0 && threadTs.value ? { thread_ts: threadTs.value } : {}),
        });
        ts = posted.ts ?? null;
        if (!ts) throw new Error('chat.postMessage answered without a ts');
        if (m.idx === 0) threadTs.value = ts;
      }
    } catch (err) {
      await this.recordFailure(lease, m, err);
      return err;
    }
    if (m.ts) await this.record(lease, m, { ts, version, hash }, 'updated');
    else await this.recordPost(lease, m, { ts, version, hash });
    log.debug({ promotionId, idx: m.idx, version }, 'message rendered');
    return undefined;
  }

  /**
   * Record what a render did, fenced by the lease: only its holder marks a message rendered. A render that lost
   * its lease keeps a post (forgotten, it would be posted twice) and marks an update behind (it may have landed
   * after the new holder's), so that the message is rendered once more from the latest state.
   */
  private async record(lease: Lease, m: MessageRow, row: { ts: string; version: number; hash: string }, sent: 'nothing' | 'updated' | 'posted'): Promise<void> {
    const { db } = this.deps;
    if (await markRenderedIfHeld(db, lease.promotionId, m.idx, this.owner, row)) return;
    lease.lost = true;
    if (sent === 'posted') await markRendered(db, lease.promotionId, m.idx, row);
    else if (sent === 'updated') await markBehind(db, lease.promotionId, m.idx);
  }

  /**
   * Record a post's ts. A post cannot be taken back, and a message whose ts is not recorded is posted again by the
   * next render: so when the database is away, the ts is kept here and recording it is retried, the lease renewed
   * first, with bounded backoff until the database answers or the process stops. A post that could not be recorded
   * after all is logged at error level with where it is, for an operator to delete; the render then fails as before.
   */
  private async recordPost(lease: Lease, m: MessageRow, row: { ts: string; version: number; hash: string }): Promise<void> {
    const { log } = this.deps;
    const where = { promotionId: lease.promotionId, idx: m.idx, channel: m.channelId, ts: row.ts };
    let delay = RECORD_RETRY_MIN_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        // The render still holds the lease (its heartbeat could not renew it while the database was away).
        if (attempt > 1) await lease.renew();
        await this.record(lease, m, row, 'posted');
        if (attempt > 1) log.info({ ...where, attempts: attempt }, 'recorded a posted checklist message once the database answered again');
        return;
      } catch (err) {
        if (!isDatabaseUnreachable(err) || this.stopping.signal.aborted) {
          log.error(
            { err, ...where, attempts: attempt },
            `posted a checklist message but could not record it, so it will be posted again: delete this one (channel ${m.channelId}, ts ${row.ts}) in Slack`,
          );
          throw err;
        }
        if (attempt === 1) log.warn({ err, ...where }, 'posted a checklist message while the database went away; recording it once the database answers');
        await sleep(delay, undefined, { signal: this.stopping.signal }).catch(() => undefined);
        delay = Math.min(delay * 2, RECORD_RETRY_MAX_MS);
      }
    }
  }

  private async recordFailure(lease: Lease, m: MessageRow, err: unknown): Promise<void> {
    const id = lease.promotionId;
    const code = slackErrorCode(err);
    const terminal = isTerminal(err);
    const failure = { error: code ?? (err as Error).message ?? String(err), terminal, now: this.deps.clock() };
    await this.deps.db.tx(async (q) => {
      // Once another replica holds the lease, its renders say whether this message is failing.
      if (await holdsLease(q, id, this.owner)) await recordRenderFailure(q, id, m.idx, failure);
      else lease.lost = true;
    });
    if (terminal) this.deps.log.error({ err, promotionId: id, idx: m.idx }, 'Slack will not accept this checklist message any more; it is no longer updated');
  }
}

/** A claimed render lease: renewed in the background while its render runs, released at the end. */
class Lease {
  /** Another replica claimed it after it lapsed: render and record nothing more. */
  lost = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly deps: PublisherDeps,
    readonly promotionId: string,
    private readonly owner: string,
  ) {
    // A renewal that fails (the database away) is not fatal here: the render's own next query fails too.
    this.heartbeat = setInterval(() => void this.renew().catch(() => undefined), LEASE_MS / 3);
    this.heartbeat.unref();
  }

  async renew(): Promise<boolean> {
    if (this.lost) return false;
    if (!(await renewLease(this.deps.db, this.promotionId, this.owner, LEASE_MS))) this.lost = true;
    return !this.lost;
  }

  /** Never throws: a lease that cannot be released lapses, or this process claims it again. */
  async release(): Promise<void> {
    clearInterval(this.heartbeat);
    await releaseLease(this.deps.db, this.promotionId, this.owner).catch((err: unknown) => {
      this.deps.log.warn({ err, promotionId: this.promotionId }, `render lease not released; it lapses within ${LEASE_MS / 1000} s`);
    });
  }
}
