import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { gateStatusReport } from '../domain/gate-report.js';
import { messageLink } from '../domain/mrkdwn.js';
import { withDeadline } from '../deadline.js';
import type { Logger } from '../logger.js';
import { SYSTEM_ACTOR } from '../services/promotions.js';
import { appendAudit } from '../store/audit.js';
import { BackgroundPass } from '../scheduler/kick.js';
import type { Db } from '../store/db.js';
import {
  beginAnswer,
  claimDueAnswers,
  claimDueReports,
  markAnswerFailed,
  markAnswerRetry,
  markAnswerSent,
  gateSummary,
  releaseReport,
  type Gate,
} from '../store/github-gates.js';
import { overviewTs } from '../store/messages.js';
import { enqueue } from '../store/outbox.js';
import { getPromotion, loadView } from '../store/promotions.js';
import { answerOf, rateLimitWait, scrub, unknownWhy } from './answers.js';
import type { GithubApp } from './app.js';

/**
 * Sends the deployment gate's answers and status reports to GitHub (issue 13), with the workflow dispatch's
 * exactly-once rules (./dispatch.ts):
 *
 * - An answer (decided inside a promotion's change: src/services/github-gate.ts) is claimed by one replica (`FOR UPDATE
 *   SKIP LOCKED`, `claimed_until` by the database's clock), marked maybe sent and its claim renewed right before the
 *   call, and sent with `actions.reviewCustomGatesForRun` (`state`, `environment_name`, `comment`) as the installation
 *   the delivery named. 204: sent. A refusal (401, 403, 404, 422) is final: `github.gate_failed` and a notice in the
 *   thread with GitHub's words. A rate limit waits as GitHub says. A timeout, broken connection or 5xx leaves the outcome
 *   unknown: the row goes back with a backoff, still maybe sent, and when GitHub then says nothing waits (404/422) the
 *   earlier call is taken to have landed, so a gate is never answered twice and an answered one is never reported failed.
 * - A status report (the same endpoint without `state`) goes to a job still waiting when its promotion changed since
 *   the last one, at most one a minute and 10 per deployment (GitHub's limit), each counted before it is sent.
 */

export interface GateTiming {
  claimMs: number;
  requestTimeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Unanswered attempts before the answer is given up (the lead is told to answer in GitHub). */
  maxAttempts: number;
  /** At most one status report a gate per this long. */
  reportEveryMs: number;
}

export const DEFAULT_GATE_TIMING: GateTiming = {
  claimMs: 30_000,
  requestTimeoutMs: 15_000,
  retryBaseMs: 5_000,
  retryMaxMs: 5 * 60_000,
  maxAttempts: 8,
  reportEveryMs: 60_000,
};

/** GitHub takes at most 10 status reports per deployment. */
export const REPORTS_PER_DEPLOYMENT = 10;

export interface GateSenderDeps {
  db: Db;
  app: GithubApp;
  clock: () => Date;
  log: Logger;
  /** Sends an outbox row now (the notices in the thread); the outbox's sweep sends what this does not. */
  sendPost?: (key: string) => Promise<unknown>;
  /** Renders a promotion's checklist now (the overview's GitHub lines); the repair sweep renders what this does not. */
  refresh?: (promotionId: string) => Promise<unknown>;
  signal?: AbortSignal;
  timing?: Partial<GateTiming>;
}

const REVIEW_ROUTE = 'POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule';

export class GateSender {
  /** This process's name in `github_gates.claimed_by`. */
  readonly owner = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  private readonly timing: GateTiming;
  private readonly background: BackgroundPass;

  constructor(private readonly deps: GateSenderDeps) {
    this.timing = { ...DEFAULT_GATE_TIMING, ...deps.timing };
    this.background = new BackgroundPass(
      () => this.sweep(),
      (err) => deps.log.warn({ err }, 'GitHub gate answers not sent now; the answer-github-gates job sends them'),
      deps.signal,
    );
  }

  /** Send the answers due, then the status reports due; how many answers were taken. */
  async sweep(limit = 20): Promise<number> {
    let done = 0;
    for (let i = 0; i < limit && !this.deps.signal?.aborted; i++) {
      const [gate] = await claimDueAnswers(this.deps.db, this.owner, this.timing.claimMs, { limit: 1 });
      if (!gate) break;
      await this.answer(gate);
      done++;
    }
    await this.report();
    return done;
  }

  /** Send what is due now, in the background (a change decided an answer and committed); bursts coalesce. Never throws. */
  kick(): void {
    this.background.kick();
  }

  /** Resolves once the background sends (`kick`) are over. */
  async idle(): Promise<void> {
    await this.background.idle();
  }

  private async answer(gate: Gate): Promise<void> {
    const { db, log } = this.deps;
    const state = gate.state === 'approved' ? 'approved' : 'rejected';
    const where = { gateId: gate.id, runId: gate.runId, repo: gate.repo, environment: gate.environment, state };
    // Whether an earlier call's outcome is unknown: then "nothing is waiting" means that call landed.
    const inDoubt = gate.maybeSent;
    if (!(await beginAnswer(db, gate.id, this.owner, this.timing.claimMs))) return;
    const [owner, repo] = gate.repo.split('/') as [string, string];
    try {
      await this.withDeadline((signal) =>
        this.deps.app.installation(gate.installationId).rest.actions.reviewCustomGatesForRun({
          owner,
          repo,
          run_id: gate.runId,
          environment_name: gate.environment,
          state,
          comment: gate.answerComment ?? `${state === 'approved' ? 'Approved' : 'Rejected'} by Preflight.`,
          request: { signal },
        }),
      );
      log.info(where, 'GitHub gate answered');
      await this.sent(gate, null);
    } catch (err) {
      const answer = answerOf(err);
      if (!answer || answer.status >= 500) {
        const why = unknownWhy(err);
        if (gate.attempts + 1 >= this.timing.maxAttempts) {
          log.warn({ ...where, why }, 'GitHub gate: no answer after every attempt; the lead is told to answer in GitHub');
          await this.failed(gate, null, `GitHub did not answer after ${gate.attempts + 1} attempts (${why})`);
          return;
        }
        log.warn({ ...where, why }, 'GitHub gate: outcome unknown; sent again after a backoff');
        await markAnswerRetry(db, gate.id, this.owner, why, this.backoff(gate.attempts + 1));
        return;
      }
      const wait = rateLimitWait(answer, Date.now());
      if (wait !== undefined) {
        log.warn({ ...where, waitMs: wait }, 'GitHub gate: rate limited; sent again when GitHub says');
        await markAnswerRetry(db, gate.id, this.owner, scrub(`GitHub rate limit: ${answer.message}`), wait);
        return;
      }
      const message = scrub(`GitHub answered ${answer.status}${answer.message ? `: ${answer.message}` : ''}`);
      if (inDoubt && (answer.status === 404 || answer.status === 422)) {
        log.info({ ...where, message }, 'GitHub gate: nothing waits any more after a call whose outcome was unknown; that call landed');
        await this.sent(gate, 'GitHub had taken an earlier attempt');
        return;
      }
      log.warn({ ...where, status: answer.status, message }, 'GitHub refused the gate answer');
      await this.failed(gate, answer.status, message);
    }
  }

  /** GitHub took it: recorded, audited and said in the thread, in one transaction, the promotion locked first. */
  private async sent(gate: Gate, note: string | null): Promise<void> {
    const now = this.deps.clock();
    const post = await this.deps.db.tx(async (q) => {
      const promotion = gate.promotionId ? await getPromotion(q, gate.promotionId, { forUpdate: true }) : undefined;
      if (!(await markAnswerSent(q, gate.id, note))) return undefined;
      if (!promotion) return undefined;
      const state = gate.state === 'approved' ? 'approved' : 'rejected';
      await appendAudit(q, { promotionId: promotion.id, actor: SYSTEM_ACTOR, at: now, action: 'github.gate_answered', data: { run_id: gate.runId, environment: gate.environment, state, note } });
      const key = `gate-answered:${gate.id}`;
      const why = state === 'rejected' ? (gate.answerComment?.replace(/^Rejected by Preflight: /, '').replace(/ Checklist: \S+$/, '') ?? null) : null;
      await enqueue(
        q,
        {
          key,
          promotionId: promotion.id,
          channelId: promotion.channelId,
          threadTs: await overviewTs(q, promotion.id),
          message: { kind: 'github-gate-answered', release: promotion.release, gate: gateSummary(gate), state, why },
        },
        now,
      );
      return key;
    });
    await this.post(post);
    if (post && gate.promotionId) await this.show(gate.promotionId);
  }

  /** GitHub refused it for good: recorded, audited and said to the lead in the thread, once. */
  private async failed(gate: Gate, status: number | null, error: string): Promise<void> {
    const now = this.deps.clock();
    const post = await this.deps.db.tx(async (q) => {
      const promotion = gate.promotionId ? await getPromotion(q, gate.promotionId, { forUpdate: true }) : undefined;
      if (!(await markAnswerFailed(q, gate.id, this.owner, error))) return undefined;
      if (!promotion) return undefined;
      const state = gate.state === 'approved' ? 'approved' : 'rejected';
      await appendAudit(q, { promotionId: promotion.id, actor: SYSTEM_ACTOR, at: now, action: 'github.gate_failed', data: { run_id: gate.runId, environment: gate.environment, state, status, error } });
      const key = `gate-failed:${gate.id}`;
      await enqueue(
        q,
        {
          key,
          promotionId: promotion.id,
          channelId: promotion.channelId,
          threadTs: await overviewTs(q, promotion.id),
          message: { kind: 'github-gate-failed', release: promotion.release, gate: gateSummary(gate), state, lead: promotion.requestedBy, status, error },
        },
        now,
      );
      return key;
    });
    await this.post(post);
    if (post && gate.promotionId) await this.show(gate.promotionId);
  }

  /** Status reports due (see the class comment); a failure is logged: a report is information, not an answer. */
  private async report(): Promise<void> {
    const { db, log } = this.deps;
    const due = await claimDueReports(db, this.timing.claimMs, this.timing.reportEveryMs, REPORTS_PER_DEPLOYMENT);
    for (const { gate } of due) {
      try {
        const view = gate.promotionId ? await loadView(db, gate.promotionId) : undefined;
        if (!view) continue;
        const ts = await overviewTs(db, view.promotion.id);
        const url = ts ? messageLink(view.promotion.channelId, ts) : `https://slack.com/archives/${view.promotion.channelId}`;
        const [owner, repo] = gate.repo.split('/') as [string, string];
        const comment = gateStatusReport(view, this.deps.clock(), url);
        await this.withDeadline((signal) =>
          this.deps.app.installation(gate.installationId).request(REVIEW_ROUTE, { owner, repo, run_id: gate.runId, environment_name: gate.environment, comment, request: { signal } }),
        );
        log.info({ gateId: gate.id, runId: gate.runId, reports: gate.reportsSent }, 'GitHub gate: status report posted');
      } catch (err) {
        log.warn({ gateId: gate.id, runId: gate.runId, why: unknownWhy(err) }, 'GitHub gate: status report not posted');
      } finally {
        await releaseReport(db, gate.id).catch(() => undefined);
      }
    }
  }

  /** The overview's GitHub line follows the answer now (sent, or refused), not at the next repair sweep. */
  private async show(promotionId: string): Promise<void> {
    if (!this.deps.refresh) return;
    await this.deps.refresh(promotionId).catch((err: unknown) => this.deps.log.warn({ err, promotionId }, 'GitHub gate answer recorded; the checklist shows it once the repair sweep catches up'));
  }

  private async post(key: string | undefined): Promise<void> {
    if (!key || !this.deps.sendPost) return;
    await this.deps.sendPost(key).catch((err: unknown) => this.deps.log.warn({ err, key }, 'could not send a GitHub gate notice now; the outbox sends it later'));
  }

  /** One call to GitHub, ended after `requestTimeoutMs` or when the process stops (see src/deadline.ts). */
  private withDeadline<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withDeadline(this.timing.requestTimeoutMs, this.deps.signal, call);
  }

  private backoff(attempts: number): number {
    return Math.min(this.timing.retryMaxMs, this.timing.retryBaseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 10));
  }
}
