/**
 * "Run all checks" over 20 probes of mixed latency (issue 10): how close its wall time comes to the slowest single
 * probe (target: at most 1.2 times it), and how fast the click that started it is acknowledged. The real bot (Bolt on
 * loopback, signed requests), the fake Slack, a real PostgreSQL (TEST_DATABASE_URL) or PGlite, and a loopback HTTP
 * server that answers each probe after the delay its URL names (50 ms to 1 s). The probes run on a minimal HTTP family
 * of the bench's own (fetch, status 200), so that what is measured is the runner: claims, concurrency, recording.
 *   npm run bench:probes
 * Prints figures; asserts nothing. Bounded: a fixed number of rounds.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ACTION } from '../src/ids.js';
import { pgliteDatabase, postgresDatabase, type LocalDatabase } from '../src/playground/databases.js';
import { promotionMessages } from '../src/playground/slack-client/index.js';
import { startLocalStack } from '../src/playground/stack.js';
import type { ProbeFamily } from '../src/probes/types.js';
import { findActive } from '../src/store/promotions.js';

const DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const PROBES = 20;
const ROUNDS = 5;
/** Mixed latency: most quick, a few slow, one at a second. */
const DELAYS = Array.from({ length: PROBES }, (_, i) => (i === PROBES - 1 ? 1000 : [50, 80, 120, 200, 350, 600][i % 6]!));
const SLOWEST = Math.max(...DELAYS);

/** The bench's HTTP family: GET the URL, pass on 200. */
const loopbackHttp: ProbeFamily<'http'> = {
  type: 'http',
  async run(spec, ctx) {
    const t0 = performance.now();
    const res = await fetch(spec.url, { signal: ctx.signal });
    await res.arrayBuffer();
    const ms = Math.round(performance.now() - t0);
    return { status: res.status === 200 ? 'pass' : 'fail', summary: `${res.status} in ${ms} ms`, evidence: { lines: [`GET ${spec.url}: ${res.status}`], metrics: [{ name: 'latency ms', value: ms }] } };
  },
  placeholders: () => [],
  secrets: () => [],
};

function delayServer(): Promise<Server> {
  const server = createServer((req, res) => {
    const delay = Number(/\/delay\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
    setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'), delay);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function template(port: number): string {
  const items = DELAYS.map((d, i) => `      - id: p${i}\n        label: Probe ${i} (${d} ms)\n        probe: { type: http, url: "http://127.0.0.1:${port}/delay/${d}" }`).join('\n');
  return `name: Probes bench\nsections:\n  - id: checks\n    title: Checks\n    kind: verify\n    items:\n${items}\n`;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const ms = (v: number) => `${v.toFixed(0)} ms`;

async function bench(label: string, database: LocalDatabase): Promise<void> {
  const server = await delayServer();
  const dir = await mkdtemp(path.join(tmpdir(), 'probes-bench-'));
  await writeFile(path.join(dir, 'probes-bench.yml'), template((server.address() as AddressInfo).port));
  const h = await startLocalStack({ database, templatesDir: dir, probeFamilies: { http: loopbackHttp }, logLevel: 'warn' });
  // The bench's own connection to watch results land (PGlite: the same one), not the bot's pool.
  const watch = await database.open();
  try {
    const single: number[] = [];
    const all: number[] = [];
    const acks: number[] = [];
    const ratios: number[] = [];
    const shown: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await h.command(`start v9.${round} probes-bench`);
      await h.settle();
      const pid = (await findActive(h.bot.db, 'C0DEPLOYS', `v9.${round}`))!.id;
      const message = () => promotionMessages(h.fake).find((p) => p.overview.blocks.some((b: any) => JSON.stringify(b).includes(`v9.${round}`)))!.thread.find((m) => m.blocks.some((b: any) => b.accessory?.action_id === ACTION.runProbe))!;
      let ts = 1795300000 + round * 100;
      /** Resolves once `n` runs of the promotion are recorded finished (what the runner does, before Slack shows it). */
      const recorded = async (n: number) => {
        for (;;) {
          const r = await watch.query<{ n: string }>(`SELECT count(*) AS n FROM probe_runs WHERE promotion_id = $1 AND status <> 'running'`, [pid]);
          if (Number(r.rows[0]!.n) >= n) return;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      };
      // The slowest probe alone: click to result recorded.
      const m1 = message();
      const slow = m1.blocks.find((b: any) => b.accessory?.action_id === ACTION.runProbe && b.text.text.includes(`${SLOWEST} ms`)) as any;
      let t0 = performance.now();
      await h.click('U0BENCH', m1, { ...slow.accessory, block_id: slow.block_id ?? '', action_ts: `${ts++}.000001` });
      await recorded(1);
      single.push(performance.now() - t0);
      await h.settle();
      // Run all checks.
      const m2 = message();
      const actions = m2.blocks.find((b: any) => b.elements?.some((e: any) => e.action_id === ACTION.runProbes)) as any;
      const button = actions.elements.find((e: any) => e.action_id === ACTION.runProbes);
      t0 = performance.now();
      await h.click('U0BENCH', m2, { ...button, block_id: actions.block_id ?? '', action_ts: `${ts++}.000001` });
      acks.push(performance.now() - t0);
      await recorded(1 + PROBES);
      const wall = performance.now() - t0;
      all.push(wall);
      ratios.push(wall / single.at(-1)!);
      await h.settle();
      shown.push(performance.now() - t0);
      if (process.env['PROBES_BENCH_DEBUG']) {
        const r = await h.bot.db.query<{ item_id: string; d: number; s: number; f: number }>(
          `SELECT item_id, duration_ms AS d, extract(epoch FROM started_at) * 1000 AS s, extract(epoch FROM finished_at) * 1000 AS f FROM probe_runs WHERE promotion_id = $1 ORDER BY seq`,
          [pid],
        );
        const base = Number(r.rows[1]!.s);
        console.log(r.rows.slice(1).map((x) => `${x.item_id}: ran ${x.d} ms, recorded at +${(Number(x.f) - base).toFixed(0)} ms`).join('\n'));
      }
      const passed = (await h.bot.db.query<{ n: string }>(`SELECT count(*) AS n FROM probe_runs WHERE promotion_id = $1 AND status = 'pass'`, [pid])).rows[0]!.n;
      if (Number(passed) !== PROBES + 1) console.warn(`  round ${round}: ${passed} passes recorded, expected ${PROBES + 1}`);
    }
    console.log(`\n${label}: Run all over ${PROBES} probes (${DELAYS.join(', ')} ms), concurrency cap 20, ${ROUNDS} rounds, medians`);
    console.log(`  slowest probe alone (click to its result recorded): ${ms(median(single))}`);
    console.log(`  Run all (click to every result recorded): ${ms(median(all))}; ratio to the slowest alone ${median(ratios).toFixed(2)} (target ≤ 1.2; sequential would be ${(DELAYS.reduce((a, b) => a + b, 0) / SLOWEST).toFixed(1)})`);
    console.log(`  Run all until Slack shows every result and the ${PROBES} thread replies are posted: ${ms(median(shown))}`);
    console.log(`  Run all click acknowledged in ${ms(median(acks))} (max ${ms(Math.max(...acks))})`);
  } finally {
    await watch.close();
    await h.close();
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const pgDb = await postgresDatabase(DATABASE_URL);
try {
  await bench('PostgreSQL', pgDb);
} finally {
  await pgDb.drop();
}
const lite = await pgliteDatabase();
try {
  await bench('PGlite', lite);
} finally {
  await lite.drop();
}
