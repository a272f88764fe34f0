-- Issue 14 (scale): the repair sweep (stalePromotions, src/store/messages.ts) looks at active promotions and those that
-- ended in the last 7 days only, instead of every promotion ever run (a Seq Scan of promotions and promotion_messages
-- every 20 s on every replica: 44-85 ms at 10,000 promotions, growing with history; bench/scale.ts). A message of an
-- older promotion cannot still be due: an ended promotion changes no more, and a message that keeps failing is given up
-- after 12 attempts, within two hours. These two partial indexes let the planner read just those promotions.
CREATE INDEX promotions_active ON promotions (created_at) WHERE status = 'active';
CREATE INDEX promotions_ended_at ON promotions (ended_at) WHERE status <> 'active';
