import type { KnownBlock } from '@slack/types';
import { allItems, itemKind, type Template } from '../src/domain/template.js';
import { FIELD_MAX_LENGTH, NA_REASON_MAX } from '../src/domain/fields.js';
import type { ItemState, PromotionView } from '../src/domain/promotion.js';
import { renderSectionsMessage } from './checklist.js';
import { renderOverview } from './overview.js';
import { LIMITS } from './text.js';

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
 * longest reason, and groups that are half and half (which need both a checkbox and a context block).
 */
function worstStates(template: Template): Array<Map<string, ItemState>> {
  const items = allItems(template);
  // '&' is the character that grows most when escaped (to '&amp;'): the longest text as Slack counts it.
  const reason = '&'.repeat(NA_REASON_MAX);
  const filled = (id: string): ItemState => {
    const item = items.find((i) => i.id === id)!;
    const longestChoice = [...(item.choice?.options ?? [])].sort((a, b) => b.label.length - a.label.length)[0]?.id ?? null;
    const type = item.field?.type;
    const value = !type ? longestChoice : type === 'datetime' ? '4102444799' : (type === 'text' || type === 'path' ? '&' : '9').repeat(FIELD_MAX_LENGTH[type]);
    return { itemId: id, state: 'done', value, note: null, by: WORST_USER, at: WORST_AT };
  };
  const na = (id: string): ItemState => ({ itemId: id, state: 'na', value: null, note: reason, by: WORST_USER, at: WORST_AT });
  const all = (f: (id: string, index: number) => ItemState) => new Map(items.map((i, n) => [i.id, f(i.id, n)]));
  return [
    all((id) => ({ itemId: id, state: 'open', value: null, note: null, by: null, at: null })),
    all(filled),
    all(na),
    // Alternate within every run of checks so each checkbox group also needs its not-applicable context block.
    all((id, n) => (itemKind(items[n]!) === 'check' && n % 2 === 1 ? na(id) : filled(id))),
  ];
}

function worstView(template: Template, states: Map<string, ItemState>): PromotionView {
  return {
    promotion: {
      id: '00000000-0000-4000-8000-000000000000',
      release: 'v'.repeat(64),
      templateId: template.id,
      template,
      channelId: 'C0123456789',
      teamId: null,
      status: 'active',
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

function worstSize(template: Template, render: (v: PromotionView) => { blocks: KnownBlock[] }): MessageSize {
  let blocks = 0;
  let chars = 0;
  for (const states of worstStates(template)) {
    // A running promotion and an ended one (read-only, with the longest abort reason) are laid out differently.
    for (const ended of [false, true]) {
      const view = worstView(template, states);
      if (ended) Object.assign(view.promotion, { status: 'aborted', endedBy: WORST_USER, endedAt: WORST_AT, endReason: '&'.repeat(500) });
      const m = render(view);
      blocks = Math.max(blocks, m.blocks.length);
      chars = Math.max(chars, blockTextLength(m.blocks));
    }
  }
  return { blocks, chars };
}

function fits(size: MessageSize): boolean {
  return size.blocks <= LIMITS.blocksPerMessage && size.chars <= LIMITS.messageText;
}

/**
 * Which sections go into which thread message. Sections are packed in order, as many per message as fit
 * in the worst case, so a message never outgrows Slack's limits however the checklist is filled in.
 * Depends on the template alone, which is frozen per promotion: the plan never changes under a promotion.
 */
export function planMessages(template: Template): number[][] {
  const plan: number[][] = [];
  let current: number[] = [];
  template.sections.forEach((_, i) => {
    const candidate = [...current, i];
    if (current.length > 0 && !fits(worstSize(template, (v) => renderSectionsMessage(v, candidate)))) {
      plan.push(current);
      current = [i];
    } else current = candidate;
  });
  if (current.length > 0) plan.push(current);
  return plan;
}

/** Why a template cannot be shown within Slack's limits, as key paths and advice. Empty when it can. */
export function layoutProblems(template: Template): Array<{ key: string; message: string }> {
  const problems: Array<{ key: string; message: string }> = [];
  template.sections.forEach((section, i) => {
    const size = worstSize(template, (v) => renderSectionsMessage(v, [i]));
    if (!fits(size)) {
      problems.push({
        key: `sections[${i}]`,
        message: `section "${section.id}" can grow to ${size.blocks} blocks and ${size.chars} characters, over one Slack message (${LIMITS.blocksPerMessage} blocks, ${LIMITS.messageText} characters): split it into smaller sections or shorten its notes`,
      });
    }
  });
  const overview = worstSize(template, renderOverview);
  if (!fits(overview)) {
    problems.push({
      key: 'sections',
      message: `the overview can grow to ${overview.blocks} blocks and ${overview.chars} characters: use fewer sections`,
    });
  }
  return problems;
}
