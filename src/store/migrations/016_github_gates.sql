-- Preflight as a GitHub deployment protection rule (issue 13; src/services/github-gate.ts, src/github/gate-sender.ts).
--
-- github_deliveries: every webhook delivery acted on, by GitHub's X-GitHub-Delivery id, written in the transaction that
-- stores what it brought: a delivery GitHub sends twice, or two replicas receiving the same one, is handled once.
CREATE TABLE github_deliveries (
  delivery_id  text PRIMARY KEY,
  event        text NOT NULL,
  gate_id      uuid,
  received_at  timestamptz NOT NULL
);

-- github_gates: one row per deployment waiting at a gated environment (deployment_protection_rule, action requested).
-- Its answer (state) is decided inside a promotion's change (GO approves; NO-GO, abort, rollback and the promotion's
-- end reject), then sent to GitHub once: the send_* columns follow workflow_dispatches' rules (claimed by one replica
-- by the database's clock; maybe_sent set before every call, so whoever sends next after an unknown outcome knows a
-- "not waiting" answer from GitHub means the earlier call landed).
CREATE TABLE github_gates (
  id               uuid PRIMARY KEY,
  template_id      text NOT NULL,
  channel_id       text NOT NULL,
  installation_id  bigint NOT NULL,
  repo             text NOT NULL,
  environment      text NOT NULL,
  run_id           bigint NOT NULL,
  deployment_id    bigint NOT NULL,
  sha              text NOT NULL,
  ref              text NOT NULL,
  run_url          text NOT NULL,
  triggered_by     text NOT NULL,
  event            text,
  promotion_id     uuid REFERENCES promotions(id) ON DELETE SET NULL,
  requested_at     timestamptz NOT NULL,
  state            text NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'approved', 'rejected')),
  answer_comment   text,
  decided_by       text,
  decided_at       timestamptz,
  send_state       text NOT NULL DEFAULT 'none' CHECK (send_state IN ('none', 'pending', 'claimed', 'sent', 'failed')),
  claimed_by       text,
  claimed_until    timestamptz,
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz,
  maybe_sent       boolean NOT NULL DEFAULT false,
  last_error       text,
  sent_at          timestamptz,
  -- Status reports while it waits (at most 10 per deployment, GitHub's limit): counted before each call, so a crash
  -- never makes an eleventh; reported_seq is the promotion's audit_seq the last report showed.
  reports_sent     integer NOT NULL DEFAULT 0,
  reported_seq     bigint NOT NULL DEFAULT 0,
  report_claimed_until timestamptz,
  last_report_at   timestamptz
);

-- A deployment waits at a gate once: GitHub's redelivery under a new delivery id finds it.
CREATE UNIQUE INDEX github_gates_deployment ON github_gates (lower(repo), deployment_id);
-- What the sender claims, what a promotion's changes answer, what waits for a promotion to join.
CREATE INDEX github_gates_due ON github_gates (decided_at) WHERE send_state IN ('pending', 'claimed');
CREATE INDEX github_gates_promotion ON github_gates (promotion_id) WHERE state = 'waiting';
CREATE INDEX github_gates_unattached ON github_gates (requested_at) WHERE promotion_id IS NULL AND state = 'waiting';
