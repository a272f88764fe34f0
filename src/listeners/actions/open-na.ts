import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { parseRefValue } from '../../ids.js';
import { sectionToMark } from '../../services/modals.js';
import type { Deps } from '../../services/deps.js';
import { naModal } from '../../../blocks/modals.js';
import { BadPayload, parseButtonClick } from '../payloads.js';

/** "Not applicable…" under a section: open the modal that marks one of its items not applicable. */
export function onOpenNa(deps: Deps) {
  return async ({ ack, body, action, client }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const click = parseButtonClick(body, action);
    const ref = parseRefValue(click.value);
    if (!ref) throw new BadPayload('button value');
    const { promotion, section, states } = await sectionToMark(deps, ref.promotionId, ref.id);
    await client.views.open({
      trigger_id: click.triggerId,
      view: naModal({ promotionId: promotion.id, release: promotion.release, channelId: click.channelId, section, states }),
    });
  };
}
