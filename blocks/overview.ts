import type { KnownBlock, SectionBlock } from '@slack/types';
import {
  PHASE_LABEL,
  percentSettled,
  promotionProgress,
  sectionMode,
  sectionProgress,
  type PromotionView,
} from '../src/domain/promotion.js';
import { phaseOf, PHASES } from '../src/domain/template.js';
import { ACTION } from '../src/ids.js';
import { approvalsPanel, decisionBlocks } from './approvals.js';
import { gateBlocks } from './github-gate.js';
import { KIND_EMOJI, type RenderedMessage } from './checklist.js';
import { activityLine, nextLines } from './overview-next.js';
import { bold, esc, escCapped, LIMITS, mention, progressBar, SHOWN_MAX, slackDate, truncate } from './text.js';

function statusLine(view: PromotionView): string {
  const p = view.promotion;
  const started = `started by ${mention(p.requestedBy)} ${slackDate(p.createdAt)}`;
  switch (p.status) {
    case 'active':
      return `*Status:* :large_green_circle: In progress · ${started}`;
    case 'aborted':
      return `*Status:* :no_entry: Aborted by ${p.endedBy ? mention(p.endedBy) : 'someone'} ${p.endedAt ? slackDate(p.endedAt) : ''}${
        p.endReason ? `: ${escCapped(p.endReason, SHOWN_MAX.reason)}` : ''
      }\n_${started}_`;
    case 'completed':
      return `*Status:* :checkered_flag: Completed ${p.endedAt ? slackDate(p.endedAt) : ''} · ${started}`;
    case 'rolled-back':
      return `*Status:* :rewind: Rolled back ${p.endedAt ? slackDate(p.endedAt) : ''} · ${started}`;
  }
}

/**
 * The maintenance window (issue 11), in each reader's own time zone, with the button that schedules or moves it. T0 is
 * named when it is not the window's start (a window that opens at T-30m).
 */
function windowBlock(view: PromotionView): KnownBlock {
  const { id, window, release, template } = view.promotion;
  const text = window
    ? `*Window:* ${slackDate(window.start)} to ${slackDate(window.end, '{time}')}${window.end.getTime() - window.start.getTime() >= 86_400_000 ? ` (${slackDate(window.end, '{date_short}')})` : ''}${
        window.t0.getTime() !== window.start.getTime() ? ` · T0 ${slackDate(window.t0, '{time}')}` : ''
      }`
    : `*Window:* not scheduled yet: its ${template.timeline.length > 0 ? 'T-minus reminders start' : 'times are set'} once it is (\`/promote schedule ${esc(release)} …\`)`;
  return {
    type: 'section',
    block_id: `window|${id}`,
    text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) },
    accessory: { type: 'button', action_id: ACTION.scheduleWindow, text: { type: 'plain_text', text: window ? 'Reschedule' : 'Schedule window' }, value: id },
  };
}

/**
 * The sections that count now, each with its progress; then the others by phase in one line each (after GO, the
 * NO-GO and rollback plans, reference), so what is not work yet does not read as unfinished work.
 */
function sectionFields(view: PromotionView): KnownBlock[] {
  const { stage, template } = view.promotion;
  const withItems = template.sections.filter((s) => s.items.length > 0);
  const fields = withItems
    .filter((s) => sectionMode(stage, s) === 'work')
    .map((s) => {
      const sp = sectionProgress(s, view.states);
      const state = `${sp.done + sp.na}/${sp.total}${sp.open === 0 ? ' :white_check_mark:' : sp.blocked > 0 ? ' :no_entry:' : ''}`;
      return { type: 'mrkdwn' as const, text: truncate(`${KIND_EMOJI[s.kind]} ${bold(s.title)}\n${state}`, LIMITS.fieldText) };
    });
  const blocks: KnownBlock[] = [];
  for (let i = 0; i < fields.length; i += LIMITS.fieldsPerSection) {
    const block: SectionBlock = { type: 'section', fields: fields.slice(i, i + LIMITS.fieldsPerSection) };
    blocks.push(block);
  }
  const later = PHASES.flatMap((phase) => {
    const sections = withItems.filter((s) => phaseOf(s) === phase && sectionMode(stage, s) !== 'work');
    if (sections.length === 0) return [];
    const what = phase === 'after-go' && stage === 'preparing' ? ' (opens with GO)' : phase === 'reference' ? '' : ' (plan)';
    return [{ type: 'mrkdwn' as const, text: truncate(`*${PHASE_LABEL[phase]}${what}:* ${sections.map((s) => esc(s.title)).join(' • ')}`, LIMITS.fieldText) }];
  });
  if (later.length > 0) blocks.push({ type: 'context', elements: later });
  return blocks;
}

/**
 * The headline message in the channel: the runbook's warning, status, progress over the phases in play, what is left
 * and what is next, the last activity, each section's progress (or phase), then the approvals panel and the decision.
 */
export function renderOverview(view: PromotionView): RenderedMessage {
  const { promotion: p } = view;
  const t = p.template;
  const total = promotionProgress(view);
  const pct = percentSettled(total);
  const scope = p.stage === 'preparing' ? ' before GO' : '';
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`Promotion ${p.release} · ${t.name}`, LIMITS.headerText), emoji: true } },
  ];
  if (t.warning) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `:warning: ${bold(t.warning)}` } });
  blocks.push(
    { type: 'section', text: { type: 'mrkdwn', text: statusLine(view) } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*Progress${scope}:* \`${progressBar(total.done + total.na, total.total)}\` ${total.done + total.na} of ${total.total} items (${pct}%) · ${total.done} done${
          total.na > 0 ? ` · ${total.na} not applicable` : ''
        }`,
      },
    },
  );
  if (p.status === 'active') blocks.push(windowBlock(view));
  if (p.status === 'active') blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(nextLines(view).join('\n'), LIMITS.sectionText) } });
  const activity = activityLine(view);
  if (activity) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: activity }] });
  blocks.push(...sectionFields(view));
  // GitHub's jobs waiting at the gated environment, and their answers (blocks/github-gate.ts, issue 13).
  blocks.push(...gateBlocks(view.gates));
  // The approvals of the stage in play and the decision (blocks/approvals.ts), after a divider.
  const decision = [...approvalsPanel(view), ...decisionBlocks(view)];
  if (decision.length > 0) blocks.push({ type: 'divider' }, ...decision);
  const hint = p.status === 'active' ? 'Work through the sections in this thread' : 'The record stays in this thread';
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `${hint} · template \`${t.id}\` · \`/promote status ${esc(p.release)}\`` }],
  });
  const text = `Promotion ${p.release} (${t.name}): ${total.done + total.na} of ${total.total} items${scope} settled${p.status === 'active' ? '' : `, ${p.status.replace('-', ' ')}`}`;
  return { text: truncate(text, LIMITS.fallbackText), blocks };
}
