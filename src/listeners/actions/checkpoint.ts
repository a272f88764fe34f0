import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { rollbackModal } from '../../../blocks/rollback-modals.js';
import { answerCheckpoint } from '../../services/checkpoints.js';
import { assertDecider } from '../../services/decisions.js';
import { assertMayStartRollback } from '../../services/rollback.js';
import type { ClickContext } from '../context.js';
import type { CheckpointClick } from '../payloads.js';
import { openModal } from '../../slack/open-modal.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<ClickContext<CheckpointClick>>;

/**
 * A decision point's Continue or Roll back. The service checks the decider under the promotion's lock and records
 * the first answer only; a redelivered click is recognised by its receipt.
 */
function answer(which: 'continue' | 'rollback') {
  return async ({ context }: Args): Promise<void> => {
    const { click, deps } = context;
    await answerCheckpoint(deps, {
      promotionId: click.promotionId,
      checkpointId: click.checkpointId,
      userId: click.userId,
      answer: which,
      receiptKey: `checkpoint:${click.userId}:${click.actionTs}:${click.blockId}`,
    });
  };
}

export const onCheckpointContinue = answer('continue');

/**
 * Roll back on a decision point: after GO it opens the rollback form (the answer is recorded with the rollback when the
 * form is submitted, src/services/rollback.ts); before GO there is nothing to roll back, and the service says so.
 */
export async function onCheckpointRollback(args: Args): Promise<void> {
  const { context, client } = args;
  const { click, promotion, deps } = context;
  if (promotion.stage !== 'go' || !click.triggerId) return answer('rollback')(args);
  await assertDecider(deps, promotion, click.userId, 'answer this decision point');
  await assertMayStartRollback(deps, promotion, click.userId);
  await openModal(client, {
    trigger_id: click.triggerId,
    view: rollbackModal({ promotionId: promotion.id, release: promotion.release, channelId: promotion.channelId, template: promotion.template, checkpointId: click.checkpointId }),
  });
}
