/**
 * The bare Bolt app of bench/open-loop.ts, in its own process: the same HTTPReceiver and signing secret as the bot,
 * and one middleware that acknowledges every request at once and does nothing else. It is the baseline the bot's ack
 * latency is compared with, and its CPU and RSS are read from /proc like a bot's.
 *   PORT=3000 SLACK_SIGNING_SECRET=... node --import tsx bench/bare-bolt.ts
 *
 * With BARE_STORE_URL (a PostgreSQL URL), it first stores each click with one INSERT and its commit, and acknowledges
 * once that returned: the least any app pays to acknowledge only what is durably stored, as the bot does (its click
 * intake), without anything else the bot does. It separates what durability costs from what the bot's own code costs.
 */
import bolt from '@slack/bolt';
import pg from 'pg';

const port = Number(process.env['PORT'] ?? 3000);
const signingSecret = process.env['SLACK_SIGNING_SECRET'];
if (!signingSecret) {
  console.error('SLACK_SIGNING_SECRET is required');
  process.exit(1);
}
const receiver = new bolt.HTTPReceiver({
  signingSecret,
  customRoutes: [{ path: '/healthz', method: 'GET', handler: (_req, res) => void res.writeHead(200).end('ok') }],
});
// authorize answers from memory: a token alone would make Bolt ask auth.test on every request.
const app = new bolt.App({
  receiver,
  authorize: async () => ({ botToken: 'xoxb-bare-bench', botId: 'B0BARE', botUserId: 'U0BARE' }),
  logLevel: bolt.LogLevel.ERROR,
});
const storeUrl = process.env['BARE_STORE_URL'];
const pool = storeUrl ? new pg.Pool({ connectionString: storeUrl, max: 10 }) : undefined;
await pool?.query('CREATE TABLE IF NOT EXISTS bare_clicks (key text PRIMARY KEY, payload jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())');
app.use(async (args) => {
  const ack = (args as { ack?: () => Promise<void> }).ack;
  const body = args.body as { type?: string; user?: { id?: string }; actions?: Array<{ action_ts?: string; block_id?: string }> };
  if (pool && body.type === 'block_actions') {
    const action = body.actions?.[0];
    // What the bot stores of a click: a key that recognises a redelivery, and what it did.
    await pool.query('INSERT INTO bare_clicks (key, payload) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
      `${body.user?.id}:${action?.action_ts}:${action?.block_id}`,
      JSON.stringify(body.actions),
    ]);
  }
  if (ack) await ack();
});
app.error(async (e) => {
  console.error('bare app:', e);
});
await app.start(port);
console.log(`bare Bolt app on port ${port}`);
const stop = () => void app.stop().then(() => pool?.end()).finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
