-- App Home (issue 8): the people who have opened the bot's Home tab, per workspace. A change to a promotion
-- republishes the Homes of the people it concerns who are here, never every user of the workspace.
-- `stale_since` is set when a Home must be published again and could not be yet (a value that voids approvals
-- changed, or Slack failed): the `publish-stale-homes` job publishes those, and clears it when it is not newer
-- than the publish.
CREATE TABLE home_views (
  team_id       text NOT NULL,
  user_id       text NOT NULL,
  opened_at     timestamptz NOT NULL,
  published_at  timestamptz,
  stale_since   timestamptz,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX home_views_stale ON home_views (stale_since) WHERE stale_since IS NOT NULL;

-- What a Home is computed from: a workspace's active promotions, and those that ended lately (recent decisions).
CREATE INDEX promotions_team_active ON promotions ((coalesce(team_id, '')), created_at) WHERE status = 'active';
CREATE INDEX promotions_team_ended ON promotions ((coalesce(team_id, '')), ended_at DESC) WHERE status <> 'active';
