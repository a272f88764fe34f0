import { approvalStatuses, howToConfigure, isMember, roleConfigured, whoCan, type RoleMembers } from '../domain/approvals.js';
import type { OutboxMessage } from '../domain/message-kinds.js';
import { messageLink, mention } from '../domain/mrkdwn.js';
import { completeGate, describeMissing, goGate, type Missing } from '../domain/gate.js';
import type { Promotion, PromotionView } from '../domain/promotion.js';
import { UserError } from '../errors.js';
import { listApprovals } from '../store/approvals.js';
import { appendAudit } from '../store/audit.js';
import type { TxQueryable } from '../store/db.js';
import { appendDecision } from '../store/decisions.js';
import { releaseLock } from '../store/locks.js';
import { overviewTs } from '../store/messages.js';
import { endPromotion, findActive, getPromotion, loadView, setStage } from '../store/promotions.js';
import { roleMembers } from './approvals.js';
import { announceEverywhere } from './announce-start.js';
import { commitChange, type ChangeScope } from './change.js';
import { cancelReminders } from './reminders.js';
import { enqueueMaintenanceComplete } from './statuspage.js';
import { answerGates } from './github-gate.js';
import type { Deps } from './deps.js';
import { assertActive } from './guard.js';
import { showChange } from './show.js';

/**
 * The decider's GO and NO-GO, and Complete. GO is accepted only when the gate holds (src/domain/gate.ts), checked
 * inside the change under the promotion's lock; a refused GO tells the decider exactly what is missing, with links.
 * What a decision causes (announcements, the workflow dispatch) is enqueued in the decision's own transaction, so
 * it happens exactly when the decision does, once, whatever retries or replicas do.
 */

/** Hooks GO runs inside its transaction (the workflow dispatch: src/github/); return outbox keys to send. */
export type OnGo = (scope: ChangeScope, decisionSeq: number) => Promise<void>;

/** Who may decide: the decider role's members; with no decider role, the person who started the promotion. */
async function deciders(deps: Deps, promotion: Promotion): Promise<RoleMembers & { named: boolean }> {
  const role = promotion.template.decider;
  if (!role || !promotion.template.roles[role]) return { users: new Set([promotion.requestedBy]), groups: new Map(), named: false };
  return { ...(await roleMembers(deps, promotion.template, role)), named: true };
}

/** Refuse, saying who can, unless this person may decide (also asked before the NO-GO modal opens). */
export async function assertDecider(deps: Deps, promotion: Promotion, userId: string, what: string): Promise<void> {
  const members = await deciders(deps, promotion);
  if (isMember(members, userId)) return;
  const t = promotion.template;
  if (!members.named) throw new UserError(`Only ${mention(promotion.requestedBy)}, who started this promotion, can ${what} (the template names no decider).`, 'not_allowed');
  const role = t.decider!;
  if (!roleConfigured(t, role)) throw new UserError(`Nobody can ${what} yet: ${howToConfigure(t, role)}.`, 'not_allowed');
  throw new UserError(`Only ${whoCan(t, role)} can ${what}. Nothing was recorded.`, 'not_allowed');
}

/** GO refused: what is missing, one line each, linked to the messages that show it. */
export class GateRefused extends UserError {
  constructor(
    readonly what: 'GO' | 'Complete',
    readonly missing: string[],
  ) {
    super(`${what} refused: ${missing.length} thing${missing.length === 1 ? ' is' : 's are'} missing.\n${missing.map((m) => `• ${m}`).join('\n')}`, 'gate_refused');
    this.name = 'GateRefused';
  }
}

function sectionLink(view: PromotionView): (sectionId: string) => string | undefined {
  return (sectionId) => {
    const ts = view.links?.sectionTs.get(sectionId) ?? view.links?.threadTs;
    return ts ? messageLink(view.promotion.channelId, ts) : undefined;
  };
}

/** Plain text of what is missing, for the audit trail (no links). */
function plainMissing(missing: Missing[]): string[] {
  return describeMissing(missing).map((line) => line.replace(/[*_~`]/g, ''));
}

export interface DecideInput {
  promotionId: string;
  userId: string;
  receiptKey?: string;
}

/** The approvals GO or Complete was given with: approval id -> fingerprint and approvers. */
function approvalsAt(view: PromotionView, records: Awaited<ReturnType<typeof listApprovals>>, stage: 'before-go' | 'after-deploy') {
  const out: Record<string, { fingerprint: string; by: string[] }> = {};
  for (const s of approvalStatuses(view.promotion.template, view.states, records, stage)) {
    out[s.spec.id] = { fingerprint: s.approvedBy[0]?.fingerprint ?? '', by: s.approvedBy.map((r) => r.userId) };
  }
  return out;
}

/** Announce a decision in the checklist's thread (broadcast to the channel) and in each stakeholder channel. */
async function announce(scope: ChangeScope, key: string, message: Omit<Extract<OutboxMessage, { kind: 'decision-announcement' }>, 'kind' | 'release' | 'templateName' | 'checklist'>): Promise<void> {
  const { q, promotion } = scope;
  await announceEverywhere(scope, key, {
    kind: 'decision-announcement',
    release: promotion.release,
    templateName: promotion.template.name,
    checklist: { channel: promotion.channelId, ts: await overviewTs(q, promotion.id) },
    ...message,
  });
}

/**
 * GO. Refused (with the list, and an audit entry of the refusal) unless every gate holds. A second GO (a double
 * click, a replica that got the other delivery) finds the promotion past its decision and records nothing.
 */
export async function decideGo(deps: Deps, input: DecideInput, onGo?: OnGo): Promise<{ changed: boolean }> {
  const promotion = assertActive(await getPromotion(deps.db, input.promotionId));
  await assertDecider(deps, promotion, input.userId, 'decide GO or NO-GO');
  let refused: GateRefused | undefined;
  let already = false;
  const result = await commitChange(deps, { promotionId: promotion.id, actor: input.userId, receiptKey: input.receiptKey }, async (scope) => {
    const { q, promotion: locked, now } = scope;
    if (locked.stage === 'go' || locked.stage === 'rolling-back') {
      already = true;
      return null;
    }
    const view = (await loadView(q, locked.id))!;
    const records = await listApprovals(q, locked.id);
    const missing = goGate(view, records, now);
    if (missing.length > 0) {
      refused = new GateRefused('GO', describeMissing(missing, sectionLink(view)));
      return { action: 'decision.refused', data: { decision: 'go', missing: plainMissing(missing) } };
    }
    const approvals = approvalsAt(view, records, 'before-go');
    const seq = await appendDecision(q, { promotionId: locked.id, decision: 'go', by: input.userId, at: now, reason: null, newDate: null, approvals });
    await setStage(q, locked.id, 'go');
    await announce(scope, `decision:${locked.id}:${seq}`, { decision: 'go', by: input.userId, reason: null, newDate: null });
    // GitHub's waiting production jobs of the approved commit are released (src/services/github-gate.ts).
    await answerGates(deps, { ...scope, promotion: { ...locked, stage: 'go' } }, { kind: 'go' }, input.userId);
    if (onGo) await onGo({ ...scope, promotion: { ...locked, stage: 'go' } }, seq);
    return { action: 'decision.go', data: { approvals } };
  });
  if (refused) throw refused;
  if (already) throw new UserError('GO was already decided for this promotion; nothing more was recorded.', 'already_decided');
  if (result.changed) deps.slack.homesChanged?.(promotion.id);
  if (result.changed) await showChange(deps, promotion.id);
  return result;
}

/** NO-GO, with a reason and optionally a new date (YYYY-MM-DD). The promotion stays open, to be decided again. */
export async function decideNoGo(
  deps: Deps,
  input: DecideInput & { reason: string; newDate: string | null },
  /** `refresh: false` from a modal: it acknowledges first, then refreshes (saveThenClose). */
  opts: { refresh?: boolean } = {},
): Promise<{ changed: boolean }> {
  const promotion = assertActive(await getPromotion(deps.db, input.promotionId));
  await assertDecider(deps, promotion, input.userId, 'decide GO or NO-GO');
  const reason = input.reason.trim();
  if (!reason) throw new UserError('Say why: the reason is announced with the NO-GO.', 'reason_required');
  const result = await commitChange(deps, { promotionId: promotion.id, actor: input.userId, receiptKey: input.receiptKey }, async (scope) => {
    const { q, promotion: locked, now } = scope;
    if (locked.stage === 'go' || locked.stage === 'rolling-back') throw new UserError('GO was already decided for this promotion: a NO-GO can no longer be recorded. Roll back or abort instead.', 'already_decided');
    const seq = await appendDecision(q, { promotionId: locked.id, decision: 'no-go', by: input.userId, at: now, reason, newDate: input.newDate, approvals: {} });
    await setStage(q, locked.id, 'no-go');
    // The window is off: its reminders would nag about a deployment that is not happening. The new date is scheduled anew.
    await cancelReminders(scope, input.userId, 'NO-GO: schedule the new window to plan its reminders');
    await answerGates(deps, scope, { kind: 'reject', why: `NO-GO for ${locked.release}: ${reason}` }, input.userId);
    await announce(scope, `decision:${locked.id}:${seq}`, { decision: 'no-go', by: input.userId, reason, newDate: input.newDate });
    return { action: 'decision.no_go', data: { reason, new_date: input.newDate } };
  });
  if (result.changed) deps.slack.homesChanged?.(promotion.id);
  if (result.changed && opts.refresh !== false) await showChange(deps, promotion.id);
  return result;
}

/**
 * Complete: after GO, once every after-deploy sign-off is in. Ends the promotion, releases its environment, and
 * announces it. The decider or the person who started it may complete it.
 */
export async function completePromotion(deps: Deps, input: DecideInput): Promise<{ changed: boolean }> {
  const promotion = assertActive(await getPromotion(deps.db, input.promotionId));
  if (input.userId !== promotion.requestedBy) await assertDecider(deps, promotion, input.userId, 'complete it');
  let refused: GateRefused | undefined;
  const result = await commitChange(deps, { promotionId: promotion.id, actor: input.userId, receiptKey: input.receiptKey }, async (scope) => {
    const { q, promotion: locked, now } = scope;
    if (locked.stage !== 'go') throw new UserError('A promotion is completed after its GO; this one has none yet.', 'not_decided');
    const view = (await loadView(q, locked.id))!;
    const records = await listApprovals(q, locked.id);
    const missing = completeGate(view, records);
    if (missing.length > 0) {
      refused = new GateRefused('Complete', describeMissing(missing, sectionLink(view)));
      return { action: 'decision.refused', data: { decision: 'complete', missing: plainMissing(missing) } };
    }
    await endPromotion(q, locked.id, { status: 'completed', by: input.userId, reason: 'completed', at: now });
    await releaseEnvironment(q, locked, input.userId, 'completed', now);
    await cancelReminders(scope, input.userId, 'the promotion was completed');
    await answerGates(deps, scope, { kind: 'reject', why: `${locked.release} was completed without this run.` }, input.userId);
    await enqueueMaintenanceComplete(deps, scope);
    // A promotion completes once (it ends here), so its id alone keys the announcement.
    await announce(scope, `completed:${locked.id}`, { decision: 'completed', by: input.userId, reason: null, newDate: null });
    return { action: 'promotion.completed', data: { approvals: approvalsAt(view, records, 'after-deploy') } };
  });
  if (refused) throw refused;
  if (result.changed) deps.statuspage?.kick();
  if (result.changed) deps.slack.homesChanged?.(promotion.id);
  if (result.changed) await showChange(deps, promotion.id);
  return result;
}

/** Release the promotion's environment lock, in the transaction that ends it, with its audit event. */
export async function releaseEnvironment(q: TxQueryable, promotion: Promotion, actor: string, why: 'completed' | 'aborted' | 'rolled-back', now: Date): Promise<void> {
  if (!promotion.environment) return;
  if (await releaseLock(q, promotion.id)) {
    await appendAudit(q, { promotionId: promotion.id, actor, at: now, action: 'lock.released', data: { environment: promotion.environment, why } });
  }
}

/** `/promote complete <release>`: the active promotion of that release in this channel. */
export async function completeByRelease(deps: Deps, input: { channelId: string; release: string; userId: string }): Promise<Promotion> {
  const promotion = await findActive(deps.db, input.channelId, input.release);
  if (!promotion) throw new UserError(`There is no active promotion of ${input.release} in this channel. \`/promote list\` shows the active ones.`, 'not_found');
  await completePromotion(deps, { promotionId: promotion.id, userId: input.userId });
  return (await getPromotion(deps.db, promotion.id))!;
}
