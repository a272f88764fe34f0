import type { KnownBlock } from '@slack/types';
import type { MessageOf } from '../src/domain/message-kinds.js';
import type { RenderedMessage } from './checklist.js';
import { esc, escCapped, escLiteral, LIMITS, mention, messageLink, SHOWN_MAX, truncate } from './text.js';

/**
 * One-off posts of the approvals and the GO decision (sent through the outbox, exactly once): approvals made void by
 * a changed value, and GO / NO-GO / completion, announced in the checklist's thread and in stakeholder channels.
 */

function one(text: string, fallback: string): RenderedMessage {
  const block: KnownBlock = { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
  return { text: truncate(fallback, LIMITS.fallbackText), blocks: [block] };
}

export function approvalsVoided(m: MessageOf<'approvals-voided'>): RenderedMessage {
  const who = m.users.map(mention).join(', ');
  // The reason was written by the domain as mrkdwn (labels escaped, values in code spans).
  return one(
    `:warning: ${who}: your approval of “${escLiteral(m.approval)}” for *${esc(m.release)}* is void because ${truncate(m.reason, 600)}. Please check and approve again.`,
    `Approvals of ${escLiteral(m.approval)} for ${esc(m.release)} are void: approve again`,
  );
}

const HEADLINE = { go: ':large_green_circle: GO', 'no-go': ':red_circle: NO-GO', completed: ':checkered_flag: Completed' } as const;

export function decisionAnnouncement(m: MessageOf<'decision-announcement'>): RenderedMessage {
  const checklist = m.checklist.ts ? ` (<${messageLink(m.checklist.channel, m.checklist.ts)}|checklist>)` : ` in <#${m.checklist.channel}>`;
  const lines = [`${HEADLINE[m.decision]} for *${esc(m.release)}* (${escLiteral(m.templateName)}), by ${mention(m.by)}${checklist}`];
  if (m.reason) lines.push(`Reason: ${escCapped(m.reason, SHOWN_MAX.reason)}`);
  if (m.newDate) lines.push(`New date: ${esc(m.newDate)}`);
  const word = m.decision === 'go' ? 'GO' : m.decision === 'no-go' ? 'NO-GO' : 'completed';
  return one(lines.join('\n'), `${esc(m.release)}: ${word}${m.reason ? `: ${escCapped(m.reason, SHOWN_MAX.reason)}` : ''}`);
}
