-- One-off Slack posts (the abort notice, later reminders and announcements), posted exactly once. A row is enqueued
-- in the transaction of the change that causes it (a second enqueue of one key does nothing), then claimed by one
-- replica at a time (claimed_until, by the database's clock, like render_leases), posted with
-- metadata { event_type: 'preflight_outbox', event_payload: { key } }, and its ts recorded. A row still 'claimed'
-- after its claim lapsed may have been posted (the process died, or Slack's answer never came): before posting it
-- again, the sender looks for it in the channel (or thread) by that metadata. See src/slack/outbox.ts.
CREATE TABLE slack_outbox (
  key             text PRIMARY KEY,
  promotion_id    uuid REFERENCES promotions(id) ON DELETE SET NULL,
  channel_id      text NOT NULL,
  thread_ts       text,
  reply_broadcast boolean NOT NULL DEFAULT false,
  text            text NOT NULL,
  blocks          jsonb,
  event_type      text NOT NULL DEFAULT 'preflight_outbox',
  state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'claimed', 'posted', 'failed')),
  claimed_by      text,
  claimed_until   timestamptz,
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  posted_ts       text,
  last_error      text,
  created_at      timestamptz NOT NULL
);

-- The sender's question: what is due (pending, or claimed by someone whose claim lapsed)?
CREATE INDEX slack_outbox_due ON slack_outbox (created_at) WHERE state IN ('pending', 'claimed');
