import { randomUUID } from 'node:crypto';
import type { PlannedReminder, ReminderKind } from '../domain/timeline.js';
import type { Queryable } from './db.js';

/**
 * The reminders a promotion is owed (migration 012): planned when the window is scheduled, claimed by the ticker of
 * any replica once due, and sent, skipped or cancelled in a change under the promotion's lock. Due times compare with
 * the injected clock (`now`, passed in); claims are timed by the database's clock, like the outbox's, because a claim
 * is mutual exclusion across replicas and the database is the one clock they share.
 */

export type ReminderState = 'pending' | 'claimed' | 'sent' | 'skipped' | 'cancelled';

export interface Reminder {
  id: string;
  promotionId: string;
  kind: ReminderKind;
  series: string;
  ref: string;
  scheduleSeq: number;
  dueAt: Date;
  state: ReminderState;
  attempts: number;
  doneAt: Date | null;
  doneReason: string | null;
  outboxKey: string | null;
  answer: 'continue' | 'rollback' | null;
  answeredBy: string | null;
  answeredAt: Date | null;
  data: Record<string, unknown>;
}

interface Row {
  id: string;
  promotion_id: string;
  kind: ReminderKind;
  series: string;
  ref: string;
  schedule_seq: number;
  due_at: Date | string;
  state: ReminderState;
  attempts: number;
  done_at: Date | string | null;
  done_reason: string | null;
  outbox_key: string | null;
  answer: 'continue' | 'rollback' | null;
  answered_by: string | null;
  answered_at: Date | string | null;
  data: Record<string, unknown> | null;
}

const COLUMNS = 'id, promotion_id, kind, series, ref, schedule_seq, due_at, state, attempts, done_at, done_reason, outbox_key, answer, answered_by, answered_at, data';
const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

function toReminder(r: Row): Reminder {
  return {
    id: r.id,
    promotionId: r.promotion_id,
    kind: r.kind,
    series: r.series,
    ref: r.ref,
    scheduleSeq: r.schedule_seq,
    dueAt: new Date(r.due_at),
    state: r.state,
    attempts: r.attempts,
    doneAt: date(r.done_at),
    doneReason: r.done_reason,
    outboxKey: r.outbox_key,
    answer: r.answer,
    answeredBy: r.answered_by,
    answeredAt: date(r.answered_at),
    data: r.data ?? {},
  };
}

/** Store planned reminders, all of one schedule, in one statement. */
export async function insertReminders(q: Queryable, promotionId: string, scheduleSeq: number, planned: readonly PlannedReminder[]): Promise<void> {
  if (planned.length === 0) return;
  await q.query(
    `INSERT INTO reminders (id, promotion_id, kind, series, ref, schedule_seq, due_at)
     SELECT u.id, $1, u.kind, u.series, u.ref, $2, u.due_at
     FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::timestamptz[]) AS u(id, kind, series, ref, due_at)`,
    [promotionId, scheduleSeq, planned.map(() => randomUUID()), planned.map((p) => p.kind), planned.map((p) => p.series), planned.map((p) => p.ref), planned.map((p) => p.dueAt)],
  );
}

/** Plan one reminder (an escalation, a hold's end). Returns its id, or null when an equal pending hold exists. */
export async function insertReminder(
  q: Queryable,
  r: { promotionId: string; kind: ReminderKind; series: string; ref: string; scheduleSeq: number; dueAt: Date; data?: Record<string, unknown> },
): Promise<string | null> {
  const id = randomUUID();
  const res = await q.query(
    `INSERT INTO reminders (id, promotion_id, kind, series, ref, schedule_seq, due_at, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
     ON CONFLICT DO NOTHING RETURNING id`,
    [id, r.promotionId, r.kind, r.series, r.ref, r.scheduleSeq, r.dueAt, JSON.stringify(r.data ?? {})],
  );
  return res.rows.length > 0 ? id : null;
}

/**
 * Cancel what is still to send: every kind, or only those given. A claimed row is cancelled too: its holder finds it
 * no longer claimed when it comes to send it, under the promotion's lock, and sends nothing. Returns how many.
 */
export async function cancelPending(q: Queryable, promotionId: string, why: string, now: Date, opts: { kinds?: readonly ReminderKind[]; ref?: string } = {}): Promise<number> {
  const r = await q.query(
    `UPDATE reminders SET state = 'cancelled', done_at = $2, done_reason = $3, claimed_until = NULL
     WHERE promotion_id = $1 AND state IN ('pending', 'claimed')
       AND ($4::text[] IS NULL OR kind = ANY($4::text[])) AND ($5::text IS NULL OR ref = $5)`,
    [promotionId, now, why, opts.kinds ?? null, opts.ref ?? null],
  );
  return r.rowCount ?? 0;
}

/**
 * Claim up to `limit` reminders due by `now` for `owner`, for `claimMs` by the database's clock: pending ones whose
 * retry backoff is over, and claimed ones whose claim lapsed (their holder died before sending). Oldest first; rows
 * another replica is claiming are skipped, so replicas share the work and never claim one row twice.
 */
export async function claimDueReminders(q: Queryable, owner: string, now: Date, claimMs: number, limit = 50): Promise<Reminder[]> {
  const r = await q.query<Row>(
    `WITH due AS (
       SELECT id FROM reminders
       WHERE state IN ('pending', 'claimed') AND due_at <= $2
         AND (state = 'pending' OR claimed_until <= clock_timestamp())
         AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
       ORDER BY due_at
       LIMIT $4
       FOR UPDATE SKIP LOCKED)
     UPDATE reminders r
     SET state = 'claimed', claimed_by = $1, claimed_until = clock_timestamp() + $3::double precision * interval '1 millisecond',
         attempts = r.attempts + 1
     FROM due WHERE r.id = due.id
     RETURNING ${COLUMNS.split(', ').map((c) => `r.${c}`).join(', ')}`,
    [owner, now, claimMs, limit],
  );
  return r.rows.map(toReminder).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
}

/** The reminder, locked, if `owner` still holds its claim (it was not cancelled, or taken over after a lapse). */
export async function takeClaimed(q: Queryable, id: string, owner: string): Promise<Reminder | undefined> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM reminders WHERE id = $1 AND state = 'claimed' AND claimed_by = $2 FOR UPDATE`, [id, owner]);
  return r.rows[0] && toReminder(r.rows[0]);
}

export async function getReminder(q: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<Reminder | undefined> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM reminders WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return r.rows[0] && toReminder(r.rows[0]);
}

/** A later reminder of the same series that is due too: this one was overtaken while it waited (the bot was down). */
export async function supersededBy(q: Queryable, reminder: Reminder, now: Date): Promise<Reminder | undefined> {
  const r = await q.query<Row>(
    `SELECT ${COLUMNS} FROM reminders
     WHERE promotion_id = $1 AND series = $2 AND id <> $3 AND due_at > $4 AND due_at <= $5 AND state IN ('pending', 'claimed', 'sent')
     ORDER BY due_at DESC LIMIT 1`,
    [reminder.promotionId, reminder.series, reminder.id, reminder.dueAt, now],
  );
  return r.rows[0] && toReminder(r.rows[0]);
}

/** Done: sent (with the outbox key of its post), or skipped or cancelled with why. */
export async function finishReminder(q: Queryable, id: string, e: { state: 'sent' | 'skipped' | 'cancelled'; at: Date; reason?: string | null; outboxKey?: string | null; data?: Record<string, unknown> }): Promise<void> {
  await q.query(
    `UPDATE reminders SET state = $2, done_at = $3, done_reason = $4, outbox_key = $5, claimed_until = NULL, last_error = NULL,
       data = CASE WHEN $6::jsonb IS NULL THEN data ELSE $6::jsonb END
     WHERE id = $1`,
    [id, e.state, e.at, e.reason ?? null, e.outboxKey ?? null, e.data ? JSON.stringify(e.data) : null],
  );
}

/** Cancel a reminder this process holds (its promotion ended under it); false when it no longer holds it. */
export async function cancelClaimed(q: Queryable, id: string, owner: string, why: string, now: Date): Promise<boolean> {
  const r = await q.query(
    `UPDATE reminders SET state = 'cancelled', done_at = $3, done_reason = $4, claimed_until = NULL
     WHERE id = $1 AND claimed_by = $2 AND state = 'claimed' RETURNING id`,
    [id, owner, now, why],
  );
  return r.rows.length > 0;
}

/**
 * Sending failed (the database, a bug): back to pending after a backoff by the injected clock, doubling per attempt
 * up to 5 minutes, with the error kept for whoever looks. Only while `owner` still holds it.
 */
export async function retryLater(q: Queryable, id: string, owner: string, error: string, now: Date): Promise<void> {
  await q.query(
    `UPDATE reminders SET state = 'pending', claimed_until = NULL, last_error = $3,
       next_attempt_at = $4::timestamptz + LEAST(300, power(2, LEAST(attempts, 9)))::double precision * interval '1 second'
     WHERE id = $1 AND claimed_by = $2 AND state = 'claimed'`,
    [id, owner, error.slice(0, 500), now],
  );
}

/** Record a decision point's answer; false when it was answered already (the first answer stands). */
export async function answerCheckpoint(q: Queryable, id: string, answer: 'continue' | 'rollback', by: string, at: Date): Promise<boolean> {
  const r = await q.query(
    `UPDATE reminders SET answer = $2, answered_by = $3, answered_at = $4 WHERE id = $1 AND kind = 'checkpoint' AND answer IS NULL RETURNING id`,
    [id, answer, by, at],
  );
  return r.rows.length > 0;
}

/** A promotion's reminders in due order (what `/promote status` and the report show). */
export async function listReminders(q: Queryable, promotionId: string): Promise<Reminder[]> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM reminders WHERE promotion_id = $1 ORDER BY due_at, kind, ref`, [promotionId]);
  return r.rows.map(toReminder);
}

/** When the window is scheduled (T0, start, end) and which schedule it is, under the caller's lock. */
export async function setWindow(q: Queryable, promotionId: string, w: { start: Date; end: Date; t0: Date }): Promise<number> {
  const r = await q.query<{ schedule_seq: number }>(
    `UPDATE promotions SET window_start = $2, window_end = $3, t0 = $4, schedule_seq = schedule_seq + 1 WHERE id = $1 RETURNING schedule_seq`,
    [promotionId, w.start, w.end, w.t0],
  );
  return r.rows[0]!.schedule_seq;
}

export interface StoredWindow {
  start: Date;
  end: Date;
  t0: Date;
  scheduleSeq: number;
}

export async function getWindow(q: Queryable, promotionId: string): Promise<StoredWindow | null> {
  const r = await q.query<{ window_start: Date | null; window_end: Date | null; t0: Date | null; schedule_seq: number }>(
    'SELECT window_start, window_end, t0, schedule_seq FROM promotions WHERE id = $1',
    [promotionId],
  );
  const row = r.rows[0];
  if (!row?.window_start || !row.window_end || !row.t0) return null;
  return { start: new Date(row.window_start), end: new Date(row.window_end), t0: new Date(row.t0), scheduleSeq: row.schedule_seq };
}
