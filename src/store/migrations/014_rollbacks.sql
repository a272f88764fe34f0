-- Issue 12: the rollback. A promotion can end rolled back; its rollback (one per promotion: a rollback is the end of
-- the road) records who started it, why, the path taken and the communication as broadcast, and its updates and
-- resolution; stakeholders' acknowledgements are rows of their own. The lead's "post an update" reminders are the
-- timeline's durable reminders (kind 'rollback-update').
ALTER TABLE promotions DROP CONSTRAINT promotions_status_check;
ALTER TABLE promotions ADD CONSTRAINT promotions_status_check CHECK (status IN ('active', 'aborted', 'completed', 'rolled-back'));

ALTER TABLE reminders DROP CONSTRAINT reminders_kind_check;
ALTER TABLE reminders ADD CONSTRAINT reminders_kind_check
  CHECK (kind IN ('timeline', 'item-due', 'checkpoint', 'escalation', 'hold', 'rollback-update'));

CREATE TABLE rollbacks (
  promotion_id  uuid PRIMARY KEY REFERENCES promotions (id) ON DELETE CASCADE,
  started_by    text NOT NULL,
  started_at    timestamptz NOT NULL,
  -- The template's rollback path chosen (rollback.paths[].id), or null when the template lists none.
  path          text,
  issue         text NOT NULL,
  impact        text,
  eta           text,
  action        text,
  -- The communication as it was broadcast (the template's, filled in).
  subject       text NOT NULL,
  message       text NOT NULL,
  updates       integer NOT NULL DEFAULT 0,
  last_update_at timestamptz,
  completed_by  text,
  completed_at  timestamptz,
  resolution    text
);

CREATE TABLE rollback_acks (
  promotion_id  uuid NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
  user_id       text NOT NULL,
  at            timestamptz NOT NULL,
  PRIMARY KEY (promotion_id, user_id)
);

-- A promotion a decision point moved to rolling back before this table existed gets its record, so its panel, updates
-- and completion work like any other rollback's.
INSERT INTO rollbacks (promotion_id, started_by, started_at, issue, subject, message)
SELECT id, requested_by, created_at, 'rolled back at a decision point', '[ROLLBACK INITIATED] ' || release, ''
FROM promotions WHERE stage = 'rolling-back' AND status = 'active';
