import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { parseRefValue } from '../../ids.js';
import { fieldToEdit } from '../../services/modals.js';
import type { Deps } from '../../services/deps.js';
import { fieldModal } from '../../../blocks/modals.js';
import { BadPayload, parseButtonClick } from '../payloads.js';

/** "Set" / "Edit" next to a value item: open its modal right away (the trigger expires in 3 seconds). */
export function onOpenField(deps: Deps) {
  return async ({ ack, body, action, client }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const click = parseButtonClick(body, action);
    const ref = parseRefValue(click.value);
    if (!ref) throw new BadPayload('button value');
    const { promotion, item, state } = await fieldToEdit(deps, ref.promotionId, ref.id);
    await client.views.open({
      trigger_id: click.triggerId,
      view: fieldModal({ promotionId: promotion.id, release: promotion.release, channelId: click.channelId, item, state }),
    });
  };
}
