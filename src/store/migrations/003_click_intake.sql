-- Clicks (checkbox toggles and choices) are stored here the moment they arrive, with one INSERT that takes no lock
-- a change holds, and applied in batches: one transaction and one lock of the promotion per batch, in Slack's
-- action_ts order, each row deleted by the batch that applied it. A row left behind (its process died between
-- storing and applying it) is applied by any replica's sweep.
CREATE TABLE click_intake (
  -- Identifies the click as in interaction_receipts: a redelivery is stored once.
  receipt_key    text PRIMARY KEY,
  promotion_id   uuid NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
  user_id        text NOT NULL,
  -- Slack's action_ts ("seconds.micros"), as a number so that it compares as time.
  action_ts      numeric NOT NULL,
  -- What the click does: {"kind":"toggle","ticked":[...],"unticked":[...]} or {"kind":"choose","item":...,"option":...}.
  payload        jsonb NOT NULL,
  received_at    timestamptz NOT NULL
);
CREATE INDEX click_intake_by_promotion ON click_intake (promotion_id, action_ts);
CREATE INDEX click_intake_by_age ON click_intake (received_at);

-- The action_ts of the latest click applied to the item (a checkbox toggle or a choice): a click that Slack sent
-- earlier and that arrives later is skipped for this item, so a late tick never overwrites a later untick.
-- Modal submissions (values, not applicable) have no action_ts and leave it alone.
ALTER TABLE item_states ADD COLUMN last_action_ts numeric;
