import { escLiteral } from './mrkdwn.js';
import { isSettled, sectionMode, sectionsInPlay, type ItemState, type PromotionStage, type PromotionView } from './promotion.js';
import type { Item, Section } from './template.js';

/**
 * Who does a step (issue 11): an item may be assigned to one person (`ItemState.assignee`, a Slack user id). The
 * checklist shows it while the item is open, the person's App Home lists it, reminders mention them. Pure: the change
 * is src/services/assign.ts, the store src/store/assignees.ts.
 */

/** A Slack user id (`U…`, or `W…` on Enterprise Grid): what can be assigned; a bot's id is one too, told apart by Slack. */
export const USER_ID_PATTERN = /^[UW][A-Z0-9]{2,}$/;

export function isUserId(s: string): boolean {
  return USER_ID_PATTERN.test(s);
}

/** The items of a section that can be given to someone: those not settled yet (open, or a choice that blocks GO). */
export function assignableItems(section: Pick<Section, 'items'>, states: ReadonlyMap<string, ItemState>): Item[] {
  return section.items.filter((item) => !isSettled(item, states.get(item.id)));
}

/**
 * Why this item cannot be assigned to someone now, for the person who tried; null when it can. Assigning ahead is
 * planning, so a section not in play yet (after GO, a rollback plan) is fine; reference has nothing to do, and an
 * item already settled has nothing left to do. Unassigning is always allowed.
 */
export function whyNotAssignable(stage: PromotionStage, section: Pick<Section, 'phase'>, item: Item, s: ItemState | undefined): string | null {
  const label = `“${escLiteral(item.label)}”`;
  if (sectionMode(stage, section) === 'reference') return `${label} is reference: there is nothing to do in it, so nobody to assign it to.`;
  if (s?.state === 'na') return `${label} is marked not applicable: make it applicable again first (the section's Not applicable… button).`;
  if (isSettled(item, s)) return `${label} is already done: there is nothing left to assign.`;
  return null;
}

/** The open items assigned to this person in the sections in play, in template order. */
export function assignedTo(view: PromotionView, userId: string): Array<{ section: Section; item: Item }> {
  return sectionsInPlay(view).flatMap(({ section }) =>
    section.items.flatMap((item) => {
      const s = view.states.get(item.id);
      return s?.assignee === userId && !isSettled(item, s) ? [{ section, item }] : [];
    }),
  );
}

/** Everyone an item of this promotion is assigned to, settled or not (their Homes may list it). */
export function assigneesOf(view: PromotionView): Set<string> {
  const people = new Set<string>();
  for (const s of view.states.values()) if (s.assignee) people.add(s.assignee);
  return people;
}
