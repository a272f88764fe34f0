import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { noGoModal } from '../../../blocks/approval-modals.js';
import { BadPayload, UserError } from '../../errors.js';
import { assertDecider } from '../../services/decisions.js';
import type { ClickContext } from '../context.js';
import type { DecisionClick } from '../payloads.js';
import { openModal } from '../../slack/open-modal.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<ClickContext<DecisionClick>>;

/**
 * NO-GO…: open the modal that asks why and, optionally, for a new date (views/no-go.ts records it). Someone who
 * may not decide is told so before typing a reason; the submission is checked again.
 */
export async function onNoGo({ context, client }: Args): Promise<void> {
  const { click, promotion, deps } = context;
  if (!click.triggerId) throw new BadPayload('no trigger');
  if (promotion.stage === 'go' || promotion.stage === 'rolling-back') {
    throw new UserError('GO was already decided for this promotion: a NO-GO can no longer be recorded.', 'already_decided');
  }
  await assertDecider(deps, promotion, click.userId, 'decide GO or NO-GO');
  await openModal(client, {
    trigger_id: click.triggerId,
    view: noGoModal({ promotionId: promotion.id, release: promotion.release, channelId: click.channelId, templateName: promotion.template.name }),
  });
}
