import { UserError } from '../errors.js';
import { messageLink } from '../domain/mrkdwn.js';
import type { Queryable } from '../store/db.js';
import { overviewTs, promotionByMessage } from '../store/messages.js';

/**
 * The promotions messages belong to, as one batch of clicks found them: a burst's clicks are many and the checklist's
 * messages few, so a batch looks each message up once (its transaction sees one state of them anyway).
 */
export type MessageOwners = Map<string, Promise<string | undefined>>;

function ownerOf(q: Queryable, channelId: string, messageTs: string, seen?: MessageOwners): Promise<string | undefined> {
  if (!seen) return promotionByMessage(q, channelId, messageTs);
  const key = `${channelId}/${messageTs}`;
  let owner = seen.get(key);
  if (!owner) {
    owner = promotionByMessage(q, channelId, messageTs);
    seen.set(key, owner);
    // A look-up that failed (a statement timeout, say) is not an answer: the next click asks again.
    owner.catch(() => seen.delete(key));
  }
  return owner;
}

/**
 * A click must come from one of the promotion's own messages. A stray copy (a post Slack accepted twice, say)
 * never updates, so changes made there would be invisible: point the person at the live checklist instead.
 */
export async function assertLiveMessage(q: Queryable, promotionId: string, channelId: string, messageTs: string, seen?: MessageOwners): Promise<void> {
  if ((await ownerOf(q, channelId, messageTs, seen)) === promotionId) return;
  const ts = await overviewTs(q, promotionId);
  const where = ts ? ` Use <${messageLink(channelId, ts)}|the live checklist> instead.` : '';
  throw new UserError(`This copy of the checklist is out of date and nothing was changed.${where}`, 'stale_copy');
}
