-- Issue 12: the status page kept in step with a promotion through Statuspage's REST API, exactly once, as GitHub's
-- workflow dispatches are (migration 009). See src/statuspage/sender.ts and src/store/statuspage.ts.
--
-- A call is enqueued in the transaction of the change that causes it (scheduling the window, a rollback's steps),
-- keyed once and for all (a second enqueue of one key does nothing), then claimed by one replica at a time
-- (claimed_until, by the database's clock) and sent. The calls of one promotion and subject (its maintenance, its
-- incident) are sent in the order they were enqueued (seq): a call is not claimed while an earlier one of the same
-- promotion and subject is still pending or claimed, so an update never goes before its open.
--
-- maybe_sent is set before every call that changes the page, and cleared only when Statuspage refused it: while it
-- is set, the outcome of a call may be unknown (the process died, the answer timed out, a 5xx), so whoever sends the row
-- next first looks: for a create, for the incident (by the marker in its metadata), created only if it is not there;
-- for an update, at the incident, updated again only if its latest update is not this one.
CREATE TABLE statuspage_calls (
  key              text PRIMARY KEY,
  seq              bigserial NOT NULL UNIQUE,
  promotion_id     uuid NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
  page_id          text NOT NULL,
  subject          text NOT NULL CHECK (subject IN ('maintenance', 'incident')),
  op               text NOT NULL CHECK (op IN ('maintenance-schedule', 'maintenance-move', 'maintenance-complete', 'incident-open', 'incident-update', 'incident-resolve')),
  -- What to send (name, body, status, window, components), resolved inside the change.
  payload          jsonb NOT NULL,
  state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'claimed', 'done', 'failed')),
  claimed_by       text,
  claimed_until    timestamptz,
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz,
  maybe_sent       boolean NOT NULL DEFAULT false,
  -- Database clock: the first and the latest call made for this row.
  first_attempt_at timestamptz,
  last_attempt_at  timestamptz,
  -- The incident it created or updated, and the status Statuspage answered.
  incident_id      text,
  result_status    text,
  -- Statuspage's HTTP status when it refused (null: no answer), and its message, or what is not known yet. Never the key.
  http_status      integer,
  last_error       text,
  created_at       timestamptz NOT NULL,
  done_at          timestamptz
);

-- The sender's question: what is due (pending, or claimed by someone whose claim lapsed), oldest first.
CREATE INDEX statuspage_calls_due ON statuspage_calls (seq) WHERE state IN ('pending', 'claimed');
CREATE INDEX statuspage_calls_promotion ON statuspage_calls (promotion_id, subject, seq);

-- The incident a promotion's maintenance (or rollback incident) is on Statuspage, so later calls update that one.
CREATE TABLE statuspage_incidents (
  promotion_id  uuid NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
  subject       text NOT NULL CHECK (subject IN ('maintenance', 'incident')),
  page_id       text NOT NULL,
  incident_id   text NOT NULL,
  -- Its status as Statuspage last answered (scheduled, in_progress, completed, investigating, resolved...).
  status        text NOT NULL,
  -- The call that created (or found) it.
  created_by    text NOT NULL,
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (promotion_id, subject)
);
