import type { KnownBlock, SectionBlock } from '@slack/types';
import { percentSettled, sectionProgress, promotionProgress, type PromotionView } from '../src/domain/promotion.js';
import { KIND_EMOJI, type RenderedMessage } from './checklist.js';
import { esc, escCapped, LIMITS, mention, progressBar, SHOWN_MAX, slackDate, truncate } from './text.js';

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
  }
}

/** The headline message in the channel: status, overall progress, and each section's progress. */
export function renderOverview(view: PromotionView): RenderedMessage {
  const { promotion: p } = view;
  const t = p.template;
  const total = promotionProgress(view);
  const pct = percentSettled(total);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`Promotion ${p.release} · ${t.name}`, LIMITS.headerText), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: statusLine(view) } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*Progress:* \`${progressBar(total.done + total.na, total.total)}\` ${total.done + total.na} of ${total.total} items (${pct}%) · ${total.done} done${
          total.na > 0 ? ` · ${total.na} not applicable` : ''
        }`,
      },
    },
  ];
  const fields = t.sections
    .filter((s) => s.items.length > 0)
    .map((s) => {
      const sp = sectionProgress(s, view.states);
      const mark = sp.open === 0 ? ' :white_check_mark:' : '';
      return { type: 'mrkdwn' as const, text: truncate(`${KIND_EMOJI[s.kind]} *${esc(s.title)}*\n${sp.done + sp.na}/${sp.total}${mark}`, LIMITS.fieldText) };
    });
  for (let i = 0; i < fields.length; i += LIMITS.fieldsPerSection) {
    const block: SectionBlock = { type: 'section', fields: fields.slice(i, i + LIMITS.fieldsPerSection) };
    blocks.push(block);
  }
  if (t.approvals.length > 0) {
    const lines = t.approvals.map((a) => `:hourglass_flowing_sand: ${esc(t.roles[a.role]?.label ?? a.role)} · ${esc(a.label)}`);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(`*Sign-offs*\n${lines.join('\n')}`, LIMITS.sectionText) } });
  }
  const hint = p.status === 'active' ? 'Work through the sections in this thread' : 'The record stays in this thread';
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `${hint} · template \`${t.id}\` · \`/promote status ${esc(p.release)}\`` }],
  });
  const text = `Promotion ${p.release} (${t.name}): ${total.done + total.na} of ${total.total} items settled${p.status === 'active' ? '' : `, ${p.status}`}`;
  return { text: truncate(text, LIMITS.fallbackText), blocks };
}
