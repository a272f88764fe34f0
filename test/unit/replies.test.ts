import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { abortNotice, statusesReply, statusReply, templateChoiceReply, templatesReply } from '../../blocks/replies.js';
import { escLiteral } from '../../blocks/text.js';
import { sectionsInPlay, type Promotion, type PromotionView } from '../../src/domain/promotion.js';
import type { Template } from '../../src/domain/template.js';
import { ACTION, parseTemplateChoiceValue } from '../../src/ids.js';
import { loadTemplates } from '../../src/templates/loader.js';
import { messageProblems } from './block-kit-limits.js';

const CHECKLISTS = fileURLToPath(new URL('../../checklists', import.meta.url));
let templates: Template[];
beforeAll(async () => {
  templates = [...(await loadTemplates(CHECKLISTS)).values()];
});

/** A running promotion with nothing settled: the replies read only the promotion and the item states. */
function view(release: string, template: Template, extra: Partial<Promotion> = {}): PromotionView {
  const promotion = {
    id: '00000000-0000-4000-8000-000000000001',
    release,
    templateId: template.id,
    template,
    channelId: 'C0123456789',
    teamId: 'T0123456789',
    status: 'active',
    stage: 'preparing',
    requestedBy: 'U0123456789AB',
    createdAt: new Date('2026-01-01T00:00:00Z'),
    endedAt: null,
    endedBy: null,
    endReason: null,
    version: 1,
    ...extra,
  } as Promotion;
  return { promotion, states: new Map() } as unknown as PromotionView;
}

describe('the template choice', () => {
  it('has one Start button per template, carrying the release and the template id', () => {
    const reply = templateChoiceReply('v1.50', templates);
    const buttons = reply.blocks.flatMap((b) => ('accessory' in b && b.accessory?.type === 'button' ? [b.accessory] : []));
    expect(buttons.map((b) => b.action_id)).toEqual(templates.map(() => ACTION.startWithTemplate));
    expect(buttons.map((b) => parseTemplateChoiceValue(b.value!))).toEqual(templates.map((t) => ({ release: 'v1.50', templateId: t.id })));
    expect(messageProblems(reply)).toEqual([]);
    expect(reply.text).toContain('/promote start v1.50');
  });

  it('stays within Slack’s limits with more templates than buttons fit, pointing at the rest', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ ...templates[0]!, id: `template-${i}`, name: `Template ${i} ${'*_'.repeat(40)}`, description: 'd '.repeat(300) }));
    const reply = templateChoiceReply(`v${'9'.repeat(63)}`, many);
    expect(messageProblems(reply)).toEqual([]);
    expect(JSON.stringify(reply.blocks)).toContain('40 more');
  });
});

describe('status of one promotion', () => {
  it('counts and lists only the sections in play, as the overview does, and says how many are not counted yet', () => {
    const template = templates.find((t) => t.sections.some((s) => s.phase && s.phase !== 'before-go' && s.items.length > 0))!;
    const v = view('v1.50', template);
    const inPlay = new Set(sectionsInPlay(v).map(({ section }) => section.id));
    const text = JSON.stringify(statusReply(v, null).blocks);
    const later = template.sections.filter((s) => !inPlay.has(s.id) && s.items.length > 0);
    expect(later.length).toBeGreaterThan(0);
    expect(text).toContain(`${later.length} more section`);
    expect(text).toContain('not counted yet');
    // An item of a section not in play is not "still open".
    const laterOnly = later.flatMap((s) => s.items).find((i) => !template.sections.some((s) => inPlay.has(s.id) && s.items.some((j) => j.label === i.label)))!;
    expect(text).not.toContain(`• ${escLiteral(laterOnly.label)}`);
  });
});

describe('status of several promotions', () => {
  it('gives each its progress and where the open work is, within Slack’s limits', () => {
    const active = templates.map((t, i) => ({ view: view(`v1.${i}`, t), overviewTs: i % 2 ? null : '1795300000.123456' }));
    const reply = statusesReply(active);
    const text = JSON.stringify(reply.blocks);
    for (const { view: v } of active) expect(text).toContain(`Promotion ${v.promotion.release}`);
    expect(text).toContain('next: ');
    expect(messageProblems(reply)).toEqual([]);
  });

  it('shows twenty and says how many more there are', () => {
    const long = { ...templates[0]!, name: '<&>'.repeat(40) };
    long.sections = long.sections.map((s) => ({ ...s, title: '*_'.repeat(70) }));
    const active = Array.from({ length: 45 }, (_, i) => ({ view: view(`v2.${i}`, i % 2 ? long : templates[i % templates.length]!), overviewTs: '1795300000.123456' }));
    const reply = statusesReply(active);
    expect(messageProblems(reply)).toEqual([]);
    expect(JSON.stringify(reply.blocks)).toContain('…and 25 more');
  });
});

describe('texts that carry template and typed text', () => {
  it('shows template names with markup characters literally', () => {
    const odd = { ...templates[0]!, name: 'Gates (eng_*) <!channel>', description: 'for *everyone* & <@U1>' };
    const text = JSON.stringify(templatesReply([odd]).blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U1>');
    expect(text).toContain('*Gates (engˍ∗) &lt;!channel&gt;*');
    expect(text).toContain('&lt;release&gt; &lt;template&gt;');
  });

  it('names who aborted and why in the notice, the reason escaped and capped', () => {
    const notice = abortNotice({ kind: 'abort-notice', release: 'v1.50', templateName: templates[0]!.name, abortedBy: 'U0DAN', reason: `CI is red <!here> ${'x'.repeat(600)}` });
    expect(notice.text).toContain('<@U0DAN> aborted promotion *v1.50*');
    expect(notice.text).toContain('CI is red &lt;!here&gt;');
    expect(messageProblems(notice)).toEqual([]);
  });
});
