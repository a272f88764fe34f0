import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { scheduleModal } from '../../../blocks/schedule-modal.js';
import { BadPayload } from '../../errors.js';
import { assertMaySchedule } from '../../services/schedule.js';
import type { ClickContext } from '../context.js';
import type { DecisionClick } from '../payloads.js';
import { openModal } from '../../slack/open-modal.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<ClickContext<DecisionClick>>;

/**
 * Schedule window / Reschedule on the overview: opens the modal (views/schedule.ts records it). Someone who may not
 * schedule is told so before picking a time; the submission is checked again.
 */
export async function onScheduleWindow({ context, client }: Args): Promise<void> {
  const { click, promotion, deps } = context;
  if (!click.triggerId) throw new BadPayload('no trigger');
  await assertMaySchedule(deps, promotion, click.userId);
  await openModal(client, {
    trigger_id: click.triggerId,
    view: scheduleModal({
      promotionId: promotion.id,
      release: promotion.release,
      channelId: click.channelId,
      templateName: promotion.template.name,
      duration: promotion.template.window.duration,
      current: promotion.window ? { start: promotion.window.start, end: promotion.window.end } : null,
    }),
  });
}
