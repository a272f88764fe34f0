import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { answerCheckpoint } from '../../services/checkpoints.js';
import type { ClickContext } from '../context.js';
import type { CheckpointClick } from '../payloads.js';

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
export const onCheckpointRollback = answer('rollback');
