import { z } from 'zod';

/**
 * Every kind of audit event, with the shape of its data. An event is checked against its schema when it is
 * written (`parseAuditEvent`), so the trail only ever holds kinds and shapes listed here, and the report can
 * render all of them (`describeEvent` must handle every key of AUDIT_EVENTS or the build fails).
 *
 * The data is hashed into the chain exactly as stored: changing a kind's shape means adding a new kind (or an
 * optional key), never rewriting what old events hold.
 */
const itemState = z.enum(['open', 'done', 'na']);
/** An item's whole state before a change; null when it had never been touched. */
const stateBefore = z.object({ state: itemState, value: z.string().nullable(), note: z.string().nullable() }).strict().nullable();
const itemId = z.string().min(1);
const itemKind = z.enum(['check', 'field', 'choice']);
/** One item a whole-section change moved, and its whole state before. */
const sectionItem = z.object({ item: itemId, kind: itemKind, before: stateBefore }).strict();
/** The values of the items an approval binds, when it was given. */
const boundValues = z.record(z.string(), z.string().nullable());

export const AUDIT_EVENTS = {
  'promotion.started': z.object({ release: z.string(), template: z.string(), channel: z.string() }).strict(),
  'promotion.aborted': z.object({ reason: z.string() }).strict(),
  'items.toggled': z.object({ ticked: z.array(itemId), unticked: z.array(itemId) }).strict(),
  'item.chosen': z.object({ item: itemId, before: stateBefore, after: z.string() }).strict(),
  'field.set': z.object({ item: itemId, before: z.string().nullable(), after: z.string() }).strict(),
  'field.cleared': z.object({ item: itemId, before: z.string().nullable(), after: z.null() }).strict(),
  'item.not_applicable': z
    .object({ item: itemId, kind: z.enum(['check', 'field', 'choice']), before: stateBefore, reason: z.string() })
    .strict(),
  'item.applicable': z
    .object({ item: itemId, kind: z.enum(['check', 'field', 'choice']), before: stateBefore, reason: z.null() })
    .strict(),
  /** A whole section marked not applicable with one reason: the items it marked (those not settled yet). */
  'section.not_applicable': z.object({ section: z.string().min(1), reason: z.string(), items: z.array(sectionItem).min(1) }).strict(),
  /** A whole section made applicable again: the items it reopened (those that were not applicable). */
  'section.applicable': z.object({ section: z.string().min(1), items: z.array(sectionItem).min(1) }).strict(),
  /** Issue 11. An item assigned to someone (a Slack user id), reassigned, or unassigned (null). */
  'item.assigned': z.object({ item: itemId, before: z.string().nullable(), after: z.string().nullable() }).strict(),
  /** Issue 8. Every approval event carries the fingerprint (template and bound values) it was given or refused for. */
  'approval.given': z.object({ approval: z.string(), role: z.string(), fingerprint: z.string(), bound: boundValues }).strict(),
  'approval.rejected': z.object({ approval: z.string(), role: z.string(), fingerprint: z.string(), bound: boundValues, reason: z.string() }).strict(),
  'approval.withdrawn': z.object({ approval: z.string(), role: z.string(), fingerprint: z.string(), was: z.enum(['approve', 'reject']) }).strict(),
  /** Approvals made void because a value they were bound to changed: whose, and what changed. */
  'approval.voided': z
    .object({ approval: z.string(), users: z.array(z.string()).min(1), item: itemId, before: z.string().nullable(), after: z.string().nullable(), fingerprint: z.string() })
    .strict(),
  /** Someone not allowed to approve tried: nothing else changed. */
  'approval.refused': z.object({ approval: z.string(), role: z.string(), fingerprint: z.string(), why: z.string() }).strict(),
  'decision.go': z.object({ approvals: z.record(z.string(), z.object({ fingerprint: z.string(), by: z.array(z.string()) }).strict()) }).strict(),
  'decision.no_go': z.object({ reason: z.string(), new_date: z.string().nullable() }).strict(),
  /** GO (or Complete) pressed while something was missing: what was. */
  'decision.refused': z.object({ decision: z.enum(['go', 'complete']), missing: z.array(z.string()).min(1) }).strict(),
  'promotion.completed': z.object({ approvals: z.record(z.string(), z.object({ fingerprint: z.string(), by: z.array(z.string()) }).strict()) }).strict(),
  'lock.taken': z.object({ environment: z.string() }).strict(),
  'lock.released': z.object({ environment: z.string(), why: z.enum(['completed', 'aborted', 'rolled-back']) }).strict(),
  /** Issue 10. Probes started (one click, a Run all, a command): which items, under which run ids. */
  'probe.started': z.object({ runs: z.array(z.object({ item: itemId, run: z.string() }).strict()).min(1) }).strict(),
  /**
   * A probe's result: its status, one-line summary and duration (never a secret: scrubbed by the runner), what it did
   * to the item (ticked on a pass, unticked on a fail) and the fields its records filled.
   */
  'probe.ran': z
    .object({
      item: itemId,
      run: z.string(),
      status: z.enum(['pass', 'fail', 'error', 'interrupted']),
      summary: z.string(),
      duration_ms: z.number().int().min(0),
      effect: z.enum(['ticked', 'unticked', 'none']),
      records: z.record(z.string(), z.string()),
    })
    .strict(),
  /** Issue 11. The maintenance window was scheduled (or moved: `previous`), and how many reminders it planned. */
  'window.scheduled': z
    .object({
      start: z.string(),
      end: z.string(),
      t0: z.string(),
      previous: z.object({ start: z.string(), end: z.string() }).strict().nullable(),
      reminders: z.number().int().min(0),
    })
    .strict(),
  /** A reminder (timeline, items due, decision point, escalation, a hold's end) was posted; `late` when sent after its due time. */
  'reminder.sent': z.object({ reminder: z.string(), kind: z.string(), offset: z.string(), due_at: z.string(), late: z.boolean() }).strict(),
  /** A reminder that fell due while the bot was down, not sent: a later one of its kind had superseded it, or nothing was left to say. */
  'reminder.skipped': z.object({ reminder: z.string(), kind: z.string(), offset: z.string(), due_at: z.string(), why: z.string() }).strict(),
  /** Pending reminders cancelled: the promotion ended, had a NO-GO, or is rolling back. */
  'reminders.cancelled': z.object({ count: z.number().int().min(1), why: z.string() }).strict(),
  /** A decision point answered by the decider: continue, or roll back. */
  'checkpoint.answered': z.object({ checkpoint: z.string(), offset: z.string(), answer: z.enum(['continue', 'rollback']) }).strict(),
  /** Issue 12. A rollback started: why, the path, and where the communication was broadcast. */
  'rollback.started': z
    .object({
      path: z.string().nullable(),
      issue: z.string(),
      impact: z.string().nullable(),
      eta: z.string().nullable(),
      action: z.string().nullable(),
      channels: z.array(z.string()),
    })
    .strict(),
  /** A stakeholder acknowledged the rollback broadcast. */
  'rollback.acknowledged': z.object({}).strict(),
  /** The lead posted a rollback update (its number and text) to the broadcast's channels. */
  'rollback.update': z.object({ number: z.number().int().min(1), text: z.string() }).strict(),
  /** The rollback was declared complete: the promotion ended rolled back. */
  'rollback.completed': z.object({ resolution: z.string() }).strict(),
  /** A ramp step was ticked: the next step is held until `until`. */
  'hold.started': z.object({ item: itemId, until: z.string() }).strict(),
  /** Issue 12. A Statuspage call was made: which (`maintenance-schedule`...), the incident, and its status after it. */
  'statuspage.updated': z.object({ op: z.string(), incident: z.string(), status: z.string() }).strict(),
  /** A Statuspage call failed for good: Statuspage's HTTP status (null: it never answered) and message, never the key. */
  'statuspage.failed': z.object({ op: z.string(), status: z.number().int().nullable(), error: z.string() }).strict(),
  /**
   * Issue 13. A GitHub job waiting at the gated environment joined the promotion: its run, commit and who triggered it;
   * the answer it got at once (it came after GO, or during a rollback), or null while it waits; the runs it superseded.
   */
  'github.gate_requested': z
    .object({
      gate: z.string(),
      repo: z.string(),
      environment: z.string(),
      run_id: z.number().int(),
      sha: z.string(),
      ref: z.string(),
      triggered_by: z.string(),
      answer: z.enum(['approved', 'rejected']).nullable(),
      superseded: z.array(z.number().int()),
    })
    .strict(),
  /** The waiting jobs were answered (GO approves; NO-GO, abort, rollback, completion reject): each run and its answer, and why. */
  'github.gate_decided': z
    .object({ gates: z.array(z.object({ run_id: z.number().int(), state: z.enum(['approved', 'rejected']) }).strict()), why: z.string() })
    .strict(),
  /** GitHub took a gate's answer (or had it already: `note`). */
  'github.gate_answered': z.object({ run_id: z.number().int(), environment: z.string(), state: z.enum(['approved', 'rejected']), note: z.string().nullable() }).strict(),
  /** GitHub refused a gate's answer for good: its HTTP status (null: it never answered) and message, never a token. */
  'github.gate_failed': z
    .object({ run_id: z.number().int(), environment: z.string(), state: z.enum(['approved', 'rejected']), status: z.number().int().nullable(), error: z.string() })
    .strict(),
} as const;

export type AuditAction = keyof typeof AUDIT_EVENTS;
export type AuditData<A extends AuditAction> = z.infer<(typeof AUDIT_EVENTS)[A]>;
/** One event: its kind and that kind's data. */
export type AuditEvent = { [A in AuditAction]: { action: A; data: AuditData<A> } }[AuditAction];

export const AUDIT_ACTIONS = Object.keys(AUDIT_EVENTS) as AuditAction[];

function isAction(action: string): action is AuditAction {
  return Object.hasOwn(AUDIT_EVENTS, action);
}

/** An event as stored (or about to be), checked against its kind's schema; throws naming what is wrong. */
export function parseAuditEvent(action: string, data: unknown): AuditEvent {
  if (!isAction(action)) throw new Error(`unknown audit event kind "${action}"`);
  const parsed = AUDIT_EVENTS[action].safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`audit event ${action}: ${issue.path.join('.') || '(data)'}: ${issue.message}`);
  }
  return { action, data: parsed.data } as AuditEvent;
}
