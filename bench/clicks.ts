/**
 * How fast a click is acknowledged and shown, and how many chat.update calls bursts cost: the real Bolt app
 * on loopback, a real PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test) or embedded
 * PGlite, and the fake Slack Web API: the local stack of src/playground/stack.ts.
 *   npm run bench            (both stores)
 * Prints figures; asserts nothing. Bounded: a fixed number of clicks, then it stops.
 */
import { performance } from 'node:perf_hooks';
import { loadTemplates } from '../src/templates/loader.js';
import { planMessages } from '../blocks/layout.js';
import { pgliteDatabase, postgresDatabase, type LocalDatabase } from '../src/playground/databases.js';
import { checkboxBlocks, promotionMessages } from '../src/playground/slack-client/index.js';
import { startLocalStack } from '../src/playground/stack.js';

const DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const SEQUENTIAL = 100;
const BURST = 40;

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const ms = (v: number) => `${v.toFixed(1)} ms`;

async function clicks(label: string, database: LocalDatabase, bots: number): Promise<void> {
  const h = await startLocalStack({ database, bots, templatesDir: 'checklists' });
  try {
    await h.command('start v1.50 rls-rollout');
    await h.settle();
    const thread = promotionMessages(h.fake)[0]!.thread;
    const targets = thread.flatMap((message) => checkboxBlocks(message).flatMap((b) => b.values.map((value) => ({ message, blockId: b.blockId, value }))));

    // One person at a time: time to the acknowledgement, and to the message showing the tick.
    const ack: number[] = [];
    const shown: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const t = targets[i % targets.length]!;
      const message = h.fake.message(t.message.channel, t.message.ts)!;
      const start = performance.now();
      await h.toggle(`U0B${i}`, message, checkboxBlocks(message).find((b) => b.values.includes(t.value))!.blockId, [t.value], h.bots[i % bots]);
      ack.push(performance.now() - start);
      await h.settle();
      shown.push(performance.now() - start);
    }

    // Everyone at once, from the same stale view.
    const updatesBefore = h.fake.callsTo('chat.update').length;
    const stale = promotionMessages(h.fake)[0]!.thread;
    const open = stale.flatMap((message) => checkboxBlocks(message).flatMap((b) => b.values.filter((v) => !b.ticked.includes(v)).map((value) => ({ message, blockId: b.blockId, value })))).slice(0, BURST);
    const start = performance.now();
    await Promise.all(open.map((t, i) => h.toggle(`U0C${i}`, t.message, t.blockId, [t.value], h.bots[i % bots])));
    const acked = performance.now() - start;
    await h.settle();
    const settled = performance.now() - start;
    const updates = h.fake.callsTo('chat.update').length - updatesBefore;

    console.log(`\n${label}`);
    console.log(`  one click at a time (${SEQUENTIAL}): ack p50 ${ms(pct(ack, 50))}, p95 ${ms(pct(ack, 95))}; shown p50 ${ms(pct(shown, 50))}, p95 ${ms(pct(shown, 95))}`);
    console.log(`  burst of ${open.length} clicks: all acknowledged in ${ms(acked)}, all shown in ${ms(settled)}, ${updates} chat.update calls (${(updates / open.length).toFixed(2)} per click)`);
  } finally {
    await h.close();
    await database.drop();
  }
}

async function layout(): Promise<void> {
  console.log('\nplanning each template into messages (worst-case renders), once per promotion:');
  const templates = await loadTemplates('checklists');
  for (const t of templates.values()) {
    const start = performance.now();
    const plan = planMessages(t);
    console.log(`  ${t.id.padEnd(24)} ${String(t.sections.length).padStart(3)} sections -> ${plan.length + 1} messages in ${ms(performance.now() - start)}`);
  }
}

await layout();
await clicks('PostgreSQL, one bot process', await postgresDatabase(DATABASE_URL), 1);
await clicks('PostgreSQL, two bot processes', await postgresDatabase(DATABASE_URL), 2);
await clicks('PGlite, one bot process', await pgliteDatabase(), 1);
