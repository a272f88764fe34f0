/**
 * Every action_id, block_id prefix and callback_id, imported by both blocks/ and the listeners.
 * Values carry ids (promotion, section, item), never state: state lives in the database.
 */
export const ACTION = {
  toggle: 'checklist.toggle',
  choose: 'item.choose',
  openField: 'item.field.open',
  openNa: 'section.na.open',
  /** A button under "Which checklist?": starts the promotion with that template. */
  startWithTemplate: 'promotion.start.template',
} as const;

export const VIEW = {
  field: 'item.field.submit',
  na: 'section.na.submit',
} as const;

/** block_id / action_id of the inputs inside the modals. */
export const INPUT = {
  fieldValue: 'field_value',
  naItem: 'na_item',
  naAction: 'na_action',
  naReason: 'na_reason',
  value: 'value',
} as const;

/**
 * The not-applicable modal's "whole section" entry in its item menu. Not a slug, so no item id can be the same.
 */
export const WHOLE_SECTION = '*section*';

const SEP = '|';

/**
 * Block ids carry the promotion and the item or group, plus a short digest of the block's state. The digest
 * makes the block id change whenever what the block shows changes, so a Slack client never keeps a stale
 * local selection for a block that was updated underneath it.
 */
export type BlockRef =
  | { kind: 'chk'; promotionId: string; key: string }
  | { kind: 'choice'; promotionId: string; key: string }
  | { kind: 'field'; promotionId: string; key: string };

export function blockId(ref: BlockRef, digest = ''): string {
  return [ref.kind, ref.promotionId, ref.key, digest].join(SEP);
}

export function parseBlockId(id: string): BlockRef | undefined {
  const [kind, promotionId, key] = id.split(SEP);
  if (!promotionId || !key || !isUuid(promotionId)) return undefined;
  if (kind === 'chk' || kind === 'choice' || kind === 'field') return { kind, promotionId, key };
  return undefined;
}

/** Button values: `<promotionId>|<item or section id>`. */
export function refValue(promotionId: string, id: string): string {
  return `${promotionId}${SEP}${id}`;
}

export function parseRefValue(value: string): { promotionId: string; id: string } | undefined {
  const [promotionId, id, ...rest] = value.split(SEP);
  if (!promotionId || !id || rest.length > 0 || !isUuid(promotionId)) return undefined;
  return { promotionId, id };
}

/**
 * A "start with this template" button's value: `<release>|<template id>`. No promotion exists yet, so it carries
 * what the command was given; the click runs the same start as `/promote start <release> <template>`.
 */
export function templateChoiceValue(release: string, templateId: string): string {
  return `${release}${SEP}${templateId}`;
}

export function parseTemplateChoiceValue(value: string): { release: string; templateId: string } | undefined {
  const [release, templateId, ...rest] = value.split(SEP);
  if (!release || !templateId || rest.length > 0) return undefined;
  return { release, templateId };
}

function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s);
}
