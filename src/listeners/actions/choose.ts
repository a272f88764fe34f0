import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { parseBlockId } from '../../ids.js';
import { chooseOption } from '../../services/items.js';
import type { Deps } from '../../services/deps.js';
import { BadPayload, parseSelectClick } from '../payloads.js';
import { assertLiveMessage } from '../../services/live-message.js';

/** A choose-one item (e.g. ingest behaviour) picked from its menu. */
export function onChoose(deps: Deps) {
  return async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const click = parseSelectClick(body, action);
    const ref = parseBlockId(click.blockId);
    if (ref?.kind !== 'choice') throw new BadPayload('choice block id');
    await assertLiveMessage(deps, ref.promotionId, click.channelId, click.messageTs);
    await chooseOption(deps, {
      promotionId: ref.promotionId,
      itemId: ref.key,
      optionId: click.value,
      userId: click.userId,
      receiptKey: `choose:${click.userId}:${click.actionTs}:${click.blockId}`,
    });
  };
}
