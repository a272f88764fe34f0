import { UserError } from '../errors.js';
import { messageLink } from '../domain/mrkdwn.js';
import type { Queryable } from '../store/db.js';
import { overviewTs, promotionByMessage } from '../store/messages.js';

/**
 * A click must come from one of the promotion's own messages. A stray copy (a post Slack accepted twice, say)
 * never updates, so changes made there would be invisible: point the person at the live checklist instead.
 */
export async function assertLiveMessage(q: Queryable, promotionId: string, channelId: string, messageTs: string): Promise<void> {
  if ((await promotionByMessage(q, channelId, messageTs)) === promotionId) return;
  const ts = await overviewTs(q, promotionId);
  const where = ts ? ` Use <${messageLink(channelId, ts)}|the live checklist> instead.` : '';
  throw new UserError(`This copy of the checklist is out of date and nothing was changed.${where}`, 'stale_copy');
}
