import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditEvent } from '../domain/audit-events.js';
import type { Promotion } from '../domain/promotion.js';
import { UserError } from '../errors.js';
import { appendAudit } from '../store/audit.js';
import { isDatabaseUnreachable, type TxQueryable } from '../store/db.js';
import { claimReceipt, claimReceipts, type ReceiptClaim } from '../store/promotions.js';
import type { Deps } from './deps.js';
import { lockActivePromotion } from './guard.js';
import { showChange } from './show.js';

/** Which promotion a change is to, by whom, and (for a click) what makes a redelivery recognisable. */
export interface ChangeRequest {
  promotionId: string;
  /** A Slack user id, or SYSTEM_ACTOR for what the bot does itself. */
  actor: string;
  /** Identifies one click: a second delivery of it changes nothing. */
  receiptKey?: string;
  /** The refusal when the promotion has ended, instead of the usual "it was aborted, start a new one". */
  refuseEnded?: (promotion: Promotion) => Error;
}

/** What a change sees: its transaction, the promotion locked and known to be running, and the time. */
export interface ChangeScope {
  q: TxQueryable;
  promotion: Promotion;
  now: Date;
  /**
   * Send this outbox row (enqueued by the change, in its transaction) once the change commits. Dropped if the change
   * is undone; if sending fails, the outbox's sweep sends it, once.
   */
  sendAfterCommit(outboxKey: string): void;
  /**
   * Run this once the change commits (never if it is undone): to wake a sender whose rows the change wrote (the GitHub
   * gate's answers). It must not throw; what it would have done, that sender's sweep does.
   */
  afterCommit(fn: () => void): void;
}

/** A change writes its rows and says what happened, as one audit event; null means nothing changed. */
export type Change = (scope: ChangeScope) => Promise<AuditEvent | null>;

/**
 * The one way a promotion changes. In one transaction: lock the promotion (every change takes this lock first,
 * so changes to one promotion are serialised in one order and cannot deadlock), refuse if it has ended, claim
 * the click's receipt (a redelivered click stops here), run the change, and append its audit event, which also
 * bumps the version the messages render from. A change that throws writes nothing.
 *
 * This commits only; `applyChange` also brings the messages up to date. A modal commits, answers Slack (which
 * can then show a refusal next to the input), and only then refreshes.
 */
export async function commitChange(deps: Deps, req: ChangeRequest, change: Change): Promise<{ changed: boolean }> {
  const now = deps.clock();
  let posts: string[] = [];
  let after: Array<() => void> = [];
  const changed = await deps.db.tx(async (q) => {
    posts = [];
    after = [];
    const promotion = await lockActivePromotion(q, req.promotionId, req.refuseEnded);
    if (req.receiptKey !== undefined && !(await claimReceipt(q, req.receiptKey, promotion.id, now))) return false;
    const event = await change({ q, promotion, now, sendAfterCommit: (key) => posts.push(key), afterCommit: (fn) => after.push(fn) });
    if (!event) return false;
    await appendAudit(q, { promotionId: promotion.id, actor: req.actor, at: now, ...event });
    return true;
  });
  if (changed) for (const fn of after) fn();
  await sendPosts(deps, posts);
  return { changed };
}

/** The posts `holdingPosts` holds back while its work runs. */
const held = new AsyncLocalStorage<{ posts: string[]; open: boolean }>();

/**
 * Run `work` holding back the posts its committed changes would send at once (`sendPosts`), and return them, for the
 * caller to send later: a modal's submission must be acknowledged within Slack's 3 seconds, so it saves, acknowledges
 * and only then posts (a slow Slack would otherwise hold the acknowledgement, and the person see an error for a change
 * that was saved). Whatever the work left running past its end sends its posts as usual.
 */
export async function holdingPosts<T>(work: () => Promise<T>): Promise<{ result: T; posts: string[] }> {
  const store = { posts: [] as string[], open: true };
  try {
    const result = await held.run(store, work);
    return { result, posts: store.posts };
  } finally {
    store.open = false;
  }
}

/** Send what committed changes enqueued; a failure is logged and left to the outbox's sweep. */
export async function sendPosts(deps: Pick<Deps, 'slack' | 'log'>, keys: readonly string[]): Promise<void> {
  const holding = held.getStore();
  if (holding?.open) {
    holding.posts.push(...keys);
    return;
  }
  for (const key of keys) {
    await deps.slack.send(key).catch((err: unknown) => deps.log.warn({ err, key }, 'change saved; its post is sent by the outbox sweep'));
  }
}

/** Commit a change, then show it: the messages are rebuilt from the database after the commit. */
export async function applyChange(deps: Deps, req: ChangeRequest, change: Change): Promise<{ changed: boolean }> {
  const result = await commitChange(deps, req, change);
  if (result.changed) await showChange(deps, req.promotionId);
  return result;
}

/** One click of a batch: who, the receipt that recognises a redelivery, and the change it makes. */
export interface BatchedChange<K> {
  key: K;
  actor: string;
  receiptKey: string;
  change: Change;
  /** Whether `take` claimed its receipt itself, as asked (false: a redelivery); undefined: `commitBatch` claims it. */
  claimed?: boolean;
}

/**
 * What became of one click of a batch: it changed something (and has its audit event), found nothing to do, was
 * applied before (a redelivery), or was refused: the promotion had ended, or its change threw (and wrote nothing).
 */
export type BatchedOutcome = { status: 'changed' } | { status: 'unchanged' } | { status: 'duplicate' } | { status: 'refused'; error: unknown };

export interface Batch<K> {
  /**
   * Reads the clicks to apply, in the order to apply them, once the promotion is locked. Given `claim`, it may claim
   * their receipts in the same statement and say so in `claimed` (one round trip fewer per batch).
   */
  take(q: TxQueryable, claim: ReceiptClaim | undefined): Promise<Array<BatchedChange<K>>>;
  /** Runs last in the same transaction, with every click taken. */
  done?(q: TxQueryable, keys: K[]): Promise<void>;
}

/** Thrown inside an unguarded attempt when one of its clicks failed: undoes the attempt, which is then made guarded. */
class ClickFailed extends Error {}

/**
 * The unit of change for many clicks at once (group commit): one transaction and one lock of the promotion for the
 * whole batch, instead of one each. Each click is what `commitChange` makes of it (its receipt claimed, its change
 * run, its audit event appended), and a click that throws is undone alone while the rest of the batch stands. A
 * promotion that has ended refuses every click, with the reason. A database error fails the whole batch and writes
 * nothing. Commits only: the caller shows the changes (once for the batch).
 *
 * Undoing one click alone takes a savepoint around each, two more round trips per click, although clicks are
 * almost never refused once stored. So a batch is first tried without savepoints; if a click throws, that attempt
 * is rolled back whole and the batch is made again with a savepoint around every click (never more than twice).
 */
export async function commitBatch<K>(deps: Pick<Deps, 'db' | 'clock' | 'slack' | 'log'>, promotionId: string, batch: Batch<K>): Promise<Map<K, BatchedOutcome>> {
  const now = deps.clock();
  let attempt: Attempt<K>;
  try {
    attempt = await commitAttempt(deps, promotionId, batch, now, false);
  } catch (err) {
    if (!(err instanceof ClickFailed)) throw err;
    attempt = await commitAttempt(deps, promotionId, batch, now, true);
  }
  for (const fn of attempt.after) fn();
  await sendPosts(deps, attempt.posts);
  return attempt.outcomes;
}

interface Attempt<K> {
  outcomes: Map<K, BatchedOutcome>;
  posts: string[];
  after: Array<() => void>;
}

/** One transaction applying the batch; `guarded` puts a savepoint around each click, else a failing click throws ClickFailed. */
async function commitAttempt<K>(deps: Pick<Deps, 'db'>, promotionId: string, batch: Batch<K>, now: Date, guarded: boolean): Promise<Attempt<K>> {
  let posts: string[] = [];
  let after: Array<() => void> = [];
  const outcomes = await deps.db.tx(async (q) => {
    posts = [];
    after = [];
    const outcomes = new Map<K, BatchedOutcome>();
    let promotion: Promotion | undefined;
    let ended: unknown;
    try {
      promotion = await lockActivePromotion(q, promotionId);
    } catch (err) {
      if (isDatabaseUnreachable(err) || !(err instanceof UserError)) throw err;
      ended = err;
    }
    // Unguarded, every receipt is claimed at once, by `take` or else in one statement here (a failing click undoes the
    // attempt whole anyway); guarded, each is claimed under its click's savepoint, so that a refused click's receipt is
    // undone with it.
    const claimAll = promotion && !guarded ? { promotionId: promotion.id, at: now } : undefined;
    const clicks = await batch.take(q, claimAll);
    let unclaimed: Set<string> | undefined;
    if (claimAll) {
      unclaimed = new Set(clicks.filter((c) => c.claimed === true).map((c) => c.receiptKey));
      const left = clicks.filter((c) => c.claimed === undefined).map((c) => c.receiptKey);
      if (left.length > 0) for (const key of await claimReceipts(q, left, claimAll.promotionId, now)) unclaimed.add(key);
    }
    const claim = async (key: string): Promise<boolean> => (unclaimed ? unclaimed.delete(key) : claimReceipt(q, key, promotion!.id, now));
    for (const c of clicks) {
      if (!promotion) {
        outcomes.set(c.key, { status: 'refused', error: ended });
        continue;
      }
      if (guarded) await q.query('SAVEPOINT batched_click');
      const mine: string[] = [];
      const mineAfter: Array<() => void> = [];
      try {
        let outcome: BatchedOutcome;
        if (!(await claim(c.receiptKey))) {
          outcome = { status: 'duplicate' };
        } else {
          const event = await c.change({ q, promotion, now, sendAfterCommit: (key) => mine.push(key), afterCommit: (fn) => mineAfter.push(fn) });
          if (event) await appendAudit(q, { promotionId: promotion.id, actor: c.actor, at: now, ...event });
          outcome = { status: event ? 'changed' : 'unchanged' };
        }
        if (guarded) await q.query('RELEASE SAVEPOINT batched_click');
        posts.push(...mine);
        after.push(...mineAfter);
        outcomes.set(c.key, outcome);
      } catch (err) {
        if (isDatabaseUnreachable(err)) throw err;
        if (!guarded) throw new ClickFailed();
        await q.query('ROLLBACK TO SAVEPOINT batched_click');
        await q.query('RELEASE SAVEPOINT batched_click');
        outcomes.set(c.key, { status: 'refused', error: err });
      }
    }
    await batch.done?.(q, clicks.map((c) => c.key));
    return outcomes;
  });
  return { outcomes, posts, after };
}
