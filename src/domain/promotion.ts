import { allItems, itemKind, type Section, type Template } from './template.js';

export type PromotionStatus = 'active' | 'aborted' | 'completed';
export type ItemStateName = 'open' | 'done' | 'na';

export interface Promotion {
  id: string;
  release: string;
  templateId: string;
  template: Template;
  channelId: string;
  teamId: string | null;
  status: PromotionStatus;
  requestedBy: string;
  createdAt: Date;
  endedAt: Date | null;
  endedBy: string | null;
  endReason: string | null;
  version: number;
}

export interface ItemState {
  itemId: string;
  state: ItemStateName;
  /** A field's value, or a choice's option id. */
  value: string | null;
  /** Why an item is not applicable. */
  note: string | null;
  by: string | null;
  at: Date | null;
}

/** A promotion with the state of every item: what every message is rendered from. */
export interface PromotionView {
  promotion: Promotion;
  states: Map<string, ItemState>;
}


export interface Progress {
  total: number;
  done: number;
  na: number;
  open: number;
}

function progressOf(itemIds: readonly string[], states: Map<string, ItemState>): Progress {
  let done = 0;
  let na = 0;
  for (const id of itemIds) {
    const s = states.get(id)?.state;
    if (s === 'done') done++;
    else if (s === 'na') na++;
  }
  return { total: itemIds.length, done, na, open: itemIds.length - done - na };
}

/** A section's progress: how many of its items are done, not applicable, open. */
export function sectionProgress(section: Pick<Section, 'items'>, states: Map<string, ItemState>): Progress {
  return progressOf(
    section.items.map((i) => i.id),
    states,
  );
}

export function promotionProgress(view: PromotionView): Progress {
  return progressOf(
    allItems(view.promotion.template).map((i) => i.id),
    view.states,
  );
}

/** The percentage of items settled (done or not applicable), rounded down so 100% means really all. */
export function percentSettled(p: Progress): number {
  return p.total === 0 ? 100 : Math.floor(((p.done + p.na) * 100) / p.total);
}

/** Which items of a template a checkbox click may change: only check items, never fields or choices. */
export function checkItemIds(template: Template): Set<string> {
  return new Set(allItems(template).filter((i) => itemKind(i) === 'check').map((i) => i.id));
}
