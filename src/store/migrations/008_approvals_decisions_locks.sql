-- Issue 8: named approvals, the GO / NO-GO decision, and environment locks.

-- Where a running promotion is relative to the GO decision (src/domain/promotion.ts PromotionStage), and the
-- environment it deploys to (the template's, or `--env` at start), which it locks while it runs.
ALTER TABLE promotions ADD COLUMN stage text NOT NULL DEFAULT 'preparing'
  CHECK (stage IN ('preparing', 'go', 'no-go', 'rolling-back'));
ALTER TABLE promotions ADD COLUMN environment text;

-- One person's decision on one approval of a promotion. Deciding again replaces the standing row (approving twice
-- counts once); a row made void by a changed bound value stays, with why, and the person decides again in a new row.
CREATE TABLE approvals (
  id            uuid PRIMARY KEY,
  promotion_id  uuid NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
  approval_id   text NOT NULL,
  role          text NOT NULL,
  user_id       text NOT NULL,
  decision      text NOT NULL CHECK (decision IN ('approve', 'reject')),
  -- sha256 of the template and the bound items' values the decision was given for (src/domain/approvals.ts).
  fingerprint   text NOT NULL,
  bound         jsonb NOT NULL DEFAULT '{}',
  comment       text,
  at            timestamptz NOT NULL,
  voided_at     timestamptz,
  void_reason   text
);
CREATE UNIQUE INDEX approvals_standing ON approvals (promotion_id, approval_id, user_id) WHERE voided_at IS NULL;
CREATE INDEX approvals_by_user ON approvals (user_id) WHERE voided_at IS NULL;

-- Every GO and NO-GO, in order: a NO-GO keeps the promotion open, so it can be decided again.
CREATE TABLE decisions (
  promotion_id  uuid NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
  seq           integer NOT NULL,
  decision      text NOT NULL CHECK (decision IN ('go', 'no-go')),
  by_user       text NOT NULL,
  at            timestamptz NOT NULL,
  reason        text,
  -- A NO-GO's new date, as the decider gave it (YYYY-MM-DD).
  new_date      date,
  -- The approvals GO was given with: approval id -> fingerprint and approvers.
  approvals     jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (promotion_id, seq)
);
CREATE INDEX decisions_recent ON decisions (at DESC);

-- At most one promotion in progress per environment of a workspace. Taken in the start's transaction (the primary
-- key makes two starts at once give one promotion), released in the transaction that ends the promotion.
CREATE TABLE environment_locks (
  team_id       text NOT NULL,
  environment   text NOT NULL,
  promotion_id  uuid NOT NULL UNIQUE REFERENCES promotions (id) ON DELETE CASCADE,
  locked_at     timestamptz NOT NULL,
  PRIMARY KEY (team_id, environment)
);
