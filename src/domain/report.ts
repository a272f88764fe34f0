import { approvalsOf, templateVersion, type ApprovalRecord } from './approvals.js';
import { parseAuditEvent } from './audit-events.js';
import { describeEvent } from './audit-text.js';
import { verifyAuditTrail, describeVerdict, type AuditHead, type StoredAuditEvent } from './audit-verify.js';
import { formatRunDuration } from './probes.js';
import { PHASE_LABEL, type ItemState, type Promotion } from './promotion.js';
import { itemKind, phaseOf, type Template } from './template.js';
import { entryOf, offsetLabel } from './timeline.js';

/**
 * A promotion's record, the audit report (`/promote report`, the `report` CLI): what a team commits as
 * `ops/audit/<date>-<release>.md`, and the same facts as JSON. Pure: the loading is src/services/report.ts. Built once
 * as the JSON object (`buildReport`), and the Markdown rendered from that object (`reportMarkdown`), so the two files
 * can never say different things. Items are listed in the checklist's order with who settled each and when; everything
 * else (probe runs, approvals, decisions, reminders, the whole audit trail) in time order.
 *
 * Nothing here adds configuration: what is shown was stored, and stored data was scrubbed of secrets when written
 * (probe evidence by the runner). User text is data: the Markdown escapes what would make it markup (`mdText`).
 */

/** A probe run as stored, with its evidence (src/store/report.ts `listRunsWithEvidence`). */
export interface ReportProbeRun {
  id: string;
  itemId: string;
  status: string;
  summary: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  by: string;
  evidence: unknown;
}

export interface ReportDecision {
  seq: number;
  decision: 'go' | 'no-go';
  by: string;
  at: Date;
  reason: string | null;
  newDate: string | null;
  approvals: Record<string, { fingerprint: string; by: string[] }>;
}

/** A reminder as stored (src/store/reminders.ts `Reminder` fits). */
export interface ReportReminder {
  kind: string;
  ref: string;
  dueAt: Date;
  state: string;
  doneAt: Date | null;
  doneReason: string | null;
  answer: 'continue' | 'rollback' | null;
  answeredBy: string | null;
  answeredAt: Date | null;
}

export interface ReportInput {
  promotion: Promotion;
  states: ReadonlyMap<string, ItemState>;
  runs: readonly ReportProbeRun[];
  approvals: readonly ApprovalRecord[];
  decisions: readonly ReportDecision[];
  reminders: readonly ReportReminder[];
  /** The trail as stored, in seq order. */
  audit: readonly StoredAuditEvent[];
  /** The head the promotion row records. */
  head: AuditHead;
  /** The checklist's overview message (the thread the report is posted in), when it was posted. */
  threadTs: string | null;
  generatedAt: Date;
}

export const REPORT_FORMAT = 'preflight.audit-report';
export const REPORT_VERSION = 1;

/** How a reader checks the trail against the database: the CLI (src/cli/verify-audit.ts). */
export function verifyCommand(promotionId: string): string {
  return `npm run verify-audit -- ${promotionId}`;
}

/** How the chain is computed (src/domain/audit.ts `auditHash`), in words, for whoever checks it by hand. */
export const CHAIN_RULE =
  'Each event\'s hash is the SHA-256 (hex) of the previous event\'s hash (empty for event 1), a newline, and the event as canonical JSON: {"action","actor","at","data","seq"} with object keys sorted and the time as ISO 8601 in UTC.';

const iso = (at: Date | null): string | null => (at ? at.toISOString() : null);

export interface ReportRun {
  run: string;
  item: string;
  item_label: string;
  status: string;
  summary: string | null;
  by: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  evidence: unknown;
}

export interface ReportItem {
  section: string;
  section_title: string;
  phase: string;
  item: string;
  label: string;
  kind: string;
  state: string;
  value: string | null;
  /** A choice's option label (the value is its id). */
  value_label: string | null;
  not_applicable_reason: string | null;
  by: string | null;
  at: string | null;
  assignee: string | null;
  /** Its probe runs, oldest first (the details are in `probe_runs`). */
  evidence: Array<Pick<ReportRun, 'run' | 'status' | 'summary' | 'started_at' | 'finished_at' | 'duration_ms' | 'by'>>;
}

export interface ReportEvent {
  seq: number;
  at: string;
  actor: string;
  action: string;
  /** The event in words (src/domain/audit-text.ts), with the template's labels. */
  text: string;
  data: unknown;
  prev_hash: string;
  hash: string;
}

/** The report as JSON: the same facts the Markdown shows. */
export interface AuditReport {
  format: typeof REPORT_FORMAT;
  version: typeof REPORT_VERSION;
  generated_at: string;
  promotion: {
    id: string;
    release: string;
    template: { id: string; name: string; version: string };
    channel: string;
    team: string | null;
    environment: string | null;
    requested_by: string;
    started_at: string;
    status: string;
    stage: string;
    ended_at: string | null;
    ended_by: string | null;
    end_reason: string | null;
    /** How it stands or ended, in one sentence. */
    outcome: string;
    window: { start: string; end: string; t0: string } | null;
    checklist_ts: string | null;
  };
  items: ReportItem[];
  probe_runs: ReportRun[];
  approvals: Array<{
    approval: string;
    label: string;
    role: string;
    by: string;
    decision: string;
    fingerprint: string;
    bound: Record<string, string | null>;
    reason: string | null;
    at: string;
    voided_at: string | null;
    void_reason: string | null;
  }>;
  decisions: Array<{
    seq: number;
    decision: string;
    by: string;
    at: string;
    reason: string | null;
    new_date: string | null;
    approvals: Record<string, { fingerprint: string; by: string[] }>;
  }>;
  reminders: Array<{
    kind: string;
    about: string;
    offset: string | null;
    due_at: string;
    state: string;
    done_at: string | null;
    reason: string | null;
    answer: string | null;
    answered_by: string | null;
    answered_at: string | null;
  }>;
  audit: {
    events: ReportEvent[];
    /** As the promotion records it (`promotions.audit_seq`, `audit_hash`). */
    head: AuditHead;
    /** The trail checked against itself and the head when the report was made. */
    checked: { intact: boolean; problems: string[] };
    verify: { command: string; chain: string };
  };
}

function outcomeOf(p: Promotion, decisions: readonly ReportDecision[]): string {
  const last = decisions.at(-1);
  const decided = last ? `; the last decision was ${last.decision === 'go' ? 'GO' : 'NO-GO'} by ${last.by} at ${stamp(last.at)}` : '';
  if (p.status === 'active') return `in progress (stage: ${p.stage})${decided}`;
  const by = `by ${p.endedBy ?? 'unknown'} at ${stamp(p.endedAt)}`;
  if (p.status === 'completed') return `completed ${by}${decided}`;
  if (p.status === 'aborted') return `aborted ${by}: ${p.endReason ?? 'no reason recorded'}${decided}`;
  // Any other way of ending (a rollback), named as stored.
  return `ended ${String(p.status).replace(/-/g, ' ')} ${by}${p.endReason ? `: ${p.endReason}` : ''}${decided}`;
}

/** `2026-11-24 02:03:05 UTC`: every time in the Markdown, and in sentences of the JSON. */
export function stamp(at: Date | null): string {
  return at ? `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '-';
}

function reminderAbout(template: Template, r: ReportReminder): string {
  switch (r.kind) {
    case 'timeline':
    case 'checkpoint':
      return entryOf(template, r.ref)?.entry.say ?? r.ref;
    case 'item-due':
      return `items due at ${r.ref}`;
    case 'escalation':
      return 'the decision point, to the escalation contacts';
    case 'hold': {
      const item = template.sections.flatMap((s) => s.items).find((i) => i.id === r.ref);
      return `the hold after ${item?.label ?? r.ref}`;
    }
    default:
      return r.ref;
  }
}

/** The report as JSON data. */
export function buildReport(input: ReportInput): AuditReport {
  const { promotion: p, states } = input;
  const template = p.template;
  const itemLabel = new Map(template.sections.flatMap((s) => s.items.map((i) => [i.id, i.label] as const)));
  const sectionTitle = new Map(template.sections.map((s) => [s.id, s.title] as const));
  const optionLabel = (itemId: string, optionId: string): string =>
    template.sections.flatMap((s) => s.items).find((i) => i.id === itemId)?.choice?.options.find((o) => o.id === optionId)?.label ?? optionId;
  const approvalLabel = new Map(approvalsOf(template).map((a) => [a.id, a.label] as const));

  const runs: ReportRun[] = input.runs.map((r) => ({
    run: r.id,
    item: r.itemId,
    item_label: itemLabel.get(r.itemId) ?? r.itemId,
    status: r.status,
    summary: r.summary,
    by: r.by,
    started_at: r.startedAt.toISOString(),
    finished_at: iso(r.finishedAt),
    duration_ms: r.durationMs,
    evidence: r.evidence ?? null,
  }));

  const items: ReportItem[] = template.sections.flatMap((section) =>
    section.items.map((item) => {
      const s = states.get(item.id);
      const kind = itemKind(item);
      const value = s?.state === 'done' ? s.value : null;
      return {
        section: section.id,
        section_title: section.title,
        phase: phaseOf(section),
        item: item.id,
        label: item.label,
        kind,
        state: s?.state ?? 'open',
        value,
        value_label: kind === 'choice' && value !== null ? optionLabel(item.id, value) : null,
        not_applicable_reason: s?.state === 'na' ? s.note : null,
        by: s && s.state !== 'open' ? s.by : null,
        at: s && s.state !== 'open' ? iso(s.at) : null,
        assignee: s?.assignee ?? null,
        evidence: runs
          .filter((r) => r.item === item.id)
          .map(({ run, status, summary, started_at, finished_at, duration_ms, by }) => ({ run, status, summary, started_at, finished_at, duration_ms, by })),
      };
    }),
  );

  const names = { itemLabel: (id: string) => itemLabel.get(id) ?? id, sectionLabel: (id: string) => sectionTitle.get(id) ?? id, optionLabel };
  const events: ReportEvent[] = input.audit.map((e) => {
    let text: string;
    try {
      text = describeEvent(e.actor, parseAuditEvent(e.action, e.data), names);
    } catch {
      // A kind this version does not know (a newer replica wrote it), or data that no longer parses: shown as stored.
      text = `${e.actor} ${e.action} (recorded by a version of Preflight that describes it; its data is in the JSON report)`;
    }
    return { seq: e.seq, at: e.at.toISOString(), actor: e.actor, action: e.action, text, data: e.data, prev_hash: e.prevHash, hash: e.hash };
  });
  const verdict = verifyAuditTrail(input.audit, input.head);

  const t0 = p.window?.t0 ?? null;
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    generated_at: input.generatedAt.toISOString(),
    promotion: {
      id: p.id,
      release: p.release,
      template: { id: p.templateId, name: template.name, version: templateVersion(template) },
      channel: p.channelId,
      team: p.teamId,
      environment: p.environment,
      requested_by: p.requestedBy,
      started_at: p.createdAt.toISOString(),
      status: p.status,
      stage: p.stage,
      ended_at: iso(p.endedAt),
      ended_by: p.endedBy,
      end_reason: p.endReason,
      outcome: outcomeOf(p, input.decisions),
      window: p.window ? { start: p.window.start.toISOString(), end: p.window.end.toISOString(), t0: p.window.t0.toISOString() } : null,
      checklist_ts: input.threadTs,
    },
    items,
    probe_runs: runs,
    approvals: [...input.approvals]
      .sort((a, b) => a.at.getTime() - b.at.getTime())
      .map((a) => ({
        approval: a.approvalId,
        label: approvalLabel.get(a.approvalId) ?? a.approvalId,
        role: a.role,
        by: a.userId,
        decision: a.decision,
        fingerprint: a.fingerprint,
        bound: a.bound,
        reason: a.comment,
        at: a.at.toISOString(),
        voided_at: iso(a.voidedAt),
        void_reason: a.voidReason,
      })),
    decisions: input.decisions.map((d) => ({
      seq: d.seq,
      decision: d.decision,
      by: d.by,
      at: d.at.toISOString(),
      reason: d.reason,
      new_date: d.newDate,
      approvals: d.approvals,
    })),
    reminders: [...input.reminders]
      .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())
      .map((r) => ({
        kind: r.kind,
        about: reminderAbout(template, r),
        offset: t0 ? offsetLabel(t0, r.dueAt) : null,
        due_at: r.dueAt.toISOString(),
        state: r.state,
        done_at: iso(r.doneAt),
        reason: r.doneReason,
        answer: r.answer,
        answered_by: r.answeredBy,
        answered_at: iso(r.answeredAt),
      })),
    audit: {
      events,
      head: input.head,
      checked: { intact: verdict.intact, problems: describeVerdict(verdict) },
      verify: { command: verifyCommand(p.id), chain: CHAIN_RULE },
    },
  };
}

/** The JSON file: the report, indented, with a final newline. */
export function reportJson(report: AuditReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** `2026-11-24-v1.50`: the report's file name without extension (ops/audit/<date>-<release>.md), dated by its window. */
export function reportFileBase(report: AuditReport): string {
  const date = (report.promotion.window?.start ?? report.promotion.started_at).slice(0, 10);
  return `${date}-${report.promotion.release.replace(/[^A-Za-z0-9._+-]/g, '-')}`;
}

// ----- Markdown -------------------------------------------------------------------------------------------------------

/**
 * Text that is data, in Markdown (GitHub's): inline markup characters escaped with a backslash, `|` too (a table
 * cell), `&`, `<` and `>` as entities (no HTML, no autolinked `<…>`), line breaks as `<br>` so a value stays in its
 * cell or list item, and a leading character that would start a heading, list or quote escaped.
 */
export function mdText(text: string): string {
  const escaped = text
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r\n?|\n/g, '<br>');
  return escaped.replace(/^(\s*)([#+=-]|\d+[.)])/, (_m, space: string, lead: string) => `${space}${lead.replace(/[#+=.)-]/, (c) => `\\${c}`)}`);
}

/** A code span for our own hex and ids (hashes, fingerprints, run ids): never user text. */
function hex(text: string): string {
  return `\`${text.replace(/[^0-9A-Za-z-]/g, '')}\``;
}

const dash = (v: string | null | undefined): string => (v === null || v === undefined || v === '' ? '-' : mdText(v));
const when = (at: string | null): string => (at ? stamp(new Date(at)) : '-');

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  if (rows.length === 0) return ['_None._'];
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function runLine(r: Pick<ReportRun, 'status' | 'summary' | 'started_at' | 'duration_ms'>): string {
  const duration = r.duration_ms === null ? 'running' : formatRunDuration(r.duration_ms);
  return `${mdText(r.status)} at ${when(r.started_at)} (${duration})${r.summary ? `: ${mdText(r.summary)}` : ''}`;
}

function evidenceLines(evidence: unknown): string[] {
  if (!evidence || typeof evidence !== 'object') return [];
  const e = evidence as { lines?: unknown; links?: unknown; metrics?: unknown; rows?: unknown };
  const out: string[] = [];
  if (Array.isArray(e.lines)) for (const l of e.lines) out.push(mdText(String(l)));
  if (Array.isArray(e.metrics)) {
    for (const m of e.metrics as Array<{ name?: unknown; value?: unknown; threshold?: unknown }>) {
      out.push(`${mdText(String(m.name ?? 'metric'))}: ${mdText(String(m.value ?? 'no data'))}${m.threshold ? ` (threshold ${mdText(String(m.threshold))})` : ''}`);
    }
  }
  if (Array.isArray(e.rows)) {
    for (const row of e.rows as Array<Record<string, unknown>>) {
      out.push(mdText(Object.entries(row).map(([k, v]) => `${k}=${String(v)}`).join(', ')));
    }
  }
  if (Array.isArray(e.links)) {
    for (const l of e.links as Array<{ label?: unknown; url?: unknown }>) out.push(`${mdText(String(l.label ?? 'link'))}: ${mdText(String(l.url ?? ''))}`);
  }
  return out;
}

function itemState(i: ReportItem): string {
  if (i.state === 'na') return 'not applicable';
  if (i.state === 'done') return i.kind === 'check' ? 'done' : 'set';
  return 'open';
}

/** The Markdown file: what a team commits as ops/audit/<date>-<release>.md. */
export function reportMarkdown(r: AuditReport): string {
  const p = r.promotion;
  const out: string[] = [];
  out.push(`# Promotion record: ${mdText(p.release)}`, '');
  out.push(`Generated by Preflight at ${when(r.generated_at)} from its database. The same facts are in the JSON report (\`${REPORT_FORMAT}\` version ${REPORT_VERSION}).`, '');
  out.push(
    ...table(
      ['', ''],
      [
        ['Release', mdText(p.release)],
        ['Template', `${mdText(p.template.name)} (${mdText(p.template.id)}, version ${hex(p.template.version)})`],
        ['Channel', mdText(p.channel)],
        ['Environment', dash(p.environment)],
        ['Started', `${when(p.started_at)} by ${mdText(p.requested_by)}`],
        ['Window', p.window ? `${when(p.window.start)} to ${when(p.window.end)} (T0 ${when(p.window.t0)})` : 'not scheduled'],
        ['Status', `${mdText(p.status)} (stage ${mdText(p.stage)})`],
        ['Outcome', mdText(p.outcome)],
        ['Promotion id', hex(p.id)],
        ['Audit chain head', `event ${r.audit.head.seq}, hash ${r.audit.head.hash ? hex(r.audit.head.hash) : '(empty)'}`],
      ],
    ),
    '',
  );

  out.push('## Items', '', 'In the checklist\'s order: who settled each item, when, its value or why it does not apply, and the evidence of its checks.', '');
  const sections = [...new Set(r.items.map((i) => i.section))];
  for (const sectionId of sections) {
    const items = r.items.filter((i) => i.section === sectionId);
    const first = items[0]!;
    out.push(`### ${mdText(first.section_title)}`, '', `Phase: ${mdText(PHASE_LABEL[first.phase as keyof typeof PHASE_LABEL] ?? first.phase)}.`, '');
    out.push(
      ...table(
        ['Item', 'State', 'Value', 'By', 'When (UTC)', 'Evidence'],
        items.map((i) => [
          `${mdText(i.label)} (${mdText(i.item)})`,
          itemState(i),
          i.state === 'na' ? `not applicable: ${dash(i.not_applicable_reason)}` : i.value_label !== null ? `${mdText(i.value_label)} (${mdText(i.value ?? '')})` : dash(i.value),
          dash(i.by),
          i.at ? stamp(new Date(i.at)).replace(' UTC', '') : '-',
          i.evidence.length === 0 ? '-' : i.evidence.map((e) => runLine(e)).join('<br>'),
        ]),
      ),
      '',
    );
  }

  out.push('## Probe runs', '');
  if (r.probe_runs.length === 0) out.push('_None._', '');
  for (const run of r.probe_runs) {
    out.push(`- ${mdText(run.item_label)} (${mdText(run.item)}), run ${hex(run.run)} by ${mdText(run.by)}: ${runLine(run)}`);
    for (const line of evidenceLines(run.evidence)) out.push(`  - ${line}`);
  }
  if (r.probe_runs.length > 0) out.push('');

  out.push('## Approvals', '');
  out.push(
    ...table(
      ['When (UTC)', 'Approval', 'Role', 'By', 'Decision', 'Fingerprint', 'Bound values', 'Void'],
      r.approvals.map((a) => [
        stamp(new Date(a.at)).replace(' UTC', ''),
        `${mdText(a.label)} (${mdText(a.approval)})`,
        mdText(a.role),
        mdText(a.by),
        a.decision === 'reject' ? `rejected: ${dash(a.reason)}` : 'approved',
        hex(a.fingerprint),
        Object.keys(a.bound).length === 0 ? '-' : Object.entries(a.bound).map(([k, v]) => `${mdText(k)} = ${v === null ? 'nothing' : mdText(v)}`).join('<br>'),
        a.voided_at ? `void since ${when(a.voided_at)}: ${dash(a.void_reason)}` : '-',
      ]),
    ),
    '',
  );

  out.push('## Decisions', '');
  out.push(
    ...table(
      ['#', 'When (UTC)', 'Decision', 'By', 'Reason', 'With approvals'],
      r.decisions.map((d) => [
        String(d.seq),
        stamp(new Date(d.at)).replace(' UTC', ''),
        d.decision === 'go' ? 'GO' : 'NO-GO',
        mdText(d.by),
        d.reason === null ? '-' : `${mdText(d.reason)}${d.new_date ? ` (new date ${mdText(d.new_date)})` : ''}`,
        Object.keys(d.approvals).length === 0
          ? '-'
          : Object.entries(d.approvals).map(([id, a]) => `${mdText(id)}: ${a.by.map(mdText).join(', ')} (${hex(a.fingerprint)})`).join('<br>'),
      ]),
    ),
    '',
  );

  out.push('## Reminders', '');
  out.push(
    ...table(
      ['Due (UTC)', 'Offset', 'Kind', 'About', 'What happened'],
      r.reminders.map((m) => [
        stamp(new Date(m.due_at)).replace(' UTC', ''),
        dash(m.offset),
        mdText(m.kind),
        mdText(m.about),
        [
          `${mdText(m.state)}${m.done_at ? ` at ${when(m.done_at)}` : ''}${m.reason ? `: ${mdText(m.reason)}` : ''}`,
          m.answer ? `answered ${m.answer === 'continue' ? 'continue' : 'roll back'} by ${dash(m.answered_by)} at ${when(m.answered_at)}` : '',
        ]
          .filter(Boolean)
          .join('; '),
      ]),
    ),
    '',
  );

  out.push('## Audit trail', '', 'Every recorded event, in order (rollback broadcasts, announcements and every other kind included).', '');
  out.push(
    ...table(
      ['#', 'When (UTC)', 'What happened', 'Hash'],
      r.audit.events.map((e) => [String(e.seq), stamp(new Date(e.at)).replace(' UTC', ''), mdText(e.text), hex(e.hash.slice(0, 16))]),
    ),
    '',
  );

  out.push('## Verifying this record', '');
  const head = r.audit.head;
  out.push(
    `The audit trail is hash-chained. ${mdText(CHAIN_RULE)} The promotion records the chain's head: event ${head.seq}, hash ${head.hash ? hex(head.hash) : '(empty)'}.`,
    '',
    r.audit.checked.intact
      ? `When this report was made, the trail in the database matched that head: intact, ${r.audit.events.length} events.`
      : `When this report was made, the trail in the database did NOT match: ${r.audit.checked.problems.map(mdText).join('; ')}.`,
    '',
    `To check that the database still holds this trail unaltered, run \`${verifyCommand(p.id)}\` where the bot's \`DATABASE_URL\` is set (or \`npm run verify-audit -- ${p.release.replace(/[^A-Za-z0-9._+/-]/g, '')}\` for every promotion of the release). It exits 0 and prints the head when the trail is intact, and names any event that was altered, removed or reordered. The JSON report holds every event's data and full hash, so anyone can also recompute the chain without the database.`,
    '',
  );
  return out.join('\n');
}
