import { escLiteral } from '../domain/mrkdwn.js';
import { findItem } from '../domain/template.js';
import { UserError } from '../errors.js';
import { describeStart, type RunTarget, type StartReport } from '../probes/runner.js';
import { findActive, getPromotion } from '../store/promotions.js';
import type { Deps } from './deps.js';
import { assertActive } from './guard.js';

/**
 * Running verification probes (issue 10), from a click (Run check, Run all checks) or `/promote check`: the runner
 * (deps.probes, src/probes/runner.ts) claims the runs in a change, shows them running, and records each result in a
 * change of its own. What is said to the person who asked is `describeStart`'s.
 */
export async function runChecks(deps: Deps, input: { promotionId: string; userId: string; target: RunTarget; receiptKey?: string }): Promise<StartReport> {
  if (!deps.probes) throw new UserError('This bot runs no checks (no probe runner is configured).', 'no_probes');
  return deps.probes.start(deps, input);
}

/** `/promote check <release> [item|section]`: which promotion and what to run, by the words typed. */
export async function runChecksByRelease(deps: Deps, input: { channelId: string; release: string; userId: string; what: string | undefined }): Promise<string> {
  const promotion = await findActive(deps.db, input.channelId, input.release);
  if (!promotion) throw new UserError(`There is no running promotion *${escLiteral(input.release)}* in this channel. \`/promote list\` shows those that are.`, 'not_found');
  const t = promotion.template;
  let target: RunTarget = { all: true };
  if (input.what) {
    if (findItem(t, input.what)) target = { item: input.what };
    else if (t.sections.some((s) => s.id === input.what)) target = { section: input.what };
    else throw new UserError(`*${escLiteral(input.release)}* has no item or section \`${escLiteral(input.what)}\`.`, 'no_such_item');
  }
  const report = await runChecks(deps, { promotionId: promotion.id, userId: input.userId, target });
  return describeStart(report, (id) => findItem(t, id)?.item.label ?? id);
}

/** The answer to a click: nothing when something started (the item shows it), otherwise why nothing did. */
export async function runChecksFromClick(deps: Deps, input: { promotionId: string; userId: string; target: RunTarget; receiptKey: string }): Promise<void> {
  const report = await runChecks(deps, input);
  if (report.started.length > 0) return;
  const promotion = assertActive(await getPromotion(deps.db, input.promotionId));
  if (report.running.length === 0 && report.skipped.length === 0) return; // a redelivered click: its first delivery answered
  throw new UserError(describeStart(report, (id) => findItem(promotion.template, id)?.item.label ?? id), 'already_running');
}
