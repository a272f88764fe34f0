import { createHash } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import type { Db, Queryable } from '../store/db.js';
import { renderSectionsMessage, type RenderedMessage } from '../../blocks/checklist.js';
import { renderOverview } from '../../blocks/overview.js';
import { loadView } from '../store/promotions.js';
import { isStale, listMessages, markRendered, recordRenderFailure, stalePromotions, type MessageRow } from '../store/messages.js';
import type { PromotionView } from '../domain/promotion.js';
import type { Refresher } from '../services/deps.js';

/**
 * The advisory lock key of a promotion: 64 bits of its uuid as a signed bigint. A collision (vanishingly
 * unlikely) would let one promotion's refresh be skipped while the other's runs; the repair sweep fixes that.
 */
function lockKey(promotionId: string): string {
  return BigInt.asIntN(64, BigInt(`0x${promotionId.replace(/-/g, '').slice(0, 16)}`)).toString();
}

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
 * Across processes, a Postgres advisory lock lets one replica render at a time; a replica that finds it
 * taken leaves the work to the holder, which re-checks the stored version after unlocking. Each render reads
 * the database afresh, so the last update shows the latest committed state.
 *
 * When Slack fails, the change is still saved and the messages stay marked as behind: `repairStale` (run by
 * the scheduler) renders them again, whoever's refresh it was.
 */
export class Publisher implements Refresher {
  private readonly inflight = new Map<string, { dirty: boolean; done: Promise<void> }>();

  constructor(private readonly deps: PublisherDeps) {}

  refresh(promotionId: string): Promise<void> {
    const running = this.inflight.get(promotionId);
    if (running) {
      running.dirty = true;
      return running.done;
    }
    const entry = { dirty: false, done: Promise.resolve() };
    entry.done = (async () => {
      let failure: unknown;
      try {
        do {
          entry.dirty = false;
          try {
            await this.syncAcrossReplicas(promotionId);
            failure = undefined;
          } catch (err) {
            // Keep going for requests that arrived meanwhile; report the last failure to every waiter.
            failure = err;
          }
        } while (entry.dirty);
      } finally {
        this.inflight.delete(promotionId);
      }
      if (failure !== undefined) throw failure;
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
      const result = await this.deps.db.tryLock(lockKey(promotionId), (q) => this.syncOnce(q, promotionId));
      // Someone else holds the lock: it re-checks after unlocking and will render our change.
      if (!result.acquired) return;
      // A change committed while we held the lock may have found it taken: re-check now that it is free.
      if (!(await isStale(this.deps.db, promotionId, this.deps.clock()))) return;
    }
  }

  private async syncOnce(q: Queryable, promotionId: string): Promise<void> {
    const { log } = this.deps;
    const view = await loadView(q, promotionId);
    if (!view) return;
    const messages = await listMessages(q, promotionId);
    const version = view.promotion.version;
    const threadTs = { value: messages.find((m) => m.idx === 0)?.ts ?? null };
    let failure: unknown;
    for (const m of messages) {
      if (m.broken || (m.ts && m.renderedVersion >= version)) continue;
      try {
        await this.syncMessage(q, view, m, threadTs);
      } catch (err) {
        const code = slackErrorCode(err);
        const terminal = code !== undefined && TERMINAL_ERRORS.has(code);
        await recordRenderFailure(q, promotionId, m.idx, { error: code ?? (err as Error).message ?? String(err), terminal, now: this.deps.clock() });
        if (terminal) log.error({ err, promotionId, idx: m.idx }, 'Slack will not accept this checklist message any more; it is no longer updated');
        failure ??= err;
        // A post that failed stops the posts after it, so the thread keeps the template's order (and without
        // the overview there is no thread at all). Updates of messages already posted go on regardless.
        if (!m.ts) break;
      }
    }
    if (failure !== undefined) throw failure;
  }

  private async syncMessage(q: Queryable, view: PromotionView, m: MessageRow, threadTs: { value: string | null }): Promise<void> {
    const { client, poster, log } = this.deps;
    const promotionId = view.promotion.id;
    const version = view.promotion.version;
    const rendered = m.idx === 0 ? renderOverview(view) : renderSectionsMessage(view, m.sections);
    const hash = hashOf(rendered);
    if (m.ts && m.renderedHash === hash) {
      await markRendered(q, promotionId, m.idx, { ts: m.ts, version, hash });
      return;
    }
    let ts = m.ts;
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
    await markRendered(q, promotionId, m.idx, { ts, version, hash });
    log.debug({ promotionId, idx: m.idx, version }, 'message rendered');
  }
}
