import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { UserError } from '../../errors.js';
import { parseRefValue } from '../../ids.js';
import { findItem } from '../../domain/template.js';
import { getItemState, getPromotion } from '../../store/promotions.js';
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
    const promotion = await getPromotion(deps.db, ref.promotionId);
    const item = promotion && findItem(promotion.template, ref.id)?.item;
    if (!promotion || !item?.field) throw new UserError('That field is not part of this checklist.', 'bad_field');
    if (promotion.status !== 'active') throw new UserError(`Promotion ${promotion.release} has ended; its values can no longer change.`, 'not_active');
    const state = await getItemState(deps.db, promotion.id, item.id);
    await client.views.open({
      trigger_id: click.triggerId,
      view: fieldModal({ promotionId: promotion.id, release: promotion.release, channelId: click.channelId, item, state }),
    });
  };
}
