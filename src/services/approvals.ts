import {
  approvalsVoidedBy,
  boundValues,
  findApproval,
  fingerprintOf,
  mayDecideApproval,
  voidReason,
  type ApprovalRecord,
  type RoleMembers,
} from '../domain/approvals.js';
import type { AuditEvent } from '../domain/audit-events.js';
import type { Promotion } from '../domain/promotion.js';
import type { Template } from '../domain/template.js';
import { UserError } from '../errors.js';
import { listApprovals, recordDecision, voidDecisions, withdrawDecision } from '../store/approvals.js';
import { appendAudit } from '../store/audit.js';
import type { TxQueryable } from '../store/db.js';
import { overviewTs } from '../store/messages.js';
import { enqueue } from '../store/outbox.js';
import { markHomesStale } from '../store/homes.js';
import { getItemStates, getPromotion } from '../store/promotions.js';
import { commitChange, type ChangeScope } from './change.js';
import type { Deps } from './deps.js';
import { assertActive } from './guard.js';
import { SYSTEM_ACTOR } from './promotions.js';
import { showChange } from './show.js';


export interface ApprovalInput {
  promotionId: string;
  approvalId: string;
  userId: string;
  /** Identifies the click, so a redelivery is applied once. */
  receiptKey: string;
}

/**
 * Who holds a role now: the users the template names, and the members of its groups read through the Slack port
 * (cached a few minutes; older answers are read again first). Read before the change's transaction: Slack is never
 * called while the promotion is locked.
 */
export async function roleMembers(deps: Deps, template: Template, role: string): Promise<RoleMembers> {
  const spec = template.roles[role];
  const groups = new Map<string, ReadonlySet<string>>();
  for (const g of spec?.groups ?? []) groups.set(g, new Set(await deps.slack.groupMembers(g)));
  return { users: new Set(spec?.users ?? []), groups };
}

/** A promotion and one of its approvals, or the refusal a person should hear. */
async function approvalOf(deps: Deps, promotionId: string, approvalId: string): Promise<{ promotion: Promotion; spec: NonNullable<ReturnType<typeof findApproval>> }> {
  const promotion = assertActive(await getPromotion(deps.db, promotionId));
  const spec = findApproval(promotion.template, approvalId);
  if (!spec) throw new UserError('That approval is not part of this checklist; nothing was recorded.', 'bad_approval');
  return { promotion, spec };
}

/**
 * Approve, or reject with a reason. Checked inside the change, under the promotion's lock: who may (the role, the
 * requester, one person one role), and what the decision is bound to (the fingerprint of the template and the
 * bound items' values as they are now). Approving again for the same values counts once. A person who may not is
 * told exactly who can, and only the refused attempt is recorded (an audit event).
 */
export async function decideApproval(
  deps: Deps,
  input: ApprovalInput & { decision: 'approve' | 'reject'; reason?: string },
  /** `refresh: false` from a modal: it acknowledges first, then refreshes (saveThenClose). */
  opts: { refresh?: boolean } = {},
): Promise<{ changed: boolean }> {
  const { promotion, spec } = await approvalOf(deps, input.promotionId, input.approvalId);
  const members = await roleMembers(deps, promotion.template, spec.role);
  let refusal: string | undefined;
  const result = await commitChange(deps, { promotionId: promotion.id, actor: input.userId, receiptKey: input.receiptKey }, async ({ q, promotion: locked, now }) => {
    const states = await getItemStates(q, locked.id, spec.binds);
    const bound = boundValues(spec, states);
    const fingerprint = fingerprintOf(locked.template, bound);
    const records = (await listApprovals(q, locked.id)).filter((r) => !r.voidedAt);
    const verdict = mayDecideApproval({ promotion: locked, spec, userId: input.userId, members, records });
    if (!verdict.allowed) {
      refusal = verdict.why;
      return { action: 'approval.refused', data: { approval: spec.id, role: spec.role, fingerprint, why: verdict.why } };
    }
    const standing = records.find((r) => r.approvalId === spec.id && r.userId === input.userId);
    if (input.decision === 'approve') {
      if (standing?.decision === 'approve' && standing.fingerprint === fingerprint) return null;
      await recordDecision(q, locked.id, { approvalId: spec.id, role: spec.role, userId: input.userId, decision: 'approve', fingerprint, bound, comment: null, at: now });
      return { action: 'approval.given', data: { approval: spec.id, role: spec.role, fingerprint, bound } };
    }
    const reason = input.reason?.trim() ?? '';
    if (!reason) throw new UserError('Say why you reject it: the reason is shown to everyone.', 'reason_required');
    if (standing?.decision === 'reject' && standing.comment === reason) return null;
    await recordDecision(q, locked.id, { approvalId: spec.id, role: spec.role, userId: input.userId, decision: 'reject', fingerprint, bound, comment: reason, at: now });
    return { action: 'approval.rejected', data: { approval: spec.id, role: spec.role, fingerprint, bound, reason } };
  });
  if (refusal !== undefined) throw new UserError(refusal, 'not_allowed');
  if (result.changed) deps.slack.homesChanged?.(promotion.id);
  if (result.changed && opts.refresh !== false) await showChange(deps, promotion.id);
  return result;
}

/** Withdraw one's own standing decision (a rejection, most often): GO is no longer blocked by it. */
export async function withdrawApproval(deps: Deps, input: ApprovalInput): Promise<{ changed: boolean }> {
  const { promotion, spec } = await approvalOf(deps, input.promotionId, input.approvalId);
  const result = await commitChange(deps, { promotionId: promotion.id, actor: input.userId, receiptKey: input.receiptKey }, async ({ q, promotion: locked }) => {
    const withdrawn = await withdrawDecision(q, locked.id, spec.id, input.userId);
    if (!withdrawn) return null;
    return { action: 'approval.withdrawn', data: { approval: spec.id, role: spec.role, fingerprint: withdrawn.fingerprint, was: withdrawn.decision } };
  });
  if (result.changed) deps.slack.homesChanged?.(promotion.id);
  if (result.changed) await showChange(deps, promotion.id);
  return result;
}

/** The outbox key of the post that mentions the approvers whose approvals one change of a value made void. */
export function voidNoticeKey(promotionId: string, auditSeqHint: string): string {
  return `approvals-void:${promotionId}:${auditSeqHint}`;
}

/**
 * Inside a change that sets an item's value: the standing approvals bound to that item become void, with why, and
 * their approvers are mentioned in the thread once (an outbox row enqueued in the same transaction, keyed by the
 * first voided record, so a retry or a replica never mentions them twice; sent once the change commits).
 * Rejections stand: they are about the change, not one value of it.
 */
export async function voidApprovalsBoundTo(scope: ChangeScope, itemId: string, before: string | null, after: string | null): Promise<void> {
  if (before === after) return;
  const { q, promotion, now } = scope;
  const template = promotion.template;
  if (!template.approvals.some((a) => a.binds.includes(itemId))) return;
  const voided = approvalsVoidedBy(template, await listApprovals(q, promotion.id), new Set([itemId]));
  if (voided.length === 0) return;
  const reason = voidReason(template, itemId, before, after);
  await voidDecisions(
    q,
    voided.map((r) => r.id),
    reason,
    now,
  );
  // Their Homes ask them again: published by the publish-stale-homes job (no Slack call inside a change).
  await markHomesStale(q, promotion.teamId, voided.map((r) => r.userId), now);
  for (const [approvalId, records] of groupBy(voided, (r) => r.approvalId)) {
    const users = records.map((r) => r.userId);
    await appendAudit(q, { promotionId: promotion.id, actor: SYSTEM_ACTOR, at: now, ...voidedEvent(approvalId, users, itemId, before, after, records[0]!.fingerprint) });
    const spec = findApproval(template, approvalId)!;
    const key = voidNoticeKey(promotion.id, records[0]!.id);
    await enqueue(
      q,
      {
        key,
        promotionId: promotion.id,
        channelId: promotion.channelId,
        threadTs: await overviewTs(q, promotion.id),
        message: { kind: 'approvals-voided', release: promotion.release, approval: spec.label, users, reason },
      },
      now,
    );
    scope.sendAfterCommit(key);
  }
}

function voidedEvent(approval: string, users: string[], item: string, before: string | null, after: string | null, fingerprint: string): AuditEvent {
  return { action: 'approval.voided', data: { approval, users, item, before, after, fingerprint } };
}

function groupBy<T>(list: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const t of list) map.set(key(t), [...(map.get(key(t)) ?? []), t]);
  return map;
}

/** A promotion's approval records (void ones included), for panels and gates. */
export function approvalRecords(q: TxQueryable | Deps['db'], promotionId: string): Promise<ApprovalRecord[]> {
  return listApprovals(q, promotionId);
}
