import type { Promotion } from '../domain/promotion.js';
import { listLocks, type EnvironmentLock } from '../store/locks.js';
import { overviewTs } from '../store/messages.js';
import { completeByRelease } from './decisions.js';
import type { Deps } from './deps.js';

/** An environment's lock, with where the checklist of the promotion that holds it is. */
export interface HeldLock extends EnvironmentLock {
  overviewTs: string | null;
}

/** `/promote locks`: the environments locked in a workspace, oldest first, each with its checklist. */
export async function environmentLocks(deps: Deps, teamId: string | null): Promise<HeldLock[]> {
  const locks = await listLocks(deps.db, teamId);
  return Promise.all(locks.map(async (lock) => ({ ...lock, overviewTs: await overviewTs(deps.db, lock.promotionId) })));
}

/** `/promote complete <release>`: the promotion as it ended (its lock released), and where its checklist is. */
export async function completeRelease(
  deps: Deps,
  input: { channelId: string; release: string; userId: string },
): Promise<{ promotion: Promotion; overviewTs: string | null }> {
  const promotion = await completeByRelease(deps, input);
  return { promotion, overviewTs: await overviewTs(deps.db, promotion.id) };
}
