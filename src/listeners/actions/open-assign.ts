import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { assignModal } from '../../../blocks/assign.js';
import { sectionToAssign } from '../../services/assign.js';
import type { ClickContext } from '../context.js';
import type { RefButtonClick } from '../payloads.js';
import { openModal } from '../../slack/open-modal.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<ClickContext<RefButtonClick>>;

/** "Assign…" under a section: open the modal that assigns one of its open items to someone (or to nobody). */
export async function onOpenAssign({ context, client }: Args): Promise<void> {
  const { click, promotion, deps } = context;
  const { section, states } = await sectionToAssign(deps, promotion, click.id);
  await openModal(client, {
    trigger_id: click.triggerId,
    view: assignModal({ promotionId: promotion.id, release: promotion.release, channelId: click.channelId, section, states }),
  });
}
