import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, type WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import { isDatabaseUnreachable, type Db, type Queryable } from '../store/db.js';
import { renderSectionsMessage, type RenderedMessage } from '../../blocks/checklist.js';
import { renderOverview } from '../../blocks/overview.js';
import { getPromotion, loadView, renderMark } from '../store/promotions.js';
import { changesSince, isStale, listMessages, markRendered, recordRenderFailure, stalePromotions, type MessageRow } from '../store/messages.js';
import { claimLease, fastForwardIfHeld, holdsLease, markBehind, markRenderedIfHeld, recheckIfHeld, releaseLease, renewLease } from '../store/render-leases.js';
import { OutboxSender } from './outbox.js';
import {
  DEFAULT_HISTORY_READS_PER_MINUTE,
  DEFAULT_UPDATES_PER_MINUTE,
  POSTS_PER_CHANNEL,
  RateBudget,
  REAL_TIMER,
  UPDATE_BURST,
  type RateTimer,
  type SharedBudgetOptions,
} from './rate-budget.js';
import type { PromotionView } from '../domain/promotion.js';

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

/** Slack answered 429 (the client rejects rate-limited calls rather than sleeping in its queue): seconds to wait. */
function retryAfterOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; retryAfter?: unknown } | null;
  if (e?.code !== ErrorCode.RateLimitedError) return undefined;
  return typeof e.retryAfter === 'number' && e.retryAfter > 0 ? e.retryAfter : 1;
}

function hashOf(m: RenderedMessage): string {
  return createHash('sha256').update(JSON.stringify(m)).digest('hex');
}

export interface PublisherDeps {
  db: Db;
  /**
   * For chat.update: the publisher's own client, never the one listeners answer people with (app.client), so that a
   * 429 here never delays a views.open or an ephemeral reply. Retried on network errors (an update is idempotent);
   * give it `rejectRateLimitedCalls: true` so that a 429 reaches the publisher, which honours Retry-After in its
   * budget, instead of pausing the client's whole queue.
   */
  client: WebClient;
  /** For chat.postMessage: never retried by the client, since a retried post can post twice (also `rejectRateLimitedCalls`). */
  poster: WebClient;
  log: Logger;
  clock: () => Date;
  /**
   * chat.update calls a minute the workspace's budget allows (SLACK_UPDATES_PER_MINUTE), spent by every replica on
   * the database together; default Slack's Tier 3, 50.
   */
  updatesPerMinute?: number;
  /**
   * conversations.history/replies calls a minute (the outbox's look-ups), spent by every replica together; default 1,
   * what Slack allows apps outside the Marketplace (see rate-budget.ts).
   */
  historyReadsPerMinute?: number;
  /**
   * The time the budgets run on; default the wall clock, with the shared buckets on the database's clock (see
   * `RateTimer.databaseClock`).
   */
  timer?: RateTimer;
  /**
   * Called in the transaction that records the overview's post (a promotion's first message), so that what its post
   * causes exists exactly when the recorded post does: the start's announcements in stakeholder channels
   * (src/services/announce-start.ts). Idempotent (the outbox's keys): a post recorded twice causes it once. A throw
   * is logged and undone alone (a savepoint): the overview's ts is recorded regardless, or it would be posted again.
   */
  onOverviewPosted?: (q: Queryable, promotionId: string, ts: string) => Promise<unknown>;
}

/** A view and the `renderMark` read just before it. */
interface MarkedView {
  view: PromotionView;
  mark: string;
}

/** What one refresh request waits for: the pass that started after it joined, or its state handed to the budget. */
interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

/** What a caller of `refresh` may ask for. */
export interface RefreshOptions {
  /**
   * The ts of the message to render first (the one the clicker is looking at): among the messages already posted, it
   * goes before the other section messages and the overview. Posts still come first (the thread keeps its order).
   * Only a hint: a message that is not behind is not rendered for it, and another replica holding the render lease
   * renders in its own order.
   */
  first?: string;
}

interface Runner {
  /** A request arrived since the running pass read the database: run another. */
  dirty: boolean;
  /** The messages callers asked to see first (`RefreshOptions.first`), oldest request first. */
  first: string[];
  /** Requests the next pass answers. */
  queued: Waiter[];
  /** Requests the running pass answers. */
  current: Waiter[];
  done: Promise<void>;
}

/** What rendering one message came to. */
type Outcome = { kind: 'ok' } | { kind: 'rate-limited' } | { kind: 'failed'; err: unknown };

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
export class Publisher {
  private readonly runners = new Map<string, Runner>();
  /** This publisher's name in `render_leases`: host and pid say which replica holds a lease. */
  private readonly owner = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  /** Aborted by `stop`: a post still waiting for the database to record it is given up. */
  private readonly stopping = new AbortController();
  private timer: RateTimer;
  /**
   * chat.update, per workspace (the bot has one token, so one workspace): shared by every replica on the database
   * (row `chat.update` of `rate_budgets`), since Slack counts the calls of them all.
   */
  readonly updates: RateBudget;
  /** chat.postMessage, per channel, shared by the replicas: the checklist's posts and the outbox's share it. */
  private readonly posts = new Map<string, RateBudget>();
  /** conversations.history/replies, per app, shared by the replicas (the outbox's look-ups). */
  readonly lookups: RateBudget;
  /** One-off posts (src/store/outbox.ts), exactly once, through this publisher's poster and budgets. */
  readonly outbox: OutboxSender;

  constructor(private readonly deps: PublisherDeps) {
    this.timer = deps.timer ?? REAL_TIMER;
    const perMinute = deps.updatesPerMinute ?? DEFAULT_UPDATES_PER_MINUTE;
    const burst = Math.max(1, Math.min(UPDATE_BURST, Math.floor(perMinute)));
    this.updates = new RateBudget({ perMinute, burst }, () => this.timer, this.shared('chat.update'));
    const lookups = { perMinute: deps.historyReadsPerMinute ?? DEFAULT_HISTORY_READS_PER_MINUTE, burst: 1 };
    this.lookups = new RateBudget(lookups, () => this.timer, this.shared('conversations.history'));
    this.outbox = new OutboxSender({
      db: deps.db,
      poster: deps.poster,
      reader: deps.client,
      log: deps.log.child({ component: 'outbox' }),
      postBudget: (channelId) => this.postBudget(channelId),
      lookups: this.lookups,
      signal: this.stopping.signal,
      clock: deps.clock,
    });
  }

  /** The row of `rate_budgets` a budget spends from, with every replica on the database. */
  private shared(key: string): SharedBudgetOptions & { onError: (err: unknown) => void } {
    const { db, log } = this.deps;
    return { db, key, onError: (err) => log.warn({ err, budget: key }, 'could not write to a shared rate budget; it corrects itself at the next 429') };
  }

  /**
   * The time the budgets run on from now on (the local stack gives every bot the fake Slack's virtual clock). Set it
   * before the first refresh.
   */
  useTimer(timer: RateTimer): void {
    this.timer = timer;
  }

  /** The time the budgets run on (the Slack port's budgets share it). */
  get time(): RateTimer {
    return this.timer;
  }

  /**
   * The process is stopping: posts whose ts the database has not taken yet (it was away) get one last attempt and
   * are then logged as orphans, rather than waited on; a render waiting for the rate budget gives up (the messages
   * stay behind, for the sweep of whichever replica runs next). Call before waiting for `idle`.
   */
  stop(): void {
    this.stopping.abort();
  }

  /**
   * Bring the promotion's messages up to the state committed before this call. Resolves once a pass that started
   * after the call has rendered them, or once that state is handed to the rate budget's queue (the render then
   * reads the database when its turn comes, so it shows this state or a later one): a request never stays pending
   * while later passes keep running. Rejects with Slack's refusal when the pass that served it failed.
   * `opts.first` names the message to render first (see `RefreshOptions`).
   */
  refresh(promotionId: string, opts: RefreshOptions = {}): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = { resolve, reject };
      const running = this.runners.get(promotionId);
      if (running) {
        running.dirty = true;
        running.queued.push(waiter);
        if (opts.first !== undefined && !running.first.includes(opts.first)) running.first.push(opts.first);
        return;
      }
      const runner: Runner = { dirty: true, first: opts.first === undefined ? [] : [opts.first], queued: [waiter], current: [], done: Promise.resolve() };
      this.runners.set(promotionId, runner);
      runner.done = this.run(promotionId, runner);
    });
  }

  private async run(promotionId: string, runner: Runner): Promise<void> {
    // Hand every request so far to the budget's queue: what they committed is read when the token is granted.
    const handOff = () => {
      for (const w of runner.current.splice(0)) w.resolve();
      for (const w of runner.queued.splice(0)) w.resolve();
    };
    try {
      while (runner.dirty) {
        runner.dirty = false;
        runner.current = runner.queued.splice(0);
        try {
          await this.syncAcrossReplicas(promotionId, handOff, runner.first);
          for (const w of runner.current.splice(0)) w.resolve();
        } catch (err) {
          for (const w of runner.current.splice(0)) w.reject(err);
          // A message Slack refused for good is skipped by the next pass, which then succeeds: the refusal must
          // still reach those who asked meanwhile, or they never hear that part of the checklist stopped updating.
          if (isTerminal(err)) for (const w of runner.queued.splice(0)) w.reject(err);
        }
      }
    } finally {
      this.runners.delete(promotionId);
      for (const w of [...runner.current.splice(0), ...runner.queued.splice(0)]) w.resolve();
    }
  }

  /**
   * Promotions this process is rendering right now (tests): each render is either waiting in a budget's queue or
   * busy (reading the database, calling Slack) until it ends.
   */
  get rendering(): number {
    return this.runners.size;
  }

  /** Resolves when no refresh is running in this process (tests and shutdown wait on it). */
  async idle(): Promise<void> {
    while (this.runners.size > 0) await Promise.allSettled([...this.runners.values()].map((e) => e.done));
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

  private async syncAcrossReplicas(promotionId: string, handOff: () => void, first: readonly string[]): Promise<void> {
    for (;;) {
      const lease = await this.claim(promotionId);
      // Someone else holds the lease: it re-checks after releasing it and will render our change. (If it died
      // holding it, the lease lapses and the repair sweep renders.)
      if (!lease) return;
      try {
        await this.syncOnce(lease, promotionId, handOff, first);
      } finally {
        await lease.release();
      }
      if (this.stopping.signal.aborted) return;
      // A change committed while we held the lease may have found it taken: re-check now that it is free.
      if (!(await isStale(this.deps.db, promotionId, this.deps.clock()))) return;
    }
  }

  private async claim(promotionId: string): Promise<Lease | undefined> {
    if (!(await claimLease(this.deps.db, promotionId, this.owner, LEASE_MS))) return undefined;
    return new Lease(this.deps, promotionId, this.owner);
  }

  private postBudget(channelId: string): RateBudget {
    let budget = this.posts.get(channelId);
    if (!budget) {
      budget = new RateBudget(POSTS_PER_CHANNEL, () => this.timer, this.shared(`chat.postMessage ${channelId}`));
      this.posts.set(channelId, budget);
    }
    return budget;
  }

  /**
   * Which messages are behind and must be rendered, in the order to render them: posts first (in the thread's
   * order), then the messages callers named `first` (in the order they asked), then the section messages a change
   * touched, then the overview, then messages marked behind for another reason. A message nothing it shows changed in
   * since it was last rendered is recorded as showing the current version without being rendered (one statement for
   * all of them).
   */
  private async plan(
    lease: Lease,
    promotionId: string,
    skip: ReadonlySet<number>,
    first: readonly string[],
  ): Promise<{ due: MessageRow[]; threadTs: string | null } | undefined> {
    const { db } = this.deps;
    // The promotion row alone (its version and template): the render below reads the whole view, once a token is had.
    const promotion = await getPromotion(db, promotionId);
    if (!promotion) return undefined;
    const version = promotion.version;
    const messages = await listMessages(db, promotionId);
    const behind = messages.filter((m) => !m.broken && (!m.ts || m.renderedVersion < version));
    const shown = behind.filter((m) => m.ts && m.idx > 0 && m.renderedVersion >= 0);
    const since = Math.min(version, ...shown.map((m) => m.renderedVersion));
    const changes = shown.length > 0 ? await changesSince(db, promotionId, since, version) : undefined;
    const sections = promotion.template.sections;
    const touched = (m: MessageRow): boolean => {
      if (!changes || changes.shapeVersion > m.renderedVersion) return true;
      return m.sections.some((i) => (sections[i]?.items ?? []).some((item) => (changes.items.get(item.id) ?? 0) > m.renderedVersion));
    };
    const posts: MessageRow[] = [];
    const sectionsChanged: MessageRow[] = [];
    const overview: MessageRow[] = [];
    const others: MessageRow[] = [];
    const untouched: number[] = [];
    for (const m of behind) {
      if (skip.has(m.idx)) continue;
      if (!m.ts) posts.push(m);
      else if (m.idx === 0) overview.push(m);
      else if (m.renderedVersion < 0) others.push(m);
      else if (touched(m)) sectionsChanged.push(m);
      else untouched.push(m.idx);
    }
    if (untouched.length > 0) await fastForwardIfHeld(db, promotionId, untouched, this.owner, version);
    const rest = [...sectionsChanged, ...overview, ...others];
    const rank = (m: MessageRow): number => (m.ts === null ? -1 : first.indexOf(m.ts));
    const named = rest.filter((m) => rank(m) >= 0).sort((a, b) => rank(a) - rank(b));
    return { due: [...posts, ...named, ...rest.filter((m) => rank(m) < 0)], threadTs: messages.find((m) => m.idx === 0)?.ts ?? null };
  }

  private async syncOnce(lease: Lease, promotionId: string, handOff: () => void, first: readonly string[]): Promise<void> {
    const { db } = this.deps;
    // Each message is tried once a pass; one Slack refused is left to the sweep (rate limits excepted).
    const tried = new Set<number>();
    let failure: unknown;
    /** The view this pass rendered last: the next update reuses it while its mark holds (see `viewFor`). */
    let last: MarkedView | undefined;
    /**
     * This pass posted a thread reply since it last rendered the overview, whose "Next:", "Before GO:" and "Blocks GO:"
     * lines link to the replies: the overview is rendered once more at the end (`recheckIfHeld`).
     */
    let repliesPosted = false;
    for (;;) {
      // Another replica took over (this one stalled past its lease): the rest is its to render.
      if (lease.lost || this.stopping.signal.aborted) break;
      const plan = await this.plan(lease, promotionId, tried, first);
      if (!plan) break;
      const m = plan.due[0];
      if (!m) {
        if (!repliesPosted) break;
        // Unchanged, the overview's render costs no Slack call (its hash still says what Slack shows), though it
        // still waits for a token of the budget, which it then gives back.
        repliesPosted = false;
        tried.delete(0);
        await recheckIfHeld(db, promotionId, 0, this.owner);
        continue;
      }
      const budget = m.ts ? this.updates : this.postBudget(m.channelId);
      if (!(await budget.take(handOff, this.stopping.signal))) break;
      // The render reads the database now that the token is granted: changes that arrived meanwhile fold into it.
      const marked = await this.viewFor(promotionId, m, last);
      if (!marked) break;
      last = marked;
      const outcome = await this.syncMessage(lease, marked.view, m, { value: plan.threadTs }, budget);
      if (outcome.kind === 'rate-limited') continue;
      tried.add(m.idx);
      // An overview rendered (or refused) after the replies were posted read their ts already: no recheck, and one
      // refused is not tried twice in a pass.
      if (m.idx === 0) repliesPosted = false;
      if (outcome.kind === 'ok') {
        if (!m.ts && m.idx > 0) repliesPosted = true;
        continue;
      }
      failure ??= outcome.err;
      // A post that failed stops the posts after it, so the thread keeps the template's order (and without
      // the overview there is no thread at all). Updates of messages already posted go on regardless. The replies
      // posted before it are linked by the next pass: the overview is left marked behind for it (the sweep's).
      if (!m.ts) {
        if (repliesPosted) await recheckIfHeld(db, promotionId, 0, this.owner);
        break;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /**
   * The view to render `m` from: the one the pass's previous update rendered if nothing it depends on has moved since
   * (`renderMark`: one statement instead of the view's eight), else read afresh. A message marked behind for another
   * reason (-1) is always read afresh.
   */
  private async viewFor(promotionId: string, m: MessageRow, last: MarkedView | undefined): Promise<MarkedView | undefined> {
    const { db } = this.deps;
    const mark = await renderMark(db, promotionId);
    if (mark === undefined) return undefined;
    if (last && m.ts && m.renderedVersion >= 0 && mark === last.mark) return last;
    // Read after the mark: a change between the two makes the next mark differ, never the reverse.
    const view = await loadView(db, promotionId);
    return view && { view, mark };
  }

  /**
   * Render one message. Slack's refusal is recorded (for the sweep's backoff) and returned; a database error is
   * thrown and ends the render: nothing more could be recorded, and the sweep redoes it once the database is back.
   */
  private async syncMessage(lease: Lease, view: PromotionView, m: MessageRow, threadTs: { value: string | null }, budget: RateBudget): Promise<Outcome> {
    const { client, poster, log } = this.deps;
    const promotionId = view.promotion.id;
    const version = view.promotion.version;
    const rendered = m.idx === 0 ? renderOverview(view) : renderSectionsMessage(view, m.sections);
    const hash = hashOf(rendered);
    if (m.ts && m.renderedHash === hash) {
      // Nothing to send after all: the token goes back.
      budget.refund();
      await this.record(lease, m, { ts: m.ts, version, hash }, 'nothing');
      return { kind: 'ok' };
    }
    // A post cannot be taken back: never post without the lease in hand, renewed for a whole call.
    if (!m.ts && !(await lease.renew())) return { kind: 'ok' };
    let ts = m.ts;
    try {
      if (ts) {
        await client.chat.update({ channel: m.channelId, ts, text: rendered.text, blocks: rendered.blocks });
      } else {
        // Thread messages go under the overview, never loose in the channel.
        if (m.idx > 0 && !threadTs.value) throw new Error(`promotion ${promotionId}: the overview was never posted`);
        const takenAt = budget.now();
        const posted = await poster.chat
          .postMessage({
            channel: m.channelId,
            text: rendered.text,
            blocks: rendered.blocks,
            unfurl_links: false,
            unfurl_media: false,
            ...(m.idx > 0 && threadTs.value ? { thread_ts: threadTs.value } : {}),
          })
          .finally(() => budget.answered(takenAt));
        ts = posted.ts ?? null;
        if (!ts) throw new Error('chat.postMessage answered without a ts');
        if (m.idx === 0) threadTs.value = ts;
      }
    } catch (err) {
      const retryAfter = retryAfterOf(err);
      if (retryAfter !== undefined) {
        // Slack did not take the call (a 429 posts nothing): wait as long as it says, then render again from the
        // database. Not a failure: nobody is told, nothing is recorded, the message simply stays behind meanwhile.
        budget.pauseFor(retryAfter * 1000);
        log.info({ promotionId, idx: m.idx, retryAfter }, 'Slack rate-limited a checklist message; rendering it once the limit allows');
        return { kind: 'rate-limited' };
      }
      await this.recordFailure(lease, m, err);
      return { kind: 'failed', err };
    }
    if (m.ts) await this.record(lease, m, { ts, version, hash }, 'updated');
    else await this.recordPost(lease, m, { ts, version, hash });
    log.debug({ promotionId, idx: m.idx, version }, 'message rendered');
    return { kind: 'ok' };
  }

  /**
   * Record what a render did, fenced by the lease: only its holder marks a message rendered. A render that lost
   * its lease keeps a post (forgotten, it would be posted twice) and marks an update behind (it may have landed
   * after the new holder's), so that the message is rendered once more from the latest state.
   */
  private async record(lease: Lease, m: MessageRow, row: { ts: string; version: number; hash: string }, sent: 'nothing' | 'updated' | 'posted'): Promise<void> {
    const { db } = this.deps;
    if (sent === 'posted' && m.idx === 0 && this.deps.onOverviewPosted) {
      if (!(await this.recordOverviewPost(lease, row))) lease.lost = true;
      return;
    }
    if (await markRenderedIfHeld(db, lease.promotionId, m.idx, this.owner, row)) return;
    lease.lost = true;
    if (sent === 'posted') await markRendered(db, lease.promotionId, m.idx, row);
    else if (sent === 'updated') await markBehind(db, lease.promotionId, m.idx);
  }

  /**
   * Record the overview's post and, in the same transaction, what it causes (`onOverviewPosted`). A post is a fact:
   * recorded even by a render that lost its lease (then false, as `markRenderedIfHeld` says).
   */
  private async recordOverviewPost(lease: Lease, row: { ts: string; version: number; hash: string }): Promise<boolean> {
    const { db, log } = this.deps;
    const onPosted = this.deps.onOverviewPosted!;
    return db.tx(async (q) => {
      const held = await markRenderedIfHeld(q, lease.promotionId, 0, this.owner, row);
      if (!held) await markRendered(q, lease.promotionId, 0, row);
      await q.query('SAVEPOINT overview_posted');
      try {
        await onPosted(q, lease.promotionId, row.ts);
        await q.query('RELEASE SAVEPOINT overview_posted');
      } catch (err) {
        if (isDatabaseUnreachable(err)) throw err;
        log.error({ err, promotionId: lease.promotionId }, 'could not enqueue what the overview\'s post causes (the start\'s announcements)');
        await q.query('ROLLBACK TO SAVEPOINT overview_posted');
        await q.query('RELEASE SAVEPOINT overview_posted');
      }
      return held;
    });
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
