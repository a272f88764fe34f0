import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { fieldToEdit } from '../../services/modals.js';
import { fieldModal } from '../../../blocks/modals.js';
import type { ClickContext } from '../context.js';
import type { RefButtonClick } from '../payloads.js';
import { openModal } from '../../slack/open-modal.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<ClickContext<RefButtonClick>>;

/** "Set" / "Edit" next to a value item: open its modal right away (the trigger expires in 3 seconds). */
export async function onOpenField({ context, client }: Args): Promise<void> {
  const { click, promotion, deps } = context;
  const { item, state } = await fieldToEdit(deps, promotion, click.id);
  await openModal(client, {
    trigger_id: click.triggerId,
    view: fieldModal({ promotionId: promotion.id, release: promotion.release, channelId: click.channelId, item, state }),
  });
}
