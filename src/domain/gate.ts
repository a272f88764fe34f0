import { approvalStatuses, type ApprovalRecord, type ApprovalStatus } from './approvals.js';
import { escLiteral, mention } from './mrkdwn.js';
import { blockingChoice, isSettled, type PromotionView } from './promotion.js';
import { staleProbe } from './probes.js';
import { itemKind, type Item, type Section } from './template.js';
import { phaseOf } from './template/items.js';

/**
 * The GO gate and the Complete gate: one pure function each, returning exactly what is missing (empty: the gate
 * holds). Block Kit has no disabled buttons, so the services ask these on every GO and Complete, inside the change;
 * the decider is shown the same list. A before-GO item with a probe also needs a fresh pass (`staleProbe`).
 */
export type Missing =
  /** A before-GO item neither done nor not applicable (a check to tick, a field to fill, a choice to make). */
  | { kind: 'item'; section: Section; item: Item }
  /** A choice whose chosen option blocks GO. */
  | { kind: 'blocking-choice'; section: Section; item: Item; option: { id: string; label: string } }
  /** Fewer approvals than required (some may have been made void by a changed value). */
  | { kind: 'approval'; status: ApprovalStatus }
  /** A standing rejection. */
  | { kind: 'rejected'; status: ApprovalStatus; rejection: ApprovalRecord }
  /** A before-GO item whose probe has no pass, or whose pass is older than its `max_age`: re-run it. */
  | { kind: 'probe'; section: Section; item: Item; why: string };

/**
 * What GO still needs: every before-GO item settled, no blocking choice, every before-GO probe's last result a pass no
 * older than its `max_age` at `now` (the caller's clock), every
 * before-GO approval present and current. An item marked not applicable needs no probe result.
 */
export function goGate(view: PromotionView, records: readonly ApprovalRecord[], now: Date = new Date()): Missing[] {
  const missing: Missing[] = [];
  for (const section of view.promotion.template.sections) {
    if (phaseOf(section) !== 'before-go') continue;
    for (const item of section.items) {
      const s = view.states.get(item.id);
      const option = blockingChoice(item, s);
      if (option) missing.push({ kind: 'blocking-choice', section, item, option });
      else if (!isSettled(item, s)) missing.push({ kind: 'item', section, item });
      if (item.probe && s?.state !== 'na') {
        const why = staleProbe(item, view.probes?.get(item.id), now);
        if (why) missing.push({ kind: 'probe', section, item, why });
      }
    }
  }
  missing.push(...approvalsMissing(view, records, 'before-go'));
  return missing;
}

/** What Complete still needs: every after-deploy approval (the final sign-offs) present and current. */
export function completeGate(view: PromotionView, records: readonly ApprovalRecord[]): Missing[] {
  return approvalsMissing(view, records, 'after-deploy');
}

function approvalsMissing(view: PromotionView, records: readonly ApprovalRecord[], stage: 'before-go' | 'after-deploy'): Missing[] {
  const missing: Missing[] = [];
  for (const status of approvalStatuses(view.promotion.template, view.states, records, stage)) {
    for (const rejection of status.rejectedBy) missing.push({ kind: 'rejected', status, rejection });
    if (status.missing > 0) missing.push({ kind: 'approval', status });
  }
  return missing;
}

/** What an item needs, in the words of a list of what is missing. */
export function itemNeed(item: Item): string {
  switch (itemKind(item)) {
    case 'field':
      return 'to be filled in';
    case 'choice':
      return 'a choice';
    case 'check':
      return 'to be ticked';
  }
}

/** Where a section's message is, to link the missing items to it (the view's links, when loaded). */
export type SectionLink = (sectionId: string) => string | undefined;

/**
 * What is missing, as the decider reads it: one line per thing, each linked to the message that shows it, approvals
 * with how many of how many, who made them void and why, and who rejected and why.
 */
export function describeMissing(missing: readonly Missing[], link: SectionLink = () => undefined): string[] {
  const where = (section: Section) => {
    const url = link(section.id);
    return url ? `<${url}|${escLiteral(section.title)}>` : escLiteral(section.title);
  };
  return missing.map((m) => {
    switch (m.kind) {
      case 'item':
        return `${where(m.section)}: “${escLiteral(m.item.label)}” ${itemNeed(m.item)}`;
      case 'blocking-choice':
        return `${where(m.section)}: “${escLiteral(m.item.label)}” is “${escLiteral(m.option.label)}”, which blocks GO`;
      case 'approval': {
        const s = m.status;
        const have = s.approvedBy.length;
        const voided = s.voided.length > 0 ? ` (void: ${s.voided.map((r) => `${mention(r.userId)}, ${r.voidReason ?? 'a bound value changed'}`).join('; ')})` : '';
        return `“${escLiteral(s.spec.label)}”: ${have} of ${s.spec.required} approval${s.spec.required === 1 ? '' : 's'}${voided}`;
      }
      case 'rejected':
        return `“${escLiteral(m.status.spec.label)}”: rejected by ${mention(m.rejection.userId)}: ${escLiteral(m.rejection.comment ?? '')}`;
      case 'probe':
        return `${where(m.section)}: “${escLiteral(m.item.label)}” check ${escLiteral(m.why)}: re-run it`;
    }
  });
}
