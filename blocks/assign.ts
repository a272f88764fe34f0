import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { assignableItems } from '../src/domain/assignees.js';
import type { ItemState } from '../src/domain/promotion.js';
import type { Item, Section } from '../src/domain/template.js';
import { INPUT, VIEW } from '../src/ids.js';
import { assignModalMetadata, writeMetadata } from '../src/slack/modal-metadata.js';
import type { RenderedMessage } from './checklist.js';
import { modalTitle } from './modals.js';
import { bold, esc, escCapped, escLiteral, LIMITS, mention, truncate } from './text.js';

/** A static_select holds at most 100 options (Slack's limit). */
export const ASSIGN_OPTIONS_MAX = 100;
/** How many current assignments the modal lists above its inputs. */
const ASSIGNED_SHOWN = 15;

/** "assigned to <@U…>": how an open item shows its assignee on the checklist (fits an option description). */
export function assignedLine(assignee: string): string {
  return `assigned to ${mention(assignee)}`;
}

/**
 * The modal behind a section's "Assign…" button: which of its open items, and who (a users_select; left empty, the
 * item is unassigned). Its metadata names the section only: the item and the person are checked when it is submitted.
 */
export function assignModal(args: { promotionId: string; release: string; channelId: string; section: Section; states: ReadonlyMap<string, ItemState> }): ModalView {
  const items = assignableItems(args.section, args.states).slice(0, ASSIGN_OPTIONS_MAX);
  const options: PlainTextOption[] = items.map((i) => ({ text: { type: 'plain_text', text: truncate(i.label, LIMITS.optionText) }, value: i.id }));
  const assigned = items.flatMap((i) => {
    const who = args.states.get(i.id)?.assignee;
    return who ? [`• ${escCapped(i.label, 120, escLiteral)}: ${mention(who)}`] : [];
  });
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: `${bold(args.section.title)} · promotion ${esc(args.release)}` } }];
  if (assigned.length > 0) {
    const more = assigned.length > ASSIGNED_SHOWN ? [`…and ${assigned.length - ASSIGNED_SHOWN} more`] : [];
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(['*Assigned now*', ...assigned.slice(0, ASSIGNED_SHOWN), ...more].join('\n'), LIMITS.sectionText) }] });
  }
  blocks.push(
    {
      type: 'input',
      block_id: INPUT.assignItem,
      label: { type: 'plain_text', text: 'Which item' },
      element: {
        type: 'static_select',
        action_id: INPUT.value,
        options,
        ...(options.length === 1 ? { initial_option: options[0]! } : {}),
        placeholder: { type: 'plain_text', text: 'Choose an open item' },
      },
    },
    {
      type: 'input',
      block_id: INPUT.assignUser,
      optional: true,
      label: { type: 'plain_text', text: 'Who does it' },
      hint: { type: 'plain_text', text: 'Leave it empty to unassign the item. They see it on their Preflight Home.' },
      element: { type: 'users_select', action_id: INPUT.value, placeholder: { type: 'plain_text', text: 'Choose a person' } },
    },
  );
  return {
    type: 'modal',
    callback_id: VIEW.assign,
    title: modalTitle('Assign', args.release),
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: writeMetadata(assignModalMetadata, { promotion: args.promotionId, section: args.section.id, channel: args.channelId }),
    blocks,
  };
}

/** The private answer to `/promote assign`: what was done, or that nothing changed. */
export function assignedReply(r: { release: string; item: Item; before: string | null; after: string | null; changed: boolean }): RenderedMessage {
  const item = `“${escCapped(r.item.label, 150, escLiteral)}” of *${esc(r.release)}*`;
  const was = r.before ? ` (it was ${mention(r.before)})` : '';
  let text: string;
  if (!r.changed) text = r.after ? `${item} is already assigned to ${mention(r.after)}: nothing changed.` : `${item} is assigned to nobody: nothing changed.`;
  else if (r.after) text = `:bust_in_silhouette: Assigned ${item} to ${mention(r.after)}${was}. The checklist shows it, and it is on their Preflight Home.`;
  else text = `Unassigned ${item}${was}: nobody has it now.`;
  return { text: truncate(text, LIMITS.fallbackText), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } }] };
}
