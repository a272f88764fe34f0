import type { AuditEvent } from '../domain/audit-events.js';
import type { Promotion } from '../domain/promotion.js';
import { appendAudit } from '../store/audit.js';
import type { TxQueryable } from '../store/db.js';
import { claimReceipt } from '../store/promotions.js';
import type { Deps } from './deps.js';
import { lockActivePromotion } from './guard.js';
import { showChange } from './show.js';

/** Which promotion a change is to, by whom, and (for a click) what makes a redelivery recognisable. */
export interface ChangeRequest {
  promotionId: string;
  /** A Slack user id, or SYSTEM_ACTOR for what the bot does itself. */
  actor: string;
  /** Identifies one click: a second delivery of it changes nothing. */
  receiptKey?: string;
  /** The refusal when the promotion has ended, instead of the usual "it was aborted, start a new one". */
  refuseEnded?: (promotion: Promotion) => Error;
}

/** What a change sees: its transaction, the promotion locked and known to be running, and the time. */
export interface ChangeScope {
  q: TxQueryable;
  promotion: Promotion;
  now: Date;
}

/** A change writes its rows and says what happened, as one audit event; null means nothing changed. */
export type Change = (scope: ChangeScope) => Promise<AuditEvent | null>;

/**
 * The one way a promotion changes. In one transaction: lock the promotion (every change takes this lock first,
 * so changes to one promotion are serialised in one order and cannot deadlock), refuse if it has ended, claim
 * the click's receipt (a redelivered click stops here), run the change, and append its audit event, which also
 * bumps the version the messages render from. A change that throws writes nothing.
 *
 * This commits only; `applyChange` also brings the messages up to date. A modal commits, answers Slack (which
 * can then show a refusal next to the input), and only then refreshes.
 */
export async function commitChange(deps: Deps, req: ChangeRequest, change: Change): Promise<{ changed: boolean }> {
  const now = deps.clock();
  const changed = await deps.db.tx(async (q) => {
    const promotion = await lockActivePromotion(q, req.promotionId, req.refuseEnded);
    if (req.receiptKey !== undefined && !(await claimReceipt(q, req.receiptKey, promotion.id, now))) return false;
    const event = await change({ q, promotion, now });
    if (!event) return false;
    await appendAudit(q, { promotionId: promotion.id, actor: req.actor, at: now, ...event });
    return true;
  });
  return { changed };
}

/** Commit a change, then show it: the messages are rebuilt from the database after the commit. */
export async function applyChange(deps: Deps, req: ChangeRequest, change: Change): Promise<{ changed: boolean }> {
  const result = await commitChange(deps, req, change);
  if (result.changed) await showChange(deps, req.promotionId);
  return result;
}
