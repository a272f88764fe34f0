-- What GO does on GitHub: dispatch the template's workflow (on_go.dispatch), exactly once. A row is enqueued in the
-- transaction of the decision that causes it (a second enqueue of one key does nothing), then claimed by one replica
-- at a time (claimed_until, by the database's clock, like slack_outbox and render_leases) and sent with
-- actions.createWorkflowDispatch. See src/github/dispatch.ts.
--
-- maybe_dispatched is set before every call to GitHub, and cleared only when GitHub refused every call made (4xx): while
-- it is set, the outcome of some call may be unknown (the process died, the answer timed out), so whoever sends the
-- row next first looks for the run (by the correlation id, or best effort by ref, actor and time) and dispatches only
-- if none is found. accepted_at is set
-- once GitHub said it took the dispatch: the row is then never dispatched again, only its run looked for.
CREATE TABLE workflow_dispatches (
  key                text PRIMARY KEY,
  promotion_id       uuid REFERENCES promotions(id) ON DELETE SET NULL,
  -- Where the run's link (or the failure, with a Retry button) is posted: the promotion's thread.
  channel_id         text,
  thread_ts          text,
  release            text NOT NULL,
  repo               text NOT NULL,
  workflow           text NOT NULL,
  ref                text NOT NULL,
  -- The inputs as sent, placeholders resolved when GO was decided.
  inputs             jsonb NOT NULL DEFAULT '{}',
  -- The workflow input that carries correlation_id (echoed in the run's run-name), or null: the run then cannot be
  -- found for sure.
  correlation_input  text,
  correlation_id     text NOT NULL UNIQUE,
  state              text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'claimed', 'dispatched', 'failed')),
  claimed_by         text,
  claimed_until      timestamptz,
  attempts           integer NOT NULL DEFAULT 0,
  next_attempt_at    timestamptz,
  maybe_dispatched   boolean NOT NULL DEFAULT false,
  -- Database clock: the first and the latest call to GitHub, and when GitHub said it took the dispatch.
  first_attempt_at   timestamptz,
  last_attempt_at    timestamptz,
  accepted_at        timestamptz,
  run_id             bigint,
  run_url            text,
  html_url           text,
  -- Why it failed (GitHub's message, never a token), or what is still not known (the run could not be linked).
  last_error         text,
  retried_by         text,
  created_at         timestamptz NOT NULL,
  dispatched_at      timestamptz
);

-- The sender's question: what is due (pending, or claimed by someone whose claim lapsed)?
CREATE INDEX workflow_dispatches_due ON workflow_dispatches (created_at) WHERE state IN ('pending', 'claimed');
-- A run already linked to one dispatch is never taken for another's (the best-effort look-up).
CREATE INDEX workflow_dispatches_run ON workflow_dispatches (repo, run_id) WHERE run_id IS NOT NULL;
