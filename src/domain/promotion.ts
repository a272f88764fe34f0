import { escLiteral } from './mrkdwn.js';
import type { ApprovalRecord } from './approvals.js';
import type { AuditEvent } from './audit-events.js';
import type { ItemProbe } from './probes.js';
import { allItems, itemKind, type Item, type Section, type Template } from './template.js';
import { phaseOf, type Phase } from './template/items.js';

export type PromotionStatus = 'active' | 'aborted' | 'completed' | 'rolled-back';
export type ItemStateName = 'open' | 'done' | 'na';

/**
 * Where a running promotion is relative to the GO decision, which decides the phases in play (`phasesInPlay`):
 * preparing until the decider's GO or NO-GO (a NO-GO can be followed by another decision); a rollback sets
 * 'rolling-back'.
 */
export type PromotionStage = 'preparing' | 'go' | 'no-go' | 'rolling-back';
export const STAGES: readonly PromotionStage[] = ['preparing', 'go', 'no-go', 'rolling-back'];

export interface Promotion {
  id: string;
  release: string;
  templateId: string;
  template: Template;
  channelId: string;
  teamId: string | null;
  status: PromotionStatus;
  stage: PromotionStage;
  /** The environment it deploys to and holds the lock of, if any. */
  environment: string | null;
  requestedBy: string;
  createdAt: Date;
  endedAt: Date | null;
  endedBy: string | null;
  endReason: string | null;
  version: number;
  /** The maintenance window once scheduled (issue 11): when it opens and ends, and T0, the offsets' zero. */
  window?: PromotionWindow | null;
}

/** A promotion's rollback as the overview shows it (src/store/rollbacks.ts). */
export interface RollbackView {
  startedBy: string;
  startedAt: Date;
  /** The template's rollback path chosen, by id. */
  path: string | null;
  issue: string;
  subject: string;
  message: string;
  updates: number;
  lastUpdateAt: Date | null;
  completedBy: string | null;
  completedAt: Date | null;
  resolution: string | null;
  acks: Array<{ userId: string; at: Date }>;
}

export interface PromotionWindow {
  start: Date;
  end: Date;
  t0: Date;
}

export interface ItemState {
  itemId: string;
  state: ItemStateName;
  /** A field's value, or a choice's option id. */
  value: string | null;
  /** Why an item is not applicable. */
  note: string | null;
  by: string | null;
  at: Date | null;
  /** Who the item is assigned to (a Slack user id), null when nobody is; shown while the item is open. */
  assignee: string | null;
}

/** The latest entry of a promotion's audit trail: the overview's "last activity". */
export interface LastEvent {
  actor: string;
  at: Date;
  event: AuditEvent;
}

/** Where the promotion's messages are, so the overview can link to a section's message in the thread. */
export interface MessageLinks {
  /** The overview's ts: the thread every section message is in. */
  threadTs: string | null;
  /** Section id → ts of the thread message that shows it, for those posted. */
  sectionTs: ReadonlyMap<string, string>;
}

/** A GO or NO-GO, as recorded (src/store/decisions.ts). */
export interface Decision {
  decision: 'go' | 'no-go';
  by: string;
  at: Date;
  reason: string | null;
  /** A NO-GO's new date, YYYY-MM-DD. */
  newDate: string | null;
}

/** A promotion with the state of every item: what every message is rendered from. */
/** A GitHub job at the promotion's gate, as the overview shows it. */
export interface GateView {
  repo: string;
  environment: string;
  runId: number;
  runUrl: string;
  sha: string;
  ref: string;
  triggeredBy: string;
  state: 'waiting' | 'approved' | 'rejected';
  /** Where the answer is: none yet, on its way to GitHub, taken, or refused by GitHub. */
  sent: 'none' | 'pending' | 'claimed' | 'sent' | 'failed';
}

export interface PromotionView {
  promotion: Promotion;
  states: Map<string, ItemState>;
  /** Every approval decision, void ones included (loaded with the view; absent in views built elsewhere: none). */
  approvals?: readonly ApprovalRecord[];
  /** GO / NO-GO decisions, oldest first. */
  decisions?: readonly Decision[];
  /** Item id → its probe's latest run and latest result (loaded with the view; absent elsewhere: never run). */
  probes?: ReadonlyMap<string, ItemProbe>;
  /** GitHub jobs waiting (or answered) at the template's gated environment, oldest first (issue 13; loaded with the view for a template with `github`). */
  gates?: readonly GateView[];
  /** The rollback, once one started (issue 12; loaded with the view: absent elsewhere, none). */
  rollback?: RollbackView | null;
  /** Loaded with the view from the store; absent in views built elsewhere, which then show no activity. */
  lastEvent?: LastEvent | null;
  links?: MessageLinks;
}

/**
 * Which phases count toward progress and can be worked at each stage. Before GO only the before-go sections are
 * work; the rest are shown as what comes later, or as a plan to follow if it comes to that. Reference never counts.
 */
export function phasesInPlay(stage: PromotionStage): ReadonlySet<Phase> {
  switch (stage) {
    case 'preparing':
      return new Set(['before-go']);
    case 'go':
      return new Set(['before-go', 'after-go']);
    case 'no-go':
      return new Set(['before-go', 'if-no-go']);
    case 'rolling-back':
      return new Set(['before-go', 'after-go', 'on-rollback']);
  }
}

export function sectionInPlay(stage: PromotionStage, section: Pick<Section, 'phase'>): boolean {
  return phasesInPlay(stage).has(phaseOf(section));
}

/**
 * How a section is shown and what can be done in it:
 * - work: in play, counted; its items can be ticked, filled, chosen, marked not applicable;
 * - upcoming: after GO while GO has not come: shown as not yet open, nothing to tick, but items can already be marked
 *   not applicable (planning ahead);
 * - plan: a NO-GO or rollback plan (or after-GO steps once the decision was NO-GO): a list of steps, nothing to do;
 * - reference: never counted; its check items are a list, its fields (notes) can be filled at any time.
 */
export type SectionMode = 'work' | 'upcoming' | 'plan' | 'reference';

export function sectionMode(stage: PromotionStage, section: Pick<Section, 'phase'>): SectionMode {
  const phase = phaseOf(section);
  if (phase === 'reference') return 'reference';
  if (phasesInPlay(stage).has(phase)) return 'work';
  if (phase === 'after-go' && stage === 'preparing') return 'upcoming';
  return 'plan';
}

export const PHASE_LABEL: Record<Phase, string> = {
  'before-go': 'Before GO',
  'after-go': 'After GO',
  'if-no-go': 'If NO-GO',
  'on-rollback': 'On rollback',
  reference: 'Reference',
};

/** When a phase that is not in play would open, as the end of a sentence ("it can be ticked once …"). */
const OPENS_WHEN: Record<Exclude<Phase, 'before-go' | 'reference'>, string> = {
  'after-go': 'once the promotion has a GO',
  'if-no-go': 'once the promotion has a NO-GO',
  'on-rollback': 'once a rollback has started',
};

const VERB: Record<ReturnType<typeof itemKind>, string> = { check: 'ticked', field: 'filled in', choice: 'chosen' };

/**
 * Why this item cannot be ticked, filled in or chosen at this stage, for the person who tried; null when it can.
 * Services call it inside the change, so a stale message or an old client cannot get round it.
 */
export function whyClosed(stage: PromotionStage, section: Pick<Section, 'phase'>, item: Item): string | null {
  const mode = sectionMode(stage, section);
  if (mode === 'work') return null;
  const kind = itemKind(item);
  const phase = phaseOf(section);
  if (mode === 'reference') return kind === 'check' ? `“${escLiteral(item.label)}” is reference: there is nothing to tick.` : null;
  if (phase === 'before-go' || phase === 'reference') return null;
  if (phase === 'after-go' && stage === 'no-go') return `“${escLiteral(item.label)}” belongs to ${PHASE_LABEL[phase]}, and this promotion had a NO-GO.`;
  return `“${escLiteral(item.label)}” belongs to ${PHASE_LABEL[phase]}: it can be ${VERB[kind]} ${OPENS_WHEN[phase]}.`;
}

/** Why a section's items cannot be marked (or restored) not applicable at this stage; null when they can. */
export function whyNotMarkable(stage: PromotionStage, section: Pick<Section, 'phase' | 'title'>): string | null {
  const mode = sectionMode(stage, section);
  if (mode === 'work' || mode === 'upcoming') return null;
  if (mode === 'reference') return `“${escLiteral(section.title)}” is reference: nothing in it counts, so there is nothing to mark.`;
  const phase = phaseOf(section) as Exclude<Phase, 'before-go' | 'reference'>;
  return `“${escLiteral(section.title)}” is a plan for ${PHASE_LABEL[phase]}: nothing in it counts now, so there is nothing to mark.`;
}

/** The option chosen for a choice item if it blocks GO (e.g. "Restore tested: NO"), else undefined. */
export function blockingChoice(item: Item, s: ItemState | undefined): { id: string; label: string } | undefined {
  if (s?.state !== 'done' || !item.choice) return undefined;
  const option = item.choice.options.find((o) => o.id === s.value);
  return option?.blocks_go ? option : undefined;
}

/** Settled: done (and not a choice that blocks GO) or not applicable. */
export function isSettled(item: Item, s: ItemState | undefined): boolean {
  if (s?.state === 'na') return true;
  return s?.state === 'done' && !blockingChoice(item, s);
}

export interface Progress {
  total: number;
  /** Done, not counting choices whose chosen option blocks GO. */
  done: number;
  na: number;
  /** Not settled yet: open, or chosen with an option that blocks GO. */
  open: number;
  /** How many of the open items are choices whose chosen option blocks GO. */
  blocked: number;
}

function progressOf(items: readonly Item[], states: Map<string, ItemState>): Progress {
  let done = 0;
  let na = 0;
  let blocked = 0;
  for (const item of items) {
    const s = states.get(item.id);
    if (s?.state === 'na') na++;
    else if (blockingChoice(item, s)) blocked++;
    else if (s?.state === 'done') done++;
  }
  return { total: items.length, done, na, open: items.length - done - na, blocked };
}

/** A section's progress: how many of its items are done, not applicable, open, whatever its phase. */
export function sectionProgress(section: Pick<Section, 'items'>, states: Map<string, ItemState>): Progress {
  return progressOf(section.items, states);
}

/** The sections whose items count now (the phases in play), in template order, with their indexes. */
export function sectionsInPlay(view: PromotionView): Array<{ index: number; section: Section }> {
  const { stage, template } = view.promotion;
  return template.sections.flatMap((section, index) => (sectionInPlay(stage, section) ? [{ index, section }] : []));
}

/** Progress over the phases in play only: a rollback plan or the NO-GO steps are not unfinished work. */
export function promotionProgress(view: PromotionView): Progress {
  return progressOf(
    sectionsInPlay(view).flatMap(({ section }) => section.items),
    view.states,
  );
}

/** The percentage of items settled (done or not applicable), rounded down so 100% means really all. */
export function percentSettled(p: Progress): number {
  return p.total === 0 ? 100 : Math.floor(((p.done + p.na) * 100) / p.total);
}

export interface OpenSection {
  index: number;
  section: Section;
  progress: Progress;
}

export interface Blocker {
  section: Section;
  item: Item;
  option: { id: string; label: string };
}

/** What is left in the phases in play: the sections with unsettled items, in order, and the choices blocking GO. */
export function whatIsLeft(view: PromotionView): { sections: OpenSection[]; open: number; blockers: Blocker[] } {
  const sections: OpenSection[] = [];
  const blockers: Blocker[] = [];
  for (const { index, section } of sectionsInPlay(view)) {
    const progress = sectionProgress(section, view.states);
    if (progress.open > 0) sections.push({ index, section, progress });
    for (const item of section.items) {
      const option = blockingChoice(item, view.states.get(item.id));
      if (option) blockers.push({ section, item, option });
    }
  }
  return { sections, open: sections.reduce((n, s) => n + s.progress.open, 0), blockers };
}

/** Per frozen template (see `findItem`): a busy checklist asks `checkItemIds` for every click. */
const checkIds = new WeakMap<Template, ReadonlySet<string>>();

/** Which items of a template a checkbox click may change: only check items, never fields or choices. */
export function checkItemIds(template: Template): ReadonlySet<string> {
  const known = checkIds.get(template);
  if (known) return known;
  const ids = new Set(allItems(template).filter((i) => itemKind(i) === 'check').map((i) => i.id));
  if (Object.isFrozen(template)) checkIds.set(template, ids);
  return ids;
}
