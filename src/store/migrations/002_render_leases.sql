-- Who renders a promotion's messages right now. A replica claims the row before rendering and deletes it when
-- done, holding no database connection in between (Slack can take seconds to answer). The claim lasts until
-- expires_at and is renewed while the render runs, so a replica that crashed mid-render is taken over once its
-- claim lapses. No foreign key: a claim is short-lived, and a stray one only delays the next render.
CREATE TABLE render_leases (
  promotion_id uuid PRIMARY KEY,
  owner        text NOT NULL,
  expires_at   timestamptz NOT NULL
);
