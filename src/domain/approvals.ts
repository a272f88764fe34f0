import { createHash } from 'node:crypto';
import { esc, escLiteral, mention } from './mrkdwn.js';
import type { ItemState, Promotion } from './promotion.js';
import { findItem, type ApprovalSpec, type Template } from './template.js';
import { approvalId } from './template/people.js';

/**
 * Named approvals: who may approve, what an approval is bound to, and where each approval of a promotion stands.
 * Pure: the services resolve user groups (through the Slack port) and read the records, then ask here.
 */

export type ApprovalDecision = 'approve' | 'reject';

/** One person's standing decision for one approval of a promotion, as stored. */
export interface ApprovalRecord {
  id: string;
  approvalId: string;
  role: string;
  userId: string;
  decision: ApprovalDecision;
  /** What the decision was given for: the template and the bound items' values (see `fingerprintOf`). */
  fingerprint: string;
  /** The bound items' values when it was given, to show and to say what changed. */
  bound: Record<string, string | null>;
  /** A rejection's reason. */
  comment: string | null;
  at: Date;
  /** Set when a bound value changed after the decision: it no longer counts, and the person must decide again. */
  voidedAt: Date | null;
  voidReason: string | null;
}

/** The approvals of a template with the ids they are known by, in template order. */
export function approvalsOf(template: Pick<Template, 'approvals'>, stage?: ApprovalSpec['stage']): Array<ApprovalSpec & { id: string }> {
  return template.approvals.map((a) => ({ ...a, id: approvalId(a) })).filter((a) => !stage || a.stage === stage);
}

export function findApproval(template: Pick<Template, 'approvals'>, id: string): (ApprovalSpec & { id: string }) | undefined {
  return approvalsOf(template).find((a) => a.id === id);
}

/** The values of the items an approval binds, now. */
export function boundValues(spec: Pick<ApprovalSpec, 'binds'>, states: ReadonlyMap<string, ItemState>): Record<string, string | null> {
  const values: Record<string, string | null> = {};
  for (const item of spec.binds) {
    const s = states.get(item);
    values[item] = s?.state === 'done' ? s.value : null;
  }
  return values;
}

/**
 * What an approval is given for: the promotion's template (frozen at start, so this also names its version) and the
 * bound items' current values. A decision whose fingerprint differs from the current one is not current.
 */
export function fingerprintOf(template: Template, values: Record<string, string | null>): string {
  const sorted = Object.keys(values)
    .sort()
    .map((k) => [k, values[k] ?? null]);
  return createHash('sha256').update(JSON.stringify({ template: templateVersion(template), values: sorted })).digest('hex');
}

/** A short, stable name of the template a promotion runs: its content hash. */
export function templateVersion(template: Template): string {
  // A promotion's template never changes once loaded: hashed once per object (every panel render asks, per approval).
  let version = versions.get(template);
  if (version === undefined) {
    version = createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 12);
    versions.set(template, version);
  }
  return version;
}

const versions = new WeakMap<Template, string>();

/** Who holds a role: the users named and the members of the groups named (resolved by the caller). */
export interface RoleMembers {
  users: ReadonlySet<string>;
  /** Each named group's members, as just read. */
  groups: ReadonlyMap<string, ReadonlySet<string>>;
}

export function isMember(members: RoleMembers, userId: string): boolean {
  return members.users.has(userId) || [...members.groups.values()].some((g) => g.has(userId));
}

/** "<@U1>, <@U2> or members of <!subteam^S1>": who may act for a role, for a refusal. */
export function whoCan(template: Template, role: string): string {
  const spec = template.roles[role];
  const names = [...(spec?.users ?? []).map(mention), ...(spec?.groups ?? []).map((g) => `members of <!subteam^${g}>`)];
  if (names.length <= 1) return names[0] ?? 'nobody yet';
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1)!}`;
}

export function roleConfigured(template: Template, role: string): boolean {
  const spec = template.roles[role];
  return !!spec && spec.users.length + spec.groups.length > 0;
}

/** How to give a role members, for a panel or a refusal. */
export function howToConfigure(template: Template, role: string): string {
  return `nobody is named for the role “${escLiteral(template.roles[role]?.label ?? role)}” yet: add Slack user ids or user group ids under \`roles.${role}.users\` or \`roles.${role}.groups\` in the \`${template.id}\` template`;
}

export type Verdict = { allowed: true } | { allowed: false; why: string };

/**
 * May this person approve (or reject) this approval now? The checks, in the order a person would want to hear them:
 * the stage, the role having members at all, membership, then separation of duties. Approving again for the same
 * role is allowed here (it counts once: the service records nothing new).
 */
export function mayDecideApproval(input: {
  promotion: Promotion;
  spec: ApprovalSpec & { id: string };
  userId: string;
  members: RoleMembers;
  /** The promotion's standing (not void) records. */
  records: readonly ApprovalRecord[];
}): Verdict {
  const { promotion, spec, userId, members, records } = input;
  const t = promotion.template;
  const label = `“${escLiteral(spec.label)}”`;
  if (spec.stage === 'after-deploy' && promotion.stage !== 'go') {
    return { allowed: false, why: `${label} is a sign-off after the deployment: it opens once the promotion has a GO.` };
  }
  if (spec.stage === 'before-go' && promotion.stage === 'go') {
    return { allowed: false, why: `${label} was for the GO decision, which is made: nothing was recorded.` };
  }
  if (!roleConfigured(t, spec.role)) return { allowed: false, why: `Nobody can approve ${label} yet: ${howToConfigure(t, spec.role)}.` };
  if (!isMember(members, userId)) return { allowed: false, why: `Only ${whoCan(t, spec.role)} can approve ${label}. Nothing was recorded.` };
  if (userId === promotion.requestedBy && !t.separation.requester_may_approve) {
    return { allowed: false, why: `You started this promotion, so you cannot approve it (separation of duties). Ask ${whoCan(t, spec.role)}.` };
  }
  if (!t.separation.one_person_many_roles) {
    const other = records.find((r) => r.userId === userId && r.decision === 'approve' && !r.voidedAt && r.role !== spec.role);
    if (other) {
      const otherLabel = t.roles[other.role]?.label ?? other.role;
      return { allowed: false, why: `You already approved as “${escLiteral(otherLabel)}”: one person cannot fill two roles of one promotion. Ask ${whoCan(t, spec.role)}.` };
    }
  }
  return { allowed: true };
}

/** Where one approval stands. */
export interface ApprovalStatus {
  spec: ApprovalSpec & { id: string };
  /** Approvals given for the current values, oldest first: each a different person. */
  approvedBy: ApprovalRecord[];
  /** Standing rejections: each blocks GO until its author withdraws it or approves. */
  rejectedBy: ApprovalRecord[];
  /** Approvals made void by a changed value whose authors have not decided again. */
  voided: ApprovalRecord[];
  /** How many more approvals are needed. */
  missing: number;
  /** Approved by enough people, none rejecting. */
  satisfied: boolean;
}

/**
 * Where every approval of a stage stands, from all of a promotion's records (void ones included) and its item states.
 * A record whose fingerprint differs from the current one does not count even if not yet marked void.
 */
export function approvalStatuses(template: Template, states: ReadonlyMap<string, ItemState>, records: readonly ApprovalRecord[], stage?: ApprovalSpec['stage']): ApprovalStatus[] {
  return approvalsOf(template, stage).map((spec) => {
    const current = fingerprintOf(template, boundValues(spec, states));
    const mine = records.filter((r) => r.approvalId === spec.id);
    const approvedBy = mine.filter((r) => r.decision === 'approve' && !r.voidedAt && r.fingerprint === current).sort((a, b) => a.at.getTime() - b.at.getTime());
    // A rejection is about the change, not one value of it: it stands until its author withdraws it or approves.
    const rejectedBy = mine.filter((r) => r.decision === 'reject' && !r.voidedAt);
    const decided = new Set([...approvedBy, ...rejectedBy].map((r) => r.userId));
    const voided = mine.filter((r) => (r.voidedAt || r.fingerprint !== current) && r.decision === 'approve' && !decided.has(r.userId));
    const missing = Math.max(0, spec.required - approvedBy.length);
    return { spec, approvedBy, rejectedBy, voided: latestPerUser(voided), missing, satisfied: missing === 0 && rejectedBy.length === 0 };
  });
}

function latestPerUser(records: ApprovalRecord[]): ApprovalRecord[] {
  const byUser = new Map<string, ApprovalRecord>();
  for (const r of records) {
    const seen = byUser.get(r.userId);
    if (!seen || seen.at < r.at) byUser.set(r.userId, r);
  }
  return [...byUser.values()];
}

/**
 * Why a bound value's change voids approvals: "“Commit SHA” changed from abc123 to def456". Values are shown as
 * literal text (a SHA or a digest), never as mrkdwn.
 */
export function voidReason(template: Template, itemId: string, before: string | null, after: string | null): string {
  const label = findItem(template, itemId)?.item.label ?? itemId;
  // Escaped too: inside a code span Slack still reads &, < and > (a value could otherwise mention @channel).
  const show = (v: string | null) => (v === null ? 'empty' : `\`${esc(v.replace(/`/g, "'"))}\``);
  return `“${escLiteral(label)}” changed from ${show(before)} to ${show(after)}`;
}

/** The standing approvals a change of these values voids: those bound to a changed item (rejections stand). */
export function approvalsVoidedBy(template: Template, records: readonly ApprovalRecord[], changedItems: ReadonlySet<string>): ApprovalRecord[] {
  const bindsChanged = new Set(approvalsOf(template).filter((a) => a.binds.some((b) => changedItems.has(b))).map((a) => a.id));
  return records.filter((r) => r.decision === 'approve' && !r.voidedAt && bindsChanged.has(r.approvalId));
}
