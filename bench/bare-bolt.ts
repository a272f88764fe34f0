/**
 * The bare Bolt app of bench/open-loop.ts, in its own process: the same HTTPReceiver and signing secret as the bot,
 * and one middleware that acknowledges every request at once and does nothing else. It is the baseline the bot's ack
 * latency is compared with, and its CPU and RSS are read from /proc like a bot's.
 *   PORT=3000 SLACK_SIGNING_SECRET=... node --import tsx bench/bare-bolt.ts
 */
import bolt from '@slack/bolt';

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
app.use(async (args) => {
  const ack = (args as { ack?: () => Promise<void> }).ack;
  if (ack) await ack();
});
app.error(async (e) => {
  console.error('bare app:', e);
});
await app.start(port);
console.log(`bare Bolt app on port ${port}`);
const stop = () => void app.stop().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
