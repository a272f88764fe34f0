import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Octokit } from '@octokit/rest';
import type { Logger } from '../logger.js';
import type { Db, Queryable } from '../store/db.js';
import {
  beginAttempt,
  claimDueDispatches,
  getDispatch,
  linkedRunIds,
  markAccepted,
  markDispatched,
  markFailed,
  markInDoubt,
  markRetryLater,
  renewDispatchClaim,
  requeueFailedDispatch,
  type ClaimedDispatch,
  type DispatchRow,
  type RetryOutcome,
} from '../store/dispatches.js';
import { enqueue } from '../store/outbox.js';
import { answerOf, rateLimitWait, scrub, unknownWhy } from './answers.js';

/**
 * What GO does on GitHub: dispatch the template's workflow (`on_go.dispatch`), exactly once.
 *
 * A dispatch is a row of `workflow_dispatches` (src/store/dispatches.ts), enqueued inside the GO decision's transaction.
 * A replica claims it (database clock), marks it as maybe dispatched, and calls `actions.createWorkflowDispatch` with
 * `return_run_details: true`: GitHub (since 2026-02-19) answers 200 with the run's id and URLs. GitHub Enterprise
 * Server 3.20 and older refuse that field with 400: the dispatch is sent again without it (nothing was dispatched by
 * the refused call), carrying the template's correlation input, and the run is found by listing the workflow's runs
 * for the one whose name (its `run-name`) carries the correlation id, polling with backoff, bounded.
 *
 * Exactly once: a call whose outcome is unknown (the process died, the answer timed out, the connection broke, a 5xx)
 * leaves the row claimed until its claim lapses; whoever claims it next looks for the run first (by correlation id, or,
 * without one, best effort: a workflow_dispatch run of that workflow on that ref, by the token's user, created since
 * the first attempt and linked to no other dispatch) and dispatches only when none is found, and only once a run
 * would have been listed by then (`settleMs` after the call). GitHub's refusals (401, 403, 404, 422...) mark it failed
 * with GitHub's message, not retried by itself: a person retries it (`retry`), by the same rules.
 */

export interface DispatchTiming {
  /** How long a claim lasts unless renewed (it is renewed before every call to GitHub). */
  claimMs: number;
  /** A call to GitHub that has not answered by then has an unknown outcome. */
  requestTimeoutMs: number;
  /** After a call whose outcome is unknown, how long a run may take to be listed: no second dispatch before. */
  settleMs: number;
  /** The waits between listings while looking for a run GitHub took without saying which (bounded). */
  linkPollMs: readonly number[];
  /** Backoff after an unknown outcome or a rate limit: doubling from this, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Margin before the first attempt when listing runs: GitHub's clock and the database's may disagree a little. */
  lookupSkewMs: number;
}

export const DEFAULT_TIMING: DispatchTiming = {
  claimMs: 60_000,
  requestTimeoutMs: 20_000,
  settleMs: 30_000,
  linkPollMs: [1_000, 2_000, 4_000, 8_000, 15_000],
  retryBaseMs: 5_000,
  retryMaxMs: 5 * 60_000,
  lookupSkewMs: 60_000,
};

/**
 * What happens when a dispatch's outcome is recorded, inside the transaction that records it (so it happens exactly
 * when the outcome is recorded, once). Each may return the key of an outbox post to send right after the commit.
 */
export interface DispatchHooks {
  onDispatched(q: Queryable, row: DispatchRow, now: Date): Promise<string | void>;
  onFailed(q: Queryable, row: DispatchRow, now: Date): Promise<string | void>;
}

/** The outbox key of a dispatch's "started" post: one per dispatch. */
export const dispatchStartedKey = (dispatchKey: string) => `dispatch-started:${dispatchKey}`;
/** The outbox key of a dispatch's failure post: one per failed attempt (a retry that fails again says so again). */
export const dispatchFailedKey = (dispatchKey: string, attempts: number) => `dispatch-failed:${dispatchKey}:${attempts}`;

/**
 * The default hooks: the run's link, or the failure with a Retry button, posted in the promotion's thread through the
 * outbox (kinds `dispatch-started` and `dispatch-failed`). A dispatch enqueued without a channel posts nothing.
 */
export const THREAD_NOTICES: DispatchHooks = {
  async onDispatched(q, row, now) {
    if (!row.channelId) return;
    const key = dispatchStartedKey(row.key);
    await enqueue(
      q,
      {
        key,
        promotionId: row.promotionId,
        channelId: row.channelId,
        threadTs: row.threadTs,
        message: { kind: 'dispatch-started', release: row.release, repo: row.repo, workflow: row.workflow, ref: row.ref, runUrl: row.htmlUrl, note: row.lastError },
      },
      now,
    );
    return key;
  },
  async onFailed(q, row, now) {
    if (!row.channelId) return;
    const key = dispatchFailedKey(row.key, row.attempts);
    await enqueue(
      q,
      {
        key,
        promotionId: row.promotionId,
        channelId: row.channelId,
        threadTs: row.threadTs,
        message: {
          kind: 'dispatch-failed',
          release: row.release,
          repo: row.repo,
          workflow: row.workflow,
          ref: row.ref,
          error: row.lastError ?? 'GitHub refused it',
          dispatchKey: row.key,
        },
      },
      now,
    );
    return key;
  },
};

export interface DispatcherDeps {
  db: Db;
  /** An Octokit with the token (Actions: read and write on the repository); undefined when GITHUB_TOKEN is not set. */
  github: Octokit | undefined;
  log: Logger;
  clock: () => Date;
  /** Default: THREAD_NOTICES. */
  hooks?: DispatchHooks;
  /** Send an outbox post now (after the commit that enqueued it); without it, the outbox's sweep sends it. */
  sendPost?: (key: string) => Promise<unknown>;
  /** Aborted when the process stops: polling gives up, the row is left for another replica. */
  signal?: AbortSignal;
  timing?: Partial<DispatchTiming>;
}

/** Where a dispatch stands after `send`. */
export type DispatchOutcome = 'dispatched' | 'failed' | 'pending';

/** The answer GitHub gives with `return_run_details: true` (200). Typed here: some Octokit typings lack it. */
interface RunDetails {
  workflow_run_id: number;
  run_url: string;
  html_url: string;
}

/** What createWorkflowDispatch takes, with the field older typings lack. */
type DispatchParams = Parameters<Octokit['actions']['createWorkflowDispatch']>[0] & { return_run_details?: boolean };

/** The fields of a listed run that the look-up reads. */
interface ListedRun {
  id: number;
  name?: string | null;
  display_title?: string;
  event?: string;
  head_branch?: string | null;
  created_at?: string;
  actor?: { login?: string } | null;
  url?: string;
  html_url?: string;
}

export interface FoundRun {
  id: number;
  url: string | null;
  htmlUrl: string | null;
}

const LOOKUP_PAGES = 3;

function parseRunDetails(data: unknown): FoundRun | undefined {
  const d = data as Partial<RunDetails> | null | undefined;
  const id = Number(d?.workflow_run_id);
  if (!d || !Number.isSafeInteger(id) || id <= 0) return undefined;
  return { id, url: typeof d.run_url === 'string' ? d.run_url : null, htmlUrl: typeof d.html_url === 'string' ? d.html_url : null };
}

/** `refs/heads/main` → `main`, as runs list their head_branch. */
function refName(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '');
}

function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class WorkflowDispatcher {
  /** This process's name in `workflow_dispatches.claimed_by`. */
  readonly owner = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  private readonly timing: DispatchTiming;
  private readonly hooks: DispatchHooks;
  /** Whether this GitHub takes `return_run_details` (learnt from its first answer): false after a 400 for it. */
  private runDetails: boolean | undefined;
  /** The token's user (for the best-effort look-up), asked once; null when the token has none (a GitHub App's). */
  private actor: Promise<string | null> | undefined;

  constructor(private readonly deps: DispatcherDeps) {
    this.timing = { ...DEFAULT_TIMING, ...deps.timing };
    this.hooks = deps.hooks ?? THREAD_NOTICES;
  }

  /** Send this dispatch now if it is due, and say where it stands then. */
  async send(key: string): Promise<DispatchOutcome> {
    const [row] = await claimDueDispatches(this.deps.db, this.owner, this.timing.claimMs, { key, limit: 1 });
    if (row) await this.process(row);
    const now = await getDispatch(this.deps.db, key);
    if (now?.state === 'dispatched') return 'dispatched';
    if (now?.state === 'failed') return 'failed';
    return 'pending';
  }

  /** Send what is due (left behind by a failure, a restart or another replica's crash), one row at a time. */
  async sweep(limit = 5): Promise<number> {
    let done = 0;
    for (let i = 0; i < limit && !this.deps.signal?.aborted; i++) {
      const [row] = await claimDueDispatches(this.deps.db, this.owner, this.timing.claimMs, { limit: 1 });
      if (!row) break;
      await this.process(row);
      done++;
    }
    return done;
  }

  /** A person retries a failed dispatch: requeued, then sent now by the same claim and look-up rules. */
  async retry(key: string, by: string): Promise<RetryOutcome> {
    const outcome = await retryDispatch(this.deps.db, key, by);
    if (outcome === 'requeued') await this.send(key);
    return outcome;
  }

  private async process(row: ClaimedDispatch): Promise<void> {
    const { log } = this.deps;
    const where = { dispatch: row.key, repo: row.repo, workflow: row.workflow, promotionId: row.promotionId };
    try {
      const github = this.deps.github;
      if (!github) {
        await this.fail(row, 'GITHUB_TOKEN is not set: Preflight cannot dispatch workflows. Set it (a token with Actions: read and write on the repository), then Retry.', row.maybeDispatched);
        return;
      }
      if (row.acceptedAt) {
        // GitHub took it already (the process that heard so stopped before linking the run): only link it.
        await this.link(github, row);
        return;
      }
      if (row.maybeDispatched) {
        let found: FoundRun | undefined;
        try {
          found = await this.findRun(github, row);
        } catch (err) {
          // Cannot tell whether it was dispatched: never dispatch blind. Looked for again after a backoff.
          const why = unknownWhy(err);
          log.warn({ ...where, error: why }, 'could not look for the run of a dispatch whose outcome is unknown; looking again later');
          await markInDoubt(this.deps.db, row.key, this.owner, `looking for its run: ${why}`, this.backoff(row.attempts));
          return;
        }
        if (found) {
          log.info({ ...where, runId: found.id }, 'a dispatch whose outcome was unknown had been made: its run is linked, not dispatched again');
          await this.finish(row, found, null);
          return;
        }
        if (row.sinceLastAttemptMs !== null && row.sinceLastAttemptMs < this.timing.settleMs) {
          // Its run may not be listed yet: look again once it would be, before any second dispatch.
          await markRetryLater(this.deps.db, row.key, this.owner, null, this.timing.settleMs - row.sinceLastAttemptMs);
          return;
        }
      }
      await this.dispatch(github, row);
    } catch (err) {
      // The database failed (or a bug): the claim lapses and the row is taken again, looked for first.
      log.error({ ...where, error: unknownWhy(err) }, 'workflow dispatch interrupted; it is taken again once its claim lapses');
    }
  }

  private async dispatch(github: Octokit, row: ClaimedDispatch): Promise<void> {
    const { db, log } = this.deps;
    const where = { dispatch: row.key, repo: row.repo, workflow: row.workflow, promotionId: row.promotionId };
    const [owner, repo] = row.repo.split('/') as [string, string];
    const inputs = { ...row.inputs, ...(row.correlationInput ? { [row.correlationInput]: row.correlationId } : {}) };
    let withDetails = this.runDetails !== false;
    for (;;) {
      // Never call without the claim in hand for the whole call, and marked maybe dispatched first.
      if (!(await beginAttempt(db, row.key, this.owner, this.timing.claimMs))) return;
      const params: DispatchParams = {
        owner,
        repo,
        workflow_id: /^[0-9]+$/.test(row.workflow) ? Number(row.workflow) : row.workflow,
        ref: row.ref,
        inputs,
        ...(withDetails ? { return_run_details: true } : {}),
        request: { signal: AbortSignal.timeout(this.timing.requestTimeoutMs) },
      };
      let data: unknown;
      try {
        data = (await github.actions.createWorkflowDispatch(params)).data;
      } catch (err) {
        const answer = answerOf(err);
        if (answer?.status === 400 && withDetails) {
          // GitHub Enterprise Server 3.20 and older: the field is unknown, nothing was dispatched. Again without it.
          log.info({ ...where, error: scrub(answer.message) }, 'GitHub refused return_run_details (Enterprise Server 3.20 or older?): dispatching without it');
          this.runDetails = false;
          withDetails = false;
          continue;
        }
        const wait = answer && rateLimitWait(answer, Date.now());
        if (answer && wait !== undefined) {
          log.warn({ ...where, status: answer.status }, 'GitHub rate-limited a workflow dispatch; trying again later');
          await markRetryLater(db, row.key, this.owner, scrub(`GitHub rate limit (${answer.status}): waiting`), wait, row.maybeDispatched);
          return;
        }
        if (answer && answer.status >= 400 && answer.status < 500) {
          const error = scrub(`GitHub answered ${answer.status}${answer.message ? `: ${answer.message}` : ''}`);
          log.warn({ ...where, status: answer.status, error }, 'GitHub refused a workflow dispatch');
          await this.fail(row, error, row.maybeDispatched);
          return;
        }
        const why = unknownWhy(err);
        log.warn({ ...where, error: why }, 'workflow dispatch sent, but its outcome is unknown; its run is looked for before any second dispatch');
        await markInDoubt(db, row.key, this.owner, `outcome unknown: ${why}`, this.backoff(row.attempts));
        return;
      }
      await markAccepted(db, row.key);
      const run = withDetails ? parseRunDetails(data) : undefined;
      if (withDetails) this.runDetails = run !== undefined ? true : this.runDetails;
      if (run) await this.finish(row, run, null);
      else await this.link(github, { ...row, acceptedAt: new Date() });
      return;
    }
  }

  /** GitHub took the dispatch without saying which run it started: find it, polling with backoff, bounded. */
  private async link(github: Octokit, row: ClaimedDispatch): Promise<void> {
    if (!row.correlationInput) {
      await this.finish(
        row,
        null,
        "GitHub took the dispatch but did not say which run it started, and the template's on_go.dispatch names no correlation_input, so Preflight cannot link the run: look for it in the workflow's runs.",
      );
      return;
    }
    const waits = [0, ...this.timing.linkPollMs];
    for (const wait of waits) {
      if (wait > 0 && !(await sleep(wait, this.deps.signal))) return;
      if (!(await renewDispatchClaim(this.deps.db, row.key, this.owner, this.timing.claimMs))) return;
      let found: FoundRun | undefined;
      try {
        found = await this.findRun(github, row);
      } catch (err) {
        this.deps.log.warn({ dispatch: row.key, error: unknownWhy(err) }, 'could not list the workflow runs to link a dispatch; trying again');
        continue;
      }
      if (found) {
        await this.finish(row, found, null);
        return;
      }
    }
    const seconds = Math.round(this.timing.linkPollMs.reduce((a, b) => a + b, 0) / 1000);
    await this.finish(row, null, `GitHub took the dispatch, but no run named with ${row.correlationId} was listed within ${seconds} s: look for it in the workflow's runs.`);
  }

  /**
   * The run this dispatch started, if GitHub lists it: the run whose name carries the correlation id; without one, best
   * effort: the oldest workflow_dispatch run on the ref, by the token's user, created since the first attempt (less a
   * margin for clocks) and linked to no other dispatch. Throws when GitHub cannot be asked.
   */
  async findRun(github: Octokit, row: DispatchRow): Promise<FoundRun | undefined> {
    const [owner, repo] = row.repo.split('/') as [string, string];
    const since = new Date((row.firstAttemptAt ?? row.createdAt).getTime() - this.timing.lookupSkewMs);
    const correlation = row.correlationInput ? row.correlationId : undefined;
    const actor = correlation ? null : await this.actorLogin(github);
    const linked = correlation ? new Set<number>() : await linkedRunIds(this.deps.db, row.repo, row.key);
    let best: ListedRun | undefined;
    for (let page = 1; page <= LOOKUP_PAGES; page++) {
      const res = await github.actions.listWorkflowRuns({
        owner,
        repo,
        workflow_id: /^[0-9]+$/.test(row.workflow) ? Number(row.workflow) : row.workflow,
        event: 'workflow_dispatch',
        created: `>=${since.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
        per_page: 100,
        page,
        request: { signal: AbortSignal.timeout(this.timing.requestTimeoutMs) },
      });
      const runs = (res.data.workflow_runs ?? []) as ListedRun[];
      for (const run of runs) {
        if (correlation) {
          if (run.name?.includes(correlation) || run.display_title?.includes(correlation)) return toFound(run);
          continue;
        }
        if (run.event && run.event !== 'workflow_dispatch') continue;
        if (run.head_branch && run.head_branch !== refName(row.ref)) continue;
        if (actor && run.actor?.login && run.actor.login !== actor) continue;
        if (linked.has(run.id)) continue;
        if (run.created_at && new Date(run.created_at).getTime() < since.getTime()) continue;
        if (!best || (run.created_at ?? '') < (best.created_at ?? '')) best = run;
      }
      if (runs.length < 100) break;
    }
    return best && toFound(best);
  }

  private actorLogin(github: Octokit): Promise<string | null> {
    this.actor ??= github.users
      .getAuthenticated({ request: { signal: AbortSignal.timeout(this.timing.requestTimeoutMs) } })
      .then((r) => r.data.login ?? null)
      .catch(() => {
        // A GitHub App's installation token has no user: the look-up goes without the actor.
        this.actor = undefined;
        return null;
      });
    return this.actor;
  }

  private backoff(attempts: number): number {
    return Math.min(this.timing.retryMaxMs, this.timing.retryBaseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 10));
  }

  /** Record the dispatch (and its hook's post) in one transaction; send the post after the commit. */
  private async finish(row: DispatchRow, run: FoundRun | null, note: string | null): Promise<void> {
    const now = this.deps.clock();
    const post = await this.deps.db.tx(async (q) => {
      if (!(await markDispatched(q, row.key, run, note))) return undefined;
      return (await this.hooks.onDispatched(q, (await getDispatch(q, row.key))!, now)) ?? undefined;
    });
    this.deps.log.info({ dispatch: row.key, repo: row.repo, workflow: row.workflow, runId: run?.id ?? null }, run ? 'workflow dispatched; run linked' : 'workflow dispatched; run not linked');
    if (post) await this.sendPost(post);
  }

  private async fail(row: DispatchRow, error: string, stillInDoubt: boolean): Promise<void> {
    const now = this.deps.clock();
    const post = await this.deps.db.tx(async (q) => {
      if (!(await markFailed(q, row.key, this.owner, error, stillInDoubt))) return undefined;
      return (await this.hooks.onFailed(q, (await getDispatch(q, row.key))!, now)) ?? undefined;
    });
    if (post) await this.sendPost(post);
  }

  private async sendPost(key: string): Promise<void> {
    if (!this.deps.sendPost) return;
    await this.deps.sendPost(key).catch((err: unknown) => {
      // Enqueued with the outcome: the outbox's sweep sends it.
      this.deps.log.warn({ err, key }, 'could not send a dispatch notice now; the outbox sends it later');
    });
  }
}

function toFound(run: ListedRun): FoundRun {
  return { id: run.id, url: run.url ?? null, htmlUrl: run.html_url ?? null };
}

/**
 * A person retries a failed dispatch (the Retry button): requeued in one statement, then sent by whichever replica
 * claims it first (the dispatch sweep, or `WorkflowDispatcher.retry` at once), by the same claim and look-up rules.
 * Never dispatches twice: a dispatch that is not failed is left as it is.
 */
export function retryDispatch(db: Queryable, key: string, by: string): Promise<RetryOutcome> {
  return requeueFailedDispatch(db, key, by);
}
