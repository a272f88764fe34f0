-- What a change touched, so that a render re-renders only the messages whose content changed (the overview, and
-- the section messages showing a changed item) instead of every message of the promotion.
--
-- item_states.changed_version: the promotion's version the change that last changed the row commits as (at least).
-- promotions.shape_version: the same for a change to the promotion itself (its status, release, template...), which
-- every message shows. Both are set by triggers, so no use case has to remember to: a trigger reads the version the
-- promotion has inside the changing transaction and adds one. A change bumps the version once per audit event, after
-- writing its rows; should one ever write rows after bumping it, the value is one ahead of what it commits as, so the
-- publisher compares LEAST(changed_version, promotions.version) with what a message last showed (src/store/messages.ts).
ALTER TABLE item_states ADD COLUMN changed_version integer NOT NULL DEFAULT 0;
ALTER TABLE promotions ADD COLUMN shape_version integer NOT NULL DEFAULT 0;

CREATE FUNCTION item_states_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (to_jsonb(NEW) - 'changed_version' - 'last_action_ts') IS DISTINCT FROM (to_jsonb(OLD) - 'changed_version' - 'last_action_ts') THEN
    NEW.changed_version := COALESCE((SELECT version FROM promotions WHERE id = NEW.promotion_id), 0) + 1;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER item_states_changed BEFORE UPDATE ON item_states FOR EACH ROW EXECUTE FUNCTION item_states_changed();

CREATE FUNCTION promotions_reshaped() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (to_jsonb(NEW) - 'version' - 'audit_seq' - 'audit_hash' - 'shape_version')
     IS DISTINCT FROM (to_jsonb(OLD) - 'version' - 'audit_seq' - 'audit_hash' - 'shape_version') THEN
    NEW.shape_version := GREATEST(OLD.version, NEW.version) + 1;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER promotions_reshaped BEFORE UPDATE ON promotions FOR EACH ROW EXECUTE FUNCTION promotions_reshaped();
