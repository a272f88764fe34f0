import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseUnavailable, newErrorId, notAcknowledged, UserError } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  CLICK_PAYLOAD,
  promotionsWithClicksBefore,
  removeClicks,
  takeClicks,
  takeClicksStoredBefore,
  type ClickPayload,
  type TakenClick,
} from '../store/click-intake.js';
import { RecentMap } from '../store/recent-map.js';
import { mayAct } from '../domain/policy.js';
import { getPromotion } from '../store/promotions.js';
import { commitBatch, type BatchedChange, type BatchedOutcome, type Change } from './change.js';
import type { Deps } from './deps.js';
import { ACK_DEADLINE_MS, Busy, GroupInsert } from './group-insert.js';
import { chooseChange, toggleChange } from './items.js';
import { assertLiveMessage } from './live-message.js';
import { showChange } from './show.js';

/**
 * A stored click no process is applying any more is this old: its process stopped between storing and applying it.
 * A live process applies what it stored within a batch (milliseconds, a lock wait at worst); if it is slower than
 * this, the sweep applies the click instead and the person is not told of a refusal (it is logged).
 */
export const ORPHANED_AFTER_MS = 10_000;
/** How often every replica looks for orphaned clicks (a six-field node-cron expression). */
export const SWEEP_EVERY = '*/5 * * * * *';
/**
 * At most this many promotions, and this many clicks of each, per sweep; the next sweep takes the rest. Small: one
 * transaction applies them, and under load a large one outlasts the query timeout and rolls back whole.
 */
const SWEEP_PROMOTIONS = 20;
const SWEEP_CLICKS = 100;

/**
 * A promotion's batches start at least this far apart while clicks keep coming (an isolated click is applied at once).
 * A batch costs a fixed round of statements (lock, take, commit) plus a little per click, and at a steady 50-200
 * clicks a second a batch used to hold one or two clicks: waiting this long lets one batch take several, which cut
 * the CPU a click costs at 100 a second by about a third (BENCHMARKS.md). It delays applying a click by at most this, never its
 * acknowledgement (stored first), and the messages wait for Slack's rate budget far longer anyway.
 */
export const GATHER_MS = 40;

/** What the intake needs: the use cases' dependencies, but for itself. */
export type IntakeDeps = Omit<Deps, 'clicks'>;

/** A click as the listener hands it over: stored as is. */
export interface ClickSubmission {
  receiptKey: string;
  promotionId: string;
  userId: string;
  actionTs: string;
  payload: ClickPayload;
  /** When its request arrived (performance.now()): the deadlines to store and acknowledge it count from then. */
  arrivedAt?: number;
}

/**
 * At most this many clicks this process has acknowledged and not applied yet: past it, a new click is refused as
 * Busy before it is stored (backpressure). Without a bound, clicks arriving faster than they are applied would
 * pile up in memory (and in the table) for as long as the overload lasts.
 */
export const MAX_UNAPPLIED = 2_000;

/** What became of a click this process stored and waited for. */
type Outcome =
  | (BatchedOutcome & { status: 'unchanged' | 'duplicate' | 'refused' })
  /** Applied; `shown` resolves with what went wrong showing the batch (undefined: shown). */
  | { status: 'changed'; shown: Promise<unknown> }
  /** No longer stored when this process's batch looked: the sweep (or a replica's) applied it. */
  | { status: 'gone' }
  /** The batch failed: the click is still stored and is applied later. */
  | { status: 'failed'; error: unknown };

interface Waiting {
  resolve(outcome: Outcome): void;
  /** The request's logger, carrying its id and the person. */
  log: Logger;
  /** The message the click was made on: rendered first, before the overview. */
  messageTs?: string;
}

/**
 * The change a stored click makes, or why it cannot be read. The checks a click passes are made here, when it is
 * applied under the promotion's lock, not before it is stored (storing comes first, so that a click is durable
 * before it is acknowledged): it was made on the promotion's live message, and this person may make it.
 */
function changeOf(click: TakenClick): Change {
  const payload = CLICK_PAYLOAD.safeParse(click.payload);
  if (!payload.success) {
    return async () => {
      throw new Error(`stored click ${click.receiptKey} has a payload this version cannot read`);
    };
  }
  const p = payload.data;
  const change =
    p.kind === 'toggle'
      ? toggleChange({ userId: click.userId, actionTs: click.actionTs, ticked: p.ticked, unticked: p.unticked })
      : chooseChange({ userId: click.userId, actionTs: click.actionTs, itemId: p.item, optionId: p.option });
  return async (scope) => {
    if (p.on) await assertLiveMessage(scope.q, scope.promotion.id, p.on.channel, p.on.ts, click.clickedOnOwner);
    const verdict = mayAct(scope.promotion, click.userId, p.kind === 'toggle' ? 'tick' : 'choose');
    if (!verdict.allowed) throw new UserError(verdict.why, 'not_allowed');
    return change(scope);
  };
}

function batched(clicks: TakenClick[]): Array<BatchedChange<string>> {
  return clicks.map((c) => ({ key: c.receiptKey, actor: c.userId, receiptKey: c.receiptKey, change: changeOf(c), claimed: c.claimed }));
}

/**
 * The click intake: checkbox toggles and choices are stored on arrival (group insert: ./group-insert.ts), and only
 * then acknowledged, and applied in batches.
 *
 * Why: applying each click in its own transaction queued every click of a busy checklist for the promotion's row
 * lock, each holding a pool connection while it waited, until the pool's checkout timeout failed clicks that had
 * already been acknowledged. Stored first, a click no longer waits for the lock to be durable; and one transaction
 * applies every click that arrived meanwhile, under one lock (group commit), so the lock is taken once per batch.
 *
 * Within a process, batches of one promotion run one at a time: while one runs, clicks arriving meanwhile wait and
 * go together in the next. Across replicas, every batch locks the promotion first, so batches never overlap, and
 * clicks apply in Slack's order per item whichever batch takes them (`claimItemsInOrder`). Each process applies the
 * clicks it stored, so it can answer their senders through their own requests; clicks whose process stopped before
 * applying them are applied by any replica's `sweep` once ORPHANED_AFTER_MS old (logged, no one to answer).
 */
export class ClickIntake {
  private readonly queues = new Map<string, Map<string, Waiting>>();
  /** When each promotion's latest batch started (performance.now()), to keep batches GATHER_MS apart. */
  private readonly batchStarts = new RecentMap<string, number>(256);
  private readonly running = new Set<Promise<unknown>>();
  private readonly inserts: GroupInsert;

  constructor(private readonly deps: IntakeDeps) {
    this.inserts = new GroupInsert(deps.db);
  }

  /**
   * Store a click, call `stored` (the listener acknowledges the click to Slack there: only a stored click is
   * acknowledged, so an acknowledged click is never lost), and wait until it is applied, then shown. Resolves when
   * it is (changed says whether it changed anything); throws what the person should hear: why it was refused, that
   * the checklist message could not be updated, or that it was stored but could not be applied just now (it will
   * be). A click that cannot be stored throws before `stored` is called: DatabaseUnavailable (the database is away)
   * or Busy (clicks arrive faster than they can be stored): "nothing was recorded, click again".
   */
  async submit(click: ClickSubmission, stored: () => Promise<void>, log = this.deps.log): Promise<{ changed: boolean }> {
    const arrivedAt = click.arrivedAt ?? performance.now();
    if (this.unapplied() >= MAX_UNAPPLIED) throw notAcknowledged(new Busy());
    let isNew: boolean;
    try {
      const { arrivedAt: _arrived, ...row } = click;
      isNew = await this.inserts.store({ ...row, receivedAt: this.deps.clock() }, arrivedAt);
    } catch (err) {
      throw notAcknowledged(err);
    }
    if (isNew && performance.now() - arrivedAt > ACK_DEADLINE_MS) await this.takeBack(click, log);
    await stored();
    if (!isNew) {
      // Not stored: a click on a promotion that does not exist (told so), or a redelivery of a click stored already
      // (the delivery that stored it answers).
      if (!(await getPromotion(this.deps.db, click.promotionId))) throw new UserError('That checklist no longer exists.', 'not_found');
      return { changed: false };
    }
    const outcome = await this.apply(click.promotionId, click.receiptKey, { log, messageTs: click.payload.on?.ts });
    switch (outcome.status) {
      case 'changed': {
        const shown = await outcome.shown;
        if (shown !== undefined) throw shown;
        return { changed: true };
      }
      case 'refused':
        throw outcome.error;
      case 'failed':
        throw this.storedNotApplied(outcome.error, click, log);
      default:
        return { changed: false };
    }
  }

  /** Clicks this process stored and is waiting to apply. */
  private unapplied(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.size;
    return n;
  }

  /**
   * Stored too late to be acknowledged in time: delete it (nothing applies a click before its sender's process asks,
   * or the sweep after ORPHANED_AFTER_MS), and refuse it unacknowledged. If even the delete fails, the click stays and
   * is applied by the sweep: then it is acknowledged after all, late, rather than refused and applied.
   */
  private async takeBack(click: ClickSubmission, log: Logger): Promise<void> {
    try {
      await removeClicks(this.deps.db, [click.receiptKey]);
    } catch (err) {
      log.warn({ err, receiptKey: click.receiptKey }, 'a click stored too late to acknowledge in time could not be taken back; it is applied');
      return;
    }
    throw notAcknowledged(new Busy());
  }

  /** Resolves when no batch or sweep of this process is running (shutdown and tests wait on it). */
  async idle(): Promise<void> {
    await this.inserts.idle();
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /**
   * Apply clicks stored more than ORPHANED_AFTER_MS ago, whatever process stored them: what a process that stopped
   * between storing and applying left behind. Refusals are logged (their senders' requests are gone; the checklist
   * shows what was applied). Returns how many clicks were taken.
   */
  sweep(): Promise<number> {
    return this.tracked(this.sweepOnce());
  }

  private async sweepOnce(): Promise<number> {
    const { db, clock, log } = this.deps;
    const before = new Date(clock().getTime() - ORPHANED_AFTER_MS);
    let taken = 0;
    for (const promotionId of await promotionsWithClicksBefore(db, before, SWEEP_PROMOTIONS)) {
      try {
        const outcomes = await commitBatch(this.deps, promotionId, {
          take: async (q, claim) => batched(await takeClicksStoredBefore(q, promotionId, before, SWEEP_CLICKS, claim)),
        });
        // Another replica's sweep took them between the listing and the lock.
        if (outcomes.size === 0) continue;
        taken += outcomes.size;
        let changed = false;
        for (const [receiptKey, o] of outcomes) {
          changed ||= o.status === 'changed';
          if (o.status === 'refused') this.logRefusal(promotionId, receiptKey, o.error);
        }
        log.info({ promotionId, clicks: outcomes.size }, 'applied clicks a stopped process had stored');
        // showChange logs a display failure itself; no one is waiting to be told.
        if (changed) await showChange(this.asDeps(), promotionId).catch(() => undefined);
      } catch (err) {
        log.warn({ err, promotionId }, 'could not apply stored clicks; the next sweep tries again');
      }
    }
    return taken;
  }

  /** Wait for a stored click's batch: joins the promotion's queue, and starts the batches if none is running. */
  private apply(promotionId: string, receiptKey: string, from: Omit<Waiting, 'resolve'>): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      const queue = this.queues.get(promotionId);
      if (queue) {
        queue.set(receiptKey, { resolve, ...from });
        return;
      }
      const fresh = new Map([[receiptKey, { resolve, ...from }]]);
      this.queues.set(promotionId, fresh);
      void this.tracked(this.drain(promotionId, fresh));
    });
  }

  /** Run batches of a promotion's waiting clicks until none is left waiting, GATHER_MS apart. */
  private async drain(promotionId: string, queue: Map<string, Waiting>): Promise<void> {
    try {
      while (queue.size > 0) {
        const wait = (this.batchStarts.get(promotionId) ?? -Infinity) + GATHER_MS - performance.now();
        if (wait > 0) await sleep(wait);
        this.batchStarts.set(promotionId, performance.now());
        const batch = new Map(queue);
        queue.clear();
        await this.runBatch(promotionId, batch);
      }
    } finally {
      this.queues.delete(promotionId);
    }
  }

  private async runBatch(promotionId: string, batch: Map<string, Waiting>): Promise<void> {
    let outcomes: Map<string, BatchedOutcome>;
    try {
      outcomes = await commitBatch(this.deps, promotionId, {
        take: async (q, claim) => batched(await takeClicks(q, promotionId, [...batch.keys()], claim)),
      });
    } catch (error) {
      for (const w of batch.values()) w.resolve({ status: 'failed', error });
      return;
    }
    const log = this.batchLog([...batch.values()]);
    log.debug({ promotionId, clicks: batch.size, applied: outcomes.size }, 'applied a batch of clicks');
    // Shown once for the whole batch; the next batch does not wait for Slack.
    const changed = [...outcomes.values()].some((o) => o.status === 'changed');
    // The latest clicker's message goes first: what they are looking at updates before the overview.
    const first = [...batch.values()].reverse().find((w) => w.messageTs)?.messageTs;
    const shown = changed ? this.show(promotionId, log, first) : Promise.resolve(undefined);
    for (const [receiptKey, w] of batch) {
      const o = outcomes.get(receiptKey);
      w.resolve(!o ? { status: 'gone' } : o.status === 'changed' ? { status: 'changed', shown } : o);
    }
  }

  /**
   * What a batch logs with: the request's own logger when the batch is one request's click (its lines carry that
   * request's id and person), else this intake's, naming every request and person the batch served.
   */
  private batchLog(waiting: Waiting[]): Logger {
    if (waiting.length === 1) return waiting[0]!.log;
    const ids = waiting.map((w) => w.log.bindings() as { requestId?: string; userId?: string });
    return this.deps.log.child({ requestIds: ids.map((b) => b.requestId), userIds: [...new Set(ids.map((b) => b.userId))] });
  }

  /** Bring the messages up to date; resolves with the person's answer when that failed (never rejects). */
  private show(promotionId: string, log: Logger, first?: string): Promise<unknown> {
    return showChange({ ...this.asDeps(), log }, promotionId, first ? { first } : {}).then(
      () => undefined,
      (err: unknown) => err,
    );
  }

  /** The click is stored but its batch failed: it is applied later (by the sweep), so asking again is not needed. */
  private storedNotApplied(error: unknown, click: ClickSubmission, log: Logger): UserError {
    const context = { promotionId: click.promotionId, receiptKey: click.receiptKey };
    if (error instanceof DatabaseUnavailable) {
      log.warn({ err: error.cause, ...context }, 'click stored, but the database stopped answering before it was applied');
      return new UserError(
        'Received, but the database stopped answering before your click was applied. It is applied by itself once the database is back; no need to click again.',
        'stored_not_applied',
      );
    }
    const errorId = newErrorId();
    log.error({ err: error, errorId, ...context }, 'click stored, but its batch failed; the sweep applies it later');
    return new UserError(
      `Received, but your click could not be applied just now (error id \`${errorId}\`). It is retried by itself shortly; no need to click again.`,
      'stored_not_applied',
    );
  }

  private logRefusal(promotionId: string, receiptKey: string, error: unknown): void {
    if (error instanceof UserError) this.deps.log.info({ promotionId, receiptKey, code: error.code }, 'stored click refused: %s', error.message);
    else this.deps.log.error({ err: error, promotionId, receiptKey }, 'stored click failed and was dropped');
  }

  private asDeps(): Deps {
    return { ...this.deps, clicks: this };
  }

  private tracked<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    void work.finally(() => this.running.delete(work)).catch(() => undefined);
    return work;
  }
}
