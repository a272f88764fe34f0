/**
 * Every action_id, block_id prefix and callback_id, imported by both blocks/ and the listeners.
 * Values carry ids (promotion, section, item), never state: state lives in the database.
 */
export const ACTION = {
  toggle: 'checklist.toggle',
  choose: 'item.choose',
  openField: 'item.field.open',
  openNa: 'section.na.open',
  /** A section's "Assign…" button (value: refValue(promotion, section)): opens VIEW.assign. */
  openAssign: 'section.assign.open',
  /** A button under "Which checklist?": starts the promotion with that template. */
  startWithTemplate: 'promotion.start.template',
  /** Retry under a failed workflow dispatch; its value is the dispatch's key (src/store/dispatches.ts). */
  retryDispatch: 'dispatch.retry',
  /** An approval's buttons (in the checklist's approvals panel and in App Home); value: refValue(promotion, approval id). */
  approve: 'approval.approve',
  /** Opens the modal that asks for the reason (VIEW.reject). */
  reject: 'approval.reject',
  /** Withdraw one's own standing decision (a rejection, most often). */
  withdraw: 'approval.withdraw',
  /** The decider's buttons; value: the promotion id. NO-GO opens the modal that asks why (VIEW.noGo). */
  go: 'decision.go',
  noGo: 'decision.no-go',
  complete: 'promotion.complete',
  /** Run one item's probe (value: refValue(promotion, item)), or every probe of a section (refValue(promotion, section)). */
  runProbe: 'probe.run',
  runProbes: 'probe.run-all',
  /** The overview's Schedule window / Reschedule button (value: the promotion id): opens VIEW.schedule. */
  scheduleWindow: 'window.schedule',
  /** A decision point's buttons (value: refValue(promotion, checkpoint reminder id)). */
  checkpointContinue: 'checkpoint.continue',
  checkpointRollback: 'checkpoint.rollback',
  /** Issue 12. Roll back… (overview after GO; value: the promotion id): opens VIEW.rollback. */
  rollback: 'rollback.start',
  /** Post update… / Rollback complete… (the overview's rollback panel and the update reminder; value: the promotion id). */
  rollbackUpdate: 'rollback.update',
  rollbackComplete: 'rollback.complete',
  /** Acknowledge on a stakeholder channel's broadcast (value: the promotion id). */
  acknowledgeRollback: 'rollback.acknowledge',
} as const;

export const VIEW = {
  field: 'item.field.submit',
  na: 'section.na.submit',
  assign: 'section.assign.submit',
  reject: 'approval.reject.submit',
  noGo: 'decision.no-go.submit',
  schedule: 'window.schedule.submit',
  rollback: 'rollback.start.submit',
  rollbackUpdate: 'rollback.update.submit',
  rollbackComplete: 'rollback.complete.submit',
} as const;

/** block_id / action_id of the inputs inside the modals. */
export const INPUT = {
  fieldValue: 'field_value',
  naItem: 'na_item',
  naAction: 'na_action',
  naReason: 'na_reason',
  assignItem: 'assign_item',
  assignUser: 'assign_user',
  value: 'value',
  rejectReason: 'reject_reason',
  noGoReason: 'no_go_reason',
  noGoDate: 'no_go_date',
  windowStart: 'window_start',
  windowDuration: 'window_duration',
  windowEnd: 'window_end',
  rollbackIssue: 'rollback_issue',
  rollbackImpact: 'rollback_impact',
  rollbackEta: 'rollback_eta',
  rollbackAction: 'rollback_action',
  rollbackPath: 'rollback_path',
  rollbackText: 'rollback_text',
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

/**
 * The longest id a value carries: a template's ids are slugs (at most 40 characters), the others uuids. A longer one
 * is no id, and is refused before a refusal could quote it back at length.
 */
const MAX_ID = 64;

export function parseRefValue(value: string): { promotionId: string; id: string } | undefined {
  const [promotionId, id, ...rest] = value.split(SEP);
  if (!promotionId || !id || id.length > MAX_ID || rest.length > 0 || !isUuid(promotionId)) return undefined;
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
  if (!release || !templateId || templateId.length > MAX_ID || rest.length > 0) return undefined;
  return { release, templateId };
}

/**
 * The overview's approval and decision blocks: `approval|<promotion>|<approval id>` (its buttons and the menu that
 * withdraws one's own decision, whose option value is the approval id: an option value keeps to 75 characters) and
 * `decision|<promotion>` (GO, NO-GO, Complete).
 */
export function approvalBlockId(promotionId: string, approvalId: string): string {
  return ['approval', promotionId, approvalId].join(SEP);
}

export function parseApprovalBlockId(id: string): { promotionId: string; approvalId: string } | undefined {
  const [kind, promotionId, approvalId, ...rest] = id.split(SEP);
  if (kind !== 'approval' || !promotionId || !approvalId || rest.length > 0 || !isUuid(promotionId)) return undefined;
  return { promotionId, approvalId };
}

export function decisionBlockId(promotionId: string): string {
  return ['decision', promotionId].join(SEP);
}

/** Whether a string is a promotion id (the value of the decision buttons). */
export function isPromotionId(s: string): boolean {
  return isUuid(s);
}

function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s);
}
