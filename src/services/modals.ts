import { UserError } from '../errors.js';
import type { ItemState, Promotion } from '../domain/promotion.js';
import { findItem, type Item, type Section } from '../domain/template.js';
import { getItemState, getPromotion, loadView } from '../store/promotions.js';
import type { Deps } from './deps.js';
import { assertActive } from './guard.js';

/** What the value modal of an item shows: the item and its current state, if the promotion still runs. */
export async function fieldToEdit(deps: Deps, promotionId: string, itemId: string): Promise<{ promotion: Promotion; item: Item; state: ItemState | undefined }> {
  const promotion = assertActive(await getPromotion(deps.db, promotionId));
  const item = findItem(promotion.template, itemId)?.item;
  if (!item?.field) throw new UserError('That field is not part of this checklist.', 'bad_field');
  return { promotion, item, state: await getItemState(deps.db, promotionId, itemId) };
}

/** What the not-applicable modal of a section shows: its items and their states, if the promotion still runs. */
export async function sectionToMark(
  deps: Deps,
  promotionId: string,
  sectionId: string,
): Promise<{ promotion: Promotion; section: Section; states: Map<string, ItemState> }> {
  const view = await loadView(deps.db, promotionId);
  const promotion = assertActive(view?.promotion);
  const section = promotion.template.sections.find((s) => s.id === sectionId);
  if (!view || !section) throw new UserError('That section is not part of this checklist.', 'bad_section');
  return { promotion, section, states: view.states };
}
