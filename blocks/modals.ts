import type { InputBlock, KnownBlock, ModalView } from '@slack/types';
import { INPUT, VIEW } from '../src/ids.js';
import { fieldHint, FIELD_MAX_LENGTH } from '../src/domain/fields.js';
import type { ItemState } from '../src/domain/promotion.js';
import type { FieldSpec, Item } from '../src/domain/template.js';
import { esc, LIMITS, truncate } from './text.js';
import { fieldModalMetadata, writeMetadata } from '../src/slack/modal-metadata.js';

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
