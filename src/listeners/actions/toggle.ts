import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { parseBlockId } from '../../ids.js';
import { toggleChecks } from '../../services/items.js';
import type { Deps } from '../../services/deps.js';
import { BadPayload, parseCheckboxClick } from '../payloads.js';
import { assertLiveMessage } from '../../services/live-message.js';

/**
 * A tick or untick. Slack sends the element's whole selection as the clicker's client shows it; the
 * difference from what that client showed before (its `initial_options`) is what this person changed.
 */
export function onToggle(deps: Deps) {
  return async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const click = parseCheckboxClick(body, action);
    const ref = parseBlockId(click.blockId);
    if (ref?.kind !== 'chk') throw new BadPayload('checkbox block id');
    await assertLiveMessage(deps, ref.promotionId, click.channelId, click.messageTs);
    const selected = new Set(click.selected);
    const shown = new Set(click.shown);
    await toggleChecks(deps, {
      promotionId: ref.promotionId,
      userId: click.userId,
      ticked: [...selected].filter((id) => !shown.has(id)),
      unticked: [...shown].filter((id) => !selected.has(id)),
      receiptKey: `toggle:${click.userId}:${click.actionTs}:${click.blockId}`,
    });
  };
}
