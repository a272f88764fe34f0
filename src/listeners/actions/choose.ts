import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { chooseOption } from '../../services/items.js';
import type { StoredClickContext } from '../context.js';
import type { ChoiceClick } from '../payloads.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<StoredClickContext<ChoiceClick>>;

/** A choose-one item (e.g. ingest behaviour) picked from its menu; acknowledged once stored (see resolveStoredClick). */
export async function onChoose({ ack, context }: Args): Promise<void> {
  const { click, deps } = context;
  await chooseOption(deps, {
    promotionId: click.promotionId,
    itemId: click.itemId,
    optionId: click.optionId,
    userId: click.userId,
    actionTs: click.actionTs,
    receiptKey: `choose:${click.userId}:${click.actionTs}:${click.blockId}`,
    ...(click.messageTs ? { on: { channel: click.channelId, ts: click.messageTs } } : {}),
    arrivedAt: context.arrivedAt,
    stored: () => ack(),
  });
}
