import { describe, expect, it } from 'vitest';
import {
  isSettled,
  phasesInPlay,
  promotionProgress,
  sectionMode,
  sectionProgress,
  STAGES,
  whatIsLeft,
  whyClosed,
  whyNotMarkable,
  type ItemState,
  type PromotionView,
} from '../../src/domain/promotion.js';
import { templateSchema, type Template } from '../../src/domain/template.js';

const template: Template = {
  id: 'phased',
  ...templateSchema.parse({
    name: 'Phased',
    sections: [
      {
        id: 'gates',
        title: 'Gates',
        kind: 'gates',
        items: [
          { id: 'ci', label: 'CI green' },
          { id: 'restore', label: 'Restore tested', choice: { options: [{ id: 'yes', label: 'YES' }, { id: 'no', label: 'NO', blocks_go: true }] } },
        ],
      },
      { id: 'deploy', title: 'Deploy', kind: 'deploy', phase: 'after-go', items: [{ id: 'apply', label: 'Apply' }, { id: 'sha', label: 'SHA', field: { type: 'sha' } }] },
      { id: 'no-go', title: 'If NO-GO', kind: 'signoff', phase: 'if-no-go', items: [{ id: 'why', label: 'Reason', field: { type: 'text' } }] },
      { id: 'rollback', title: 'Rollback plan', kind: 'rollback', phase: 'on-rollback', items: [{ id: 'revert', label: 'Revert' }] },
      { id: 'notes', title: 'Notes', kind: 'notes', phase: 'reference', items: [{ id: 'summary', label: 'Summary' }, { id: 'note', label: 'Notes', field: { type: 'text' } }] },
    ],
  }),
};
const section = (id: string) => template.sections.find((s) => s.id === id)!;
const item = (id: string) => template.sections.flatMap((s) => s.items).find((i) => i.id === id)!;
const state = (itemId: string, s: ItemState['state'], value: string | null = null): ItemState => ({ itemId, state: s, value, note: null, by: 'U1', at: new Date(0), assignee: null });

function view(states: ItemState[], stage: PromotionView['promotion']['stage'] = 'preparing'): PromotionView {
  return {
    promotion: {
      id: '00000000-0000-4000-8000-000000000000',
      release: 'v1',
      templateId: template.id,
      template,
      channelId: 'C1',
      teamId: null,
      status: 'active',
      stage,
      environment: null,
      requestedBy: 'U1',
      createdAt: new Date(0),
      endedAt: null,
      endedBy: null,
      endReason: null,
      version: 1,
    },
    states: new Map(states.map((s) => [s.itemId, s])),
  };
}

describe('phases in play', () => {
  it('are only before-go while preparing; GO adds after-go, NO-GO if-no-go, a rollback on-rollback; never reference', () => {
    expect([...phasesInPlay('preparing')]).toEqual(['before-go']);
    expect([...phasesInPlay('go')]).toEqual(['before-go', 'after-go']);
    expect([...phasesInPlay('no-go')]).toEqual(['before-go', 'if-no-go']);
    expect([...phasesInPlay('rolling-back')]).toEqual(['before-go', 'after-go', 'on-rollback']);
    for (const stage of STAGES) expect(phasesInPlay(stage).has('reference')).toBe(false);
  });

  it('decide how each section shows: work, not yet open, a plan, or reference', () => {
    const modes = (stage: (typeof STAGES)[number]) => template.sections.map((s) => sectionMode(stage, s));
    expect(modes('preparing')).toEqual(['work', 'upcoming', 'plan', 'plan', 'reference']);
    expect(modes('go')).toEqual(['work', 'work', 'plan', 'plan', 'reference']);
    expect(modes('no-go')).toEqual(['work', 'plan', 'work', 'plan', 'reference']);
    expect(modes('rolling-back')).toEqual(['work', 'work', 'plan', 'work', 'reference']);
  });

  it('treat a section stored without a phase (a promotion started before phases) as before GO', () => {
    const stored = JSON.parse(JSON.stringify({ ...section('deploy'), phase: undefined })) as ReturnType<typeof section>;
    expect('phase' in stored).toBe(false);
    expect(sectionMode('preparing', stored)).toBe('work');
  });
});

describe('progress', () => {
  it('counts only the phases in play', () => {
    const v = view([state('ci', 'done'), state('apply', 'done'), state('revert', 'na')]);
    expect(promotionProgress(v)).toEqual({ total: 2, done: 1, na: 0, open: 1, blocked: 0 });
    expect(promotionProgress({ ...v, promotion: { ...v.promotion, stage: 'go' } })).toEqual({ total: 4, done: 2, na: 0, open: 2, blocked: 0 });
  });

  it('does not count a chosen option that blocks GO as settled, and names it as a blocker', () => {
    const blocked = view([state('ci', 'done'), state('restore', 'done', 'no')]);
    expect(isSettled(item('restore'), blocked.states.get('restore'))).toBe(false);
    expect(sectionProgress(section('gates'), blocked.states)).toEqual({ total: 2, done: 1, na: 0, open: 1, blocked: 1 });
    const left = whatIsLeft(blocked);
    expect(left.open).toBe(1);
    expect(left.sections.map((s) => s.section.id)).toEqual(['gates']);
    expect(left.blockers.map((b) => [b.item.id, b.option.label])).toEqual([['restore', 'NO']]);

    const settled = view([state('ci', 'done'), state('restore', 'done', 'yes')]);
    expect(whatIsLeft(settled)).toEqual({ sections: [], open: 0, blockers: [] });
  });
});

describe('what can be worked on', () => {
  it('refuses items of a phase not open yet, naming the phase and when it opens', () => {
    expect(whyClosed('preparing', section('gates'), item('ci'))).toBeNull();
    expect(whyClosed('preparing', section('deploy'), item('apply'))).toBe('“Apply” belongs to After GO: it can be ticked once the promotion has a GO.');
    expect(whyClosed('preparing', section('deploy'), item('sha'))).toBe('“SHA” belongs to After GO: it can be filled in once the promotion has a GO.');
    expect(whyClosed('go', section('deploy'), item('apply'))).toBeNull();
    expect(whyClosed('no-go', section('deploy'), item('apply'))).toBe('“Apply” belongs to After GO, and this promotion had a NO-GO.');
    expect(whyClosed('preparing', section('no-go'), item('why'))).toBe('“Reason” belongs to If NO-GO: it can be filled in once the promotion has a NO-GO.');
    expect(whyClosed('preparing', section('rollback'), item('revert'))).toBe('“Revert” belongs to On rollback: it can be ticked once a rollback has started.');
    expect(whyClosed('rolling-back', section('rollback'), item('revert'))).toBeNull();
  });

  it('keeps reference notes open and its steps a list', () => {
    expect(whyClosed('preparing', section('notes'), item('note'))).toBeNull();
    expect(whyClosed('preparing', section('notes'), item('summary'))).toBe('“Summary” is reference: there is nothing to tick.');
  });

  it('lets items be marked not applicable in work and in after-GO sections ahead of GO, not in plans or reference', () => {
    expect(whyNotMarkable('preparing', section('gates'))).toBeNull();
    expect(whyNotMarkable('preparing', section('deploy'))).toBeNull();
    expect(whyNotMarkable('preparing', section('rollback'))).toBe('“Rollback plan” is a plan for On rollback: nothing in it counts now, so there is nothing to mark.');
    expect(whyNotMarkable('preparing', section('notes'))).toBe('“Notes” is reference: nothing in it counts, so there is nothing to mark.');
  });
});
