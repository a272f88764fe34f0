import { formatDuration } from '../domain/offsets.js';
import type { OutboxMessage } from '../domain/message-kinds.js';
import type { Promotion, PromotionWindow } from '../domain/promotion.js';
import { entryOf, MAX_WINDOW_MS, offsetLabel, planReminders, windowFrom, type PlannedReminder } from '../domain/timeline.js';
import { InputError, UserError } from '../errors.js';
import { INPUT } from '../ids.js';
import { overviewTs } from '../store/messages.js';
import { findActive, getPromotion } from '../store/promotions.js';
import { cancelPending, insertReminders, setWindow } from '../store/reminders.js';
import { announceEverywhere } from './announce-start.js';
import { commitChange } from './change.js';
import { assertDecider } from './decisions.js';
import type { Deps } from './deps.js';
import { assertActive } from './guard.js';
import { showChange } from './show.js';
import { enqueueMaintenanceWindow } from './statuspage.js';

/**
 * Scheduling the maintenance window (issue 11): by the overview's Schedule window modal or `/promote schedule`. One
 * change fixes the window and T0, cancels the reminders of the previous schedule that were still to send, plans the
 * template's reminders that are still ahead, and announces the window in the checklist's thread (broadcast) and in
 * every stakeholder channel, exactly once.
 */

export interface ScheduleInput {
  promotionId: string;
  userId: string;
  start: Date;
  /** The end, or the length, or neither (the template's window.duration). */
  end: Date | null;
  durationMs: number | null;
  receiptKey?: string;
}

export interface Scheduled {
  window: PromotionWindow;
  previous: PromotionWindow | null;
  /** The reminders planned, in due order. */
  planned: PlannedReminder[];
}

/** The reminders an announcement names: the next three, with what each asks. */
function upcoming(promotion: Promotion, t0: Date, planned: readonly PlannedReminder[]): Extract<OutboxMessage, { kind: 'window-scheduled' }>['next'] {
  return planned.slice(0, 3).map((r) => ({
    offset: offsetLabel(t0, r.dueAt),
    at: r.dueAt.toISOString(),
    what: r.kind === 'item-due' ? 'items due' : (entryOf(promotion.template, r.ref)?.entry.say ?? ''),
  }));
}

/** Who may schedule or move the window: the person who started the promotion, or a decider. Refused saying who can. */
export async function assertMaySchedule(deps: Deps, promotion: Promotion, userId: string): Promise<void> {
  if (userId !== promotion.requestedBy) await assertDecider(deps, promotion, userId, 'schedule its window');
}

/** How far ahead a window may be scheduled: a typo (`in 9999d`) would plan reminders nobody sees. */
const MAX_AHEAD_MS = 366 * 86_400_000;

const when = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * Schedule or move the window. Refused when the start is not ahead of now, the window is empty or longer than a
 * week, or the person is neither the requester nor a decider. A modal's refusal is shown next to its input.
 */
export async function scheduleWindow(deps: Deps, input: ScheduleInput, opts: { refresh?: boolean } = {}): Promise<Scheduled | null> {
  const promotion = assertActive(await getPromotion(deps.db, input.promotionId));
  await assertMaySchedule(deps, promotion, input.userId);
  let result: Scheduled | undefined;
  let statuspageCall: string | null = null;
  await commitChange(deps, { promotionId: promotion.id, actor: input.userId, receiptKey: input.receiptKey }, async (scope) => {
    const { q, promotion: locked, now } = scope;
    if (input.start.getTime() <= now.getTime()) {
      throw new InputError(INPUT.windowStart, `${when(input.start)} is in the past (it is now ${when(now)}): give a time ahead.`, 'in_the_past');
    }
    if (input.start.getTime() - now.getTime() > MAX_AHEAD_MS) {
      throw new InputError(INPUT.windowStart, `${when(input.start)} is more than a year ahead: schedule it closer to the date.`, 'too_far');
    }
    const window = windowFrom(locked.template, input.start, input.end, input.durationMs);
    const length = window.end.getTime() - window.start.getTime();
    const lengthInput = input.end ? INPUT.windowEnd : INPUT.windowDuration;
    if (length <= 0) throw new InputError(lengthInput, 'The end must be after the start.', 'bad_window');
    if (length > MAX_WINDOW_MS) throw new InputError(lengthInput, `A window lasts at most ${formatDuration(MAX_WINDOW_MS)}; this one is ${formatDuration(Math.floor(length / 60_000) * 60_000)}.`, 'bad_window');
    const previous = locked.window ?? null;
    const seq = await setWindow(q, locked.id, window);
    // A reschedule replaces every reminder still to send; a ramp's holds run on their own clock and stay.
    await cancelPending(q, locked.id, 'the window was rescheduled', now, { kinds: ['timeline', 'item-due', 'checkpoint', 'escalation'] });
    const planned = planReminders(locked.template, window.t0, now);
    await insertReminders(q, locked.id, seq, planned);
    const thread = await overviewTs(q, locked.id);
    await announceEverywhere(scope, `window:${locked.id}:${seq}`, {
      kind: 'window-scheduled',
      release: locked.release,
      templateName: locked.template.name,
      by: input.userId,
      start: window.start.toISOString(),
      end: window.end.toISOString(),
      t0: window.t0.toISOString(),
      previous: previous ? { start: previous.start.toISOString(), end: previous.end.toISOString() } : null,
      next: upcoming(locked, window.t0, planned),
      checklist: { channel: locked.channelId, ts: thread },
    });
    // The status page's scheduled maintenance: created, or moved (issue 12); nothing without a page and a key.
    statuspageCall = await enqueueMaintenanceWindow(deps, scope, window, { seq, moved: previous !== null });
    result = { window, previous, planned };
    return {
      action: 'window.scheduled',
      data: {
        start: window.start.toISOString(),
        end: window.end.toISOString(),
        t0: window.t0.toISOString(),
        previous: previous ? { start: previous.start.toISOString(), end: previous.end.toISOString() } : null,
        reminders: planned.length,
      },
    };
  });
  // A redelivered submission (its receipt already claimed): applied the first time, nothing more to do.
  if (!result) return null;
  if (statuspageCall) deps.statuspage?.kick();
  deps.slack.homesChanged?.(promotion.id);
  if (opts.refresh !== false) await showChange(deps, promotion.id);
  return result;
}

/** `/promote schedule <release> …`: the active promotion of that release in this channel. */
export async function scheduleByRelease(
  deps: Deps,
  input: Omit<ScheduleInput, 'promotionId'> & { channelId: string; release: string },
): Promise<{ promotion: Promotion; scheduled: Scheduled }> {
  const promotion = await findActive(deps.db, input.channelId, input.release);
  if (!promotion) throw new UserError(`There is no active promotion of ${input.release} in this channel. \`/promote list\` shows the active ones.`, 'not_found');
  const scheduled = await scheduleWindow(deps, { ...input, promotionId: promotion.id });
  // A command carries no receipt: it is never a redelivery.
  if (!scheduled) throw new UserError('Nothing was scheduled; try again.', 'duplicate');
  return { promotion, scheduled };
}
