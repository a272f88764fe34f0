import { createHash } from 'node:crypto';
import type { ActionsBlock, ContextBlock, KnownBlock, MrkdwnOption, PlainTextOption, SectionBlock } from '@slack/types';
import { ACTION, blockId, refValue } from '../src/ids.js';
import { itemKind, type Item, type Section } from '../src/domain/template.js';
import { sectionProgress, type ItemState, type PromotionView } from '../src/domain/promotion.js';
import { byLine, esc, escCapped, formatFieldValue, LIMITS, mention, SHOWN_MAX, truncate } from './text.js';

export interface RenderedMessage {
  /** Notification and screen-reader fallback. */
  text: string;
  blocks: KnownBlock[];
}

export const KIND_EMOJI: Record<Section['kind'], string> = {
  gates: ':vertical_traffic_light:',
  safety: ':shield:',
  change: ':memo:',
  comms: ':loudspeaker:',
  deploy: ':rocket:',
  monitor: ':chart_with_upwards_trend:',
  verify: ':white_check_mark:',
  rollback: ':rewind:',
  signoff: ':writing_hand:',
  notes: ':bookmark_tabs:',
};

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

const OPEN: Omit<ItemState, 'itemId'> = { state: 'open', value: null, note: null, by: null, at: null };
function stateOf(view: PromotionView, itemId: string): ItemState {
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

function checkOption(item: Item, s: ItemState): MrkdwnOption | PlainTextOption {
  const description =
    s.state === 'done' ? doneDescription(s) : item.hint ? escCapped(item.hint, LIMITS.optionText) : undefined;
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

function statusMark(s: ItemState): string {
  return s.state === 'done' ? ':ballot_box_with_check:' : s.state === 'na' ? ':heavy_minus_sign:' : ':white_large_square:';
}

/** Lines joined into as few section texts as fit Slack's 3000 characters, never cutting a line. */
function packLines(lines: string[]): string[] {
  const texts: string[] = [];
  for (const line of lines) {
    const last = texts.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= LIMITS.sectionText) texts[texts.length - 1] = `${last}\n${line}`;
    else texts.push(truncate(line, LIMITS.sectionText));
  }
  return texts;
}

function checksBlocks(view: PromotionView, unit: Extract<Unit, { type: 'checks' }>, interactive: boolean): KnownBlock[] {
  const pid = view.promotion.id;
  const states = unit.items.map((item) => ({ item, s: stateOf(view, item.id) }));
  if (!interactive) {
    const lines = states.map(({ item, s }) =>
      s.state === 'na' ? `${statusMark(s)} ${naLine(item, s)}` : `${statusMark(s)} ${esc(item.label)}${s.state === 'done' ? ` · ${byLine(s.by, s.at)}` : ''}`,
    );
    return packLines(lines).map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
  }
  const blocks: KnownBlock[] = [];
  const applicable = states.filter(({ s }) => s.state !== 'na');
  if (applicable.length > 0) {
    const options = applicable.map(({ item, s }) => checkOption(item, s));
    const initial = applicable.flatMap(({ item, s }, i) => (s.state === 'done' ? [options[i]!] : []));
    const actions: ActionsBlock = {
      type: 'actions',
      block_id: blockId({ kind: 'chk', promotionId: pid, key: unit.key }, digest(states.map(({ s }) => [s.itemId, s.state, s.by, s.at]))),
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
  return blocks;
}

function valueLine(item: Item, s: ItemState): string {
  if (s.state === 'na') return naLine(item, s);
  const label = `*${esc(item.label)}*`;
  if (s.state !== 'done' || s.value === null) return `${label}\n_Not set_${item.hint ? ` · ${escCapped(item.hint, LIMITS.optionText)}` : ''}`;
  const shown = item.field
    ? formatFieldValue(item.field, s.value)
    : esc(item.choice?.options.find((o) => o.id === s.value)?.label ?? s.value);
  return `${label}\n${shown} · ${byLine(s.by, s.at)}`;
}

function fieldBlock(view: PromotionView, item: Item, interactive: boolean): SectionBlock {
  const s = stateOf(view, item.id);
  const text = truncate(`${statusMark(s)} ${valueLine(item, s)}`, LIMITS.sectionText);
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

function choiceBlock(view: PromotionView, item: Item, interactive: boolean): SectionBlock {
  const s = stateOf(view, item.id);
  const text = truncate(`${statusMark(s)} ${valueLine(item, s)}`, LIMITS.sectionText);
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

/** The blocks of one section: header, progress, notes, its items, and the not-applicable button. */
export function sectionBlocks(view: PromotionView, section: Section): KnownBlock[] {
  const interactive = view.promotion.status === 'active';
  const p = sectionProgress(section, view.states);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(section.title, LIMITS.headerText), emoji: true } },
  ];
  if (section.items.length > 0) {
    const settled = p.done + p.na === p.total ? ' :white_check_mark:' : '';
    const na = p.na > 0 ? ` · ${p.na} not applicable` : '';
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${KIND_EMOJI[section.kind]} ${p.done} of ${p.total} done${na}${settled}` }] });
  }
  if (section.notes) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(section.notes, LIMITS.sectionText) } });
  for (const unit of sectionUnits(section)) {
    if (unit.type === 'checks') blocks.push(...checksBlocks(view, unit, interactive));
    else if (unit.type === 'field') blocks.push(fieldBlock(view, unit.item, interactive));
    else blocks.push(choiceBlock(view, unit.item, interactive));
  }
  if (interactive && section.items.length > 0) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: ACTION.openNa,
          text: { type: 'plain_text', text: 'Not applicable…' },
          value: refValue(view.promotion.id, section.id),
        },
      ],
    });
  }
  return blocks;
}

/** A thread message holding one or more whole sections. */
export function renderSectionsMessage(view: PromotionView, sectionIndexes: readonly number[]): RenderedMessage {
  const sections = sectionIndexes.map((i) => view.promotion.template.sections[i]!);
  const blocks: KnownBlock[] = [];
  sections.forEach((section, i) => {
    if (i > 0) blocks.push({ type: 'divider' });
    blocks.push(...sectionBlocks(view, section));
  });
  const summary = sections
    .map((s) => {
      const p = sectionProgress(s, view.states);
      return `${s.title}: ${p.done + p.na}/${p.total}`;
    })
    .join(' · ');
  return { text: truncate(`${view.promotion.release} · ${summary}`, LIMITS.fallbackText), blocks };
}
