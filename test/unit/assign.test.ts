/**
 * Assignees (issue 11), pure parts: how the checklist shows who an item is assigned to, the section's Assign… button,
 * the assign modal, App Home's "Assigned to you", and how `/promote assign` reads a person.
 */
import { describe, expect, it } from 'vitest';
import { assignedReply, assignModal } from '../../blocks/assign.js';
import { renderSectionsMessage } from '../../blocks/checklist.js';
import { homeView } from '../../blocks/home.js';
import { parseAssignee } from '../../commands/assign.js';
import { plainFromEscaped } from '../../commands/escaped-text.js';
import { promote } from '../../commands/index.js';
import { whyNotAssignable } from '../../src/domain/assignees.js';
import { concernedBy, homeOf } from '../../src/domain/home.js';
import type { ItemState, Promotion, PromotionStage, PromotionView } from '../../src/domain/promotion.js';
import { templateSchema, type Template } from '../../src/domain/template.js';
import { ACTION, INPUT, refValue, VIEW } from '../../src/ids.js';
import { homeProblems, messageProblems, modalProblems } from './block-kit-limits.js';

const template: Template = {
  id: 'owned',
  ...templateSchema.parse({
    name: 'Owned',
    sections: [
      {
        id: 'gates',
        title: 'Gates',
        kind: 'gates',
        items: [
          { id: 'ci', label: 'CI green', hint: 'the latest run on main, including the slow integration suite' },
          { id: 'scan', label: 'Scan' },
          { id: 'ticket', label: 'Change ticket', field: { type: 'ticket' } },
          { id: 'restore', label: 'Restore tested', choice: { options: [{ id: 'yes', label: 'Yes' }, { id: 'no', label: 'No', blocks_go: true }] } },
        ],
      },
      { id: 'deploy', title: 'Deploy', kind: 'deploy', phase: 'after-go', items: [{ id: 'apply', label: 'Apply' }] },
      { id: 'notes', title: 'Notes', kind: 'notes', phase: 'reference', items: [{ id: 'runbook', label: 'Runbook' }] },
    ],
  }),
};

const ID = '00000000-0000-4000-8000-000000000001';

function promotion(over: Partial<Promotion> = {}): Promotion {
  return {
    id: ID, release: 'v1.50', templateId: template.id, template, channelId: 'C0DEPLOYS', teamId: 'T1', status: 'active', stage: 'preparing',
    environment: null, requestedBy: 'U0ALICE', createdAt: new Date('2026-01-01T00:00:00Z'), endedAt: null, endedBy: null, endReason: null, version: 1, ...over,
  };
}

const open = (itemId: string, assignee: string | null = null): ItemState => ({ itemId, state: 'open', value: null, note: null, by: null, at: null, assignee });
const done = (itemId: string, assignee: string | null, value: string | null = null): ItemState => ({ itemId, state: 'done', value, note: null, by: 'U0BOB', at: new Date(0), assignee });
const na = (itemId: string, assignee: string | null): ItemState => ({ itemId, state: 'na', value: null, note: 'no UI', by: 'U0BOB', at: new Date(0), assignee });

function view(states: ItemState[], over: Partial<Promotion> = {}): PromotionView {
  return {
    promotion: promotion(over),
    states: new Map(states.map((s) => [s.itemId, s])),
    links: { threadTs: '1700000000.000100', sectionTs: new Map([['gates', '1700000000.000200']]) },
  };
}

const section = (v: PromotionView, index: number) => renderSectionsMessage(v, [index]);
const json = (x: unknown) => JSON.stringify(x);
const checkbox = (v: PromotionView, itemId: string) =>
  (section(v, 0).blocks as any[]).flatMap((b) => b.elements ?? []).flatMap((e: any) => (e.type === 'checkboxes' ? e.options : [])).find((o: any) => o.value === itemId);
const assignButton = (v: PromotionView, index = 0) =>
  (section(v, index).blocks as any[]).flatMap((b) => (b.type === 'actions' ? b.elements : [])).find((e: any) => e.action_id === ACTION.openAssign);

describe('the checklist shows who an open item is assigned to', () => {
  it('in the checkbox description, before what is left of the hint, within 75 characters', () => {
    const v = view([open('ci', 'U0CAROL'), open('scan', 'W0123456789ABCDEFGH')]);
    const ci = checkbox(v, 'ci');
    expect(ci.description.text.startsWith('assigned to <@U0CAROL> · the latest run on main')).toBe(true);
    expect(ci.description.text.length).toBeLessThanOrEqual(75);
    expect(checkbox(v, 'scan').description.text).toBe('assigned to <@W0123456789ABCDEFGH>');
    expect(messageProblems(section(v, 0))).toEqual([]);
    // Unassigned: the hint alone, as before.
    expect(checkbox(view([open('ci')]), 'ci').description.text).toBe('the latest run on main, including the slow integration suite');
    expect(checkbox(view([open('scan')]), 'scan').description).toBeUndefined();
  });

  it('no more once the item is done: the description says who ticked it', () => {
    const text = checkbox(view([done('ci', 'U0CAROL')]), 'ci').description.text;
    expect(text).toContain('<@U0BOB>');
    expect(text).not.toContain('assigned');
  });

  it('on the line of a field, and of a choice still blocking GO, but not of one chosen and settled', () => {
    const open_ = json(section(view([open('ticket', 'U0CAROL'), done('restore', 'U0DAN', 'no')]), 0).blocks);
    expect(open_).toContain('_Not set_ · assigned to <@U0CAROL>');
    expect(open_).toMatch(/blocks GO\*[^"]*assigned to <@U0DAN>/);
    const settled = json(section(view([done('ticket', 'U0CAROL', 'CHG-1'), done('restore', 'U0DAN', 'yes')]), 0).blocks);
    expect(settled).not.toContain('assigned to');
  });

  it('on the line of an item of a section not open yet, and not when the item is not applicable', () => {
    expect(json(section(view([open('apply', 'U0CAROL')]), 1).blocks)).toContain('Apply · assigned to <@U0CAROL>');
    expect(json(section(view([na('apply', 'U0CAROL')]), 1).blocks)).not.toContain('assigned to');
  });
});

describe('the Assign… button', () => {
  it('sits beside Not applicable… under a section with open items, its value the section', () => {
    const b = assignButton(view([]));
    expect(b).toMatchObject({ type: 'button', text: { text: 'Assign…' }, value: refValue(ID, 'gates') });
    expect(assignButton(view([]), 1)).toBeDefined(); // after GO: assigning ahead is planning
  });

  it('is not offered once everything is settled, on reference, or once the promotion has ended', () => {
    expect(assignButton(view([done('ci', null), done('scan', null), done('ticket', null, 'CHG-1'), na('restore', null)]))).toBeUndefined();
    expect(assignButton(view([]), 2)).toBeUndefined();
    expect(assignButton(view([], { status: 'aborted' }))).toBeUndefined();
  });
});

describe('the assign modal', () => {
  const args = (states: ItemState[]) => ({ promotionId: ID, release: 'v1.50', channelId: 'C0DEPLOYS', section: template.sections[0]!, states: new Map(states.map((s) => [s.itemId, s])) });

  it('offers the section\'s open items and a person, carries ids only, and says who has what now', () => {
    const modal = assignModal(args([done('ci', null), open('scan', 'U0CAROL')]));
    expect(modalProblems(modal)).toEqual([]);
    expect(modal.callback_id).toBe(VIEW.assign);
    expect(JSON.parse(modal.private_metadata!)).toEqual({ promotion: ID, section: 'gates', channel: 'C0DEPLOYS' });
    const inputs = modal.blocks.filter((b: any) => b.type === 'input') as any[];
    expect(inputs.map((b) => [b.block_id, b.element.type])).toEqual([
      [INPUT.assignItem, 'static_select'],
      [INPUT.assignUser, 'users_select'],
    ]);
    // A choice blocking GO is still open; a ticked item is not offered.
    expect(inputs[0].element.options.map((o: any) => o.value)).toEqual(['scan', 'ticket', 'restore']);
    expect(inputs[1].optional).toBe(true);
    expect(inputs[1].hint.text).toContain('empty to unassign');
    expect(json(modal.blocks)).toContain('Scan: <@U0CAROL>');
  });

  it('lists at most 100 items (Slack\'s limit for a select)', () => {
    const many: Template['sections'][number] = { ...template.sections[0]!, items: Array.from({ length: 130 }, (_, i) => ({ id: `i${i}`, label: `Item ${i}` })) };
    const modal = assignModal({ ...args([]), section: many });
    expect((modal.blocks.find((b: any) => b.block_id === INPUT.assignItem) as any).element.options).toHaveLength(100);
    expect(modalProblems(modal)).toEqual([]);
  });
});

describe('what may be assigned', () => {
  const [gates, deploy, notes] = template.sections as [Template['sections'][number], Template['sections'][number], Template['sections'][number]];
  const item = (s: typeof gates, id: string) => s.items.find((i) => i.id === id)!;
  it.each<[PromotionStage, typeof gates, string, ItemState | undefined, string | null]>([
    ['preparing', gates, 'ci', undefined, null],
    ['preparing', deploy, 'apply', undefined, null],
    ['preparing', notes, 'runbook', undefined, 'is reference'],
    ['preparing', gates, 'ci', done('ci', null), 'already done'],
    ['preparing', gates, 'ci', na('ci', null), 'make it applicable again first'],
    ['preparing', gates, 'restore', done('restore', null, 'no'), null],
  ])('at %s, in %#: an item may be assigned unless it is reference, done or not applicable', (stage, s, id, state, why) => {
    const got = whyNotAssignable(stage, s, item(s, id), state);
    if (why === null) expect(got).toBeNull();
    else expect(got).toContain(why);
  });
});

describe('App Home: assigned to you', () => {
  const members = new Map();
  it('lists the person\'s open items in the sections in play of running promotions, linked to their section', () => {
    const v = view([open('ci', 'U0CAROL'), done('scan', 'U0CAROL'), open('apply', 'U0CAROL'), open('ticket', 'U0DAN')]);
    const home = homeOf('U0CAROL', [{ view: v, members }]);
    expect(home.assigned.map((a) => [a.itemId, a.label, a.sectionTitle, a.sectionTs])).toEqual([['ci', 'CI green', 'Gates', '1700000000.000200']]);
    // After GO the deploy step counts too.
    expect(homeOf('U0CAROL', [{ view: view([...v.states.values()], { stage: 'go' }), members }]).assigned.map((a) => a.itemId)).toEqual(['ci', 'apply']);
    expect(homeOf('U0CAROL', [{ view: view([open('ci', 'U0CAROL')], { status: 'aborted' }), members }]).assigned).toEqual([]);
    expect(homeOf('U0ERIN', [{ view: v, members }]).assigned).toEqual([]);
    // Their Home is republished after a change to the promotion.
    expect(concernedBy({ view: v, members })).toEqual(new Set(['U0ALICE', 'U0CAROL', 'U0DAN']));
  });

  it('shows each with a link into the thread, and says when nothing is assigned', () => {
    const home = homeOf('U0CAROL', [{ view: view([open('ci', 'U0CAROL')]), members }]);
    const rendered = homeView(home);
    expect(homeProblems(rendered)).toEqual([]);
    const text = json(rendered.blocks);
    expect(text).toContain('*Assigned to you* (1)');
    expect(text).toContain('<https://slack.com/archives/C0DEPLOYS/p1700000000000200?thread_ts=1700000000.000100&cid=C0DEPLOYS|“CI green”> · Gates');
    expect(json(homeView(homeOf('U0ERIN', [{ view: view([]), members }])).blocks)).toContain('Nothing is assigned to you.');
  });
});

describe('/promote assign', () => {
  it.each([
    ['<@U0CAROL|carol>', 'U0CAROL'],
    ['<@W0123ABC>', 'W0123ABC'],
    ['nobody', null],
    ['None', null],
  ])('reads %s as %s', (word, assignee) => {
    expect(parseAssignee(word)).toEqual({ ok: true, assignee });
  });

  it('refuses a name Slack sent as plain text, a channel and a bare word, saying what to do', () => {
    expect(parseAssignee('@carol')).toMatchObject({ ok: false, message: expect.stringContaining('pick them from the suggestions') });
    expect(parseAssignee('<#C123|deploys>')).toMatchObject({ ok: false, message: expect.stringContaining('mention one person') });
    expect(parseAssignee('carol')).toMatchObject({ ok: false, message: expect.stringContaining('mention one person') });
  });

  it('parses the command, the person possibly a display name with spaces', () => {
    expect(promote.parse('assign v1.50 ci <@U0CAROL|carol smith>')).toEqual({ ok: true, command: { sub: 'assign', release: 'v1.50', item: 'ci', assignee: 'U0CAROL' } });
    expect(promote.parse('assign v1.50 ci nobody')).toEqual({ ok: true, command: { sub: 'assign', release: 'v1.50', item: 'ci', assignee: null } });
    const wrong = promote.parse('assign v1.50 CI! <@U0CAROL>');
    expect(wrong.ok === false && wrong.message).toContain('Name the item by its id');
    const short = promote.parse('assign v1.50 ci');
    expect(short.ok === false && short.message).toContain('Usage: `/promote assign &lt;release&gt; &lt;item&gt; &lt;@person|nobody&gt;`');
  });

  it('answers with what was done', () => {
    const item = template.sections[0]!.items[0]!;
    expect(assignedReply({ release: 'v1.50', item, before: 'U0BOB', after: 'U0CAROL', changed: true }).text).toBe(
      ':bust_in_silhouette: Assigned “CI green” of *v1.50* to <@U0CAROL> (it was <@U0BOB>). The checklist shows it, and it is on their Preflight Home.',
    );
    expect(assignedReply({ release: 'v1.50', item, before: 'U0BOB', after: null, changed: true }).text).toBe('Unassigned “CI green” of *v1.50* (it was <@U0BOB>): nobody has it now.');
    expect(assignedReply({ release: 'v1.50', item, before: 'U0CAROL', after: 'U0CAROL', changed: false }).text).toContain('is already assigned to <@U0CAROL>: nothing changed');
  });

  it('keeps an abort reason as typed although Slack escapes mentions, channels and links', () => {
    expect(plainFromEscaped('ask <@U1|bob> in <#C1|deploys>: <https://ci/run/1> <!here>')).toBe('ask @bob in #deploys: https://ci/run/1 @here');
    expect(promote.parse('abort v1.50 see <https://ci/run/1|run 1>')).toEqual({ ok: true, command: { sub: 'abort', release: 'v1.50', reason: 'see run 1 (https://ci/run/1)' } });
  });
});
