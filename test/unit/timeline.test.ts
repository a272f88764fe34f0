/**
 * The timeline's arithmetic (src/domain/timeline.ts) on fixed dates: no clock, no database, no waiting.
 */
import { describe, expect, it } from 'vitest';
import type { ItemState, PromotionView } from '../../src/domain/promotion.js';
import { templateSchema, type Template, type TemplateInput } from '../../src/domain/template.js';
import {
  assigneesOf,
  deciderMentions,
  entryOf,
  heldBy,
  isLate,
  LATE_AFTER_MS,
  LISTED_PER_SECTION,
  LISTED_SECTIONS,
  nextStep,
  offsetLabel,
  openInSections,
  overdueItems,
  planReminders,
  roleMentions,
  windowFrom,
} from '../../src/domain/timeline.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = new Date('2026-11-24T02:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function build(id: string, input: TemplateInput): Template {
  return { id, ...templateSchema.parse(input) };
}

const template = build('timeline', {
  name: 'Timeline',
  roles: {
    lead: { label: 'Lead', users: ['U0LEAD', 'U0BOTH'] },
    oncall: { label: 'On call', users: ['U0BOTH'], groups: ['S0ONCALL'] },
    chair: { label: 'Chair', users: ['U0CHAIR'] },
    nobody: { label: 'Nobody yet' },
  },
  decider: 'chair',
  window: { duration: '2h' },
  timeline: [
    { at: 'T-1d', say: 'Tomorrow' },
    { at: 'T-60m', say: 'An hour to go', mention: ['lead'], sections: ['gates'] },
    { at: 'T+2m', say: 'Canary healthy?', decision: { probes: ['lock'] } },
    { at: 'T+1h', say: 'Hourly check', repeat: { every: '1h', until: 'T+4h' } },
  ],
  sections: [
    {
      id: 'gates',
      title: 'Gates',
      kind: 'gates',
      items: [
        { id: 'lock', label: 'No locks', at: 'T-60m' },
        { id: 'queries', label: 'No long queries', at: 'T-1h' },
        { id: 'final', label: 'Final look', at: 'T-5m' },
        { id: 'restore', label: 'Restore tested', choice: { options: [{ id: 'yes', label: 'YES' }, { id: 'no', label: 'NO', blocks_go: true }] } },
        { id: 'plain', label: 'Plain check' },
      ],
    },
    { id: 'deploy', title: 'Deploy', kind: 'deploy', phase: 'after-go', items: [{ id: 'apply', label: 'Apply', at: 'T+10m' }, { id: 'verify', label: 'Verify' }] },
    { id: 'rollback', title: 'Rollback', kind: 'rollback', phase: 'on-rollback', items: [{ id: 'revert', label: 'Revert', at: 'T-5m' }] },
    {
      id: 'ramp',
      title: 'Ramp',
      kind: 'deploy',
      items: [
        { id: 'ramp-10', label: '10%', hold: { for: '30m', checks: ['lock'] } },
        { id: 'ramp-50', label: '50%', hold: { for: '1h' } },
        { id: 'ramp-100', label: '100%' },
      ],
    },
  ],
});

type State = Pick<ItemState, 'itemId' | 'state'> & Partial<ItemState>;
const state = (s: State): ItemState => ({ value: null, note: null, by: 'U1', at: new Date(0), assignee: null, ...s });

function view(t: Template, states: State[] = [], stage: PromotionView['promotion']['stage'] = 'preparing', requestedBy = 'U0REQ'): PromotionView {
  const all = new Map(t.sections.flatMap((s) => s.items.map((i) => [i.id, state({ itemId: i.id, state: 'open' })] as const)));
  for (const s of states) all.set(s.itemId, state(s));
  return {
    promotion: {
      id: '00000000-0000-4000-8000-000000000000',
      release: 'v1',
      templateId: t.id,
      template: t,
      channelId: 'C1',
      teamId: null,
      status: 'active',
      stage,
      environment: null,
      requestedBy,
      createdAt: new Date(0),
      endedAt: null,
      endedBy: null,
      endReason: null,
      version: 1,
      window: null,
    },
    states: all,
  };
}

const labels = (r: ReturnType<typeof openInSections>) => r.sections.map((s) => [s.sectionId, s.items.map((i) => i.label)]);

describe('windowFrom', () => {
  const start = new Date('2026-11-24T02:00:00Z');

  it("lasts the template's duration when neither an end nor a length is given, and T0 is the start", () => {
    expect(windowFrom(template, start, null, null)).toEqual({ start, end: new Date('2026-11-24T04:00:00Z'), t0: start });
    const defaults = build('defaults', { name: 'Defaults', sections: [{ id: 'a', title: 'A', kind: 'notes', items: [{ id: 'x', label: 'X' }] }] });
    expect(windowFrom(defaults, start, null, null).end).toEqual(new Date('2026-11-24T02:30:00Z'));
  });

  it('takes an explicit end over a length, and a length over the default', () => {
    const end = new Date('2026-11-24T03:15:00Z');
    expect(windowFrom(template, start, end, 10 * MIN)).toEqual({ start, end, t0: start });
    expect(windowFrom(template, start, null, 45 * MIN).end).toEqual(new Date('2026-11-24T02:45:00Z'));
  });

  it('puts T0 after the start when the window opens before T0 (opens: T-30m)', () => {
    const early = build('early', { ...templateInput(), window: { duration: '1h', opens: 'T-30m' } });
    expect(windowFrom(early, start, null, null)).toEqual({ start, end: new Date('2026-11-24T03:00:00Z'), t0: new Date('2026-11-24T02:30:00Z') });
  });
});

function templateInput(): TemplateInput {
  return { name: 'Small', sections: [{ id: 'a', title: 'A', kind: 'notes', items: [{ id: 'x', label: 'X' }] }] };
}

describe('planReminders', () => {
  const plan = (now: Date) => planReminders(template, T0, now).map((r) => [r.kind, r.series, r.ref, r.dueAt.toISOString()]);
  const iso = (ms: number) => at(ms).toISOString();

  it('plans every entry, every occurrence of a repeat, decision points as checkpoints and one item-due per distinct offset, by due time', () => {
    expect(plan(at(-2 * 24 * HOUR))).toEqual([
      ['timeline', 'timeline:0', '0:0', iso(-24 * HOUR)],
      ['timeline', 'timeline:1', '1:0', iso(-HOUR)],
      // T-60m and T-1h are one offset: one callout, written the short way.
      ['item-due', 'item-due', 'T-1h', iso(-HOUR)],
      ['item-due', 'item-due', 'T-5m', iso(-5 * MIN)],
      ['checkpoint', 'timeline:2', '2:0', iso(2 * MIN)],
      ['item-due', 'item-due', 'T+10m', iso(10 * MIN)],
      ['timeline', 'timeline:3', '3:0', iso(HOUR)],
      ['timeline', 'timeline:3', '3:1', iso(2 * HOUR)],
      ['timeline', 'timeline:3', '3:2', iso(3 * HOUR)],
      ['timeline', 'timeline:3', '3:3', iso(4 * HOUR)],
    ]);
  });

  it('plans a repeat T+1h every 1h until T+4h four times, in one series', () => {
    const hourly = planReminders(template, T0, at(-HOUR)).filter((r) => r.series === 'timeline:3');
    expect(hourly.map((r) => r.dueAt.getTime() - T0.getTime())).toEqual([HOUR, 2 * HOUR, 3 * HOUR, 4 * HOUR]);
  });

  it('leaves out what is already past, or due at this very moment', () => {
    expect(plan(at(-30 * MIN)).map(([, , ref]) => ref)).toEqual(['T-5m', '2:0', 'T+10m', '3:0', '3:1', '3:2', '3:3']);
    // Exactly at T-5m: the T-5m callout is not ahead any more.
    expect(plan(at(-5 * MIN)).map(([, , ref]) => ref)).toEqual(['2:0', 'T+10m', '3:0', '3:1', '3:2', '3:3']);
    expect(plan(at(-5 * MIN - 1)).map(([, , ref]) => ref)[0]).toBe('T-5m');
    expect(planReminders(template, T0, at(5 * HOUR))).toEqual([]);
  });

  it('is sorted by due time whatever order the template lists things in', () => {
    const shuffled = build('shuffled', {
      ...templateInput(),
      timeline: [
        { at: 'T+3h', say: 'Late' },
        { at: 'T-2h', say: 'Early' },
      ],
      sections: [{ id: 'a', title: 'A', kind: 'notes', items: [{ id: 'x', label: 'X', at: 'T+1h' }, { id: 'y', label: 'Y', at: 'T-3h' }] }],
    });
    const due = planReminders(shuffled, T0, at(-24 * HOUR)).map((r) => r.dueAt.getTime());
    expect(due).toEqual([...due].sort((a, b) => a - b));
    expect(planReminders(shuffled, T0, at(-24 * HOUR)).map((r) => r.ref)).toEqual(['T-3h', '1:0', 'T+1h', '0:0']);
  });
});

describe('entryOf', () => {
  it('finds the entry and the occurrence a ref names', () => {
    expect(entryOf(template, '3:2')).toMatchObject({ index: 3, occurrence: 2, entry: { say: 'Hourly check' } });
    expect(entryOf(template, '2:0')).toMatchObject({ index: 2, occurrence: 0, entry: { say: 'Canary healthy?', decision: { continue: 'Continue' } } });
    expect(entryOf(template, '1')).toMatchObject({ index: 1, occurrence: 0 });
  });

  it.each(['9:0', '-1:0', 'x:0', 'T-5m', '1.5:0'])('finds nothing for %j', (ref) => {
    expect(entryOf(template, ref)).toBeUndefined();
  });
});

describe('isLate', () => {
  const due = T0;
  it(`is late only more than ${LATE_AFTER_MS} ms after the due time`, () => {
    expect(isLate(due, new Date(due.getTime() - MIN))).toBe(false);
    expect(isLate(due, due)).toBe(false);
    expect(isLate(due, new Date(due.getTime() + LATE_AFTER_MS))).toBe(false);
    expect(isLate(due, new Date(due.getTime() + LATE_AFTER_MS + 1))).toBe(true);
    expect(isLate(due, new Date(due.getTime() + HOUR))).toBe(true);
  });
});

describe('offsetLabel', () => {
  it.each([
    [-HOUR, 'T-1h'],
    [-5 * MIN, 'T-5m'],
    [0, 'T0'],
    [2 * MIN, 'T+2m'],
    [90 * MIN, 'T+90m'],
    [24 * HOUR, 'T+1d'],
    [-25 * HOUR, 'T-25h'],
    // Seconds round to the nearest minute.
    [2 * MIN + 20_000, 'T+2m'],
    [2 * MIN + 40_000, 'T+3m'],
    [29_000, 'T0'],
  ])('labels T0 %s ms as %s', (ms, label) => {
    expect(offsetLabel(T0, at(ms))).toBe(label);
  });
});

describe('roleMentions', () => {
  it('mentions the users and groups of each role once, ignoring a role that is not defined', () => {
    expect(roleMentions(template, ['lead', 'oncall', 'qa-lead'])).toEqual(['U0LEAD', 'U0BOTH', 'S0ONCALL']);
    expect(roleMentions(template, ['oncall', 'oncall'])).toEqual(['U0BOTH', 'S0ONCALL']);
    expect(roleMentions(template, ['nobody', 'qa-lead'])).toEqual([]);
    expect(roleMentions(template, [])).toEqual([]);
  });
});

describe('deciderMentions', () => {
  it("names the decider role's people", () => {
    expect(deciderMentions(view(template))).toEqual(['U0CHAIR']);
    const grouped = build('grouped', { ...templateInput(), roles: { chairs: { label: 'Chairs', users: ['U0C1'], groups: ['S0CHAIRS'] } }, decider: 'chairs' });
    expect(deciderMentions(view(grouped))).toEqual(['U0C1', 'S0CHAIRS']);
  });

  it('falls back to the requester when no decider is named, or the role names nobody', () => {
    expect(deciderMentions(view(build('none', templateInput()), [], 'preparing', 'U0ASKER'))).toEqual(['U0ASKER']);
    const empty = build('empty', { ...templateInput(), roles: { chair: { label: 'Chair' } }, decider: 'chair' });
    expect(deciderMentions(view(empty, [], 'preparing', 'U0ASKER'))).toEqual(['U0ASKER']);
  });
});

describe('openInSections', () => {
  it('lists by default every section open for work now, and the sections named when named', () => {
    expect(labels(openInSections(view(template)))).toEqual([
      ['gates', ['No locks', 'No long queries', 'Final look', 'Restore tested', 'Plain check']],
      ['ramp', ['10%', '50%', '100%']],
    ]);
    expect(labels(openInSections(view(template, [], 'go')))).toEqual([
      ['gates', ['No locks', 'No long queries', 'Final look', 'Restore tested', 'Plain check']],
      ['deploy', ['Apply', 'Verify']],
      ['ramp', ['10%', '50%', '100%']],
    ]);
    expect(labels(openInSections(view(template), ['ramp']))).toEqual([['ramp', ['10%', '50%', '100%']]]);
    // Named but not in play (after-go before GO, on-rollback without a rollback): nothing to list.
    expect(openInSections(view(template), ['deploy', 'rollback'])).toEqual({ sections: [], more: 0 });
    expect(labels(openInSections(view(template, [], 'rolling-back'), ['rollback']))).toEqual([['rollback', ['Revert']]]);
    expect(openInSections(view(template), ['no-such-section'])).toEqual({ sections: [], more: 0 });
    expect(openInSections(view(template), [])).toEqual({ sections: [], more: 0 });
  });

  it('leaves out settled items, not applicable ones included, but keeps a choice whose option blocks GO', () => {
    const v = view(template, [
      { itemId: 'lock', state: 'done' },
      { itemId: 'queries', state: 'na', note: 'no database' },
      { itemId: 'restore', state: 'done', value: 'no' },
      { itemId: 'ramp-10', state: 'done' },
      { itemId: 'ramp-50', state: 'done' },
      { itemId: 'ramp-100', state: 'na' },
    ]);
    expect(labels(openInSections(v))).toEqual([['gates', ['Final look', 'Restore tested', 'Plain check']]]);
    const chosenYes = view(template, [{ itemId: 'restore', state: 'done', value: 'yes' }]);
    expect(labels(openInSections(chosenYes, ['gates']))[0]![1]).not.toContain('Restore tested');
    // A section with everything settled is not listed at all.
    expect(openInSections(v, ['ramp'])).toEqual({ sections: [], more: 0 });
  });

  it('carries the assignee and the due offset of each item, written the short way', () => {
    const v = view(template, [{ itemId: 'queries', state: 'open', assignee: 'U0ANN' }]);
    const gates = openInSections(v, ['gates']).sections[0]!;
    expect(gates).toMatchObject({ sectionId: 'gates', title: 'Gates', more: 0 });
    expect(gates.items.slice(0, 3)).toEqual([
      { label: 'No locks', assignee: null, due: 'T-1h' },
      { label: 'No long queries', assignee: 'U0ANN', due: 'T-1h' },
      { label: 'Final look', assignee: null, due: 'T-5m' },
    ]);
    expect(gates.items[4]).toEqual({ label: 'Plain check', assignee: null, due: null });
  });

  it(`lists at most ${LISTED_PER_SECTION} items a section and ${LISTED_SECTIONS} sections, counting the rest`, () => {
    const sections = Array.from({ length: LISTED_SECTIONS + 2 }, (_, s) => ({
      id: `s${s}`,
      title: `S${s}`,
      kind: 'notes' as const,
      items: Array.from({ length: LISTED_PER_SECTION + 2 }, (_, i) => ({ id: `s${s}-i${i}`, label: `S${s} item ${i}` })),
    }));
    const big = build('big', { name: 'Big', sections });
    const r = openInSections(view(big));
    expect(r.sections.map((s) => s.sectionId)).toEqual(sections.slice(0, LISTED_SECTIONS).map((s) => s.id));
    expect(r.more).toBe(2);
    expect(r.sections.every((s) => s.items.length === LISTED_PER_SECTION && s.more === 2)).toBe(true);
    expect(r.sections[0]!.items.map((i) => i.label)).toEqual(['S0 item 0', 'S0 item 1', 'S0 item 2', 'S0 item 3', 'S0 item 4']);
    // Settled items do not count toward the cap: two ticked leave exactly the cap, and nothing more.
    const ticked = view(big, [
      { itemId: 's0-i0', state: 'done' },
      { itemId: 's0-i6', state: 'na' },
    ]);
    expect(openInSections(ticked).sections[0]).toMatchObject({ more: 0, items: expect.arrayContaining([expect.objectContaining({ label: 'S0 item 5' })]) });
    expect(openInSections(ticked).sections[0]!.items).toHaveLength(LISTED_PER_SECTION);
    // Exactly the cap of sections: none more.
    expect(openInSections(view(big), sections.slice(0, LISTED_SECTIONS).map((s) => s.id)).more).toBe(0);
  });
});

describe('overdueItems', () => {
  it('lists the open items due at or before the offset, in sections open for work', () => {
    expect(labels(overdueItems(view(template), 'T-5m'))).toEqual([['gates', ['No locks', 'No long queries', 'Final look']]]);
    expect(labels(overdueItems(view(template), 'T-60m'))).toEqual([['gates', ['No locks', 'No long queries']]]);
    expect(labels(overdueItems(view(template), 'T-61m'))).toEqual([]);
    // An after-go item due at T+10m is listed only once GO opened its section; on-rollback's only in a rollback.
    expect(labels(overdueItems(view(template), 'T+10m'))).toEqual([['gates', ['No locks', 'No long queries', 'Final look']]]);
    expect(labels(overdueItems(view(template, [], 'go'), 'T+10m'))).toEqual([
      ['gates', ['No locks', 'No long queries', 'Final look']],
      ['deploy', ['Apply']],
    ]);
    expect(labels(overdueItems(view(template, [], 'rolling-back'), 'T-5m'))).toEqual([
      ['gates', ['No locks', 'No long queries', 'Final look']],
      ['rollback', ['Revert']],
    ]);
  });

  it('leaves out settled items and carries assignees', () => {
    const v = view(template, [
      { itemId: 'lock', state: 'done' },
      { itemId: 'queries', state: 'na' },
      { itemId: 'final', state: 'open', assignee: 'U0ANN' },
    ]);
    expect(overdueItems(v, 'T-5m')).toEqual({ sections: [{ sectionId: 'gates', title: 'Gates', items: [{ label: 'Final look', assignee: 'U0ANN', due: 'T-5m' }], more: 0 }], more: 0 });
    expect(overdueItems(v, 'T-1h')).toEqual({ sections: [], more: 0 });
  });
});

describe('assigneesOf', () => {
  it('names each assignee of what is listed once', () => {
    const v = view(template, [
      { itemId: 'lock', state: 'open', assignee: 'U0ANN' },
      { itemId: 'final', state: 'open', assignee: 'U0ANN' },
      { itemId: 'ramp-10', state: 'open', assignee: 'U0BOB' },
      { itemId: 'apply', state: 'open', assignee: 'U0NOTLISTED' },
    ]);
    expect(assigneesOf(openInSections(v).sections)).toEqual(['U0ANN', 'U0BOB']);
    expect(assigneesOf([])).toEqual([]);
  });
});

describe('nextStep and heldBy', () => {
  it('find the step after an item, and none after the last', () => {
    expect(nextStep(template, 'ramp-10')).toMatchObject({ section: { id: 'ramp' }, item: { id: 'ramp-10', hold: { for: '30m', checks: ['lock'] } }, next: { id: 'ramp-50' } });
    expect(nextStep(template, 'ramp-100')).toMatchObject({ item: { id: 'ramp-100' }, next: undefined });
    // The last item of one section is not followed by the first of the next.
    expect(nextStep(template, 'plain')!.next).toBeUndefined();
    expect(nextStep(template, 'nope')).toBeUndefined();
  });

  it('hold an item back only when the step before it in its section has a hold', () => {
    expect(heldBy(template, 'ramp-50')?.id).toBe('ramp-10');
    expect(heldBy(template, 'ramp-100')?.id).toBe('ramp-50');
    expect(heldBy(template, 'ramp-10')).toBeUndefined();
    expect(heldBy(template, 'queries')).toBeUndefined();
    expect(heldBy(template, 'nope')).toBeUndefined();
  });
});
