import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { UserError } from '../../errors.js';
import { parseRefValue } from '../../ids.js';
import { loadView } from '../../store/promotions.js';
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
    const view = await loadView(deps.db, ref.promotionId);
    const section = view?.promotion.template.sections.find((s) => s.id === ref.id);
    if (!view || !section) throw new UserError('That section is not part of this checklist.', 'bad_section');
    if (view.promotion.status !== 'active') throw new UserError(`Promotion ${view.promotion.release} has ended; it can no longer change.`, 'not_active');
    await client.views.open({
      trigger_id: click.triggerId,
      view: naModal({ promotionId: view.promotion.id, release: view.promotion.release, channelId: click.channelId, section, states: view.states }),
    });
  };
}
