import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { sectionToMark } from '../../services/modals.js';
import { naModal } from '../../../blocks/na-modal.js';
import type { ClickContext } from '../context.js';
import type { NaSwitchClick } from '../payloads.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<ClickContext<NaSwitchClick>>;

/**
 * In the not-applicable modal, the person switched between marking and restoring: rebuild the modal for that
 * (a required reason when marking, only the not-applicable items when restoring), keeping what they chose.
 */
export async function onSwitchNa({ context, client }: Args): Promise<void> {
  const { click, promotion, deps } = context;
  const { section, states } = await sectionToMark(deps, promotion, click.sectionId);
  await client.views.update({
    view_id: click.viewId,
    hash: click.hash,
    view: naModal({ promotionId: promotion.id, release: promotion.release, channelId: click.channelId, section, states, change: click.change, chosen: click.chosen }),
  });
}
