import { UserError } from '../errors.js';
import { messageLink } from '../domain/mrkdwn.js';
import type { Queryable } from '../store/db.js';
import { overviewTs, promotionByMessage } from '../store/messages.js';

/**
 * A click must come from one of the promotion's own messages. A stray copy (a post Slack accepted twice, say)
 * never updates, so changes made there would be invisible: point the person at the live checklist instead. `owner` is
 * the promotion owning the message (null: none does) when the caller knows it already.
 */
export async function assertLiveMessage(q: Queryable, promotionId: string, channelId: string, messageTs: string, owner?: string | null): Promise<void> {
  // The owner, when the caller read it already (a batch reads it with its clicks, in its transaction); else looked up.
  if ((owner === undefined ? await promotionByMessage(q, channelId, messageTs) : owner) === promotionId) return;
  const ts = await overviewTs(q, promotionId);
  const where = ts ? ` Use <${messageLink(channelId, ts)}|the live checklist> instead.` : '';
  throw new UserError(`This copy of the checklist is out of date and nothing was changed.${where}`, 'stale_copy');
}
