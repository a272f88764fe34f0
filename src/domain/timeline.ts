import { atOffset, formatOffset, occurrences, parseDuration, parseOffset } from './offsets.js';
import { isSettled, sectionMode, type PromotionView } from './promotion.js';
import type { Item, Section, Template } from './template.js';

/**
 * The maintenance window and the reminders it sets off: pure arithmetic on a T0 the caller supplies. A template
 * writes time as offsets from T0 (`T-24h`, `T+2m`, src/domain/offsets.ts); scheduling the window fixes T0, and this
 * module turns the template's timeline, its items' due offsets and its decision points into dated reminders, decides
 * what a late reminder does, and says what each one lists. Nothing here reads the clock or the database.
 */

export type ReminderKind = 'timeline' | 'item-due' | 'checkpoint' | 'escalation' | 'hold' | 'rollback-update';

/** A reminder to store: what it is, the series that supersedes it, and when it falls due. */
export interface PlannedReminder {
  kind: ReminderKind;
  /** Reminders of one series supersede each other (a repeat's occurrences; every item-due callout). */
  series: string;
  /** What it is about: `<timeline entry index>:<occurrence>` for the timeline and checkpoints, the offset for item-due. */
  ref: string;
  dueAt: Date;
}

export interface Window {
  /** When the window opens (T0 plus the template's `window.opens`). */
  start: Date;
  end: Date;
  /** The planned start the offsets count from. */
  t0: Date;
}

/** The longest window a team may schedule: a runbook's "24-48 hours until final sign-off" fits. */
export const MAX_WINDOW_MS = 7 * 24 * 3_600_000;

/**
 * The window a person asked for: its start, and its end or length (the template's `window.duration` when neither is
 * given). T0 is the start less the template's `window.opens` (a window opening at T-30m starts half an hour before T0).
 */
export function windowFrom(template: Pick<Template, 'window'>, start: Date, end: Date | null, durationMs: number | null): Window {
  const length = end ? end.getTime() - start.getTime() : (durationMs ?? parseDuration(template.window.duration));
  return { start, end: new Date(start.getTime() + length), t0: new Date(start.getTime() - parseOffset(template.window.opens)) };
}

/**
 * Every reminder the template plans for a window with this T0 that is still ahead of `now`: each timeline entry (a
 * decision point is a `checkpoint`), each occurrence of a repeat, and one `item-due` callout per distinct due offset of
 * the items. Reminders already past when the window is scheduled are not planned: nobody needs "T-24h" an hour before.
 */
export function planReminders(template: Pick<Template, 'timeline' | 'sections'>, t0: Date, now: Date): PlannedReminder[] {
  const planned: PlannedReminder[] = [];
  template.timeline.forEach((entry, i) => {
    occurrences(t0, entry).forEach((dueAt, k) => {
      planned.push({ kind: entry.decision ? 'checkpoint' : 'timeline', series: `timeline:${i}`, ref: `${i}:${k}`, dueAt });
    });
  });
  const dueOffsets = new Set(template.sections.flatMap((s) => s.items.flatMap((item) => (item.at ? [formatOffset(parseOffset(item.at))] : []))));
  for (const offset of dueOffsets) planned.push({ kind: 'item-due', series: 'item-due', ref: offset, dueAt: atOffset(t0, offset) });
  return planned.filter((r) => r.dueAt.getTime() > now.getTime()).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
}

/** The timeline entry and occurrence a `timeline` or `checkpoint` reminder's ref names. */
export function entryOf(template: Pick<Template, 'timeline'>, ref: string): { entry: Template['timeline'][number]; index: number; occurrence: number } | undefined {
  const [i, k] = ref.split(':').map(Number);
  const entry = Number.isInteger(i) ? template.timeline[i!] : undefined;
  return entry ? { entry, index: i!, occurrence: Number.isInteger(k) ? k! : 0 } : undefined;
}

/** A reminder posted this long after its due time says so ("due at …"): the bot was down, or Slack held it back. */
export const LATE_AFTER_MS = 60_000;

export function isLate(dueAt: Date, now: Date): boolean {
  return now.getTime() - dueAt.getTime() > LATE_AFTER_MS;
}

/** `T-5m`, `T+2m`: where a time sits relative to T0, in the template's own words. */
export function offsetLabel(t0: Date, at: Date): string {
  const minutes = Math.round((at.getTime() - t0.getTime()) / 60_000);
  return formatOffset(minutes * 60_000);
}

/** People to mention, as Slack ids: users (U…, W…) and user groups (S…). */
export function roleMentions(template: Pick<Template, 'roles'>, roles: readonly string[]): string[] {
  const ids = roles.flatMap((r) => {
    const role = template.roles[r];
    return role ? [...role.users, ...role.groups] : [];
  });
  return [...new Set(ids)];
}

/** The deciders to mention at a decision point: the decider role's people, or the requester when there is none. */
export function deciderMentions(view: Pick<PromotionView, 'promotion'>): string[] {
  const { template, requestedBy } = view.promotion;
  const named = template.decider ? roleMentions(template, [template.decider]) : [];
  return named.length > 0 ? named : [requestedBy];
}

export interface OpenItem {
  label: string;
  assignee: string | null;
  /** Due at this offset (`T-5m`), when the template says. */
  due: string | null;
}

export interface OpenSectionItems {
  sectionId: string;
  title: string;
  items: OpenItem[];
  /** Open items not listed (a reminder lists a few per section). */
  more: number;
}

/** How many open items a reminder lists per section, and how many sections: a reminder is read on a phone. */
export const LISTED_PER_SECTION = 5;
export const LISTED_SECTIONS = 6;

function openItem(item: Item, assignee: string | null | undefined): OpenItem {
  return { label: item.label, assignee: assignee ?? null, due: item.at ? formatOffset(parseOffset(item.at)) : null };
}

/**
 * What is still open in the sections a reminder concerns: those it names, or else every section open for work now.
 * Sections not in play (after GO, before GO is decided) list nothing: nobody can work them yet.
 */
export function openInSections(view: PromotionView, sectionIds?: readonly string[]): { sections: OpenSectionItems[]; more: number } {
  const { template, stage } = view.promotion;
  const chosen = sectionIds ? template.sections.filter((s) => sectionIds.includes(s.id)) : template.sections;
  const open = chosen
    .filter((s) => sectionMode(stage, s) === 'work')
    .flatMap((s) => {
      const items = s.items.filter((i) => !isSettled(i, view.states.get(i.id)));
      return items.length === 0 ? [] : [{ section: s, items }];
    });
  return {
    sections: open.slice(0, LISTED_SECTIONS).map(({ section, items }) => ({
      sectionId: section.id,
      title: section.title,
      items: items.slice(0, LISTED_PER_SECTION).map((i) => openItem(i, view.states.get(i.id)?.assignee)),
      more: Math.max(0, items.length - LISTED_PER_SECTION),
    })),
    more: Math.max(0, open.length - LISTED_SECTIONS),
  };
}

/**
 * The items due at or before `offset` that are still open, in sections open for work: what an item-due callout lists.
 * A callout covers every earlier due time too, so a later callout supersedes an earlier one that was never posted.
 */
export function overdueItems(view: PromotionView, offset: string): { sections: OpenSectionItems[]; more: number } {
  const limit = parseOffset(offset);
  const { template, stage } = view.promotion;
  const due = template.sections
    .filter((s) => sectionMode(stage, s) === 'work')
    .flatMap((s) => {
      const items = s.items.filter((i) => i.at !== undefined && parseOffset(i.at) <= limit && !isSettled(i, view.states.get(i.id)));
      return items.length === 0 ? [] : [{ section: s, items }];
    });
  return {
    sections: due.slice(0, LISTED_SECTIONS).map(({ section, items }) => ({
      sectionId: section.id,
      title: section.title,
      items: items.slice(0, LISTED_PER_SECTION).map((i) => openItem(i, view.states.get(i.id)?.assignee)),
      more: Math.max(0, items.length - LISTED_PER_SECTION),
    })),
    more: Math.max(0, due.length - LISTED_SECTIONS),
  };
}

/** The assignees of what a reminder lists: they are mentioned with the roles. */
export function assigneesOf(sections: readonly OpenSectionItems[]): string[] {
  return [...new Set(sections.flatMap((s) => s.items.flatMap((i) => (i.assignee ? [i.assignee] : []))))];
}

/** The ramp step after `itemId` in its section (the item its hold holds back), if any. */
export function nextStep(template: Pick<Template, 'sections'>, itemId: string): { section: Section; item: Item; next: Item | undefined } | undefined {
  for (const section of template.sections) {
    const i = section.items.findIndex((it) => it.id === itemId);
    if (i >= 0) return { section, item: section.items[i]!, next: section.items[i + 1] };
  }
  return undefined;
}

/** The step before `itemId` in its section when that step has a hold: ticking `itemId` must wait for it. */
export function heldBy(template: Pick<Template, 'sections'>, itemId: string): Item | undefined {
  for (const section of template.sections) {
    const i = section.items.findIndex((it) => it.id === itemId);
    if (i > 0 && section.items[i - 1]!.hold) return section.items[i - 1];
  }
  return undefined;
}
