import type { AuditAction, AuditData, AuditEvent } from './audit-events.js';

/**
 * How the one-line text names items, sections and choice options; by default their ids (the report and the overview
 * pass the template's labels).
 */
export interface DescribeOptions {
  itemLabel?: (itemId: string) => string;
  sectionLabel?: (sectionId: string) => string;
  optionLabel?: (itemId: string, optionId: string) => string;
}

/** The namers a renderer gets: every one defined. */
export interface Names {
  item: (id: string) => string;
  section: (id: string) => string;
  option: (itemId: string, optionId: string) => string;
}

export type AuditRenderers = { [A in AuditAction]: (data: AuditData<A>, names: Names) => string };

const quoted = (v: string | null) => (v === null ? 'nothing' : `"${v}"`);
const list = (ids: string[], item: (id: string) => string) => ids.map(item).join(', ');
const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** What each status page call does, in words (issue 12): done, and to do. */
const STATUSPAGE_CALL: Record<string, [string, string]> = {
  'maintenance-schedule': ['scheduled the maintenance', 'schedule the maintenance'],
  'maintenance-move': ['moved the maintenance', 'move the maintenance'],
  'maintenance-complete': ['completed the maintenance', 'complete the maintenance'],
  'incident-open': ['opened the incident', 'open the incident'],
  'incident-update': ['updated the incident', 'update the incident'],
  'incident-resolve': ['resolved the incident', 'resolve the incident'],
};

/**
 * One renderer per event kind. The mapped type makes this exhaustive: a kind added to AUDIT_EVENTS without a
 * line here does not compile.
 */
const RENDER: AuditRenderers = {
  'promotion.started': (d) => `started promotion ${d.release} from template ${d.template} in channel ${d.channel}`,
  'promotion.aborted': (d) => `aborted the promotion: ${d.reason}`,
  'items.toggled': (d, n) =>
    [d.ticked.length > 0 ? `ticked ${list(d.ticked, n.item)}` : '', d.unticked.length > 0 ? `unticked ${list(d.unticked, n.item)}` : '']
      .filter(Boolean)
      .join('; ') || 'clicked without changing anything',
  'item.chosen': (d, n) =>
    `chose "${n.option(d.item, d.after)}" for ${n.item(d.item)}${d.before?.value ? ` (was "${n.option(d.item, d.before.value)}")` : ''}`,
  'field.set': (d, n) => `set ${n.item(d.item)} to ${quoted(d.after)}${d.before === null ? '' : ` (was ${quoted(d.before)})`}`,
  'field.cleared': (d, n) => `cleared ${n.item(d.item)} (was ${quoted(d.before)})`,
  'item.not_applicable': (d, n) => `marked ${n.item(d.item)} not applicable: ${d.reason}`,
  'item.applicable': (d, n) => `made ${n.item(d.item)} applicable again`,
  'section.not_applicable': (d, n) =>
    `marked section ${n.section(d.section)} not applicable (${count(d.items.length, 'item')}: ${list(
      d.items.map((i) => i.item),
      n.item,
    )}): ${d.reason}`,
  'section.applicable': (d, n) =>
    `made section ${n.section(d.section)} applicable again (${count(d.items.length, 'item')}: ${list(
      d.items.map((i) => i.item),
      n.item,
    )})`,
  'item.assigned': (d, n) =>
    d.after === null ? `unassigned ${n.item(d.item)} (was ${d.before ?? 'nobody'})` : `assigned ${n.item(d.item)} to ${d.after}${d.before === null ? '' : ` (was ${d.before})`}`,
  'approval.given': (d) => `approved ${d.approval}${bound(d.bound)}`,
  'approval.rejected': (d) => `rejected ${d.approval}${bound(d.bound)}: ${d.reason}`,
  'approval.withdrawn': (d) => `withdrew their ${d.was === 'reject' ? 'rejection' : 'approval'} of ${d.approval}`,
  'approval.voided': (d, n) => `made void ${count(d.users.length, 'approval')} of ${d.approval} (${d.users.join(', ')}): ${n.item(d.item)} changed from ${quoted(d.before)} to ${quoted(d.after)}`,
  'approval.refused': (d) => `was refused approving ${d.approval}: ${d.why}`,
  'decision.go': (d) => `decided GO${Object.keys(d.approvals).length > 0 ? ` with approvals ${Object.entries(d.approvals).map(([id, a]) => `${id} (${a.by.join(', ')})`).join(', ')}` : ''}`,
  'decision.no_go': (d) => `decided NO-GO: ${d.reason}${d.new_date ? ` (new date ${d.new_date})` : ''}`,
  'decision.refused': (d) => `pressed ${d.decision === 'go' ? 'GO' : 'Complete'}, refused: ${d.missing.join('; ')}`,
  'promotion.completed': () => 'completed the promotion',
  'lock.taken': (d) => `locked environment ${d.environment}`,
  'lock.released': (d) => `released environment ${d.environment} (${d.why})`,
  'probe.started': (d, n) => `ran the check${d.runs.length === 1 ? '' : 's'} of ${list(d.runs.map((r) => r.item), n.item)}`,
  'probe.ran': (d, n) =>
    `check of ${n.item(d.item)}: ${d.status} (${d.summary}) in ${d.duration_ms} ms${d.effect === 'none' ? '' : `; ${d.effect} it`}${
      Object.keys(d.records).length > 0 ? `; recorded ${Object.entries(d.records).map(([k, v]) => `${n.item(k)} = "${v}"`).join(', ')}` : ''
    }`,
  'window.scheduled': (d) => `${d.previous ? 'moved' : 'scheduled'} the maintenance window to ${utc(d.start)} - ${utc(d.end)} (T0 ${utc(d.t0)}; ${count(d.reminders, 'reminder')} planned)${d.previous ? `, was ${utc(d.previous.start)} - ${utc(d.previous.end)}` : ''}`,
  'reminder.sent': (d) => `posted the ${d.offset} ${d.kind} reminder${d.late ? ` late (due ${utc(d.due_at)})` : ''}`,
  'reminder.skipped': (d) => `skipped the ${d.offset} ${d.kind} reminder due ${utc(d.due_at)}: ${d.why}`,
  'reminders.cancelled': (d) => `cancelled ${count(d.count, 'pending reminder')}: ${d.why}`,
  'checkpoint.answered': (d) => `answered the ${d.offset} decision point: ${d.answer === 'continue' ? 'continue' : 'roll back'}`,
  'rollback.started': (d) => `started a rollback${d.path ? ` (${d.path})` : ''}: ${d.issue}; broadcast to ${d.channels.join(', ')}`,
  'rollback.acknowledged': () => 'acknowledged the rollback',
  'rollback.update': (d) => `posted rollback update ${d.number}: ${d.text}`,
  'rollback.completed': (d) => `declared the rollback complete: ${d.resolution}`,
  'hold.started': (d, n) => `moved the ramp on with ${n.item(d.item)}; the next step is held until ${utc(d.until)}`,
  'statuspage.updated': (d) => `${STATUSPAGE_CALL[d.op]?.[0] ?? `made the call ${d.op}`} on the status page (incident ${d.incident}, now ${d.status})`,
  'github.gate_requested': (d) =>
    `GitHub job waiting: run ${d.run_id} of ${d.repo} (commit ${d.sha.slice(0, 7)}, ${d.ref}, triggered by ${d.triggered_by}) at ${d.environment}` +
    (d.answer ? `, ${d.answer} at once` : '') +
    (d.superseded.length ? `; superseded run${d.superseded.length === 1 ? '' : 's'} ${d.superseded.join(', ')}` : ''),
  'github.gate_decided': (d) => `answered the GitHub gate (${d.why}): ${d.gates.map((g) => `run ${g.run_id} ${g.state}`).join(', ')}`,
  'github.gate_answered': (d) => `GitHub took the gate's answer: run ${d.run_id} ${d.state} at ${d.environment}${d.note ? ` (${d.note})` : ''}`,
  'github.gate_failed': (d) => `GitHub refused the gate's answer (run ${d.run_id} ${d.state} at ${d.environment}): ${d.status ?? 'no answer'} ${d.error}`,
  'statuspage.failed': (d) => `could not ${STATUSPAGE_CALL[d.op]?.[1] ?? `make the call ${d.op}`} on the status page: ${d.error}`,
};

/** An ISO time as the audit trail reads it: `2026-11-24 02:00 UTC`. */
function utc(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

function bound(values: Record<string, string | null>): string {
  const entries = Object.entries(values);
  return entries.length === 0 ? '' : ` for ${entries.map(([k, v]) => `${k}=${quoted(v)}`).join(', ')}`;
}

/** What an event did, as plain text without the actor: "ticked …", for callers that show the actor their own way. */
export function describeAction(event: AuditEvent, opts: DescribeOptions = {}): string {
  const names: Names = {
    item: opts.itemLabel ?? ((id) => id),
    section: opts.sectionLabel ?? ((id) => id),
    option: opts.optionLabel ?? ((_item, id) => id),
  };
  const render = RENDER[event.action] as (data: AuditEvent['data'], names: Names) => string;
  return render(event.data, names);
}

/** An event as one line of plain text: "<actor> <what they did>". */
export function describeEvent(actor: string, event: AuditEvent, opts: DescribeOptions = {}): string {
  return `${actor} ${describeAction(event, opts)}`;
}
