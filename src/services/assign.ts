import { assignableItems, isUserId, whyNotAssignable } from '../domain/assignees.js';
import { sectionsInPlay, type ItemState, type Promotion } from '../domain/promotion.js';
import { escLiteral } from '../domain/mrkdwn.js';
import { findItem, type Item, type Section } from '../domain/template.js';
import { InputError, UserError } from '../errors.js';
import { INPUT } from '../ids.js';
import { setAssignee } from '../store/assignees.js';
import { markHomesStale } from '../store/homes.js';
import { findActive, getItemState, getPromotion, loadView } from '../store/promotions.js';
import { commitChange } from './change.js';
import type { Deps } from './deps.js';
import { assertActive } from './guard.js';
import { showChange } from './show.js';

export interface AssignInput {
  promotionId: string;
  itemId: string;
  /** A Slack user id; null unassigns the item. */
  assignee: string | null;
  /** Who assigns it. */
  userId: string;
  /** Identifies one click or submission, so a redelivery is applied once. */
  receiptKey?: string;
}

export interface AssignResult {
  changed: boolean;
  item: Item;
  /** Who it was assigned to before (null: nobody). */
  before: string | null;
}

/**
 * Check who is to be assigned before the promotion is locked (Slack is never called under the lock): a user id, of
 * a person, not a bot. The refusals belong to the modal's person input; a command shows them as they are.
 */
async function checkAssignee(deps: Deps, assignee: string): Promise<void> {
  if (!isUserId(assignee)) {
    throw new InputError(INPUT.assignUser, 'That is not a person: an item can be assigned to one person (or to nobody). Choose someone from the list.', 'not_a_user');
  }
  const kind = await deps.slack.userKind?.(assignee);
  if (kind === 'bot') throw new InputError(INPUT.assignUser, 'That is a bot or an app: an item is assigned to the person who does it. Choose a person.', 'assignee_is_bot');
  if (kind === 'gone') {
    throw new InputError(INPUT.assignUser, 'I can find no such person in this workspace (deactivated, or not a member). Choose someone who is.', 'assignee_unknown');
  }
}

/**
 * Assign an item to someone, reassign it, or unassign it (`assignee: null`): one change and one `item.assigned` event.
 * Assigning it to whoever has it already changes nothing. Anyone who may work the checklist may assign (the act
 * `assign`); an item of a section not open yet can be assigned ahead, a settled or reference one cannot. The person's
 * Home lists it (`deps.slack.homesChanged`); the Home of whoever had it is marked stale inside the change, since
 * after the change nothing links them to it any more. `refresh: false` from a modal: it acknowledges first, then
 * refreshes (saveThenClose).
 */
export async function assignItem(deps: Deps, input: AssignInput, opts: { refresh?: boolean } = {}): Promise<AssignResult> {
  const promotion = assertActive(await getPromotion(deps.db, input.promotionId));
  const found = findItem(promotion.template, input.itemId);
  if (!found) throw new InputError(INPUT.assignItem, 'That item is not part of this checklist; nothing was assigned.', 'bad_item');
  if (input.assignee !== null) await checkAssignee(deps, input.assignee);
  let before: string | null = null;
  const req = { promotionId: promotion.id, actor: input.userId, ...(input.receiptKey !== undefined ? { receiptKey: input.receiptKey } : {}) };
  const result = await commitChange(deps, req, async ({ q, promotion: locked, now }) => {
    const was = await getItemState(q, locked.id, found.item.id);
    before = was?.assignee ?? null;
    if (before === input.assignee) return null;
    if (input.assignee !== null) {
      const why = whyNotAssignable(locked.stage, found.section, found.item, was);
      if (why) throw new InputError(INPUT.assignItem, why, 'not_assignable');
    }
    if (!(await setAssignee(q, locked.id, found.item.id, input.assignee))) {
      throw new InputError(INPUT.assignItem, 'That item is not part of this checklist; nothing was assigned.', 'bad_item');
    }
    if (before !== null) await markHomesStale(q, locked.teamId, [before], now);
    return { action: 'item.assigned', data: { item: found.item.id, before, after: input.assignee } };
  });
  if (result.changed) deps.slack.homesChanged?.(promotion.id);
  if (result.changed && opts.refresh !== false) await showChange(deps, promotion.id);
  return { changed: result.changed, item: found.item, before };
}

/** `/promote assign <release> <item> <@person|nobody>`: the promotion by its release in this channel, the item by its id. */
export async function assignByRelease(
  deps: Deps,
  input: { channelId: string; release: string; itemId: string; assignee: string | null; userId: string },
): Promise<AssignResult & { release: string }> {
  const promotion = await findActive(deps.db, input.channelId, input.release);
  if (!promotion) throw new UserError(`There is no running promotion *${escLiteral(input.release)}* in this channel. \`/promote list\` shows those that are.`, 'not_found');
  if (!findItem(promotion.template, input.itemId)) {
    const view = await loadView(deps.db, promotion.id);
    const open = view ? sectionsInPlay(view).flatMap(({ section }) => assignableItems(section, view.states)).map((i) => i.id) : [];
    throw new UnknownItem(promotion.release, input.itemId, open);
  }
  const result = await assignItem(deps, { promotionId: promotion.id, itemId: input.itemId, assignee: input.assignee, userId: input.userId });
  return { ...result, release: promotion.release };
}

const UNKNOWN_ITEM_SHOWN = 12;

/** A command named an item its checklist does not have: the command answers with its usage line. */
export class UnknownItem extends UserError {
  constructor(
    readonly release: string,
    readonly itemId: string,
    /** Ids of the items open now, to show a few. */
    open: readonly string[],
  ) {
    const shown = open.slice(0, UNKNOWN_ITEM_SHOWN).map((id) => `\`${id}\``).join(', ');
    const more = open.length > UNKNOWN_ITEM_SHOWN ? `, and ${open.length - UNKNOWN_ITEM_SHOWN} more` : '';
    super(`*${escLiteral(release)}* has no item \`${escLiteral(itemId)}\`.${open.length > 0 ? ` Its open items: ${shown}${more}.` : ''}`, 'no_such_item');
    this.name = 'UnknownItem';
  }
}

/**
 * What the assign modal of a section shows: the section and its items' states. Refused when none of its items is
 * left to assign (a stale button: everything was settled since the message showed it).
 */
export async function sectionToAssign(deps: Deps, promotion: Promotion, sectionId: string): Promise<{ section: Section; states: Map<string, ItemState> }> {
  const section = promotion.template.sections.find((s) => s.id === sectionId);
  const view = await loadView(deps.db, promotion.id);
  if (!view || !section) throw new UserError('That section is not part of this checklist.', 'bad_section');
  if (assignableItems(section, view.states).length === 0) {
    throw new UserError(`Every item of “${escLiteral(section.title)}” is done or not applicable: there is nothing left to assign.`, 'nothing_open');
  }
  return { section, states: view.states };
}
