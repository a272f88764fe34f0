-- Issue 11: the maintenance window, its T-minus timeline, decision points, ramps and assignees.

-- T0, the planned start the template's offsets count from (window_start is when the window opens: T0 plus the
-- template's window.opens, usually T0 itself), and how many times the window was scheduled: each schedule's
-- reminders carry its number, so a reschedule replaces the pending ones of the last.
ALTER TABLE promotions ADD COLUMN t0 timestamptz;
ALTER TABLE promotions ADD COLUMN schedule_seq integer NOT NULL DEFAULT 0;

-- Who an item is assigned to (a Slack user id): shown on the checklist, mentioned by reminders, listed on App Home.
ALTER TABLE item_states ADD COLUMN assignee text;
CREATE INDEX item_states_assignee ON item_states (assignee) WHERE assignee IS NOT NULL AND state = 'open';

-- Every reminder the bot owes a promotion: the timeline's (kind 'timeline'), items due and still open ('item-due'),
-- decision points ('checkpoint') and their escalation ('escalation'), and the end of a ramp step's hold ('hold').
-- A ticker on any replica claims due rows (FOR UPDATE SKIP LOCKED, claimed_until by the database's clock, as the
-- outbox does) and sends each in one change under the promotion's lock: the row turns 'sent' in the same
-- transaction that enqueues its post in the outbox, so it is posted exactly once whichever replica claims it, and a
-- claim whose holder died lapses and is claimed again.
CREATE TABLE reminders (
  id              uuid PRIMARY KEY,
  promotion_id    uuid NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
  kind            text NOT NULL CHECK (kind IN ('timeline', 'item-due', 'checkpoint', 'escalation', 'hold')),
  -- Reminders of one series supersede each other: one that fell due while the bot was down is skipped when a later
  -- one of its series is due too (the hourly checks of T+1h..T+4h are one series).
  series          text NOT NULL,
  -- What the reminder is about: the timeline entry's index, an item id, the checkpoint it escalates...
  ref             text NOT NULL,
  -- The schedule (promotions.schedule_seq) it was planned for; 0 for those a click planned (a hold).
  schedule_seq    integer NOT NULL,
  due_at          timestamptz NOT NULL,
  state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'claimed', 'sent', 'skipped', 'cancelled')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  claimed_by      text,
  claimed_until   timestamptz,
  last_error      text,
  -- When it was sent, skipped or cancelled (injected clock), and why for the last two.
  done_at         timestamptz,
  done_reason     text,
  -- The post it made (slack_outbox.key), and for a checkpoint, its answer.
  outbox_key      text,
  answer          text CHECK (answer IN ('continue', 'rollback')),
  answered_by     text,
  answered_at     timestamptz,
  data            jsonb NOT NULL DEFAULT '{}'
);
-- The ticker's claim: due rows, in due order, only among those still to send (a few per promotion at most).
CREATE INDEX reminders_due ON reminders (due_at) WHERE state IN ('pending', 'claimed');
CREATE INDEX reminders_promotion ON reminders (promotion_id, series, due_at);
-- One hold per ramp step tick: a redelivered click plans it once.
CREATE UNIQUE INDEX reminders_one_pending_hold ON reminders (promotion_id, ref) WHERE kind = 'hold' AND state IN ('pending', 'claimed');
