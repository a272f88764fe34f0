import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { sectionToMark } from '../../services/modals.js';
import { naModal } from '../../../blocks/na-modal.js';
import type { ClickContext } from '../context.js';
import type { RefButtonClick } from '../payloads.js';
import { openModal } from '../../slack/open-modal.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<ClickContext<RefButtonClick>>;

/** "Not applicable…" under a section: open the modal that marks one of its items not applicable. */
export async function onOpenNa({ context, client }: Args): Promise<void> {
  const { click, promotion, deps } = context;
  const { section, states } = await sectionToMark(deps, promotion, click.id);
  await openModal(client, {
    trigger_id: click.triggerId,
    view: naModal({ promotionId: promotion.id, release: promotion.release, channelId: click.channelId, section, states }),
  });
}
