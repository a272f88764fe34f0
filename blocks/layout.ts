import type { KnownBlock } from '@slack/types';
import { allItems, itemKind, type Template } from '../src/domain/template.js';
import { FIELD_MAX_LENGTH, NA_REASON_MAX } from '../src/domain/fields.js';
import { sectionMode, STAGES, type ItemState, type PromotionStage, type PromotionView } from '../src/domain/promotion.js';
import { renderSectionsMessage } from './checklist.js';
import { approvalsOf, boundValues, fingerprintOf, type ApprovalRecord } from '../src/domain/approvals.js';
import type { Decision, GateView, RollbackView } from '../src/domain/promotion.js';
import { REASON_MAX } from './approvals.js';
import { renderOverview } from './overview.js';
import { PROBE_SUMMARY_MAX, type ItemProbe } from '../src/domain/probes.js';
import { LIMITS } from './text.js';
import { GATES_SHOWN } from './github-gate.js';

/** Total characters of text a message's blocks carry: what Slack's `msg_blocks_too_long` counts. */
export function blockTextLength(blocks: readonly KnownBlock[]): number {
  let total = 0;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    if ((obj['type'] === 'mrkdwn' || obj['type'] === 'plain_text') && typeof obj['text'] === 'string') total += obj['text'].length;
    for (const [k, v] of Object.entries(obj)) if (k !== 'text' || typeof v !== 'string') walk(v);
  };
  walk(blocks);
  return total;
}

// Longest-looking ids and times, so worst-case renders are really the worst.
const WORST_USER = 'W0123456789ABCDEFGH';
const WORST_AT = new Date('2099-12-31T23:59:59Z');

/**
 * States that make a message as long as it can get: everything ticked, everything not applicable with the
 * longest reason, and groups that are half and half (which need both a checkbox and a context block). Every item is
 * assigned (to the longest user id): an open item shows it, and so does a chosen option that blocks GO.
 */
function worstStates(template: Template): Array<Map<string, ItemState>> {
  const items = allItems(template);
  // '&' is the character that grows most when escaped (to '&amp;'): the longest text as Slack counts it.
  const reason = '&'.repeat(NA_REASON_MAX);
  const filled = (id: string): ItemState => {
    const item = items.find((i) => i.id === id)!;
    // A chosen option that blocks GO is shown with " · *blocks GO*": count it as that much longer.
    const shown = (o: { label: string; blocks_go?: boolean | undefined }) => o.label.length + (o.blocks_go ? 16 : 0);
    const longestChoice = [...(item.choice?.options ?? [])].sort((a, b) => shown(b) - shown(a))[0]?.id ?? null;
    const type = item.field?.type;
    const value = !type ? longestChoice : type === 'datetime' ? '4102444799' : (type === 'text' || type === 'path' ? '&' : '9').repeat(FIELD_MAX_LENGTH[type]);
    return { itemId: id, state: 'done', value, note: null, by: WORST_USER, at: WORST_AT, assignee: WORST_USER };
  };
  const na = (id: string): ItemState => ({ itemId: id, state: 'na', value: null, note: reason, by: WORST_USER, at: WORST_AT, assignee: WORST_USER });
  const all = (f: (id: string, index: number) => ItemState) => new Map(items.map((i, n) => [i.id, f(i.id, n)]));
  return [
    all((id) => ({ itemId: id, state: 'open', value: null, note: null, by: null, at: null, assignee: WORST_USER })),
    all(filled),
    all(na),
    // Alternate within every run of checks so each checkbox group also needs its not-applicable context block.
    all((id, n) => (itemKind(items[n]!) === 'check' && n % 2 === 1 ? na(id) : filled(id))),
  ];
}

const WORST_TS = '9999999999.999999';

/** A distinct longest-looking user id per n (approvers must be different people). */
const worstUser = (n: number) => `W${String(n).padStart(18, '0')}`;

/**
 * The approvals that make the panel longest: every approval given by as many people as it needs (for the current
 * values), and more rejections and void approvals, each with the longest reason, than the panel lists.
 */
function worstApprovals(template: Template, states: Map<string, ItemState>): ApprovalRecord[] {
  const records: ApprovalRecord[] = [];
  let n = 0;
  const record = (spec: ReturnType<typeof approvalsOf>[number], over: Partial<ApprovalRecord>): ApprovalRecord => ({
    id: `r${n}`,
    approvalId: spec.id,
    role: spec.role,
    userId: worstUser(n++),
    decision: 'approve',
    fingerprint: '',
    bound: {},
    comment: null,
    at: WORST_AT,
    voidedAt: null,
    voidReason: null,
    ...over,
  });
  for (const spec of approvalsOf(template)) {
    const fingerprint = fingerprintOf(template, boundValues(spec, states));
    for (let i = 0; i < spec.required; i++) records.push(record(spec, { fingerprint }));
    for (let i = 0; i < 4; i++) records.push(record(spec, { decision: 'reject', comment: '&'.repeat(REASON_MAX) }));
    for (let i = 0; i < 4; i++) records.push(record(spec, { voidedAt: WORST_AT, voidReason: `“${'&amp;'.repeat(75)}” changed from \`${'9'.repeat(2000)}\`` }));
  }
  return records;
}

/** The last decisions: a GO, and before it a NO-GO with the longest reason and a new date. */
const WORST_DECISIONS: Decision[] = [
  { decision: 'no-go', by: WORST_USER, at: WORST_AT, reason: '&'.repeat(REASON_MAX), newDate: '2099-12-31' },
  { decision: 'go', by: WORST_USER, at: WORST_AT, reason: null, newDate: null },
];

/**
 * Every probe with a result of the longest summary, the longest status word and duration: the longest probe line an
 * item can show (blocks/probes.ts; "running…" with the last status is shorter).
 */
function worstProbes(template: Template): Map<string, ItemProbe> {
  const run = (status: 'running' | 'interrupted') => ({
    id: '00000000-0000-4000-8000-000000000000',
    itemId: '',
    status,
    summary: status === 'running' ? null : '&'.repeat(PROBE_SUMMARY_MAX),
    startedAt: WORST_AT,
    finishedAt: status === 'running' ? null : WORST_AT,
    durationMs: status === 'running' ? null : 99 * 3_600_000,
    by: WORST_USER,
  });
  return new Map(allItems(template).filter((i) => i.probe).map((i) => [i.id, { latest: { ...run('interrupted'), itemId: i.id }, result: { ...run('interrupted'), itemId: i.id } }]));
}

/** `panel`: with the approvals and decisions the overview shows (the section messages show none of them). */
function worstView(template: Template, states: Map<string, ItemState>, panel: boolean): PromotionView {
  const items = allItems(template);
  return {
    // The longest last activity: a whole section of items marked not applicable with the longest reason.
    lastEvent: {
      actor: WORST_USER,
      at: WORST_AT,
      event: {
        action: 'section.not_applicable',
        data: { section: template.sections[0]!.id, reason: '&'.repeat(NA_REASON_MAX), items: items.map((i) => ({ item: i.id, kind: itemKind(i), before: null })) },
      },
    },
    // Every message posted, so the overview links every section it names.
    links: { threadTs: WORST_TS, sectionTs: new Map(template.sections.map((s) => [s.id, WORST_TS])) },
    ...(panel ? { approvals: worstApprovals(template, states), decisions: WORST_DECISIONS } : {}),
    probes: worstProbes(template),
    promotion: {
      id: '00000000-0000-4000-8000-000000000000',
      release: 'v'.repeat(64),
      templateId: template.id,
      template,
      channelId: 'C0123456789',
      teamId: null,
      status: 'active',
      stage: 'preparing',
      environment: null,
      requestedBy: WORST_USER,
      createdAt: WORST_AT,
      endedAt: null,
      endedBy: null,
      endReason: null,
      version: 0,
    },
    states,
  };
}

export interface MessageSize {
  blocks: number;
  chars: number;
}

/** The longest window line the overview can show: it spans days, and T0 is not when it opens. */
/** GitHub jobs at the gate at their longest (issue 13): more than the overview lists, every part at GitHub's maximum. */
const WORST_GATES: GateView[] = Array.from({ length: GATES_SHOWN + 2 }, (_, i) => ({
  repo: `${'a'.repeat(39)}/${'&'.repeat(100)}`,
  environment: '&'.repeat(255),
  runId: 99_999_999_999 - i,
  runUrl: `https://github.example.com/${'o'.repeat(39)}/${'&'.repeat(100)}/actions/runs/${'9'.repeat(20)}`,
  sha: 'f'.repeat(64),
  ref: '&'.repeat(255),
  triggeredBy: '&'.repeat(100),
  state: 'approved',
  sent: 'failed',
}));

const WORST_WINDOW = { start: new Date('2099-12-24T23:59:00Z'), end: new Date('2099-12-31T23:59:00Z'), t0: new Date('2099-12-25T23:59:00Z') };

function worstRollback(completed: boolean): RollbackView {
  return {
    startedBy: WORST_USER,
    startedAt: WORST_AT,
    path: null,
    issue: '&'.repeat(1500),
    subject: '&'.repeat(150),
    message: '&'.repeat(2900),
    updates: 99999,
    lastUpdateAt: WORST_AT,
    completedBy: completed ? WORST_USER : null,
    completedAt: completed ? WORST_AT : null,
    resolution: completed ? '&'.repeat(1500) : null,
    acks: Array.from({ length: 100 }, (_, i) => ({ userId: `W0123456789AB${String(i).padStart(4, '0')}`, at: WORST_AT })),
  };
}

/**
 * Every worst case to render, by stage: each way of filling the checklist in, running and ended (read-only, with the
 * longest abort reason). The stage decides whether a section is work, not yet open, or a plan.
 */
function worstViews(template: Template, panel = false): Map<PromotionStage, PromotionView[]> {
  const states = worstStates(template);
  return new Map(
    STAGES.map((stage) => [
      stage,
      states.flatMap((s) =>
        [false, true].map((ended) => {
          const view = worstView(template, s, panel);
          view.promotion.stage = stage;
          // After a NO-GO the last decision is that NO-GO.
          if (panel && stage === 'no-go') view.decisions = WORST_DECISIONS.slice(0, 1);
          // A scheduled window (over a day long, T0 after it opens) is longer than the "not scheduled" line.
          if (panel) view.promotion.window = WORST_WINDOW;
          if (panel && template.github) view.gates = WORST_GATES;
          // Rolling back: the rollback panel at its longest (every acknowledgement, the longest issue and resolution).
          if (panel && stage === 'rolling-back') view.rollback = worstRollback(ended);
          if (ended) Object.assign(view.promotion, { status: 'aborted', endedBy: WORST_USER, endedAt: WORST_AT, endReason: '&'.repeat(500) });
          return view;
        }),
      ),
    ]),
  );
}

function worstSize(views: Iterable<PromotionView>, render: (v: PromotionView) => { blocks: KnownBlock[] }): MessageSize {
  let blocks = 0;
  let chars = 0;
  for (const view of views) {
    const m = render(view);
    blocks = Math.max(blocks, m.blocks.length);
    chars = Math.max(chars, blockTextLength(m.blocks));
  }
  return { blocks, chars };
}

/**
 * The largest each section alone can get, in blocks and in characters (each maximum taken on its own). A section
 * renders the same at every stage where it has the same mode, so it is rendered once per mode it can have.
 */
function sectionSizes(template: Template, views: Map<PromotionStage, PromotionView[]>): MessageSize[] {
  return template.sections.map((section, i) => {
    const byMode = new Map(STAGES.map((stage) => [sectionMode(stage, section), stage] as const));
    return worstSize(
      [...byMode.values()].flatMap((stage) => views.get(stage)!),
      (v) => renderSectionsMessage(v, [i]),
    );
  });
}

function fits(size: MessageSize): boolean {
  return size.blocks <= LIMITS.blocksPerMessage && size.chars <= LIMITS.messageText;
}

/**
 * Which sections go into which thread message. Sections are packed in order, as many per message as fit
 * in the worst case, so a message never outgrows Slack's limits however the checklist is filled in.
 * A message's size is the sum of its sections' (plus a divider between two): summing each section's own worst
 * case bounds the message's, so each section is rendered alone, once per worst case, not once per candidate message.
 * Depends on the template alone, which is frozen per promotion: the plan never changes under a promotion.
 */
export function planMessages(template: Template): number[][] {
  const sizes = sectionSizes(template, worstViews(template));
  const plan: number[][] = [];
  let current: number[] = [];
  let size: MessageSize = { blocks: 0, chars: 0 };
  sizes.forEach((own, i) => {
    const together = { blocks: size.blocks + 1 + own.blocks, chars: size.chars + own.chars };
    if (current.length > 0 && fits(together)) {
      current.push(i);
      size = together;
    } else {
      if (current.length > 0) plan.push(current);
      current = [i];
      size = own;
    }
  });
  if (current.length > 0) plan.push(current);
  return plan;
}

/** Every worst case of the overview, at every stage, for tests that render them against Slack's limits. */
export function worstOverviewViews(template: Template): PromotionView[] {
  return [...worstViews(template, true).values()].flat();
}

/**
 * The largest the overview can get (its own message, not part of the plan): every stage, every way of filling the
 * checklist in, with the approvals panel at its longest (blocks/approvals.ts) and the last decision's longest reason.
 */
export function overviewSize(template: Template): MessageSize {
  return worstSize(worstOverviewViews(template), renderOverview);
}

/** Why a template cannot be shown within Slack's limits, as key paths and advice. Empty when it can. */
export function layoutProblems(template: Template): Array<{ key: string; message: string }> {
  const problems: Array<{ key: string; message: string }> = [];
  const views = worstViews(template);
  const sizes = sectionSizes(template, views);
  template.sections.forEach((section, i) => {
    const size = sizes[i]!;
    if (!fits(size)) {
      problems.push({
        key: `sections[${i}]`,
        message: `section "${section.id}" can grow to ${size.blocks} blocks and ${size.chars} characters, over one Slack message (${LIMITS.blocksPerMessage} blocks, ${LIMITS.messageText} characters): split it into smaller sections or shorten its notes`,
      });
    }
  });
  const overview = overviewSize(template);
  if (!fits(overview)) {
    problems.push({
      key: 'sections',
      message: `the overview can grow to ${overview.blocks} blocks and ${overview.chars} characters, over one Slack message (${LIMITS.blocksPerMessage} blocks, ${LIMITS.messageText} characters): use fewer sections or fewer approvals of one stage`,
    });
  }
  return problems;
}
