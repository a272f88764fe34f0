import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderSectionsMessage, type RenderedMessage } from '../../blocks/checklist.js';
import { layoutProblems, overviewSize, planMessages, worstOverviewViews } from '../../blocks/layout.js';
import { noGoModal, rejectModal } from '../../blocks/approval-modals.js';
import { fieldModal } from '../../blocks/modals.js';
import { naModal } from '../../blocks/na-modal.js';
import { renderOverview } from '../../blocks/overview.js';
import { FIELD_MAX_LENGTH, NA_REASON_MAX, validateField } from '../../src/domain/fields.js';
import { STAGES, whyClosed, type ItemState, type PromotionStage, type PromotionStatus, type PromotionView } from '../../src/domain/promotion.js';
import { allItems, itemKind, type FieldSpec, type Item, type Template } from '../../src/domain/template.js';
import { esc } from '../../blocks/text.js';
import { parseBlockId } from '../../src/ids.js';
import { loadTemplates } from '../../src/templates/loader.js';
import { messageProblems, modalProblems } from './block-kit-limits.js';

const CHECKLISTS = fileURLToPath(new URL('../../checklists', import.meta.url));
const PROMOTION_ID = '0f3c2a9e-5b7d-4e1f-9a2b-6c8d0e4f1a3b';
const LONG_USER = 'W0123456789ABCDEFGH';
const USER = 'U0123ABCDEF';
const AT = new Date('2099-12-31T23:59:59Z');
// The longest release the command accepts (64 characters).
const RELEASE = `v1.50.0-rc.1+${'b'.repeat(51)}`;

/** Deterministic pseudo-random numbers (mulberry32), so every failure can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the bot would store for this input: the value passes the field type's own validation. */
function stored(spec: FieldSpec, raw: string): string {
  const result = validateField({ ...spec, pattern: undefined, min: undefined, max: undefined }, raw);
  if (!result.ok || result.value === null) throw new Error(`test value for a ${spec.type} field was refused: ${raw}`);
  return result.value;
}

function longestRaw(spec: FieldSpec): string {
  const max = FIELD_MAX_LENGTH[spec.type];
  switch (spec.type) {
    case 'sha':
      return 'a'.repeat(max);
    case 'number':
      // The most digits a number keeps exactly (15), with a decimal part.
      return '9'.repeat(13) + '.25';
    case 'url':
      return `https://example.com/${'a'.repeat(max - 20)}`;
    case 'datetime':
      return '4102444799';
    case 'user':
      return `W${'Z'.repeat(max - 1)}`;
    case 'ticket':
      return `CHG-${'1'.repeat(max - 4)}`;
    case 'path':
      return `/${'p'.repeat(max - 1)}`;
    case 'text':
      return 'x'.repeat(max);
  }
}

/** Values made of the characters the renderer must escape or encode, so each one grows on screen. */
function escapeHeavyRaw(spec: FieldSpec): string {
  const max = FIELD_MAX_LENGTH[spec.type];
  if (spec.type === 'text') return '&<>'.repeat(max / 2).slice(0, max);
  if (spec.type === 'path') return `/${'&<>'.repeat(max).slice(0, max - 1)}`;
  // '|' is encoded to %7C when stored: the longest such URL that is still accepted.
  if (spec.type === 'url') return `https://example.com/${'|'.repeat(Math.floor((max - 20) / 3))}`;
  return longestRaw(spec);
}

function randomText(next: () => number, alphabet: string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(next() * alphabet.length)];
  return s;
}

/** A value a person could enter: random length, characters that need escaping included where the type allows them. */
function randomRaw(spec: FieldSpec, next: () => number): string {
  const max = FIELD_MAX_LENGTH[spec.type];
  const len = (min: number, upTo: number) => min + Math.floor(next() * (upTo - min + 1));
  switch (spec.type) {
    case 'sha':
      return randomText(next, '0123456789abcdefABCDEF', len(7, max));
    case 'number':
      return randomText(next, '123456789', len(1, 12));
    case 'url':
      return `https://example.com/${randomText(next, 'abcxyz0189/-_.=?&', len(0, max - 20))}`;
    case 'datetime':
      return String(len(1_600_000_000, 4_102_444_799));
    case 'user':
      return `U${randomText(next, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', len(2, max - 1))}`;
    case 'ticket':
      return `CHG-${randomText(next, '0123456789', len(1, max - 4))}`;
    case 'path':
    case 'text':
      return `a${randomText(next, 'abc XYZ 019 *_~`|&<>é/.:', len(0, max - 1))}`.trim();
  }
}

type StateOf = (item: Item, index: number) => ItemState;

const open = (item: Item): ItemState => ({ itemId: item.id, state: 'open', value: null, note: null, by: null, at: null, assignee: null });

function done(item: Item, value: (spec: FieldSpec) => string, by = LONG_USER): ItemState {
  const options = [...(item.choice?.options ?? [])].sort((a, b) => b.label.length - a.label.length);
  const v = item.field ? stored(item.field, value(item.field)) : (options[0]?.id ?? null);
  return { itemId: item.id, state: 'done', value: v, note: null, by, at: AT, assignee: null };
}

function na(item: Item, reason: string, by = LONG_USER): ItemState {
  return { itemId: item.id, state: 'na', value: null, note: reason, by, at: AT, assignee: null };
}

const longReason = 'r'.repeat(NA_REASON_MAX);

function randomStates(seed: number): StateOf {
  const next = random(seed);
  return (item) => {
    const roll = next();
    if (roll < 0.3) return open(item);
    if (roll < 0.55) return na(item, randomText(next, 'ab <&> é_*', 1 + Math.floor(next() * NA_REASON_MAX)).trim() || 'n/a', USER);
    if (!item.field || next() < 0.5) return done(item, longestRaw, next() < 0.5 ? USER : LONG_USER);
    return done(item, (spec) => randomRaw(spec, next), USER);
  };
}

interface Scenario {
  name: string;
  status: PromotionStatus;
  endReason?: string;
  /** A fresh state function per render, so a seeded mix is the same whichever tests run. */
  state: () => StateOf;
}

const SCENARIOS: Scenario[] = [
  { name: 'all open', status: 'active', state: () => open },
  // An open item shows who it is assigned to (in its checkbox's description, or on its line).
  { name: 'all open, each assigned to someone', status: 'active', state: () => (i) => ({ ...open(i), assignee: LONG_USER }) },
  { name: 'all done with the longest values', status: 'active', state: () => (i) => done(i, longestRaw) },
  { name: 'all not applicable with 200-character reasons', status: 'active', state: () => (i) => na(i, longReason) },
  {
    name: 'alternately done and not applicable',
    status: 'active',
    state: () => (i, n) => (n % 2 === 0 ? done(i, longestRaw) : na(i, longReason)),
  },
  {
    // A person may write "R&D <-> QA" in a reason: Slack counts the escaped text (&amp; &lt; &gt;), not what was typed.
    name: 'text values and not-applicable reasons full of & < > |',
    status: 'active',
    state: () => (i) => (i.field ? done(i, escapeHeavyRaw) : itemKind(i) === 'check' ? na(i, '&<>'.repeat(NA_REASON_MAX).slice(0, NA_REASON_MAX)) : done(i, longestRaw)),
  },
  {
    // A chosen option that blocks GO is shown as a blocker (and named on the overview) wherever the template has one.
    name: 'every choice on an option that blocks GO where it has one',
    status: 'active',
    state: () => (i) => {
      const blocking = i.choice?.options.find((o) => o.blocks_go);
      // Not settled: it still shows whoever it is assigned to.
      return blocking ? { itemId: i.id, state: 'done', value: blocking.id, note: null, by: LONG_USER, at: AT, assignee: LONG_USER } : done(i, longestRaw);
    },
  },
  ...[1, 2, 3, 42, 2024].map((seed) => ({ name: `random mix, seed ${seed}`, status: 'active' as const, state: () => randomStates(seed) })),
  { name: 'aborted with a long reason, all done', status: 'aborted', endReason: `${'why '.repeat(150)}<&>`, state: () => (i) => done(i, longestRaw) },
  { name: 'aborted with a long reason, all not applicable', status: 'aborted', endReason: 'w'.repeat(600), state: () => (i) => na(i, longReason) },
  { name: 'aborted with a long reason, random mix', status: 'aborted', endReason: 'x'.repeat(500), state: () => randomStates(7) },
  { name: 'completed, all done', status: 'completed', state: () => (i) => done(i, longestRaw) },
];

const TS = '1795300000.123456';

function viewOf(template: Template, scenario: Pick<Scenario, 'status' | 'endReason' | 'state'>, stage: PromotionStage = 'preparing'): PromotionView {
  const state = scenario.state();
  const items = allItems(template);
  const states = new Map(items.map((item, n) => [item.id, state(item, n)] as const));
  const ended = scenario.status !== 'active';
  return {
    // The longest last activity there can be, and every section's message posted (so the overview links them all).
    lastEvent: {
      actor: LONG_USER,
      at: AT,
      event: {
        action: 'section.not_applicable',
        data: { section: template.sections[0]!.id, reason: '&<>'.repeat(NA_REASON_MAX), items: items.map((i) => ({ item: i.id, kind: itemKind(i), before: null })) },
      },
    },
    links: { threadTs: TS, sectionTs: new Map(template.sections.map((s) => [s.id, TS])) },
    promotion: {
      id: PROMOTION_ID,
      release: RELEASE,
      templateId: template.id,
      template,
      channelId: 'C0123456789',
      teamId: 'T0123456789',
      status: scenario.status,
      stage,
      environment: null,
      requestedBy: LONG_USER,
      createdAt: AT,
      endedAt: ended ? AT : null,
      endedBy: ended ? LONG_USER : null,
      endReason: scenario.endReason ?? null,
      version: 3,
    },
    states,
  };
}

/** The item ids a message offers for work: checkbox option values, and fields and choices with a button or a menu. */
function itemIdsOffered(message: RenderedMessage): string[] {
  const ids: string[] = [];
  for (const block of message.blocks) {
    if (block.type === 'actions') {
      for (const e of block.elements) if (e.type === 'checkboxes') ids.push(...e.options.map((o) => o.value ?? ''));
    }
    const ref = block.block_id ? parseBlockId(block.block_id) : undefined;
    if (ref && ref.kind !== 'chk' && block.type === 'section' && block.accessory) ids.push(ref.key);
  }
  return ids;
}

/** Everything a message says, for checking that an item is shown (ticked, listed or as a plan). */
function textOf(message: RenderedMessage): string {
  return JSON.stringify(message.blocks);
}

function headers(message: RenderedMessage): string[] {
  return message.blocks.flatMap((b) => (b.type === 'header' ? [b.text.text] : []));
}

let templates: Template[];
beforeAll(async () => {
  templates = [...(await loadTemplates(CHECKLISTS)).values()];
});

describe('the built-in templates', () => {
  it('are all loaded (a missing one would make every other test here pass vacuously)', () => {
    expect(templates.map((t) => t.id).sort()).toEqual(['container-dev-to-prod', 'db-housekeeping', 'release-train', 'rls-rollout']);
  });
});

describe.each(['container-dev-to-prod', 'db-housekeeping', 'release-train', 'rls-rollout'])('template %s', (id) => {
  const template = () => templates.find((t) => t.id === id)!;

  it('puts every section into exactly one thread message, in template order', () => {
    const t = template();
    const plan = planMessages(t);
    expect(plan.flat()).toEqual(t.sections.map((_, i) => i));
    expect(plan.every((m) => m.length > 0)).toBe(true);
  });

  it('shows every item in exactly one thread message, next to its own section', () => {
    const t = template();
    const view = viewOf(t, { status: 'active', state: () => open });
    const plan = planMessages(t);
    const shown = plan.map((indexes) => renderSectionsMessage(view, indexes));
    shown.forEach((message, m) => {
      const sections = plan[m]!.map((i) => t.sections[i]!);
      expect(headers(message)).toEqual(sections.map((s) => s.title));
      for (const item of sections.flatMap((s) => s.items)) {
        const label = JSON.stringify(esc(item.label)).slice(1, -1).slice(0, 19);
        expect(textOf(message), item.id).toContain(label);
      }
    });
    expect(shown.map((m) => m.blocks.filter((b) => b.type === 'header').length).reduce((a, b) => a + b, 0)).toBe(t.sections.length);
  });

  it.each(STAGES)('offers for work exactly the items whose phase is open at stage %s, each once', (stage) => {
    const t = template();
    const view = viewOf(t, { status: 'active', state: () => open }, stage);
    const offered = planMessages(t).flatMap((indexes) => itemIdsOffered(renderSectionsMessage(view, indexes)));
    const open_ = t.sections.flatMap((s) => s.items.filter((i) => whyClosed(stage, s, i) === null).map((i) => i.id));
    expect(offered.sort()).toEqual(open_.sort());
    expect(new Set(offered).size).toBe(offered.length);
  });

  it.each(SCENARIOS)('renders the overview and every thread message within Slack limits, at every stage: $name', (scenario) => {
    const t = template();
    const problems = STAGES.flatMap((stage) => {
      const view = viewOf(t, scenario, stage);
      const messages = [
        { name: 'overview', message: renderOverview(view) },
        ...planMessages(t).map((indexes) => ({ name: `thread message for sections ${indexes.join(',')}`, message: renderSectionsMessage(view, indexes) })),
      ];
      return messages.flatMap(({ name, message }) => messageProblems(message).map((p) => `${stage}: ${name}: ${p}`));
    });
    expect(problems).toEqual([]);
  });

  it.each(['aborted', 'completed'] as const)('offers nothing to click once the promotion is %s, yet still shows every section', (status) => {
    const t = template();
    const view = viewOf(t, { status, endReason: 'stopped', state: () => randomStates(11) });
    const messages = planMessages(t).map((indexes) => renderSectionsMessage(view, indexes));
    const clickable = messages.flatMap((m) => m.blocks.filter((b) => b.type === 'actions' || (b.type === 'section' && b.accessory !== undefined)));
    expect(clickable).toEqual([]);
    expect(messages.flatMap(headers)).toEqual(t.sections.map((s) => s.title));
  });

  it('opens a field modal within Slack limits for every field item, empty and filled with its longest value', () => {
    const t = template();
    const fields = allItems(t).filter((i) => itemKind(i) === 'field');
    const problems = fields.flatMap((item) =>
      [undefined, done(item, longestRaw)].flatMap((state) =>
        modalProblems(fieldModal({ promotionId: PROMOTION_ID, release: RELEASE, channelId: 'C0123456789', item, state })).map(
          (p) => `${item.id} (${state ? 'filled' : 'empty'}): ${p}`,
        ),
      ),
    );
    expect(problems).toEqual([]);
  });

  it('opens a not-applicable modal within Slack limits for every section with items', () => {
    const t = template();
    const problems = t.sections
      .filter((s) => s.items.length > 0)
      .flatMap((section) =>
        [open, (i: Item) => na(i, longReason)].flatMap((state) => {
          const states = new Map(section.items.map((i) => [i.id, state(i)] as const));
          const view = naModal({ promotionId: PROMOTION_ID, release: RELEASE, channelId: 'C0123456789', section, states });
          return modalProblems(view).map((p) => `${section.id}: ${p}`);
        }),
      );
    expect(problems).toEqual([]);
  });
});

/** The template with every role filled in as a team would: many people and a group each, so every approval has buttons. */
function withPeople(t: Template): Template {
  const users = Array.from({ length: 12 }, (_, i) => `W0123456789ABCDEF${String(i).padStart(2, '0')}`);
  return { ...t, roles: Object.fromEntries(Object.entries(t.roles).map(([id, r]) => [id, { ...r, users, groups: ['S0123456789ABCDEFGH', 'S0123456789ABCDEFGI'] }])) };
}

describe.each(['container-dev-to-prod', 'db-housekeeping', 'release-train', 'rls-rollout'])('the overview of %s with its approvals panel', (id) => {
  it.each([false, true])('fits Slack in its worst case at every stage (roles filled in: %s)', (filled) => {
    const t = filled ? withPeople(templates.find((x) => x.id === id)!) : templates.find((x) => x.id === id)!;
    const problems = worstOverviewViews(t).flatMap((view) => messageProblems(renderOverview(view)).map((p) => `${view.promotion.stage}/${view.promotion.status}: ${p}`));
    expect(problems).toEqual([]);
    expect(layoutProblems(t)).toEqual([]);
    const size = overviewSize(t);
    expect(size.blocks).toBeLessThanOrEqual(50);
    expect(size.chars).toBeLessThanOrEqual(10_000);
  });

  it('opens the reject and NO-GO modals within Slack limits', () => {
    const t = templates.find((x) => x.id === id)!;
    const problems = [
      ...t.approvals.map((a) => rejectModal({ promotionId: PROMOTION_ID, release: RELEASE, channelId: 'C0123456789', approvalId: 'a'.repeat(40), approvalLabel: `${a.label}&<>` })),
      noGoModal({ promotionId: PROMOTION_ID, release: RELEASE, channelId: 'C0123456789', templateName: t.name }),
    ].flatMap((view) => modalProblems(view));
    expect(problems).toEqual([]);
  });
});

describe('the approvals panel of rls-rollout', () => {
  it('shows all seven approvals before GO with their buttons, and the three sign-offs after GO, within one message', () => {
    const t = withPeople(templates.find((x) => x.id === 'rls-rollout')!);
    const views = worstOverviewViews(t).filter((v) => v.promotion.status === 'active');
    for (const view of views) {
      const rendered = renderOverview(view);
      const approveButtons = rendered.blocks.filter((b) => b.type === 'actions' && b.elements.some((e) => e.action_id === 'approval.approve')).length;
      expect(approveButtons).toBe(view.promotion.stage === 'go' || view.promotion.stage === 'rolling-back' ? 3 : 7);
    }
  });

  it('is refused at load when one stage has more approvals than one overview can show', () => {
    const t = withPeople(templates.find((x) => x.id === 'rls-rollout')!);
    const many = { ...t, approvals: Array.from({ length: 24 }, (_, i) => ({ ...t.approvals[0]!, id: `a${i}` })) };
    expect(layoutProblems(many).map((p) => p.message)).toEqual([expect.stringContaining('use fewer sections or fewer approvals of one stage')]);
  });
});

describe('the limit checker itself', () => {
  it('reports a message Slack would refuse', () => {
    const options = Array.from({ length: 11 }, (_, i) => ({ text: { type: 'plain_text' as const, text: `o${i}` }, value: `v${i}` }));
    const problems = messageProblems({
      text: '',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
        { type: 'actions', block_id: 'same', elements: [{ type: 'checkboxes', action_id: 'a', options, initial_options: [{ text: { type: 'plain_text', text: 'other' }, value: 'x' }] }] },
        { type: 'section', block_id: 'same', text: { type: 'mrkdwn', text: 's'.repeat(3001) } },
        ...Array.from({ length: 50 }, () => ({ type: 'divider' })),
      ],
    });
    expect(problems).toEqual([
      'message: 53 blocks (max 50)',
      'blocks[0]: header text is 151 characters (max 150)',
      'blocks[1].elements[0]: 11 options (max 10)',
      'blocks[1].elements[0].initial[0]: initial option is not one of the options',
      'blocks[2]: block_id same is used twice',
      'blocks[2]: section text is 3001 characters (max 3000)',
      'message: no fallback text',
    ]);
  });

  it('reports a modal Slack would refuse', () => {
    const problems = modalProblems({
      type: 'modal',
      title: { type: 'plain_text', text: 't'.repeat(25) },
      private_metadata: 'm'.repeat(3001),
      blocks: [
        {
          type: 'input',
          label: { type: 'plain_text', text: 'Value' },
          element: { type: 'plain_text_input', action_id: 'value', max_length: 5, initial_value: '123456' },
        },
      ],
    });
    expect(problems).toEqual([
      'view: title is 25 characters (max 24)',
      'view: private_metadata is 3001 characters (max 3000)',
      "blocks[0].element: initial_value is 6 characters, over the input's max_length 5",
    ]);
  });
});
