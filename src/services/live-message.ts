import { UserError } from '../errors.js';
import { messageLink } from '../../blocks/text.js';
import { overviewTs, promotionByMessage } from '../store/messages.js';
import type { Deps } from './deps.js';

/**
 * A click must come from one of the promotion's own messages. A stray copy (a post Slack accepted twice, say)
 * never updates, so changes made there would be invisible: point the person at the live checklist instead.
 */
export async function assertLiveMessage(deps: Deps, promotionId: string, channelId: string, messageTs: string): Promise<void> {
  if ((await promotionByMessage(deps.db, channelId, messageTs)) === promotionId) return;
  const ts = await overviewTs(deps.db, promotionId);
  const where = ts ? ` Use <${messageLink(channelId, ts)}|the live checklist> instead.` : '';
  throw new UserError(`This copy of the checklist is out of date and nothing was changed.${where}`, 'stale_copy');
}
