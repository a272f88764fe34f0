import { isMember, whoCan } from '../domain/approvals.js';
import type { OutboxMessage } from '../domain/message-kinds.js';
import { mention } from '../domain/mrkdwn.js';
import { parseDuration } from '../domain/offsets.js';
import type { Promotion } from '../domain/promotion.js';
import { fillCommunication, rollbackRoles, type CommunicationInput } from '../domain/rollback.js';
import { roleMentions } from '../domain/timeline.js';
import { InputError, UserError } from '../errors.js';
import { INPUT } from '../ids.js';
import { appendAudit } from '../store/audit.js';
import type { Queryable } from '../store/db.js';
import { overviewTs } from '../store/messages.js';
import { enqueue } from '../store/outbox.js';
import { endPromotion, findActive, getItemStates, getPromotion, loadView, setStage, writeItemState } from '../store/promotions.js';
import { isSettled } from '../domain/promotion.js';
import { itemKind } from '../domain/template.js';
import { before } from './items.js';
import { cancelPending, getReminder, insertReminder, answerCheckpoint as recordAnswer } from '../store/reminders.js';
import { completeRollbackRow, countUpdate, getRollback, insertAck, insertRollback } from '../store/rollbacks.js';
import { stakeholderChannels } from './announce-start.js';
import { roleMembers } from './approvals.js';
import { commitChange, type ChangeScope } from './change.js';
import { releaseEnvironment } from './decisions.js';
import type { Deps } from './deps.js';
import { assertActive } from './guard.js';
import { cancelReminders } from './reminders.js';
import { answerGates } from './github-gate.js';
import { showChange } from './show.js';
import { openStatuspageIncident, resolveStatuspageIncident, updateStatuspageIncident } from './statuspage.js';

/**
 * The rollback (issue 12): started from the overview's Roll back…, a decision point's Roll back or `/promote rollback`,
 * through a form prefilled from the template's communication. One change moves the promotion to rolling back, records
 * why, broadcasts the communication once in every channel (the checklist's thread, shown in the channel, and each
 * stakeholder channel, with Acknowledge there), posts the chosen path's steps in the thread, mentions the on-call and
 * escalation contacts, cancels the reminders still to come and plans the lead's update reminders. Updates go to the
 * same channels, threaded under the broadcast; Rollback complete says the resolution there, releases the environment
 * and ends the promotion rolled back.
 */

/** The channels a rollback speaks in: the promotion's own first, then each stakeholder channel once. */
export function rollbackChannels(promotion: Promotion): string[] {
  return [promotion.channelId, ...stakeholderChannels(promotion)];
}

/** The outbox key of the broadcast in a channel: the updates and the resolution thread under its ts. */
function broadcastKey(promotionId: string, channel: string): string {
  return `rollback:${promotionId}:${channel}`;
}

/**
 * Who may start, update and complete a rollback: the person who started the promotion, and the members of
 * `rollback.may` (by default the decider and `on-call`). Refused saying who can; nothing is recorded.
 */
export async function assertMayRollback(deps: Deps, promotion: Promotion, userId: string, what: string): Promise<void> {
  if (userId === promotion.requestedBy) return;
  const t = promotion.template;
  const roles = rollbackRoles(t);
  for (const role of roles) {
    if (isMember(await roleMembers(deps, t, role), userId)) return;
  }
  const named = roles.filter((r) => t.roles[r]).map((r) => whoCan(t, r));
  throw new UserError(`Only ${[mention(promotion.requestedBy), ...named].join(', ')} can ${what}. Nothing was recorded.`, 'not_allowed');
}

/** Refuse a rollback of a promotion that is not deploying, saying what to do instead. */
function assertDeploying(promotion: Promotion): void {
  if (promotion.stage === 'rolling-back') throw new UserError(`${promotion.release} is already rolling back: post an update, or declare it complete, from its checklist.`, 'already_rolling_back');
  if (promotion.stage !== 'go') {
    throw new UserError(
      `Roll back is for a deployment under way, and ${promotion.release} has ${promotion.stage === 'no-go' ? 'a NO-GO' : 'no GO yet'}: nothing was recorded. To stop it, record a NO-GO or abort it (\`/promote abort ${promotion.release} <reason>\`).`,
      'not_deployed',
    );
  }
}

export interface StartRollbackInput extends CommunicationInput {
  promotionId: string;
  userId: string;
  /** The template's rollback path chosen (rollback.paths[].id), when it lists any. */
  path: string | null;
  /** The decision point whose Roll back opened the form: its answer is recorded with the rollback. */
  checkpointId?: string | null;
  receiptKey?: string;
}

/** Check a rollback can start now, before the form opens (the submission is checked again under the lock). */
export async function assertMayStartRollback(deps: Deps, promotion: Promotion, userId: string): Promise<void> {
  assertDeploying(promotion);
  await assertMayRollback(deps, promotion, userId, 'start a rollback');
}

export async function startRollback(deps: Deps, input: StartRollbackInput, opts: { refresh?: boolean } = {}): Promise<{ changed: boolean }> {
  const promotion = assertActive(await getPromotion(deps.db, input.promotionId));
  await assertMayRollback(deps, promotion, input.userId, 'start a rollback');
  const issue = input.issue.trim();
  if (!issue) throw new InputError(INPUT.rollbackIssue, 'Say what went wrong: it is the first line of the broadcast.', 'required');
  const rollback = promotion.template.rollback;
  const paths = rollback?.paths ?? [];
  const path = input.path ? paths.find((p) => p.id === input.path) : undefined;
  if (paths.length > 0 && !path) throw new InputError(INPUT.rollbackPath, 'Pick the rollback path.', 'required');
  const result = await commitChange(deps, { promotionId: promotion.id, actor: input.userId, receiptKey: input.receiptKey }, async (scope) => {
    const { q, promotion: locked, now } = scope;
    assertDeploying(locked);
    const subject = rollback?.communication.subject ?? `[ROLLBACK INITIATED] ${locked.release}`;
    const message = fillCommunication(rollback?.communication.body ?? 'Status: Rolling back due to [ISSUE]', { ...input, issue });
    if (!(await insertRollback(q, { promotionId: locked.id, startedBy: input.userId, startedAt: now, path: path?.id ?? null, issue, impact: input.impact, eta: input.eta, action: input.action, subject, message }))) {
      return null;
    }
    await setStage(q, locked.id, 'rolling-back');
    await cancelReminders(scope, input.userId, 'rolling back');
    await answerGates(deps, scope, { kind: 'reject', why: `${locked.release} is being rolled back.` }, input.userId);
    if (input.checkpointId) await answerFromCheckpoint(scope, input.checkpointId, input.userId);
    const thread = await overviewTs(q, locked.id);
    const checklist = { channel: locked.channelId, ts: thread };
    const channels = rollbackChannels(locked);
    const contacts = roleMentions(locked.template, rollback?.contacts ?? []);
    for (const channel of channels) {
      const own = channel === locked.channelId;
      await post(scope, broadcastKey(locked.id, channel), channel, own && thread ? { threadTs: thread, broadcast: true } : {}, {
        kind: 'rollback-broadcast',
        release: locked.release,
        promotionId: locked.id,
        subject,
        message,
        by: input.userId,
        path: path?.label ?? null,
        contacts,
        acknowledge: !own,
        checklist,
      });
    }
    await postSteps(scope, path ? { label: path.label, sections: path.sections } : null, thread);
    if (path) await setAsideOtherPaths(scope, input.userId, path, paths);
    await planUpdateReminder(q, locked, now, 1);
    // The status page (when the template names one and a key is set): an incident, in step with the broadcast.
    await openStatuspageIncident(deps, scope, { name: subject, body: message });
    return { action: 'rollback.started', data: { path: path?.id ?? null, issue, impact: input.impact, eta: input.eta, action: input.action, channels } };
  });
  if (result.changed) {
    deps.statuspage?.kick();
    deps.slack.homesChanged?.(promotion.id);
  }
  if (result.changed && opts.refresh !== false) await showChange(deps, promotion.id);
  return result;
}

/** Enqueue a post in the change, to be sent once it commits. */
async function post(scope: ChangeScope, key: string, channel: string, where: { threadTs?: string; threadOf?: string; broadcast?: boolean }, message: OutboxMessage): Promise<void> {
  await enqueue(scope.q, { key, promotionId: scope.promotion.id, channelId: channel, message, ...where }, scope.now);
  scope.sendAfterCommit(key);
}

/** The chosen path's steps (or, without paths, every on-rollback section's), linked to where they are ticked. */
async function postSteps(scope: ChangeScope, path: { label: string; sections: readonly string[] } | null, thread: string | null): Promise<void> {
  const { promotion } = scope;
  const view = (await loadView(scope.q, promotion.id))!;
  const sections = promotion.template.sections.filter((s) => (path ? path.sections.includes(s.id) : s.phase === 'on-rollback') && s.items.length > 0);
  if (sections.length === 0 || !thread) return;
  await post(scope, `rollback-steps:${promotion.id}`, promotion.channelId, { threadTs: thread }, {
    kind: 'rollback-steps',
    release: promotion.release,
    path: path?.label ?? null,
    sections: sections.map((s) => ({ title: s.title, ts: view.links?.sectionTs.get(s.id) ?? null, steps: s.items.map((i) => i.label) })),
    checklist: { channel: promotion.channelId, ts: thread },
  });
}

/**
 * The paths not taken: their sections' open steps are marked not applicable ("rollback path … was chosen"), so the
 * checklist's progress counts the chosen path only. A section shared with the chosen path is left alone. Each section
 * is one `section.not_applicable` event, as if someone had marked it.
 */
async function setAsideOtherPaths(scope: ChangeScope, actor: string, chosen: { id: string; label: string; sections: readonly string[] }, paths: ReadonlyArray<{ id: string; sections: readonly string[] }>): Promise<void> {
  const { q, promotion, now } = scope;
  const others = new Set(paths.filter((p) => p.id !== chosen.id).flatMap((p) => p.sections).filter((id) => !chosen.sections.includes(id)));
  const reason = `rollback path “${chosen.label}” was chosen`;
  for (const section of promotion.template.sections.filter((s) => others.has(s.id))) {
    const states = await getItemStates(q, promotion.id, section.items.map((i) => i.id));
    const open = section.items.filter((item) => !isSettled(item, states.get(item.id)));
    if (open.length === 0) continue;
    for (const item of open) await writeItemState(q, promotion.id, { itemId: item.id, state: 'na', value: null, note: reason, by: actor, at: now });
    const items = open.map((item) => ({ item: item.id, kind: itemKind(item), before: before(states.get(item.id)) }));
    await appendAudit(q, { promotionId: promotion.id, actor, at: now, action: 'section.not_applicable', data: { section: section.id, reason, items } });
  }
}

/** The decision point whose Roll back opened the form: answered with the rollback, once. */
async function answerFromCheckpoint(scope: ChangeScope, checkpointId: string, userId: string): Promise<void> {
  const { q, promotion, now } = scope;
  const checkpoint = await getReminder(q, checkpointId, { forUpdate: true });
  if (!checkpoint || checkpoint.kind !== 'checkpoint' || checkpoint.promotionId !== promotion.id || checkpoint.answer) return;
  if (!(await recordAnswer(q, checkpointId, 'rollback', userId, now))) return;
  await appendAudit(q, { promotionId: promotion.id, actor: userId, at: now, action: 'checkpoint.answered', data: { checkpoint: checkpointId, offset: '', answer: 'rollback' } });
}

/** The lead's next "post an update" reminder, `rollback.update_every` from now. */
async function planUpdateReminder(q: Queryable, promotion: Promotion, now: Date, n: number): Promise<void> {
  const every = parseDuration(promotion.template.rollback?.update_every ?? '15m');
  await insertReminder(q, { promotionId: promotion.id, kind: 'rollback-update', series: 'rollback-update', ref: String(n), scheduleSeq: 0, dueAt: new Date(now.getTime() + every) });
}

/**
 * Where an update or the resolution goes in a channel: under that channel's broadcast. In the promotion's own channel
 * that is the checklist's thread; elsewhere the broadcast's own message, named by its outbox key, since it may not be
 * posted yet (the sender threads the reply once it is, src/slack/outbox.ts).
 */
function underBroadcast(promotion: Promotion, channel: string, thread: string | null): { threadTs?: string; threadOf?: string } {
  if (channel === promotion.channelId) return thread ? { threadTs: thread } : {};
  return { threadOf: broadcastKey(promotion.id, channel) };
}

function assertRollingBack(promotion: Promotion): void {
  if (promotion.stage !== 'rolling-back') throw new UserError(`${promotion.release} is not rolling back; nothing was posted.`, 'not_rolling_back');
}

/** Post an update to every channel of the broadcast, threaded under it; the next update reminder counts from now. */
export async function postRollbackUpdate(deps: Deps, input: { promotionId: string; userId: string; text: string; receiptKey?: string }, opts: { refresh?: boolean } = {}): Promise<{ changed: boolean }> {
  const promotion = assertActive(await getPromotion(deps.db, input.promotionId));
  await assertMayRollback(deps, promotion, input.userId, 'post a rollback update');
  const text = input.text.trim();
  if (!text) throw new InputError(INPUT.rollbackText, 'Write the update: where the rollback stands, what is next.', 'required');
  const result = await commitChange(deps, { promotionId: promotion.id, actor: input.userId, receiptKey: input.receiptKey }, async (scope) => {
    const { q, promotion: locked, now } = scope;
    assertRollingBack(locked);
    const n = await countUpdate(q, locked.id, now);
    const thread = await overviewTs(q, locked.id);
    for (const channel of rollbackChannels(locked)) {
      await post(scope, `rollback-update:${locked.id}:${n}:${channel}`, channel, underBroadcast(locked, channel, thread), {
        kind: 'rollback-update',
        release: locked.release,
        number: n,
        text,
        by: input.userId,
        at: now.toISOString(),
        checklist: { channel: locked.channelId, ts: thread },
      });
    }
    await cancelPending(q, locked.id, 'an update was posted', now, { kinds: ['rollback-update'] });
    await planUpdateReminder(q, locked, now, n + 1);
    await updateStatuspageIncident(deps, scope, { number: n, body: text });
    return { action: 'rollback.update', data: { number: n, text } };
  });
  if (result.changed) deps.statuspage?.kick();
  if (result.changed && opts.refresh !== false) await showChange(deps, promotion.id);
  return result;
}

/** The rollback is over: the resolution said where the rollback was, the environment released, the promotion ended. */
export async function completeRollback(deps: Deps, input: { promotionId: string; userId: string; resolution: string; receiptKey?: string }, opts: { refresh?: boolean } = {}): Promise<{ changed: boolean }> {
  const promotion = assertActive(await getPromotion(deps.db, input.promotionId));
  await assertMayRollback(deps, promotion, input.userId, 'declare the rollback complete');
  const resolution = input.resolution.trim();
  if (!resolution) throw new InputError(INPUT.rollbackText, 'Say how it ended: what is running now, and what follows.', 'required');
  const result = await commitChange(deps, { promotionId: promotion.id, actor: input.userId, receiptKey: input.receiptKey }, async (scope) => {
    const { q, promotion: locked, now } = scope;
    assertRollingBack(locked);
    const rollback = await getRollback(q, locked.id);
    await completeRollbackRow(q, locked.id, input.userId, now, resolution);
    await endPromotion(q, locked.id, { status: 'rolled-back', by: input.userId, reason: resolution, at: now });
    await releaseEnvironment(q, locked, input.userId, 'rolled-back', now);
    await cancelReminders(scope, input.userId, 'the rollback is complete');
    await answerGates(deps, scope, { kind: 'reject', why: `${locked.release} was rolled back.` }, input.userId);
    const thread = await overviewTs(q, locked.id);
    for (const channel of rollbackChannels(locked)) {
      const where = underBroadcast(locked, channel, thread);
      await post(scope, `rollback-complete:${locked.id}:${channel}`, channel, channel === locked.channelId ? { ...where, broadcast: Boolean(where.threadTs) } : where, {
        kind: 'rollback-complete',
        release: locked.release,
        resolution,
        by: input.userId,
        startedAt: (rollback?.startedAt ?? now).toISOString(),
        at: now.toISOString(),
        checklist: { channel: locked.channelId, ts: thread },
      });
    }
    await resolveStatuspageIncident(deps, scope, { body: resolution });
    return { action: 'rollback.completed', data: { resolution } };
  });
  if (result.changed) {
    deps.statuspage?.kick();
    deps.slack.homesChanged?.(promotion.id);
  }
  if (result.changed && opts.refresh !== false) await showChange(deps, promotion.id);
  return result;
}

/** A stakeholder acknowledges the broadcast: recorded once, shown on the overview's rollback panel. */
export async function acknowledgeRollback(deps: Deps, input: { promotionId: string; userId: string }): Promise<{ changed: boolean; already: boolean }> {
  let already = false;
  const result = await commitChange(deps, { promotionId: input.promotionId, actor: input.userId, refuseEnded: (p) => new UserError(`The rollback of ${p.release} is over (${p.status}); nothing to acknowledge.`, 'not_active') }, async ({ q, promotion, now }) => {
    if (promotion.stage !== 'rolling-back') throw new UserError(`${promotion.release} is not rolling back; nothing to acknowledge.`, 'not_rolling_back');
    if (!(await insertAck(q, promotion.id, input.userId, now))) {
      already = true;
      return null;
    }
    return { action: 'rollback.acknowledged', data: {} };
  });
  if (result.changed) await showChange(deps, input.promotionId);
  return { ...result, already };
}

/** `/promote rollback <release> …`: the active promotion of that release in this channel, checked before the form opens. */
export async function rollbackTarget(deps: Deps, input: { channelId: string; release: string; userId: string }): Promise<Promotion> {
  const promotion = await findActive(deps.db, input.channelId, input.release);
  if (!promotion) throw new UserError(`There is no active promotion of ${input.release} in this channel. \`/promote list\` shows the active ones.`, 'not_found');
  await assertMayStartRollback(deps, promotion, input.userId);
  return promotion;
}
