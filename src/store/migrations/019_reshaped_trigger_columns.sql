-- promotions_reshaped (004) compared the whole row as jsonb on every UPDATE of a promotion, the template included
-- (tens of kilobytes of jsonb, serialised twice). Every audit append updates the row to move its bookkeeping
-- columns, so every click paid for it: about 1.5 ms of the database's CPU per append, 60 times the update itself.
-- The trigger now fires only for an UPDATE that sets some column other than the four it ignores anyway (version,
-- audit_seq, audit_hash, shape_version); the function still checks that a value really changed. A column added to
-- promotions must be added here too: test/store/store.test.ts fails until it is.
DROP TRIGGER promotions_reshaped ON promotions;
CREATE TRIGGER promotions_reshaped
  BEFORE UPDATE OF id, release, template_id, template, channel_id, team_id, status, requested_by, created_at, ended_at,
    ended_by, end_reason, window_start, window_end, stage, environment, t0, schedule_seq
  ON promotions FOR EACH ROW EXECUTE FUNCTION promotions_reshaped();
