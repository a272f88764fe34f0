-- Outbox rows name a kind of message and its data (kind, data: src/domain/message-kinds.ts), rendered by the sender when
-- it posts (src/slack/message-kinds.ts), instead of text and blocks rendered by the use case when it enqueued them.
-- Rows written before this keep their text and blocks and are posted as they are: both columns stay, text becomes
-- optional, and a row holds one or the other. (A replica still running the previous version during a rolling deploy
-- reads a new row's text as null: Slack refuses that post (no_text), nothing is posted, and the row is retried after a
-- backoff, by a replica of this version.)
ALTER TABLE slack_outbox ADD COLUMN kind text, ADD COLUMN data jsonb;
ALTER TABLE slack_outbox ALTER COLUMN text DROP NOT NULL;
ALTER TABLE slack_outbox ADD CONSTRAINT slack_outbox_content
  CHECK ((kind IS NOT NULL AND data IS NOT NULL AND text IS NULL AND blocks IS NULL) OR (kind IS NULL AND data IS NULL AND text IS NOT NULL));
