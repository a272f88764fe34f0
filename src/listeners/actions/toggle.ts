import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { toggleChecks } from '../../services/items.js';
import type { StoredClickContext } from '../context.js';
import type { CheckboxClick } from '../payloads.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<StoredClickContext<CheckboxClick>>;

/**
 * A tick or untick. Slack sends the element's whole selection as the clicker's client shows it; the
 * difference from what that client showed before (its `initial_options`) is what this person changed.
 * Acknowledged once stored (see resolveStoredClick).
 */
export async function onToggle({ ack, context }: Args): Promise<void> {
  const { click, deps } = context;
  const selected = new Set(click.selected);
  const shown = new Set(click.shown);
  await toggleChecks(deps, {
    promotionId: click.promotionId,
    userId: click.userId,
    ticked: [...selected].filter((id) => !shown.has(id)),
    unticked: [...shown].filter((id) => !selected.has(id)),
    actionTs: click.actionTs,
    receiptKey: `toggle:${click.userId}:${click.actionTs}:${click.blockId}`,
    ...(click.messageTs ? { on: { channel: click.channelId, ts: click.messageTs } } : {}),
    arrivedAt: context.arrivedAt,
    stored: () => ack(),
  });
}
