import { UserError } from '../errors.js';
import type { ItemState, Promotion } from '../domain/promotion.js';
import { findItem, type Item, type Section } from '../domain/template.js';
import { getItemState, loadView } from '../store/promotions.js';
import type { Deps } from './deps.js';

/** What the value modal of an item shows: the item and its current state. */
export async function fieldToEdit(deps: Deps, promotion: Promotion, itemId: string): Promise<{ item: Item; state: ItemState | undefined }> {
  const item = findItem(promotion.template, itemId)?.item;
  if (!item?.field) throw new UserError('That field is not part of this checklist.', 'bad_field');
  return { item, state: await getItemState(deps.db, promotion.id, itemId) };
}

/** What the not-applicable modal of a section shows: its items and their states. */
export async function sectionToMark(deps: Deps, promotion: Promotion, sectionId: string): Promise<{ section: Section; states: Map<string, ItemState> }> {
  const section = promotion.template.sections.find((s) => s.id === sectionId);
  const view = await loadView(deps.db, promotion.id);
  if (!view || !section) throw new UserError('That section is not part of this checklist.', 'bad_section');
  return { section, states: view.states };
}
