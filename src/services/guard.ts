import { UserError } from '../errors.js';
import { esc } from '../domain/mrkdwn.js';
import type { Promotion } from '../domain/promotion.js';
import { getPromotion } from '../store/promotions.js';
import type { Queryable } from '../store/db.js';

/** A promotion that exists and is still running, or the reason it cannot change, for the person. */
export function assertActive(promotion: Promotion | undefined): Promotion {
  if (!promotion) throw new UserError('That checklist no longer exists.', 'not_found');
  if (promotion.status !== 'active') {
    const why = promotion.endReason ? ` (${esc(promotion.endReason)})` : '';
    throw new UserError(
      `Promotion ${promotion.release} was ${promotion.status}${why}, so nothing was changed. Start a new one with \`/promote start ${promotion.release}\`.`,
      'not_active',
    );
  }
  return promotion;
}

/**
 * Load a promotion inside a transaction, locked, and insist it is still running. Every change to a
 * promotion takes this lock first, so changes to one promotion are serialised in one order: no deadlocks.
 * (FOR NO KEY UPDATE, not FOR UPDATE: rows that reference the promotion take KEY SHARE locks on it, which
 * must not conflict with ours.)
 */
export async function lockActivePromotion(
  q: Queryable,
  promotionId: string,
  refuseEnded?: (promotion: Promotion) => Error,
): Promise<Promotion> {
  const promotion = await getPromotion(q, promotionId, { forUpdate: true });
  if (promotion && promotion.status !== 'active' && refuseEnded) throw refuseEnded(promotion);
  return assertActive(promotion);
}
