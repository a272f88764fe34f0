import type { KnownBlock } from '@slack/types';
import { ACTION, refValue } from '../src/ids.js';
import { phaseOf, type Section } from '../src/domain/template.js';
import { PHASE_LABEL, sectionMode, sectionProgress, type PromotionView, type SectionMode } from '../src/domain/promotion.js';
import { checksBlocks, choiceBlock, fieldBlock, planBlocks, sectionUnits } from './checklist-items.js';
import { runAllButton } from './probes.js';
import { assignableItems } from '../src/domain/assignees.js';
import { LIMITS, truncate } from './text.js';

export { sectionUnits, type Unit } from './checklist-items.js';

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

/** What a section that is not work now is, in a few words under its header. */
function notWorkLine(view: PromotionView, section: Section, mode: Exclude<SectionMode, 'work'>): string {
  const phase = phaseOf(section);
  switch (mode) {
    case 'upcoming':
      return `*${PHASE_LABEL[phase]}* · not open yet: these steps can be ticked once the promotion has a GO`;
    case 'reference':
      return section.items.some((i) => i.field || i.choice)
        ? '*Reference* · nothing here counts toward progress; its notes can be filled in at any time'
        : '*Reference* · nothing here counts toward progress';
    case 'plan':
      if (phase === 'on-rollback') return '*Rollback plan* · the steps to follow if the promotion is rolled back; nothing to tick now';
      if (phase === 'if-no-go') return '*If NO-GO* · the steps to follow if the decision is NO-GO; nothing to tick now';
      return view.promotion.stage === 'no-go'
        ? `*${PHASE_LABEL[phase]}* · not done: this promotion had a NO-GO`
        : `*${PHASE_LABEL[phase]}* · nothing to tick now`;
  }
}

/** The line under a section's header: its progress when it is work now, otherwise what it is. */
function statusLine(view: PromotionView, section: Section, mode: SectionMode): string {
  const emoji = KIND_EMOJI[section.kind];
  const p = sectionProgress(section, view.states);
  const na = p.na > 0 ? ` · ${p.na} not applicable` : '';
  if (mode !== 'work') return `${emoji} ${notWorkLine(view, section, mode)}${mode === 'upcoming' ? na : ''}`;
  const blocked = p.blocked > 0 ? ` · :no_entry: ${p.blocked} ${p.blocked === 1 ? 'blocks' : 'block'} GO` : '';
  const settled = p.open === 0 ? ' :white_check_mark:' : '';
  return `${emoji} ${p.done} of ${p.total} done${na}${blocked}${settled}`;
}

/**
 * The blocks of one section: header, what it is (its progress when it is work now), notes, its items, and the
 * not-applicable and assign buttons. How the items show depends on the section's phase at the promotion's stage: work has boxes
 * to tick; a section after GO shows its items as not yet open; a plan (NO-GO, rollback) is a plain list of steps;
 * reference lists its steps and keeps its notes fields open.
 */
export function sectionBlocks(view: PromotionView, section: Section): KnownBlock[] {
  const active = view.promotion.status === 'active';
  const mode = sectionMode(view.promotion.stage, section);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(section.title, LIMITS.headerText), emoji: true } },
  ];
  if (section.items.length > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: statusLine(view, section, mode) }] });
  if (section.notes) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(section.notes, LIMITS.sectionText) } });
  if (mode === 'plan') {
    blocks.push(...planBlocks(view, section.items));
  } else {
    // Work is interactive while the promotion runs; reference keeps its fields and choices (notes) open.
    const open = active && mode === 'work';
    for (const unit of sectionUnits(section)) {
      if (unit.type === 'checks') blocks.push(...(mode === 'reference' ? planBlocks(view, unit.items) : checksBlocks(view, unit, open)));
      else if (unit.type === 'field') blocks.push(fieldBlock(view, unit.item, open || (active && mode === 'reference')));
      else blocks.push(choiceBlock(view, unit.item, open || (active && mode === 'reference')));
    }
  }
  if (active && section.items.length > 0 && (mode === 'work' || mode === 'upcoming')) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: ACTION.openNa,
          text: { type: 'plain_text', text: 'Not applicable…' },
          value: refValue(view.promotion.id, section.id),
        },
        // Say who does which of its open items (blocks/assign.ts assignModal); nothing to assign once all are settled.
        ...(assignableItems(section, view.states).length > 0
          ? [{ type: 'button' as const, action_id: ACTION.openAssign, text: { type: 'plain_text' as const, text: 'Assign…' }, value: refValue(view.promotion.id, section.id) }]
          : []),
        // Work with probes: run them all at once (a section not open yet has nothing to run).
        ...(mode === 'work' && section.items.some((i) => i.probe) ? [runAllButton(view.promotion.id, section.id)] : []),
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
      if (sectionMode(view.promotion.stage, s) !== 'work') return `${s.title}: ${PHASE_LABEL[phaseOf(s)]}`;
      const p = sectionProgress(s, view.states);
      return `${s.title}: ${p.done + p.na}/${p.total}`;
    })
    .join(' · ');
  return { text: truncate(`${view.promotion.release} · ${summary}`, LIMITS.fallbackText), blocks };
}
