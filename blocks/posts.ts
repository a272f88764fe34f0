import type { KnownBlock } from '@slack/types';
import { LIMITS, mention, messageLink, truncate } from './text.js';

/**
 * Pieces the one-off posts of the timeline and the rollback (blocks/timeline.ts, blocks/rollback.ts) share: a section
 * or a context line within Slack's limit, a mention of a user or a user group, and the link to the checklist.
 */

/** A user (U…, W…) or a user group (S…), as a mention. */
export function mentionAny(id: string): string {
  return id.startsWith('S') ? `<!subteam^${id}>` : mention(id);
}

export function sectionBlock(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

export function contextBlock(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) }] };
}

/** The checklist's overview as a link, or its channel while the overview is not posted. */
export function checklistLink(ref: { channel: string; ts: string | null }, label = 'checklist'): string {
  return ref.ts ? `<${messageLink(ref.channel, ref.ts)}|${label}>` : `<#${ref.channel}>`;
}
