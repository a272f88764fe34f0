-- A post that replies to another outbox post (a rollback update under the broadcast in a stakeholder channel) names
-- it by key: the sender threads it under that post's ts once it is known, and waits while it is not posted yet.
ALTER TABLE slack_outbox ADD COLUMN thread_of text;
