import { createHash } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import type { Db } from '../store/db.js';
import type { Template } from '../domain/template.js';
import type { PromotionView } from '../domain/promotion.js';
import { renderSectionsMessage, type RenderedMessage } from '../../blocks/checklist.js';
import { renderOverview } from '../../blocks/overview.js';
import { planMessages } from '../../blocks/layout.js';
import { loadView } from '../store/promotions.js';
import { isStale, listMessages, markRendered } from '../store/messages.js';
import type { Refresher } from '../services/deps.js';

/** An advisory lock key per promotion (a collision only serialises two promotions' renders). */
function lockKey(promotionId: string): number {
  return Number.parseInt(promotionId.replace(/-/g, '').slice(0, 12), 16);
}

function hashOf(m: RenderedMessage): string {
  return createHash('sha256').update(JSON.stringify(m)).digest('hex');
}

/**
 * Brings a promotion's messages up to date with the database, one promotion at a time.
 *
 * Within a process, refreshes of one promotion coalesce: while one is running, further requests only mark
 * it dirty and it runs once more at the end, so a burst of clicks costs a couple of `chat.update` calls.
 * Across processes, a Postgres advisory lock lets one replica render at a time; a replica that finds it
 * taken leaves the work to the holder, which re-checks the stored version after unlocking. Each render reads
 * the database afresh, so the last update always shows the latest committed state.
 */
export class Publisher implements Refresher {
  private readonly inflight = new Map<string, { dirty: boolean; done: Promise<void> }>();
  /** Plans by promotion: a promotion's template is frozen, so its plan never changes. Bounded; recomputed if evicted. */
  private readonly plans = new Map<string, number[][]>();

  constructor(private readonly deps: { db: Db; client: WebClient; log: Logger }) {}

  refresh(promotionId: string): Promise<void> {
    const running = this.inflight.get(promotionId);
    if (running) {
      running.dirty = true;
      return running.done;
    }
    const entry = { dirty: false, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        do {
          entry.dirty = false;
          await this.syncAcrossReplicas(promotionId);
        } while (entry.dirty);
      } finally {
        this.inflight.delete(promotionId);
      }
    })();
    this.inflight.set(promotionId, entry);
    return entry.done;
  }

  /** Resolves when no refresh is running in this process (tests and shutdown wait on it). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight.values()].map((e) => e.done));
  }

  private async syncAcrossReplicas(promotionId: string): Promise<void> {
    for (;;) {
      const result = await this.deps.db.tryLock(lockKey(promotionId), () => this.syncOnce(promotionId));
      // Another replica holds the lock: it re-checks after unlocking and will render our change.
      if (!result.acquired) return;
      // A change committed while we held the lock may have found it taken: re-check now that it is free.
      if (!(await isStale(this.deps.db, promotionId))) return;
    }
  }

  private plan(promotionId: string, template: Template): number[][] {
    let plan = this.plans.get(promotionId);
    if (!plan) {
      plan = planMessages(template);
      if (this.plans.size >= 500) this.plans.delete(this.plans.keys().next().value!);
      this.plans.set(promotionId, plan);
    }
    return plan;
  }

  private render(view: PromotionView, idx: number): RenderedMessage {
    if (idx === 0) return renderOverview(view);
    const sections = this.plan(view.promotion.id, view.promotion.template)[idx - 1];
    if (!sections) throw new Error(`promotion ${view.promotion.id} has no message ${idx} in its plan`);
    return renderSectionsMessage(view, sections);
  }

  private async syncOnce(promotionId: string): Promise<void> {
    const { db, client, log } = this.deps;
    const view = await loadView(db, promotionId);
    if (!view) return;
    const messages = await listMessages(db, promotionId);
    const version = view.promotion.version;
    let threadTs = messages.find((m) => m.idx === 0)?.ts ?? null;
    for (const m of messages) {
      if (m.ts && m.renderedVersion >= version) continue;
      const rendered = this.render(view, m.idx);
      const hash = hashOf(rendered);
      if (m.ts && m.renderedHash === hash) {
        await markRendered(db, promotionId, m.idx, { ts: m.ts, version, hash });
        continue;
      }
      let ts = m.ts;
      if (ts) {
        await client.chat.update({ channel: m.channelId, ts, text: rendered.text, blocks: rendered.blocks });
      } else {
        const posted = await client.chat.postMessage({
          channel: m.channelId,
          text: rendered.text,
          blocks: rendered.blocks,
          unfurl_links: false,
          unfurl_media: false,
          ...(m.idx > 0 && threadTs ? { thread_ts: threadTs } : {}),
        });
        ts = posted.ts ?? null;
        if (!ts) throw new Error('chat.postMessage answered without a ts');
        if (m.idx === 0) threadTs = ts;
      }
      await markRendered(db, promotionId, m.idx, { ts, version, hash });
      log.debug({ promotionId, idx: m.idx, version }, 'message rendered');
    }
  }
}
