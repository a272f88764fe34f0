-- Slack rate budgets shared by every replica on this database (src/store/rate-budgets.ts, src/slack/rate-budget.ts):
-- one token bucket per key ('chat.update': per workspace; 'chat.postMessage <channel>': per channel;
-- 'conversations.history': per app). `tokens` is what the bucket held at `refreshed_at`; it refills continuously
-- from then on at the rate each statement is given (the limits are configuration, not data), up to the burst. A 429's
-- Retry-After sets `paused_until`: nobody is handed a token before then, and the bucket refills only from then on.
-- Times are the database's clock (or the virtual time a test passes), never a replica's own.
CREATE TABLE rate_budgets (
  key          text PRIMARY KEY,
  tokens       double precision NOT NULL,
  refreshed_at timestamptz NOT NULL,
  paused_until timestamptz
);
