import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AuditEvent } from '../domain/audit-events.js';
import type { OutboxMessage } from '../domain/message-kinds.js';
import type { ItemProbe } from '../domain/probes.js';
import type { PromotionView } from '../domain/promotion.js';
import { findItem } from '../domain/template.js';
import {
  assigneesOf,
  deciderMentions,
  entryOf,
  isLate,
  nextStep,
  offsetLabel,
  openInSections,
  overdueItems,
  roleMentions,
  type OpenSectionItems,
} from '../domain/timeline.js';
import { formatOffset, parseDuration, parseOffset } from '../domain/offsets.js';
import { UserError } from '../errors.js';
import { appendAudit } from '../store/audit.js';
import { isDatabaseUnreachable } from '../store/db.js';
import { enqueue } from '../store/outbox.js';
import { loadView } from '../store/promotions.js';
import {
  cancelClaimed,
  cancelPending,
  claimDueReminders,
  finishReminder,
  getReminder,
  insertReminder,
  retryLater,
  supersededBy,
  takeClaimed,
  type Reminder,
} from '../store/reminders.js';
import { commitChange, sendPosts, type ChangeScope } from './change.js';
import type { Deps } from './deps.js';
import { SYSTEM_ACTOR } from './promotions.js';

/**
 * Sends the reminders that are due (src/store/reminders.ts), exactly once across replicas, restarts and retries:
 *
 * 1. `claimDueReminders` claims due rows for this process (FOR UPDATE SKIP LOCKED; the claim lapses by the database's
 *    clock, so a process that dies holding one gives it back);
 * 2. each is sent in one change under the promotion's lock (`commitChange`): the row, still claimed by this process,
 *    turns `sent` in the same transaction that enqueues its post in the outbox, so a second claimer finds it sent, and
 *    the outbox posts it once (src/slack/outbox.ts);
 * 3. a reminder that fell due while the bot was down is posted late, saying when it was due, unless a later one of its
 *    series is due too: then it is skipped, logged and audited, so a restart never floods the thread;
 * 4. anything that fails is put back with a backoff and logged, never dropped.
 */

/**
 * How long a claim holds before another replica may take the reminder over (its holder died or stalled). Not a
 * multiple of the 5 s tick: a claim stamped just after a tick lapses just before the tick 20 s later, not just after
 * it (which made a takeover wait 25 s).
 */
export const REMINDER_CLAIM_MS = 19_000;
/** How many reminders one pass claims. */
const CLAIM_BATCH = 50;

/** The outbox key of a reminder's post: one post per reminder however often it is tried. */
export function reminderPostKey(reminderId: string): string {
  return `reminder:${reminderId}`;
}

export class ReminderSender {
  /** This process's name in `reminders.claimed_by`. */
  readonly owner = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;

  constructor(private readonly deps: Deps) {}

  /**
   * Send every reminder due by the injected clock's now. Returns how many were posted. The posts go to Slack after
   * the whole batch is decided: a post waiting for its channel's budget (or a 429) must not hold up the reminders
   * behind it, whose claims would lapse meanwhile. A post not sent here is sent by the outbox's sweep, once.
   */
  async sendDue(): Promise<number> {
    let posted = 0;
    for (;;) {
      const claimed = await claimDueReminders(this.deps.db, this.owner, this.deps.clock(), REMINDER_CLAIM_MS, CLAIM_BATCH);
      const posts: string[] = [];
      for (const reminder of claimed) {
        const key = await this.sendOne(reminder);
        if (key) posts.push(key);
      }
      posted += posts.length;
      await sendPosts(this.deps, posts);
      if (claimed.length < CLAIM_BATCH) return posted;
    }
  }

  /**
   * One claimed reminder: sent, skipped or cancelled in one change; put back with a backoff when that fails. Returns
   * the outbox key of its post when it was sent (the post itself is the caller's to send).
   */
  private async sendOne(claimed: Reminder): Promise<string | null> {
    const { deps } = this;
    const log = deps.log.child({ reminder: claimed.id, promotionId: claimed.promotionId, kind: claimed.kind });
    let sent: string | null = null;
    try {
      await commitChange(
        deps,
        { promotionId: claimed.promotionId, actor: SYSTEM_ACTOR, refuseEnded: () => new PromotionEnded() },
        async (scope) => {
          const reminder = await takeClaimed(scope.q, claimed.id, this.owner);
          // Cancelled meanwhile (a reschedule, an answer), or taken over by a replica after our claim lapsed.
          if (!reminder) return null;
          const event = await deliver(scope, reminder);
          sent = event?.action === 'reminder.sent' ? reminderPostKey(reminder.id) : null;
          if (event?.action === 'reminder.skipped') log.info({ why: event.data.why }, 'reminder skipped');
          return event;
        },
      );
      return sent;
    } catch (err) {
      if (err instanceof PromotionEnded) {
        // Ended without cancelling it (an older version did that): nothing to remind anyone of. Only while we hold it.
        await cancelClaimed(deps.db, claimed.id, this.owner, 'the promotion has ended', deps.clock()).catch((e: unknown) =>
          log.warn({ err: e }, 'could not cancel a reminder of an ended promotion; its claim lapses and it is looked at again'),
        );
        return null;
      }
      log.warn({ err, attempts: claimed.attempts }, 'could not send a reminder; retrying after a backoff');
      if (!isDatabaseUnreachable(err)) {
        await retryLater(deps.db, claimed.id, this.owner, (err as Error).message ?? String(err), deps.clock()).catch((e: unknown) =>
          log.error({ err: e }, 'could not put a reminder back; its claim lapses and it is claimed again'),
        );
      }
      return null;
    }
  }
}

class PromotionEnded extends UserError {
  constructor() {
    super('the promotion has ended', 'not_active');
  }
}

/**
 * Cancel a promotion's pending reminders inside the change that makes them pointless (an abort, a completion, a
 * NO-GO, a rollback), with its audit event when there were any.
 */
export async function cancelReminders(scope: ChangeScope, actor: string, why: string): Promise<number> {
  const count = await cancelPending(scope.q, scope.promotion.id, why, scope.now);
  if (count > 0) await appendAudit(scope.q, { promotionId: scope.promotion.id, actor, at: scope.now, action: 'reminders.cancelled', data: { count, why } });
  return count;
}

/** Plan a ramp step's hold inside the tick's change: its end is reminded, and the next step waits for it. */
export async function startHold(scope: ChangeScope, actor: string, itemId: string): Promise<void> {
  const hold = findItem(scope.promotion.template, itemId)?.item.hold;
  if (!hold) return;
  const until = new Date(scope.now.getTime() + parseDuration(hold.for));
  const id = await insertReminder(scope.q, {
    promotionId: scope.promotion.id,
    kind: 'hold',
    series: `hold:${itemId}`,
    ref: itemId,
    scheduleSeq: 0,
    dueAt: until,
    data: { by: actor, at: scope.now.toISOString() },
  });
  if (id) await appendAudit(scope.q, { promotionId: scope.promotion.id, actor, at: scope.now, action: 'hold.started', data: { item: itemId, until: until.toISOString() } });
}

/** A step unticked: its hold is off. */
export async function endHold(scope: ChangeScope, itemId: string): Promise<void> {
  // Only an item with a hold has one running (startHold), and a promotion's template never changes.
  if (!findItem(scope.promotion.template, itemId)?.item.hold) return;
  await cancelPending(scope.q, scope.promotion.id, 'the step was unticked', scope.now, { kinds: ['hold'], ref: itemId });
}

type ProbeLine = Extract<OutboxMessage, { kind: 'checkpoint' }>['probes'][number];

/** The latest result of each item's probe, for a decision point or a hold's end. */
function probeLines(view: PromotionView, itemIds: readonly string[]): ProbeLine[] {
  return itemIds.flatMap((id): ProbeLine[] => {
    const item = findItem(view.promotion.template, id)?.item;
    if (!item) return [];
    const probe: ItemProbe | undefined = view.probes?.get(id);
    const run = probe?.latest.status === 'running' ? probe.latest : probe?.result;
    if (!run) return [{ label: item.label, status: 'never', summary: item.probe ? null : 'no probe: check by hand', at: null }];
    return [{ label: item.label, status: run.status, summary: run.summary, at: (run.finishedAt ?? run.startedAt).toISOString() }];
  });
}

/** Sections as a post lists them, each with the ts of the thread message that shows it. */
function withLinks(view: PromotionView, open: { sections: OpenSectionItems[]; more: number }) {
  return {
    open: open.sections.map((s) => ({ title: s.title, ts: view.links?.sectionTs.get(s.sectionId) ?? null, items: s.items, more: s.more })),
    moreSections: open.more,
  };
}

/**
 * What sending one reminder does, inside its change: skipped when a later one of its series overtook it, otherwise
 * its post enqueued (in the thread, broadcast when the template says) and the row marked sent. Returns the audit event.
 */
async function deliver(scope: ChangeScope, reminder: Reminder): Promise<AuditEvent | null> {
  const { q, promotion, now } = scope;
  const view = (await loadView(q, promotion.id))!;
  const t0 = promotion.window?.t0;
  const offset = t0 ? offsetLabel(t0, reminder.dueAt) : '';
  const dueAt = reminder.dueAt.toISOString();
  const skip = async (why: string): Promise<AuditEvent> => {
    await finishReminder(q, reminder.id, { state: 'skipped', at: now, reason: why });
    return { action: 'reminder.skipped', data: { reminder: reminder.id, kind: reminder.kind, offset, due_at: dueAt, why } };
  };
  const later = await supersededBy(q, reminder, now);
  if (later) return skip(`superseded by the ${t0 ? offsetLabel(t0, later.dueAt) : 'later'} reminder, also due`);
  // Back after the window it was meant for is over (the bot was down for hours): a countdown ("T-5m final checks"), a
  // decision point or a due-items callout would mislead. Monitoring after T0 ("hourly health check") still stands.
  const window = promotion.window;
  const countdown = t0 !== undefined && reminder.dueAt.getTime() < t0.getTime() && (reminder.kind === 'timeline' || reminder.kind === 'item-due');
  const momentary = reminder.kind === 'checkpoint' || reminder.kind === 'escalation' || reminder.kind === 'item-due';
  if (window && (countdown || momentary) && reminder.dueAt.getTime() <= window.end.getTime() && now.getTime() > window.end.getTime()) {
    return skip('the window it was for is over');
  }

  const checklist = { channel: promotion.channelId, ts: view.links?.threadTs ?? null };
  const late = isLate(reminder.dueAt, now);
  let message: OutboxMessage;
  let broadcast = false;
  switch (reminder.kind) {
    case 'timeline': {
      const found = entryOf(promotion.template, reminder.ref);
      if (!found) return skip('its timeline entry is not in the template');
      const listed = openInSections(view, found.entry.sections);
      const open = withLinks(view, listed);
      const mentions = listed.sections.length === 0 ? [] : [...new Set([...roleMentions(promotion.template, found.entry.mention), ...assigneesOf(listed.sections)])];
      message = { kind: 'reminder', variant: 'timeline', release: promotion.release, offset, say: found.entry.say, dueAt, late, ...open, mentions, checklist };
      broadcast = found.entry.channel;
      break;
    }
    case 'item-due': {
      const due = overdueItems(view, reminder.ref);
      // Never nag about finished work: nothing open at its due time, nothing to say.
      if (due.sections.length === 0) return skip('nothing was open at its due time');
      const owners = due.sections.flatMap((s) => {
        const owner = promotion.template.sections.find((x) => x.id === s.sectionId)?.owner;
        return owner ? [owner] : [];
      });
      const mentions = [...new Set([...assigneesOf(due.sections), ...roleMentions(promotion.template, owners)])];
      message = { kind: 'reminder', variant: 'item-due', release: promotion.release, offset: formatOffset(parseOffset(reminder.ref)), say: 'items due', dueAt, late, ...withLinks(view, due), mentions, checklist };
      break;
    }
    case 'checkpoint':
    case 'escalation': {
      const checkpoint = reminder.kind === 'checkpoint' ? reminder : await getReminder(q, reminder.ref);
      if (!checkpoint) return skip('its decision point is gone');
      if (checkpoint.answer) return skip('the decision point was answered');
      const found = entryOf(promotion.template, checkpoint.ref);
      const decision = found?.entry.decision;
      if (!found || !decision) return skip('its decision point is not in the template');
      message = {
        kind: 'checkpoint',
        release: promotion.release,
        promotionId: promotion.id,
        checkpointId: checkpoint.id,
        offset: t0 ? offsetLabel(t0, checkpoint.dueAt) : '',
        say: found.entry.say,
        dueAt: checkpoint.dueAt.toISOString(),
        late: reminder.kind === 'checkpoint' && late,
        continueLabel: decision.continue,
        rollbackLabel: decision.rollback,
        deciders: deciderMentions(view),
        cc: roleMentions(promotion.template, found.entry.mention),
        probes: probeLines(view, decision.probes),
        checklist,
        ...(reminder.kind === 'escalation' ? { escalation: { after: decision.escalate_after, contacts: roleMentions(promotion.template, decision.escalate_to) } } : {}),
      };
      broadcast = reminder.kind === 'escalation' || found.entry.channel;
      if (reminder.kind === 'checkpoint') {
        await insertReminder(q, {
          promotionId: promotion.id,
          kind: 'escalation',
          series: `escalation:${checkpoint.id}`,
          ref: checkpoint.id,
          scheduleSeq: checkpoint.scheduleSeq,
          dueAt: new Date(now.getTime() + parseDuration(decision.escalate_after)),
        });
      }
      break;
    }
    case 'hold': {
      const step = nextStep(promotion.template, reminder.ref);
      const hold = step?.item.hold;
      if (!step || !hold) return skip('its ramp step is not in the template');
      if (view.states.get(step.item.id)?.state !== 'done') return skip('the step was unticked');
      const by = typeof reminder.data['by'] === 'string' ? reminder.data['by'] : null;
      const at = typeof reminder.data['at'] === 'string' ? reminder.data['at'] : null;
      const nextAssignee = step.next ? view.states.get(step.next.id)?.assignee : null;
      const mentions = [...new Set([...(by && by !== SYSTEM_ACTOR ? [by] : []), ...(nextAssignee ? [nextAssignee] : [])])];
      message = {
        kind: 'reminder',
        variant: 'hold',
        release: promotion.release,
        offset,
        say: step.item.label,
        dueAt,
        late,
        open: [],
        moreSections: 0,
        mentions,
        hold: { by, at, holdFor: hold.for, next: step.next?.label ?? null, checks: probeLines(view, hold.checks) },
        checklist,
      };
      break;
    }
    case 'rollback-update': {
      // Until the rollback is declared complete (which cancels this), the lead is reminded every update_every.
      const rollback = view.rollback;
      if (promotion.stage !== 'rolling-back' || !rollback) return skip('the promotion is not rolling back');
      const every = promotion.template.rollback?.update_every ?? '15m';
      message = {
        kind: 'rollback-update-due',
        release: promotion.release,
        promotionId: promotion.id,
        lead: rollback.startedBy,
        every,
        since: (rollback.lastUpdateAt ?? rollback.startedAt).toISOString(),
      };
      await insertReminder(q, {
        promotionId: promotion.id,
        kind: 'rollback-update',
        series: 'rollback-update',
        ref: String(Number(reminder.ref) + 1),
        scheduleSeq: 0,
        dueAt: new Date(now.getTime() + parseDuration(every)),
      });
      break;
    }
  }
  const key = reminderPostKey(reminder.id);
  const thread = checklist.ts;
  // Enqueued with the change; sent by sendDue once its batch is decided (never inline: see sendDue).
  await enqueue(q, { key, promotionId: promotion.id, channelId: promotion.channelId, message, ...(thread ? { threadTs: thread, broadcast } : {}) }, now);
  await finishReminder(q, reminder.id, { state: 'sent', at: now, outboxKey: key });
  return { action: 'reminder.sent', data: { reminder: reminder.id, kind: reminder.kind, offset, due_at: dueAt, late } };
}
