import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AuditEvent } from '../domain/audit-events.js';
import { messageLink } from '../domain/mrkdwn.js';
import type { Promotion } from '../domain/promotion.js';
import { findItem } from '../domain/template.js';
import { gateMatches, releaseForRun, type GithubGateSpec } from '../domain/template/github.js';
import { DatabaseUnavailable, UserError } from '../errors.js';
import { appendAudit } from '../store/audit.js';
import { attachGate, decideGate, gateSummary, getGate, recordGateRequest, unattachedGates, waitingGates, type Gate, type GateRequest } from '../store/github-gates.js';
import { overviewTs } from '../store/messages.js';
import { enqueue } from '../store/outbox.js';
import { getItemState, listActive, writeItemState } from '../store/promotions.js';
import { voidApprovalsBoundTo } from './approvals.js';
import { applyChange, sendPosts, type ChangeScope } from './change.js';
import type { Deps } from './deps.js';
import { startPromotion, SYSTEM_ACTOR } from './promotions.js';

/**
 * Preflight as GitHub's deployment gate (issue 13). A workflow job waiting at a gated environment arrives as a
 * `deployment_protection_rule` delivery (src/github/webhook.ts verifies it); `receiveGateRequest` stores it once, and
 * `attachGate` joins it to the template's active promotion in its channel, or starts one: the deployment's SHA goes
 * into the template's commit field (approvals bound to it become void when it changes), and the thread says a job is
 * waiting. Its answer is decided inside the promotion's changes (`answerGates`: GO approves the bound commit's jobs;
 * NO-GO, abort, rollback and the promotion's end reject them, with the reason) and sent once by the gate sender
 * (src/github/gate-sender.ts).
 */

/** What GitHub's comment on a gate may hold (its limit for the review's comment and for status reports). */
export const GATE_COMMENT_MAX = 1024;

/** A delivery as the webhook verified it: its id, event name and parsed JSON body. */
export interface GateDelivery {
  deliveryId: string;
  event: string;
  payload: unknown;
}

/** The webhook's answer to GitHub: an HTTP status and a short line (shown in the App's delivery log). */
export interface DeliveryAnswer {
  status: number;
  message: string;
  /** The gate stored by this delivery: the webhook joins it to a promotion after answering. */
  gateId?: string;
}

/** The parts of GitHub's `deployment_protection_rule` payload the gate reads (GitHub sends more). */
const requestedPayload = z.object({
  action: z.literal('requested'),
  environment: z.string().min(1).max(255),
  event: z.string().max(100).optional(),
  // A run id is a bigint in github_gates: at most 15 digits, so it is read exactly (a number beyond that is no run id).
  deployment_callback_url: z.string().regex(/\/actions\/runs\/\d{1,15}\/deployment_protection_rule$/, 'must end in /actions/runs/<run id>/deployment_protection_rule'),
  deployment: z.object({
    id: z.number().int().positive(),
    sha: z.string().regex(/^[0-9a-f]{7,64}$/i, 'must be a commit SHA'),
    ref: z.string().min(1).max(255),
    creator: z.object({ login: z.string().min(1).max(100) }).nullish(),
  }),
  repository: z.object({
    full_name: z.string().regex(/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/),
    // The run's link in the checklist is made from it: a web address only (`javascript:` is a URL too).
    html_url: z.url({ protocol: /^https?$/ }),
  }),
  installation: z.object({ id: z.number().int().positive() }),
  sender: z.object({ login: z.string().min(1).max(100) }).nullish(),
});

/** The template (and its gate) mapping a repository and environment, if any (the first by id when several do). */
export function templateForGate(deps: Pick<Deps, 'templates'>, repo: string, environment: string): { templateId: string; spec: GithubGateSpec } | undefined {
  const ids = [...deps.templates.keys()].sort();
  for (const id of ids) {
    const spec = deps.templates.get(id)?.github;
    if (spec && gateMatches(spec, repo, environment)) return { templateId: id, spec };
  }
  return undefined;
}

/**
 * A verified delivery. Only `deployment_protection_rule` `requested` is acted on (`ping` is answered; other events
 * and actions are acknowledged and ignored). Refused with a 4xx, writing nothing: a payload without what a gate needs,
 * a repository and environment no template maps (the gate is left to GitHub's other rules, never approved), an
 * installation GitHub does not know. A delivery handled already (the same X-GitHub-Delivery, or the same deployment
 * redelivered) is answered 200 and changes nothing.
 */
export async function receiveGateRequest(deps: Deps, delivery: GateDelivery): Promise<DeliveryAnswer> {
  if (delivery.event === 'ping') return { status: 200, message: 'pong' };
  if (delivery.event !== 'deployment_protection_rule') return { status: 202, message: `ignored: Preflight acts on deployment_protection_rule, not ${delivery.event}` };
  const action = (delivery.payload as { action?: unknown } | null)?.action;
  if (action !== 'requested') return { status: 202, message: `ignored: action ${String(action)}` };
  const parsed = requestedPayload.safeParse(delivery.payload);
  if (!parsed.success) {
    const where = parsed.error.issues[0];
    return { status: 400, message: `not a deployment_protection_rule payload: ${where?.path.join('.') || 'body'} ${where?.message ?? 'is invalid'}` };
  }
  const p = parsed.data;
  const mapped = templateForGate(deps, p.repository.full_name, p.environment);
  if (!mapped) {
    deps.log.warn({ deliveryId: delivery.deliveryId, repo: p.repository.full_name, environment: p.environment }, 'GitHub gate: no template maps this repository and environment; left to GitHub');
    return { status: 404, message: `no Preflight template gates ${p.repository.full_name} environment ${p.environment} (template key github: { repo, environment })` };
  }
  if (!deps.gates) return { status: 503, message: 'the GitHub App is not configured' };
  const known = await deps.gates.checkInstallation(p.installation.id);
  if (known === 'unknown') {
    deps.log.warn({ deliveryId: delivery.deliveryId, installationId: p.installation.id }, 'GitHub gate: unknown installation; nothing written');
    return { status: 403, message: `installation ${p.installation.id} is not an installation of this App that GitHub knows` };
  }
  const runId = Number(/\/actions\/runs\/(\d+)\/deployment_protection_rule$/.exec(p.deployment_callback_url)![1]);
  const gate: GateRequest = {
    id: randomUUID(),
    templateId: mapped.templateId,
    channelId: mapped.spec.channel,
    installationId: p.installation.id,
    repo: p.repository.full_name,
    environment: p.environment,
    runId,
    deploymentId: p.deployment.id,
    sha: p.deployment.sha.toLowerCase(),
    ref: p.deployment.ref,
    runUrl: `${p.repository.html_url.replace(/\/+$/, '')}/actions/runs/${runId}`,
    triggeredBy: p.deployment.creator?.login ?? p.sender?.login ?? 'someone',
    event: p.event ?? null,
  };
  const stored = await deps.db.tx((q) => recordGateRequest(q, delivery.deliveryId, gate, deps.clock()));
  if (stored === 'duplicate') {
    deps.log.info({ deliveryId: delivery.deliveryId, runId, deploymentId: p.deployment.id }, 'GitHub gate: delivery handled already');
    return { status: 200, message: 'handled already' };
  }
  deps.log.info({ deliveryId: delivery.deliveryId, gateId: gate.id, runId, repo: gate.repo, environment: gate.environment, templateId: gate.templateId }, 'GitHub gate: a job is waiting');
  return { status: 202, message: `waiting for Preflight's GO in the checklist (${mapped.templateId})`, gateId: gate.id };
}

/**
 * Join a waiting gate to its template's active promotion in its channel, or start one (`promotion: join-or-start`),
 * or, with `promotion: join` and none active, say once in the channel that a job waits for one (it joins the next
 * started: the sweep tries again). Safe to run on every replica at once: the join is a change that locks the gate.
 */
export async function attachGateToPromotion(deps: Deps, gateId: string): Promise<'joined' | 'waiting' | 'done'> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const gate = await getGate(deps.db, gateId);
    if (!gate || gate.promotionId || gate.state !== 'waiting') return 'done';
    const spec = deps.templates.get(gate.templateId)?.github;
    const active = (await listActive(deps.db, gate.channelId)).filter((pr) => pr.templateId === gate.templateId).at(-1);
    if (active) {
      await applyChange(deps, { promotionId: active.id, actor: SYSTEM_ACTOR }, (scope) => joinGate(deps, scope, gate.id));
      return 'joined';
    }
    if (!spec) {
      // The template stopped gating this environment while the job waited (a new version was deployed): never approved.
      await deps.db.tx((q) => decideGate(q, gate.id, { state: 'rejected', comment: `Rejected by Preflight: no checklist template gates ${gate.environment} of ${gate.repo} any more.`, by: SYSTEM_ACTOR }, deps.clock()));
      deps.gates?.kick();
      return 'done';
    }
    if (spec.promotion === 'join') {
      await sayJobWaits(deps, gate);
      return 'waiting';
    }
    try {
      await startPromotion(deps, {
        release: releaseForRun(spec, gate),
        templateId: gate.templateId,
        channelId: gate.channelId,
        teamId: (await deps.slack.teamId?.()) ?? null,
        userId: SYSTEM_ACTOR,
      });
    } catch (err) {
      if (!(err instanceof UserError) || err instanceof DatabaseUnavailable) throw err;
      // Started but not all posted yet, or someone started one (or holds the environment) meanwhile: join what is there.
      deps.log.info({ gateId, code: err.code }, 'GitHub gate: the start answered; joining what is active');
    }
  }
  return 'waiting';
}

/** The job waits and no promotion will take it by itself: said once in the channel (keyed by the gate). */
async function sayJobWaits(deps: Deps, gate: Gate): Promise<void> {
  const key = `gate-unattached:${gate.id}`;
  await deps.db.tx((q) =>
    enqueue(
      q,
      {
        key,
        promotionId: null,
        channelId: gate.channelId,
        message: { kind: 'github-gate-unattached', gate: gateSummary(gate), templateId: gate.templateId },
      },
      deps.clock(),
    ),
  );
  await sendPosts(deps, [key]);
}

const short = (sha: string) => sha.slice(0, 7);

/** The bound commit now: the value of the template's commit field (null without one, or while it is empty). */
async function boundCommit(scope: ChangeScope): Promise<string | null> {
  const item = scope.promotion.template.github?.commit;
  if (!item) return null;
  const state = await getItemState(scope.q, scope.promotion.id, item);
  return state?.state === 'done' ? (state.value ?? null) : null;
}

/**
 * Inside the promotion's change: the gate joins it. Before GO, the deployment's SHA becomes the bound commit (a new
 * SHA voids the approvals given for the old one, and says so), and a job of another commit still waiting is
 * rejected as superseded. After GO, the job is approved if it is the commit GO was given for, else rejected.
 */
export async function joinGate(deps: Deps, scope: ChangeScope, gateId: string): Promise<AuditEvent | null> {
  const { q, promotion, now } = scope;
  const gate = await getGate(q, gateId, { lock: true });
  if (!gate || gate.promotionId || gate.state !== 'waiting') return null;
  await attachGate(q, gate.id, promotion.id);
  const link = await checklistLink(scope);
  let answer: 'approved' | 'rejected' | null = null;
  const superseded: number[] = [];
  let previous: string | null = null;
  if (promotion.stage === 'go' || promotion.stage === 'rolling-back') {
    const bound = await boundCommit(scope);
    const covered = promotion.stage === 'go' && (bound === null || bound === gate.sha);
    answer = covered ? 'approved' : 'rejected';
    const comment = covered
      ? `Approved by Preflight: GO for ${promotion.release} was given for commit ${short(gate.sha)}. Checklist: ${link}`
      : promotion.stage === 'rolling-back'
        ? `Rejected by Preflight: ${promotion.release} is being rolled back. Checklist: ${link}`
        : `Rejected by Preflight: GO for ${promotion.release} was given for commit ${short(bound ?? '')}, not ${short(gate.sha)}. Start a new promotion for this commit. Checklist: ${link}`;
    await decideGate(q, gate.id, { state: answer, comment: fit(comment), by: SYSTEM_ACTOR }, now);
    scope.afterCommit(() => deps.gates?.kick());
  } else {
    for (const other of await waitingGates(q, promotion.id)) {
      if (other.id === gate.id || other.sha === gate.sha) continue;
      const comment = `Rejected by Preflight: superseded by run ${gate.runId} for commit ${short(gate.sha)}, which now waits for the GO of ${promotion.release}. Checklist: ${link}`;
      if (await decideGate(q, other.id, { state: 'rejected', comment: fit(comment), by: SYSTEM_ACTOR }, now)) superseded.push(other.runId);
    }
    if (superseded.length) scope.afterCommit(() => deps.gates?.kick());
    previous = await bindCommit(scope, gate.sha);
  }
  // Said in the checklist's thread. A promotion this job has just started may not have its overview posted yet (Slack
  // is slow, or its post budget is spent): then the overview, once posted, is what shows the job, and no notice goes
  // to the channel on its own ahead of it.
  const thread = await overviewTs(q, promotion.id);
  if (thread) {
    const key = `gate-waiting:${gate.id}`;
    await enqueue(
      q,
      {
        key,
        promotionId: promotion.id,
        channelId: promotion.channelId,
        threadTs: thread,
        message: { kind: 'github-gate-waiting', release: promotion.release, gate: gateSummary(gate), answer, previousCommit: previous, superseded },
      },
      now,
    );
    scope.sendAfterCommit(key);
  }
  return {
    action: 'github.gate_requested',
    data: { gate: gate.id, repo: gate.repo, environment: gate.environment, run_id: gate.runId, sha: gate.sha, ref: gate.ref, triggered_by: gate.triggeredBy, answer, superseded },
  };
}

/**
 * The deployment's SHA into the template's commit field, as a probe's record is written: done, by Preflight; the
 * approvals bound to the old value become void (their approvers are told). Returns the old value when it changed.
 */
async function bindCommit(scope: ChangeScope, sha: string): Promise<string | null> {
  const { q, promotion, now } = scope;
  const itemId = promotion.template.github?.commit;
  if (!itemId || !findItem(promotion.template, itemId)?.item.field) return null;
  const was = await getItemState(q, promotion.id, itemId);
  if (was?.state === 'na') return null;
  if (was?.state === 'done' && was.value === sha) return null;
  await writeItemState(q, promotion.id, { itemId, state: 'done', value: sha, note: null, by: SYSTEM_ACTOR, at: now });
  await voidApprovalsBoundTo(scope, itemId, was?.state === 'done' ? (was.value ?? null) : null, sha);
  return was?.state === 'done' ? (was.value ?? null) : null;
}

/** How a change answers its promotion's waiting gates. */
export type GateVerdict = { kind: 'go' } | { kind: 'reject'; why: string };

/**
 * Inside a change that decides (GO) or ends the wait (NO-GO, abort, rollback, completion): answer every gate of the
 * promotion still waiting. GO approves the jobs of the bound commit (every job, when the template binds none) and
 * rejects the others; a rejection carries the reason. Answers are sent once the change commits, once.
 */
export async function answerGates(deps: Pick<Deps, 'gates'>, scope: ChangeScope, verdict: GateVerdict, actor: string): Promise<void> {
  const { q, promotion, now } = scope;
  const waiting = await waitingGates(q, promotion.id);
  if (waiting.length === 0) return;
  const link = await checklistLink(scope);
  const bound = verdict.kind === 'go' ? await boundCommit(scope) : null;
  const answered: Array<{ run_id: number; state: 'approved' | 'rejected' }> = [];
  for (const gate of waiting) {
    const approve = verdict.kind === 'go' && (bound === null || bound === gate.sha);
    const comment =
      verdict.kind === 'go'
        ? approve
          ? `Approved by Preflight: GO for ${promotion.release} (commit ${short(gate.sha)}), given in the checklist after every gate held. Checklist: ${link}`
          : `Rejected by Preflight: GO for ${promotion.release} was given for commit ${short(bound ?? '')}, not ${short(gate.sha)}. Checklist: ${link}`
        : `Rejected by Preflight: ${verdict.why} Checklist: ${link}`;
    const state = approve ? 'approved' : 'rejected';
    if (await decideGate(q, gate.id, { state, comment: fit(comment), by: actor }, now)) answered.push({ run_id: gate.runId, state });
  }
  if (answered.length === 0) return;
  await appendAudit(q, {
    promotionId: promotion.id,
    actor,
    at: now,
    action: 'github.gate_decided',
    data: { gates: answered, why: verdict.kind === 'go' ? 'GO' : verdict.why },
  });
  scope.afterCommit(() => deps.gates?.kick());
}

/** The checklist's link for GitHub's comment (the overview's, else the channel's). */
async function checklistLink(scope: ChangeScope): Promise<string> {
  const ts = await overviewTs(scope.q, scope.promotion.id);
  return ts ? messageLink(scope.promotion.channelId, ts) : `https://slack.com/archives/${scope.promotion.channelId}`;
}

/** A comment within GitHub's 1,024 characters (a long reason is cut, the link kept when there is room). */
export function fit(comment: string): string {
  if (comment.length <= GATE_COMMENT_MAX) return comment;
  const link = / Checklist: \S+$/.exec(comment)?.[0] ?? '';
  const room = GATE_COMMENT_MAX - link.length - 1;
  return `${comment.slice(0, room - 1).trimEnd()}…${link}`.slice(0, GATE_COMMENT_MAX);
}

/** The sweep: every gate still waiting for a promotion to join tries again (what a restart left, `promotion: join`). */
export async function attachWaitingGates(deps: Deps): Promise<number> {
  let joined = 0;
  for (const gate of await unattachedGates(deps.db)) {
    try {
      if ((await attachGateToPromotion(deps, gate.id)) === 'joined') joined++;
    } catch (err) {
      deps.log.warn({ err, gateId: gate.id }, 'GitHub gate: could not join a promotion yet; tried again shortly');
    }
  }
  return joined;
}

/** Whether a promotion gates GitHub at all (for the overview and the report). */
export function gatesGitHub(promotion: Pick<Promotion, 'template'>): boolean {
  return promotion.template.github !== undefined;
}
