import { approvalStatuses, isMember, mayDecideApproval, type RoleMembers } from './approvals.js';
import { assignedTo, assigneesOf } from './assignees.js';
import type { PromotionStage, PromotionView } from './promotion.js';

/**
 * One person's App Home, as data: what they are asked to approve first, the open items assigned to them, then the
 * active promotions they are part of, then the recent decisions of those. Pure: the service (src/services/home.ts) reads the promotions and resolves the
 * roles' user groups; blocks/home.ts renders it within Slack's limits, behind the port (`deps.slack.publishHome`).
 */

/** Where a promotion's checklist is: its channel and the overview's ts (null until it is posted). */
export interface HomeLink {
  promotionId: string;
  release: string;
  templateName: string;
  channelId: string;
  overviewTs: string | null;
}

/** An approval this person may give now and has not given for the current values. */
export interface PendingApproval extends HomeLink {
  approvalId: string;
  label: string;
  roleLabel: string;
  stage: 'before-go' | 'after-deploy';
  /** Approvals given for the current values, and how many are required. */
  approved: number;
  required: number;
  /** They approved before, but a bound value changed since: why their approval is void. */
  voidReason: string | null;
}

/** How a person is part of a promotion. */
export type Part = 'started' | 'approved' | 'rejected' | 'decider';

export interface HomePromotion extends HomeLink {
  stage: PromotionStage;
  environment: string | null;
  parts: Part[];
  startedBy: string;
  startedAt: Date;
}

export interface HomeDecision extends HomeLink {
  decision: 'go' | 'no-go' | 'completed';
  by: string;
  at: Date;
  reason: string | null;
  newDate: string | null;
}

/** An open item of a running promotion assigned to this person (issue 11), in a section in play. */
export interface HomeAssignment extends HomeLink {
  itemId: string;
  label: string;
  sectionTitle: string;
  /** The thread message that shows the item's section, when posted: the link goes straight to it. */
  sectionTs: string | null;
}

export interface Home {
  userId: string;
  pending: PendingApproval[];
  /** Open items assigned to them, in the order the promotions started, then template order. */
  assigned: HomeAssignment[];
  active: HomePromotion[];
  decisions: HomeDecision[];
}

/** A promotion as Home reads it: its view (with approvals and decisions) and who holds each of its roles now. */
export interface HomeSource {
  view: PromotionView;
  /** Role id -> its members (users named and the members of its groups, as just read). */
  members: ReadonlyMap<string, RoleMembers>;
}

function linkOf(view: PromotionView): HomeLink {
  const p = view.promotion;
  return { promotionId: p.id, release: p.release, templateName: p.template.name, channelId: p.channelId, overviewTs: view.links?.threadTs ?? null };
}

const NOBODY: RoleMembers = { users: new Set(), groups: new Map() };

/**
 * The approvals of a running promotion this person is asked for: open at its stage, their role (directly or through a
 * group), allowed by separation of duties (`mayDecideApproval`), still short of approvals, and not decided by them
 * for the current values (an approval made void by a changed value is asked again; a standing rejection is theirs
 * to withdraw on the checklist, not a pending request).
 */
export function pendingApprovals(source: HomeSource, userId: string): PendingApproval[] {
  const { view, members } = source;
  const promotion = view.promotion;
  if (promotion.status !== 'active') return [];
  const records = view.approvals ?? [];
  const standing = records.filter((r) => !r.voidedAt);
  const pending: PendingApproval[] = [];
  for (const status of approvalStatuses(promotion.template, view.states, records)) {
    const spec = status.spec;
    if (status.missing === 0) continue;
    if (status.approvedBy.some((r) => r.userId === userId) || status.rejectedBy.some((r) => r.userId === userId)) continue;
    const verdict = mayDecideApproval({ promotion, spec, userId, members: members.get(spec.role) ?? NOBODY, records: standing });
    if (!verdict.allowed) continue;
    const voided = status.voided.find((r) => r.userId === userId);
    pending.push({
      ...linkOf(view),
      approvalId: spec.id,
      label: spec.label,
      roleLabel: promotion.template.roles[spec.role]?.label ?? spec.role,
      stage: spec.stage,
      approved: status.approvedBy.length,
      required: spec.required,
      voidReason: voided ? (voided.voidReason ?? 'a value it was given for changed') : null,
    });
  }
  return pending;
}

/** How this person is part of a promotion: started it, approved or rejected for it, or may decide GO. */
export function partsIn(source: HomeSource, userId: string): Part[] {
  const { view, members } = source;
  const p = view.promotion;
  const parts: Part[] = [];
  if (p.requestedBy === userId) parts.push('started');
  const mine = (view.approvals ?? []).filter((r) => r.userId === userId && !r.voidedAt);
  if (mine.some((r) => r.decision === 'approve')) parts.push('approved');
  if (mine.some((r) => r.decision === 'reject')) parts.push('rejected');
  const decider = p.template.decider;
  if (decider ? isMember(members.get(decider) ?? NOBODY, userId) : false) parts.push('decider');
  else if ((view.decisions ?? []).some((d) => d.by === userId)) parts.push('decider');
  return parts;
}

/**
 * One person's Home from the promotions of their workspace (active ones and those that ended lately): pending
 * approvals first (in the order the promotions started), then the active promotions they are part of, then the
 * decisions (GO, NO-GO, completion) of the promotions they are part of, latest first.
 */
export function homeOf(userId: string, sources: readonly HomeSource[]): Home {
  const pending: PendingApproval[] = [];
  const assigned: HomeAssignment[] = [];
  const active: HomePromotion[] = [];
  const decisions: HomeDecision[] = [];
  for (const source of sources) {
    const { view } = source;
    const p = view.promotion;
    pending.push(...pendingApprovals(source, userId));
    if (p.status === 'active') {
      for (const { section, item } of assignedTo(view, userId)) {
        assigned.push({ ...linkOf(view), itemId: item.id, label: item.label, sectionTitle: section.title, sectionTs: view.links?.sectionTs.get(section.id) ?? null });
      }
    }
    const parts = partsIn(source, userId);
    if (parts.length === 0) continue;
    if (p.status === 'active') {
      active.push({ ...linkOf(view), stage: p.stage, environment: p.environment, parts, startedBy: p.requestedBy, startedAt: p.createdAt });
    }
    for (const d of view.decisions ?? []) decisions.push({ ...linkOf(view), decision: d.decision, by: d.by, at: d.at, reason: d.reason, newDate: d.newDate });
    if (p.status === 'completed' && p.endedAt) {
      decisions.push({ ...linkOf(view), decision: 'completed', by: p.endedBy ?? p.requestedBy, at: p.endedAt, reason: null, newDate: null });
    }
  }
  decisions.sort((a, b) => b.at.getTime() - a.at.getTime());
  return { userId, pending, assigned, active, decisions };
}

/**
 * Everyone a change to this promotion may concern on their Home: who started it, every user its roles name and the
 * members of their groups (as read), everyone who decided an approval or GO / NO-GO, and everyone an item is assigned
 * to.
 */
export function concernedBy(source: HomeSource): Set<string> {
  const { view, members } = source;
  const people = new Set<string>([view.promotion.requestedBy]);
  for (const m of members.values()) {
    for (const u of m.users) people.add(u);
    for (const g of m.groups.values()) for (const u of g) people.add(u);
  }
  for (const r of view.approvals ?? []) people.add(r.userId);
  for (const d of view.decisions ?? []) people.add(d.by);
  for (const u of assigneesOf(view)) people.add(u);
  return people;
}
