import type { KnownBlock } from '@slack/types';
import { percentSettled, sectionProgress, promotionProgress, type PromotionView } from '../src/domain/promotion.js';
import { allItems, itemKind, type Template } from '../src/domain/template.js';
import { KIND_EMOJI, type RenderedMessage } from './checklist.js';
import { esc, LIMITS, mention, messageLink, progressBar, slackDate, truncate } from './text.js';

function link(channelId: string, ts: string | null, label: string): string {
  return ts ? `<${messageLink(channelId, ts)}|${esc(label)}>` : esc(label);
}

const MAX_OPEN_SHOWN = 15;

/** `/promote status`: progress per section and what is still open, for the asker only. */
export function statusReply(view: PromotionView, overviewTs: string | null): RenderedMessage {
  const p = view.promotion;
  const total = promotionProgress(view);
  const lines = p.template.sections
    .filter((s) => s.items.length > 0)
    .map((s) => {
      const sp = sectionProgress(s, view.states);
      return `${KIND_EMOJI[s.kind]} ${esc(s.title)}: ${sp.done + sp.na}/${sp.total}${sp.open === 0 ? ' :white_check_mark:' : ''}`;
    });
  const open = allItems(p.template).filter((i) => (view.states.get(i.id)?.state ?? 'open') === 'open');
  const openLines = open.slice(0, MAX_OPEN_SHOWN).map((i) => `• ${esc(i.label)}${itemKind(i) === 'check' ? '' : ' _(to fill in)_'}`);
  if (open.length > MAX_OPEN_SHOWN) openLines.push(`…and ${open.length - MAX_OPEN_SHOWN} more`);
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${link(p.channelId, overviewTs, `Promotion ${p.release}`)}* · ${esc(p.template.name)} · started by ${mention(p.requestedBy)} ${slackDate(p.createdAt)}\n\`${progressBar(total.done + total.na, total.total)}\` ${total.done + total.na} of ${total.total} items (${percentSettled(total)}%)`,
      },
    },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), LIMITS.sectionText) } },
  ];
  if (openLines.length > 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(`*Still open*\n${openLines.join('\n')}`, LIMITS.sectionText) } });
  }
  return { text: `Promotion ${p.release}: ${total.done + total.na} of ${total.total} items settled`, blocks };
}

/** `/promote list`: the active promotions in this channel. */
export function listReply(active: Array<{ view: PromotionView; overviewTs: string | null }>): RenderedMessage {
  if (active.length === 0) {
    const text = 'No promotion is active in this channel. Start one with `/promote start <release>`.';
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const lines = active.map(({ view, overviewTs }) => {
    const p = view.promotion;
    const t = promotionProgress(view);
    return `• *${link(p.channelId, overviewTs, p.release)}* · ${esc(p.template.name)} · ${t.done + t.na}/${t.total} (${percentSettled(t)}%) · started by ${mention(p.requestedBy)} ${slackDate(p.createdAt)}`;
  });
  const text = `*Active promotions here*\n${lines.join('\n')}`;
  return { text: truncate(`${active.length} active promotion(s)`, LIMITS.fallbackText), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } }] };
}

/** `/promote templates`: what can be started. */
export function templatesReply(templates: Iterable<Template>): RenderedMessage {
  const lines = [...templates].map((t) => {
    const items = allItems(t).length;
    const desc = t.description ? ` ${esc(truncate(t.description, 200))}` : '';
    return `• \`${t.id}\` *${esc(t.name)}* (${t.sections.length} sections, ${items} items).${desc}`;
  });
  const text = `*Checklist templates*\n${lines.join('\n')}\nStart one with \`/promote start <release> <template>\`.`;
  return { text: 'Checklist templates', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } }] };
}
