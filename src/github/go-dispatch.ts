import { INPUT_PLACEHOLDER, resolveDispatchInputs } from '../domain/template/on-go.js';
import type { Promotion } from '../domain/promotion.js';
import type { Queryable } from '../store/db.js';
import { enqueueDispatch } from '../store/dispatches.js';
import { overviewTs } from '../store/messages.js';
import { getItemStates } from '../store/promotions.js';

/** The key of the dispatch a GO decision causes: one per decision (a NO-GO then a second GO dispatches again, once). */
export function goDispatchKey(promotionId: string, decisionSeq: number): string {
  return `go-dispatch:${promotionId}:${decisionSeq}`;
}

/**
 * Enqueue the template's `on_go.dispatch`, if it has one, inside the GO decision's transaction (`q`, the promotion
 * locked): its inputs resolved from the release and the items' values as they are now, the run's link to be posted
 * in the checklist's thread. The dispatcher (src/github/dispatch.ts) sends it after the commit, exactly once. Returns
 * the dispatch's key, or null when the template dispatches nothing. Fits `decideGo`'s `onGo` hook:
 * `(scope, seq) => enqueueGoDispatch(scope.q, scope.promotion, seq, scope.now)`.
 */
export async function enqueueGoDispatch(q: Queryable, promotion: Promotion, decisionSeq: number, now: Date): Promise<string | null> {
  const dispatch = promotion.template.on_go?.dispatch;
  if (!dispatch) return null;
  const ids = Object.values(dispatch.inputs).flatMap((v) => [...v.matchAll(INPUT_PLACEHOLDER)].flatMap((m) => (m[1]!.startsWith('item:') ? [m[1]!.slice('item:'.length)] : [])));
  const states = await getItemStates(q, promotion.id, ids);
  const { inputs } = resolveDispatchInputs(dispatch.inputs, { release: promotion.release, itemValue: (id) => states.get(id)?.value ?? null });
  const key = goDispatchKey(promotion.id, decisionSeq);
  await enqueueDispatch(
    q,
    {
      key,
      promotionId: promotion.id,
      channelId: promotion.channelId,
      threadTs: await overviewTs(q, promotion.id),
      release: promotion.release,
      repo: dispatch.repo,
      workflow: dispatch.workflow,
      ref: dispatch.ref,
      inputs,
      correlationInput: dispatch.correlation_input ?? null,
    },
    now,
  );
  return key;
}
