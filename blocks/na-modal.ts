import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { INPUT, VIEW, WHOLE_SECTION } from '../src/ids.js';
import { NA_REASON_MAX } from '../src/domain/fields.js';
import type { ItemState } from '../src/domain/promotion.js';
import type { Section } from '../src/domain/template.js';
import { naModalMetadata, writeMetadata } from '../src/slack/modal-metadata.js';
import { modalTitle } from './modals.js';
import { bold, esc, LIMITS, truncate } from './text.js';

export type NaChange = 'mark' | 'restore';

export interface NaModalArgs {
  promotionId: string;
  release: string;
  channelId: string;
  section: Section;
  states: Map<string, ItemState>;
  /** Marking (the default) asks for a reason; making applicable again does not. */
  change?: NaChange;
  /** The item (or WHOLE_SECTION) chosen before the person switched between marking and restoring. */
  chosen?: string;
}

function option(text: string, value: string): PlainTextOption {
  return { text: { type: 'plain_text', text: truncate(text, LIMITS.optionText) }, value };
}

/**
 * The modal that marks one of a section's items, or the whole section, not applicable with a reason, or makes
 * it applicable again. Slack has no conditionally required input, so the modal is rebuilt when the person
 * switches between the two (the radio buttons dispatch their change, and the bot answers with views.update):
 * marking shows a required reason, restoring lists only what is not applicable and asks for nothing more.
 * The switch is offered only once something in the section is not applicable.
 */
export function naModal(args: NaModalArgs): ModalView {
  const change = args.change ?? 'mark';
  const na = args.section.items.filter((item) => args.states.get(item.id)?.state === 'na');
  const count = (n: number) => `${n} item${n === 1 ? '' : 's'}`;
  const items =
    change === 'mark'
      ? [option(`The whole section (${count(args.section.items.length)})`, WHOLE_SECTION), ...args.section.items.map((i) => option(`${args.states.get(i.id)?.state === 'na' ? '(not applicable) ' : ''}${i.label}`, i.id))]
      : [option(`Everything not applicable (${count(na.length)})`, WHOLE_SECTION), ...na.map((i) => option(i.label, i.id))];
  const chosen = items.find((o) => o.value === args.chosen);
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `${bold(args.section.title)} · promotion ${esc(args.release)}` } },
  ];
  if (na.length > 0) {
    const mark = option('Mark it not applicable', 'mark');
    const restore = option('Make it applicable again', 'restore');
    blocks.push({
      type: 'input',
      block_id: INPUT.naAction,
      dispatch_action: true,
      label: { type: 'plain_text', text: 'Change' },
      element: { type: 'radio_buttons', action_id: INPUT.value, options: [mark, restore], initial_option: change === 'mark' ? mark : restore },
    });
  }
  blocks.push({
    type: 'input',
    block_id: INPUT.naItem,
    label: { type: 'plain_text', text: change === 'mark' ? 'What does not apply' : 'What applies again' },
    hint: {
      type: 'plain_text',
      text: change === 'mark' ? 'The whole section marks every item not settled yet, with one reason.' : 'Everything not applicable reopens every such item of the section.',
    },
    element: {
      type: 'static_select',
      action_id: INPUT.value,
      options: items,
      ...(chosen ? { initial_option: chosen } : {}),
      placeholder: { type: 'plain_text', text: 'Choose an item or the whole section' },
    },
  });
  if (change === 'mark') {
    blocks.push({
      type: 'input',
      block_id: INPUT.naReason,
      label: { type: 'plain_text', text: 'Why does it not apply?' },
      hint: { type: 'plain_text', text: 'Shown in the checklist and kept in the audit trail.' },
      element: { type: 'plain_text_input', action_id: INPUT.value, multiline: true, max_length: NA_REASON_MAX },
    });
  }
  return {
    type: 'modal',
    callback_id: VIEW.na,
    title: modalTitle('Not applicable', args.release),
    submit: { type: 'plain_text', text: change === 'mark' ? 'Mark' : 'Restore' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: writeMetadata(naModalMetadata, { promotion: args.promotionId, section: args.section.id, channel: args.channelId }),
    blocks,
  };
}
