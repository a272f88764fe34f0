import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { rollbackCompleteModal, rollbackModal, rollbackUpdateModal } from '../../../blocks/rollback-modals.js';
import { BadPayload, UserError } from '../../errors.js';
import { acknowledgeRollback, assertMayRollback, assertMayStartRollback } from '../../services/rollback.js';
import { replyPrivately } from '../../slack/reply.js';
import { getRollback } from '../../store/rollbacks.js';
import type { ClickContext } from '../context.js';
import type { RollbackClick } from '../payloads.js';
import { openModal } from '../../slack/open-modal.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<ClickContext<RollbackClick>>;

/**
 * The rollback's buttons (issue 12). Each form opens only for someone who may use it (told who can otherwise, before
 * typing anything); the submission is checked again under the promotion's lock (src/listeners/views/rollback.ts).
 */
function target(context: Args['context']) {
  const { click, promotion } = context;
  if (!click.triggerId) throw new BadPayload('no trigger');
  return { triggerId: click.triggerId, promotionId: promotion.id, release: promotion.release, channelId: promotion.channelId, template: promotion.template };
}

/** Roll back… on the overview after GO. */
export async function onRollback({ context, client }: Args): Promise<void> {
  const t = target(context);
  await assertMayStartRollback(context.deps, context.promotion, context.click.userId);
  await openModal(client, { trigger_id: t.triggerId, view: rollbackModal(t) });
}

export async function onRollbackUpdate({ context, client }: Args): Promise<void> {
  const t = target(context);
  await assertMayRollback(context.deps, context.promotion, context.click.userId, 'post a rollback update');
  const rollback = await getRollback(context.deps.db, t.promotionId);
  if (!rollback || context.promotion.stage !== 'rolling-back') throw new UserError(`${t.release} is not rolling back; there is nothing to update.`, 'not_rolling_back');
  await openModal(client, { trigger_id: t.triggerId, view: rollbackUpdateModal({ ...t, number: rollback.updates + 1 }) });
}

export async function onRollbackComplete({ context, client }: Args): Promise<void> {
  const t = target(context);
  await assertMayRollback(context.deps, context.promotion, context.click.userId, 'declare the rollback complete');
  if (context.promotion.stage !== 'rolling-back') throw new UserError(`${t.release} is not rolling back.`, 'not_rolling_back');
  await openModal(client, { trigger_id: t.triggerId, view: rollbackCompleteModal(t) });
}

/** Acknowledge, on a stakeholder channel's broadcast: recorded once; the person hears back privately. */
export async function onAcknowledgeRollback({ context, client, body }: Args): Promise<void> {
  const { click, promotion, deps } = context;
  const { already } = await acknowledgeRollback(deps, { promotionId: click.promotionId, userId: click.userId });
  const text = already
    ? `You had already acknowledged the rollback of *${promotion.release}*.`
    : `Acknowledged: the rollback of *${promotion.release}*. The release lead sees it on the checklist.`;
  await replyPrivately(client, body, { text });
}
