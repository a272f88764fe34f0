-- Verification probes (issue 10): one row per run of an item's probe. A run is claimed by the replica that runs it
-- (claimed_by, claimed_until by the database's clock, renewed while it runs), and at most one run per item is
-- running at a time, across replicas: the partial unique index makes the second claim's INSERT do nothing. A run
-- whose claim lapsed (its process died) is marked 'interrupted' by the sweep (src/probes/runner.ts).
CREATE TABLE probe_runs (
  id            uuid PRIMARY KEY,
  -- The order runs were claimed in: the latest run is the highest (times come from the injected clock, which may stand still).
  seq           bigint GENERATED ALWAYS AS IDENTITY,
  promotion_id  uuid NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
  item_id       text NOT NULL,
  status        text NOT NULL CHECK (status IN ('running', 'pass', 'fail', 'error', 'interrupted')),
  summary       text,
  evidence      jsonb,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz,
  duration_ms   integer,
  by_user       text NOT NULL,
  claimed_by    text,
  claimed_until timestamptz
);
CREATE UNIQUE INDEX probe_runs_one_running ON probe_runs (promotion_id, item_id) WHERE status = 'running';
CREATE INDEX probe_runs_latest ON probe_runs (promotion_id, item_id, seq DESC);
CREATE INDEX probe_runs_claims ON probe_runs (claimed_until) WHERE status = 'running';

-- The item's probe status as the checklist shows it ('running', 'pass'...): a change to it marks the item's message
-- as changed (migration 004's trigger), so "running…" and the result are rendered like any other change.
ALTER TABLE item_states ADD COLUMN probe_status text;
