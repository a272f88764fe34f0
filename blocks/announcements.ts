import type { KnownBlock } from '@slack/types';
import type { MessageOf } from '../src/domain/message-kinds.js';
import type { RenderedMessage } from './checklist.js';
import { code, esc, escCapped, escLiteral, LIMITS, mention, messageLink, SHOWN_MAX, truncate } from './text.js';

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

/** Where the checklist is, as a link when its overview is posted (always, for the kinds enqueued once it is). */
function checklistLink(checklist: { channel: string; ts: string | null }): string {
  return checklist.ts ? `<${messageLink(checklist.channel, checklist.ts)}|checklist>` : `checklist in <#${checklist.channel}>`;
}

/** The promotion started: one short line in a stakeholder channel, readable in a notification. */
export function promotionStarted(m: MessageOf<'promotion-started'>): RenderedMessage {
  const env = m.environment ? ` to ${code(truncate(m.environment, 64))}` : '';
  return one(
    `:rocket: Promotion of *${esc(m.release)}*${env} started by ${mention(m.by)} (${escCapped(m.templateName, 200, escLiteral)}) · ${checklistLink(m.checklist)}`,
    `${esc(m.release)}: promotion started${m.environment ? ` to ${escCapped(m.environment, 64)}` : ''} (${escCapped(m.templateName, 100)})`,
  );
}

/**
 * Why Slack refused a post in a channel, in plain words, and what to do about it (post-failed). Slack's codes are
 * named here, in the renderer: the sender stores the code as it came.
 */
function refusalInWords(error: string, channel: string): string {
  const where = `<#${channel}>`;
  switch (error) {
    case 'not_in_channel':
      return `I am not a member of ${where}. Invite @Preflight to ${where} (\`/invite @Preflight\` there) so that the next posts reach it.`;
    case 'channel_not_found':
      return `${where} does not exist, or it is private and I was never invited. Invite @Preflight there, or correct the channel in the template's \`announce.channels\`.`;
    case 'is_archived':
      return `the channel is archived. Unarchive it, or take it out of the template's \`announce.channels\`.`;
    case 'restricted_action':
      return `the workspace does not let me post in ${where} (posting there is restricted). Ask a workspace admin to allow it, or take it out of the template's \`announce.channels\`.`;
    case 'thread_not_found':
      return 'the thread it belonged to is gone.';
    case 'msg_too_long':
    case 'msg_blocks_too_long':
    case 'invalid_blocks':
    case 'invalid_metadata_format':
      return `Slack refused the message itself (${code(error)}): that is a bug in Preflight, please report it.`;
    default:
      return `Slack refused it (${code(truncate(error, 100))}).`;
  }
}

/** A post meant for another channel was refused for good: told in the checklist's thread, to the requester. */
export function postFailed(m: MessageOf<'post-failed'>): RenderedMessage {
  const what = escCapped(m.what, 200, escLiteral);
  return one(
    `:warning: ${mention(m.requester)}: I could not post ${what} of *${esc(m.release)}* in <#${m.channel}>: ${refusalInWords(m.error, m.channel)} It was not posted there and is not retried; the other channels are not affected.`,
    `Could not post ${what} of ${esc(m.release)} in <#${m.channel}>`,
  );
}
