import { createHash } from 'node:crypto';
import type { ActionsBlock, ContextBlock, KnownBlock, MrkdwnOption, PlainTextOption, SectionBlock } from '@slack/types';
import { ACTION, blockId, refValue } from '../src/ids.js';
import { itemKind, type Item, type Section } from '../src/domain/template.js';
import { blockingChoice, isSettled, type ItemState, type PromotionView } from '../src/domain/promotion.js';
import { assignedLine } from './assign.js';
import { probeBlock } from './probes.js';
import { bold, byLine, esc, escCapped, formatFieldValue, LIMITS, mention, SHOWN_MAX, truncate } from './text.js';

/** How a section's items are laid out: runs of check items become checkbox groups of at most 10. */
export type Unit = { type: 'checks'; key: string; items: Item[] } | { type: 'field' | 'choice'; item: Item };

export function sectionUnits(section: Section): Unit[] {
  const units: Unit[] = [];
  let run: Item[] = [];
  let groups = 0;
  const flush = () => {
    for (let i = 0; i < run.length; i += LIMITS.optionsPerElement) {
      units.push({ type: 'checks', key: `${section.id}.${groups++}`, items: run.slice(i, i + LIMITS.optionsPerElement) });
    }
    run = [];
  };
  for (const item of section.items) {
    const kind = itemKind(item);
    if (kind === 'check') {
      run.push(item);
      continue;
    }
    flush();
    units.push({ type: kind, item });
  }
  flush();
  return units;
}

const OPEN: Omit<ItemState, 'itemId'> = { state: 'open', value: null, note: null, by: null, at: null, assignee: null };
export function stateOf(view: PromotionView, itemId: string): ItemState {
  return view.states.get(itemId) ?? { itemId, ...OPEN };
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 8);
}

/** A checkbox option's text: mrkdwn where it fits once escaped, plain text otherwise (both 75 characters). */
function optionText(label: string): MrkdwnOption['text'] | PlainTextOption['text'] {
  const md = esc(label);
  return md.length <= LIMITS.optionText ? { type: 'mrkdwn', text: md } : { type: 'plain_text', text: truncate(label, LIMITS.optionText) };
}

/** Who ticked it and when, shortened until it fits an option description. */
function doneDescription(s: ItemState): string {
  const full = byLine(s.by, s.at);
  if (full.length <= LIMITS.optionText) return full;
  return truncate(s.by ? mention(s.by) : 'done', LIMITS.optionText);
}

/** Who an open item is assigned to, as a line ends (" · assigned to <@U…>"); nothing once settled or unassigned. */
function assigneeSuffix(item: Item, s: ItemState): string {
  return s.assignee && !isSettled(item, s) ? ` · ${assignedLine(s.assignee)}` : '';
}

/** An open item's description: who it is assigned to, then its hint in what room is left (75 characters in all). */
function openDescription(item: Item, s: ItemState): string | undefined {
  const assigned = s.assignee ? assignedLine(s.assignee) : '';
  if (!item.hint) return assigned || undefined;
  if (!assigned) return escCapped(item.hint, LIMITS.optionText);
  const room = LIMITS.optionText - assigned.length - 3;
  return room >= 8 ? `${assigned} · ${escCapped(item.hint, room)}` : assigned;
}

function checkOption(item: Item, s: ItemState): MrkdwnOption | PlainTextOption {
  const description = s.state === 'done' ? doneDescription(s) : openDescription(item, s);
  return {
    text: optionText(item.label),
    value: item.id,
    ...(description ? { description: { type: 'mrkdwn', text: description } } : {}),
  } as MrkdwnOption | PlainTextOption;
}

function naLine(item: Item, s: ItemState): string {
  const reason = s.note ? `: ${escCapped(s.note, SHOWN_MAX.reason)}` : '';
  return `~${esc(item.label)}~ · _not applicable${reason}_ · ${byLine(s.by, s.at)}`;
}

function statusMark(item: Item, s: ItemState): string {
  if (blockingChoice(item, s)) return ':no_entry:';
  return s.state === 'done' ? ':ballot_box_with_check:' : s.state === 'na' ? ':heavy_minus_sign:' : ':white_large_square:';
}

/** Lines joined into as few section texts as fit Slack's 3000 characters, never cutting a line. */
export function packLines(lines: string[]): string[] {
  const texts: string[] = [];
  for (const line of lines) {
    const last = texts.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= LIMITS.sectionText) texts[texts.length - 1] = `${last}\n${line}`;
    else texts.push(truncate(line, LIMITS.sectionText));
  }
  return texts;
}

const linesBlocks = (lines: string[]): KnownBlock[] => packLines(lines).map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));

export function checksBlocks(view: PromotionView, unit: Extract<Unit, { type: 'checks' }>, interactive: boolean): KnownBlock[] {
  const pid = view.promotion.id;
  const states = unit.items.map((item) => ({ item, s: stateOf(view, item.id) }));
  // An item with a probe gets a line of its own under the group: its last result (or running…) and Run check.
  const probes = (open: boolean): KnownBlock[] =>
    states.flatMap(({ item, s }) => (item.probe && s.state !== 'na' && (open || view.probes?.has(item.id)) ? [probeBlock(pid, item, view.probes?.get(item.id), open)] : []));
  if (!interactive) {
    return [
      ...linesBlocks(
        states.map(({ item, s }) =>
          s.state === 'na'
            ? `${statusMark(item, s)} ${naLine(item, s)}`
            : `${statusMark(item, s)} ${esc(item.label)}${s.state === 'done' ? ` · ${byLine(s.by, s.at)}` : assigneeSuffix(item, s)}`,
        ),
      ),
      ...probes(false),
    ];
  }
  const blocks: KnownBlock[] = [];
  const applicable = states.filter(({ s }) => s.state !== 'na');
  if (applicable.length > 0) {
    const options = applicable.map(({ item, s }) => checkOption(item, s));
    const initial = applicable.flatMap(({ s }, i) => (s.state === 'done' ? [options[i]!] : []));
    const actions: ActionsBlock = {
      type: 'actions',
      block_id: blockId({ kind: 'chk', promotionId: pid, key: unit.key }, digest(states.map(({ s }) => [s.itemId, s.state, s.by, s.at, s.assignee]))),
      elements: [{ type: 'checkboxes', action_id: ACTION.toggle, options, ...(initial.length > 0 ? { initial_options: initial } : {}) }],
    };
    blocks.push(actions);
  }
  const na = states.filter(({ s }) => s.state === 'na');
  if (na.length > 0) {
    const context: ContextBlock = {
      type: 'context',
      elements: na.map(({ item, s }) => ({ type: 'mrkdwn', text: truncate(naLine(item, s), LIMITS.fieldText) })),
    };
    blocks.push(context);
  }
  blocks.push(...probes(true));
  return blocks;
}

/** A value, or the chosen option (named as blocking GO when it does), as shown once set. */
function shownValue(item: Item, s: ItemState): string {
  if (item.field) return formatFieldValue(item.field, s.value!);
  const label = esc(item.choice?.options.find((o) => o.id === s.value)?.label ?? s.value!);
  return blockingChoice(item, s) ? `${label} · *blocks GO*` : label;
}

function valueLine(item: Item, s: ItemState): string {
  if (s.state === 'na') return naLine(item, s);
  const label = bold(item.label);
  if (s.state !== 'done' || s.value === null) return `${label}\n_Not set_${assigneeSuffix(item, s)}${item.hint ? ` · ${escCapped(item.hint, LIMITS.optionText)}` : ''}`;
  // A choice that blocks GO is not settled: whoever has it still has it.
  return `${label}\n${shownValue(item, s)} · ${byLine(s.by, s.at)}${assigneeSuffix(item, s)}`;
}

export function fieldBlock(view: PromotionView, item: Item, interactive: boolean): SectionBlock {
  const s = stateOf(view, item.id);
  const text = truncate(`${statusMark(item, s)} ${valueLine(item, s)}`, LIMITS.sectionText);
  const block: SectionBlock = {
    type: 'section',
    block_id: blockId({ kind: 'field', promotionId: view.promotion.id, key: item.id }),
    text: { type: 'mrkdwn', text },
  };
  if (interactive) {
    block.accessory = {
      type: 'button',
      action_id: ACTION.openField,
      text: { type: 'plain_text', text: s.state === 'done' ? 'Edit' : 'Set' },
      value: refValue(view.promotion.id, item.id),
    };
  }
  return block;
}

export function choiceBlock(view: PromotionView, item: Item, interactive: boolean): SectionBlock {
  const s = stateOf(view, item.id);
  const text = truncate(`${statusMark(item, s)} ${valueLine(item, s)}`, LIMITS.sectionText);
  const block: SectionBlock = {
    type: 'section',
    block_id: blockId({ kind: 'choice', promotionId: view.promotion.id, key: item.id }, digest([s.state, s.value])),
    text: { type: 'mrkdwn', text },
  };
  if (interactive) {
    const options: PlainTextOption[] = (item.choice?.options ?? []).map((o) => ({ text: { type: 'plain_text', text: o.label }, value: o.id }));
    const initial = s.state === 'done' ? options.find((o) => o.value === s.value) : undefined;
    block.accessory = {
      type: 'static_select',
      action_id: ACTION.choose,
      placeholder: { type: 'plain_text', text: 'Choose…' },
      options,
      ...(initial ? { initial_option: initial } : {}),
    };
  }
  return block;
}

/**
 * Items shown as a plan: a plain list of steps, no boxes to tick. An item that was settled anyway (marked not
 * applicable ahead, say) still says so, so the record shows.
 */
export function planBlocks(view: PromotionView, items: readonly Item[]): KnownBlock[] {
  return linesBlocks(
    items.map((item) => {
      const s = stateOf(view, item.id);
      if (s.state === 'na') return `• ${naLine(item, s)}`;
      if (s.state === 'done') return `• ${esc(item.label)} · ${s.value === null ? '' : `${shownValue(item, s)} · `}${byLine(s.by, s.at)}`;
      const kind = itemKind(item);
      const what = kind === 'field' ? ' _(to fill in)_' : kind === 'choice' ? ' _(to choose)_' : '';
      return `• ${esc(item.label)}${what}${assigneeSuffix(item, s)}${item.hint ? ` · ${escCapped(item.hint, LIMITS.optionText)}` : ''}`;
    }),
  );
}
