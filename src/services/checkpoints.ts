import { escLiteral, mention } from '../domain/mrkdwn.js';
import { entryOf, offsetLabel } from '../domain/timeline.js';
import { UserError } from '../errors.js';
import { overviewTs } from '../store/messages.js';
import { enqueue } from '../store/outbox.js';
import { getPromotion } from '../store/promotions.js';
import { answerCheckpoint as recordAnswer, cancelPending, getReminder, getWindow } from '../store/reminders.js';
import { commitChange } from './change.js';
import { assertDecider } from './decisions.js';
import type { Deps } from './deps.js';
import { assertActive } from './guard.js';
import { showChange } from './show.js';

export interface CheckpointAnswer {
  promotionId: string;
  checkpointId: string;
  userId: string;
  answer: 'continue' | 'rollback';
  receiptKey?: string;
}

/**
 * A decision point's answer (the seeds' "T+2 min: canary healthy? YES - Continue / NO - Rollback"), by the decider
 * only; the first answer stands, and the escalation still pending is cancelled. A rollback starts only through its
 * form (src/services/rollback.ts; the listener opens it after GO), so here Roll back is refused before GO and after
 * GO alike, and only recorded once a rollback is under way. The answer is said in the thread (broadcast), once.
 */
export async function answerCheckpoint(deps: Deps, input: CheckpointAnswer): Promise<{ changed: boolean }> {
  const promotion = assertActive(await getPromotion(deps.db, input.promotionId));
  await assertDecider(deps, promotion, input.userId, 'answer this decision point');
  const result = await commitChange(deps, { promotionId: promotion.id, actor: input.userId, receiptKey: input.receiptKey }, async (scope) => {
    const { q, promotion: locked, now } = scope;
    const checkpoint = await getReminder(q, input.checkpointId, { forUpdate: true });
    if (!checkpoint || checkpoint.kind !== 'checkpoint' || checkpoint.promotionId !== locked.id) {
      throw new UserError('That decision point is not part of this promotion; nothing was recorded.', 'bad_checkpoint');
    }
    const found = entryOf(locked.template, checkpoint.ref);
    const decision = found?.entry.decision;
    const label = (answer: 'continue' | 'rollback') => (answer === 'continue' ? (decision?.continue ?? 'Continue') : (decision?.rollback ?? 'Roll back'));
    if (checkpoint.answer) {
      throw new UserError(`This decision point was already answered: “${escLiteral(label(checkpoint.answer))}” by ${mention(checkpoint.answeredBy ?? '')}. Nothing more was recorded.`, 'already_answered');
    }
    if (checkpoint.state !== 'sent') throw new UserError('This decision point is no longer open (it was cancelled); nothing was recorded.', 'not_open');
    const current = await getWindow(q, locked.id);
    if (current && current.scheduleSeq !== checkpoint.scheduleSeq) {
      throw new UserError('This decision point was for the window as it was before it was moved; the moved window posts its own. Nothing was recorded.', 'stale_checkpoint');
    }
    // Rolling back undoes a deployment: before GO (or after a NO-GO) there is none, and the stage machine would be
    // left where neither GO, NO-GO nor Complete applies. Continue is always a fair answer.
    if (input.answer === 'rollback' && locked.stage === 'go') {
      throw new UserError(`Start the rollback with the checklist's Roll back… button (or \`/promote rollback ${locked.release}\`): it opens the form the broadcast needs. Nothing was recorded.`, 'use_the_form');
    }
    if (input.answer === 'rollback' && locked.stage !== 'rolling-back') {
      throw new UserError(
        `Roll back is for a deployment under way, and this promotion has ${locked.stage === 'no-go' ? 'a NO-GO' : 'no GO yet'}: nothing was recorded. To stop it, record a NO-GO or abort it (\`/promote abort ${locked.release} <reason>\`).`,
        'not_deployed',
      );
    }
    await recordAnswer(q, checkpoint.id, input.answer, input.userId, now);
    await cancelPending(q, locked.id, 'the decision point was answered', now, { kinds: ['escalation'], ref: checkpoint.id });
    const offset = locked.window ? offsetLabel(locked.window.t0, checkpoint.dueAt) : '';
    let effect: string | null = null;
    // A rollback starts only through its form (src/services/rollback.ts: the broadcast, the record, the reminders);
    // once it has started, this decision point's Roll back is only recorded.
    if (input.answer === 'rollback') effect = 'The rollback is under way.';
    const thread = await overviewTs(q, locked.id);
    const key = `checkpoint-answer:${checkpoint.id}`;
    await enqueue(
      q,
      {
        key,
        promotionId: locked.id,
        channelId: locked.channelId,
        message: { kind: 'checkpoint-answered', release: locked.release, offset, answer: input.answer, label: label(input.answer), by: input.userId, at: now.toISOString(), effect },
        ...(thread ? { threadTs: thread, broadcast: true } : {}),
      },
      now,
    );
    scope.sendAfterCommit(key);
    return { action: 'checkpoint.answered', data: { checkpoint: checkpoint.id, offset, answer: input.answer } };
  });
  if (result.changed) {
    deps.slack.homesChanged?.(promotion.id);
    await showChange(deps, promotion.id);
  }
  return result;
}
