import type { InputBlock, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { INPUT, VIEW, WHOLE_SECTION } from '../src/ids.js';
import { fieldHint, FIELD_MAX_LENGTH, NA_REASON_MAX } from '../src/domain/fields.js';
import type { ItemState } from '../src/domain/promotion.js';
import type { FieldSpec, Item, Section } from '../src/domain/template.js';
import { esc, LIMITS, truncate } from './text.js';
import { fieldModalMetadata, naModalMetadata, writeMetadata } from '../src/slack/modal-metadata.js';

/**
 * A modal's title says what it does and for which release, within Slack's 24 characters: "Set value · v1.50".
 * A long release is cut, never the action.
 */
export function modalTitle(action: string, release: string): ModalView['title'] {
  const prefix = `${action} · `;
  const room = LIMITS.modalTitle - prefix.length;
  const text = room >= 4 ? `${prefix}${truncate(release, room)}` : truncate(action, LIMITS.modalTitle);
  return { type: 'plain_text', text };
}

function fieldElement(spec: FieldSpec, current: string | null): InputBlock['element'] {
  const placeholder = spec.placeholder ? { placeholder: { type: 'plain_text' as const, text: spec.placeholder } } : {};
  switch (spec.type) {
    case 'datetime':
      return { type: 'datetimepicker', action_id: INPUT.value, ...(current ? { initial_date_time: Number(current) } : {}) };
    case 'user':
      return { type: 'users_select', action_id: INPUT.value, ...(current ? { initial_user: current } : {}), ...placeholder };
    default:
      return {
        type: 'plain_text_input',
        action_id: INPUT.value,
        max_length: FIELD_MAX_LENGTH[spec.type],
        ...(current ? { initial_value: current } : {}),
        ...placeholder,
      };
  }
}

/** The modal that fills in a value item (Run ID, commit SHA, ticket, window start...). */
export function fieldModal(args: { promotionId: string; release: string; channelId: string; item: Item; state: ItemState | undefined }): ModalView {
  const spec = args.item.field;
  if (!spec) throw new Error(`item ${args.item.id} is not a field`);
  const current = args.state?.state === 'done' ? args.state.value : null;
  const blocks: KnownBlock[] = [
    {
      type: 'input',
      block_id: INPUT.fieldValue,
      // Empty clears a value, so the input is optional only when there is one to clear; otherwise Slack would
      // label it "(optional)" and an empty save would do nothing.
      optional: current !== null,
      label: { type: 'plain_text', text: args.item.label },
      hint: { type: 'plain_text', text: truncate(fieldHint(spec, { clearable: current !== null }), 2000) },
      element: fieldElement(spec, current),
    },
  ];
  if (args.item.hint) blocks.unshift({ type: 'context', elements: [{ type: 'mrkdwn', text: esc(args.item.hint) }] });
  return {
    type: 'modal',
    callback_id: VIEW.field,
    title: modalTitle(current === null ? 'Set value' : 'Change value', args.release),
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: writeMetadata(fieldModalMetadata, { promotion: args.promotionId, item: args.item.id, channel: args.channelId }),
    blocks,
  };
}

/**
 * The modal that marks one of a section's items, or the whole section, not applicable (with a reason), or applicable
 * again. The whole section is the menu's first entry: one reason, one audit event, the items not settled yet.
 */
export function naModal(args: {
  promotionId: string;
  release: string;
  channelId: string;
  section: Section;
  states: Map<string, ItemState>;
}): ModalView {
  const itemOptions: PlainTextOption[] = args.section.items.map((item) => {
    const na = args.states.get(item.id)?.state === 'na';
    return { text: { type: 'plain_text', text: truncate(`${na ? '(not applicable) ' : ''}${item.label}`, LIMITS.optionText) }, value: item.id };
  });
  const whole: PlainTextOption = {
    text: { type: 'plain_text', text: `The whole section (${args.section.items.length} item${args.section.items.length === 1 ? '' : 's'})` },
    value: WHOLE_SECTION,
  };
  const options = [whole, ...itemOptions];
  const mark: PlainTextOption = { text: { type: 'plain_text', text: 'Mark it not applicable' }, value: 'mark' };
  const restore: PlainTextOption = { text: { type: 'plain_text', text: 'Make it applicable again' }, value: 'restore' };
  return {
    type: 'modal',
    callback_id: VIEW.na,
    title: modalTitle('Not applicable', args.release),
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: writeMetadata(naModalMetadata, { promotion: args.promotionId, section: args.section.id, channel: args.channelId }),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${esc(args.section.title)}* · promotion ${esc(args.release)}` } },
      {
        type: 'input',
        block_id: INPUT.naItem,
        label: { type: 'plain_text', text: 'Item' },
        hint: { type: 'plain_text', text: 'The whole section marks every item not done yet, with one reason; restoring it reopens every item not applicable.' },
        element: { type: 'static_select', action_id: INPUT.value, options, placeholder: { type: 'plain_text', text: 'Choose an item or the whole section' } },
      },
      {
        type: 'input',
        block_id: INPUT.naAction,
        label: { type: 'plain_text', text: 'Change' },
        element: { type: 'radio_buttons', action_id: INPUT.value, options: [mark, restore], initial_option: mark },
      },
      {
        type: 'input',
        block_id: INPUT.naReason,
        optional: true,
        label: { type: 'plain_text', text: 'Why does it not apply?' },
        hint: { type: 'plain_text', text: 'Required when marking not applicable; shown in the checklist and kept in the audit trail.' },
        element: { type: 'plain_text_input', action_id: INPUT.value, multiline: true, max_length: NA_REASON_MAX },
      },
    ],
  };
}
