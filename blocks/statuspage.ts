import type { KnownBlock } from '@slack/types';
import type { MessageOf } from '../src/domain/message-kinds.js';
import type { RenderedMessage } from './checklist.js';
import { code, esc, escCapped, LIMITS, mention, truncate } from './text.js';

/**
 * What the status page's sender says in the checklist's thread (src/statuspage/sender.ts, through the outbox): a call
 * Statuspage refused, or never answered, shown to the lead so the status page is updated by hand. Never the API key:
 * the sender scrubbed Statuspage's message before it was enqueued.
 */
export function statuspageFailed(m: MessageOf<'statuspage-failed'>): RenderedMessage {
  const answered = m.status === null ? 'Statuspage did not answer' : `Statuspage answered ${m.status}`;
  const line = `:warning: ${mention(m.lead)} the status page was *not* updated for *${esc(truncate(m.release, 80))}*: Preflight could not ${escCapped(m.what, 400)} on page ${code(truncate(m.pageId, 40))}.\n${escCapped(m.error, 1200)}`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(line, LIMITS.sectionText) } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `${answered}. Update the status page by hand (this step is not retried by itself), and check STATUSPAGE_API_KEY and the template's statuspage.page_id if it says so.` }],
    },
  ];
  return { text: truncate(esc(`The status page was not updated for ${m.release}: could not ${m.what}. ${m.error}`), LIMITS.fallbackText), blocks };
}
