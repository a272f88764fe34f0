import type { KnownBlock } from '@slack/types';
import { ACTION } from '../src/ids.js';
import type { MessageOf } from '../src/domain/message-kinds.js';
import type { PromotionView } from '../src/domain/promotion.js';
import { roleMentions } from '../src/domain/timeline.js';
import type { RenderedMessage } from './checklist.js';
import { checklistLink, contextBlock, mentionAny, sectionBlock } from './posts.js';
import { esc, escCapped, escLiteral, LIMITS, mention, messageLink, SHOWN_MAX, slackDate, truncate } from './text.js';

/**
 * The rollback's one-off posts (issue 12), sent through the outbox exactly once per channel: the broadcast (with
 * Acknowledge in stakeholder channels), the chosen path's steps, updates, the lead's reminder to post one, and the
 * resolution. The communication is the template's and the lead's words: plain text, escaped, never read as markup.
 */

/** Plain text people wrote, shown as a quote: escaped so `<!channel>` or a link is only text. */
function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => `>${esc(line)}`)
    .join('\n');
}

export function rollbackBroadcast(m: MessageOf<'rollback-broadcast'>): RenderedMessage {
  const blocks: KnownBlock[] = [
    sectionBlock(`:rotating_light: *${escLiteral(m.subject)}*\n*${esc(m.release)}*, rollback started by ${mention(m.by)}${m.path ? ` · path: ${escLiteral(m.path)}` : ''} · ${checklistLink(m.checklist)}`),
    sectionBlock(quote(truncate(m.message, 2400))),
  ];
  if (m.contacts.length > 0) blocks.push(contextBlock(`${m.contacts.map(mentionAny).join(' ')}: you are the on-call and escalation contacts for this rollback.`));
  if (m.acknowledge) {
    blocks.push({
      type: 'actions',
      block_id: `rollback-ack|${m.promotionId}`,
      elements: [{ type: 'button', action_id: ACTION.acknowledgeRollback, text: { type: 'plain_text', text: 'Acknowledge' }, value: m.promotionId }],
    });
  }
  return { text: truncate(`${escLiteral(m.subject)}: ${esc(m.release)} is rolling back`, LIMITS.fallbackText), blocks };
}

/** How much text the steps' sections may take in one message (Slack refuses around 12k in total). */
const STEPS_BUDGET = 8000;

export function rollbackSteps(m: MessageOf<'rollback-steps'>): RenderedMessage {
  const parts = m.sections.map((s) => {
    const title = s.ts ? `<${messageLink(m.checklist.channel, s.ts)}|${escLiteral(s.title)}>` : `*${escLiteral(s.title)}*`;
    const steps = s.steps.slice(0, 30).map((step) => `:white_large_square: ${esc(step)}`);
    if (s.steps.length > 30) steps.push(`_and ${s.steps.length - 30} more in the checklist_`);
    return [title, ...steps].join('\n');
  });
  const blocks: KnownBlock[] = [sectionBlock(`:rewind: *Rollback steps${m.path ? `: ${escLiteral(m.path)}` : ''}*, tick them in the checklist as they are done`)];
  // Within a message's text budget: sections past it are counted, not listed (the checklist has them all).
  let budget = STEPS_BUDGET;
  let shown = 0;
  for (const p of parts) {
    const text = truncate(p, LIMITS.sectionText);
    if (text.length > budget) break;
    budget -= text.length;
    blocks.push(sectionBlock(text));
    shown++;
  }
  if (shown < parts.length) blocks.push(contextBlock(`_and ${parts.length - shown} more section${parts.length - shown === 1 ? '' : 's'} of steps in the ${checklistLink(m.checklist)}_`));
  return { text: truncate(`${esc(m.release)}: rollback steps${m.path ? ` (${escLiteral(m.path)})` : ''}`, LIMITS.fallbackText), blocks };
}

export function rollbackUpdate(m: MessageOf<'rollback-update'>): RenderedMessage {
  return {
    text: truncate(`${esc(m.release)} rollback, update ${m.number}: ${esc(m.text)}`, LIMITS.fallbackText),
    blocks: [sectionBlock(`:memo: *${esc(m.release)} rollback, update ${m.number}* by ${mention(m.by)} ${slackDate(new Date(m.at))}\n${quote(truncate(m.text, 2600))}`), contextBlock(checklistLink(m.checklist))],
  };
}

export function rollbackUpdateDue(m: MessageOf<'rollback-update-due'>): RenderedMessage {
  return {
    text: truncate(`${esc(m.release)}: time to post a rollback update`, LIMITS.fallbackText),
    blocks: [
      sectionBlock(`:hourglass: ${mention(m.lead)}: time to post an update on the *${esc(m.release)}* rollback (every ${esc(m.every)}; the last went out ${slackDate(new Date(m.since))}).`),
      {
        type: 'actions',
        block_id: `rollback-update|${m.promotionId}`,
        elements: [{ type: 'button', action_id: ACTION.rollbackUpdate, style: 'primary', text: { type: 'plain_text', text: 'Post update' }, value: m.promotionId }],
      },
    ],
  };
}

export function rollbackComplete(m: MessageOf<'rollback-complete'>): RenderedMessage {
  return {
    text: truncate(`${esc(m.release)}: rollback complete`, LIMITS.fallbackText),
    blocks: [
      sectionBlock(`:white_check_mark: *${esc(m.release)}: rollback complete*, declared by ${mention(m.by)} ${slackDate(new Date(m.at))} (started ${slackDate(new Date(m.startedAt))})\n${quote(truncate(m.resolution, 2600))}`),
      contextBlock(checklistLink(m.checklist)),
    ],
  };
}

/** The most people the panel names in each list; the rest are counted. */
const PANEL_NAMES = 20;

function names(ids: readonly string[]): string {
  const shown = ids.slice(0, PANEL_NAMES).map(mentionAny).join(', ');
  return ids.length > PANEL_NAMES ? `${shown} and ${ids.length - PANEL_NAMES} more` : shown;
}

/**
 * The overview's rollback panel: why and since when, the path, who has acknowledged the broadcast and who the lead is
 * still waiting for (the template's `rollback.acknowledge` roles), the updates, and the lead's buttons; once complete,
 * the resolution.
 */
export function rollbackPanel(view: PromotionView): KnownBlock[] {
  const r = view.rollback;
  if (!r) return [];
  const p = view.promotion;
  const t = p.template;
  const path = t.rollback?.paths.find((x) => x.id === r.path)?.label;
  const lines = [
    r.completedAt
      ? `:white_check_mark: *Rolled back* · declared complete by ${mention(r.completedBy ?? '')} ${slackDate(r.completedAt)}: ${escCapped(r.resolution ?? '', SHOWN_MAX.reason)}`
      : `:rewind: *Rolling back* since ${slackDate(r.startedAt)}, started by ${mention(r.startedBy)}`,
    `*Issue:* ${escCapped(r.issue, SHOWN_MAX.reason)}${path ? ` · *path:* ${escLiteral(path)}` : ''}`,
  ];
  const expected = roleMentions(t, t.rollback?.acknowledge ?? []);
  const acked = r.acks.map((a) => a.userId);
  const waiting = expected.filter((id) => !acked.includes(id) && !id.startsWith('S'));
  const groups = expected.filter((id) => id.startsWith('S'));
  lines.push(
    `*Acknowledged:* ${acked.length > 0 ? names(acked) : 'nobody yet'}${waiting.length > 0 ? ` · *waiting for* ${names(waiting)}` : ''}${groups.length > 0 ? ` · *and someone of* ${names(groups)}` : ''}`,
  );
  lines.push(`*Updates:* ${r.updates}${r.lastUpdateAt ? `, the last ${slackDate(r.lastUpdateAt)}` : ''}${r.completedAt ? '' : ` · due every ${esc(t.rollback?.update_every ?? '15m')}`}`);
  const blocks: KnownBlock[] = [sectionBlock(lines.join('\n'))];
  if (p.status === 'active' && !r.completedAt) {
    blocks.push({
      type: 'actions',
      block_id: `rollback|${p.id}`,
      elements: [
        { type: 'button', action_id: ACTION.rollbackUpdate, style: 'primary', text: { type: 'plain_text', text: 'Post update…' }, value: p.id },
        { type: 'button', action_id: ACTION.rollbackComplete, text: { type: 'plain_text', text: 'Rollback complete…' }, value: p.id },
      ],
    });
  }
  return blocks;
}
