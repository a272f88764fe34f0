-- Promotions, their per-item state, the messages that show them, and the audit trail.

CREATE TABLE promotions (
  id             uuid PRIMARY KEY,
  release        text NOT NULL,
  template_id    text NOT NULL,
  -- The template as it was when the promotion started: editing a YAML file never changes a running promotion.
  template       jsonb NOT NULL,
  channel_id     text NOT NULL,
  team_id        text,
  status         text NOT NULL CHECK (status IN ('active', 'aborted', 'completed')),
  requested_by   text NOT NULL,
  created_at     timestamptz NOT NULL,
  ended_at       timestamptz,
  ended_by       text,
  end_reason     text,
  window_start   timestamptz,
  window_end     timestamptz,
  -- Bumped by every state change; messages record the version they last showed.
  version        integer NOT NULL DEFAULT 0,
  -- Head of the per-promotion audit hash chain.
  audit_seq      integer NOT NULL DEFAULT 0,
  audit_hash     text NOT NULL DEFAULT ''
);

-- One active promotion per release per channel.
CREATE UNIQUE INDEX promotions_one_active ON promotions (channel_id, release) WHERE status = 'active';
CREATE INDEX promotions_channel_status ON promotions (channel_id, status, created_at DESC);

-- One row per template item: a click changes its own rows, never a shared blob.
CREATE TABLE item_states (
  promotion_id   uuid NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
  item_id        text NOT NULL,
  state          text NOT NULL CHECK (state IN ('open', 'done', 'na')),
  value          text,
  note           text,
  by_user        text,
  at             timestamptz,
  PRIMARY KEY (promotion_id, item_id)
);

-- The promotion's messages: 0 is the overview in the channel, the rest are replies in its thread.
CREATE TABLE promotion_messages (
  promotion_id     uuid NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
  idx              integer NOT NULL,
  channel_id       text NOT NULL,
  ts               text,
  -- Which template sections the message shows (none for the overview), fixed when the promotion starts so
  -- that a later change to the layout code never reshuffles a running promotion's messages.
  sections         integer[] NOT NULL DEFAULT '{}',
  rendered_version integer NOT NULL DEFAULT -1,
  rendered_hash    text,
  -- Failed renders: retried at once twice, then with growing delays; a message Slack will never accept
  -- (deleted, channel archived) is marked broken and left alone.
  attempts         integer NOT NULL DEFAULT 0,
  last_error       text,
  next_attempt_at  timestamptz,
  broken           boolean NOT NULL DEFAULT false,
  PRIMARY KEY (promotion_id, idx)
);
CREATE UNIQUE INDEX promotion_messages_ts ON promotion_messages (channel_id, ts) WHERE ts IS NOT NULL;

-- Append-only, hash-chained per promotion: hash = sha256(prev_hash || canonical event).
CREATE TABLE audit_events (
  promotion_id   uuid NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
  seq            integer NOT NULL,
  at             timestamptz NOT NULL,
  actor          text NOT NULL,
  action         text NOT NULL,
  data           jsonb NOT NULL,
  prev_hash      text NOT NULL,
  hash           text NOT NULL,
  PRIMARY KEY (promotion_id, seq)
);

-- Interactions already applied, so a click delivered twice is applied once.
CREATE TABLE interaction_receipts (
  key            text PRIMARY KEY,
  promotion_id   uuid REFERENCES promotions (id) ON DELETE CASCADE,
  at             timestamptz NOT NULL
);
