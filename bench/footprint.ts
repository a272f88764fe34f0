/**
 * Issue 14's benchmark, part 2: the bot's footprint, against the bare Bolt app (bench/bare-bolt.ts) in the same run.
 *
 * - Start-up: the real entry point as its own OS process, from spawn to the first 200 of GET /healthz (polled every
 *   20 ms) and to the `Preflight is running` log line (the bare app: `bare Bolt app on port`), FOOTPRINT_STARTS times
 *   (5) each, round robin over the targets so that a busy moment of the machine is shared between them:
 *     bot, tsx:      node --import tsx src/main.ts   (what `npm run dev`, src/playground/bot-process.ts spawnBot and the
 *                                                      other benches run)
 *     bot, node:     node --expose-gc dist/src/main.js (what `npm start` runs, after `npm run build`)
 *     bare, tsx:     node --import tsx bench/bare-bolt.ts
 *     bare, node:    bench/bare-bolt.ts transpiled by TypeScript to a temporary .mjs (beside a link to node_modules)
 *   The bots run as in bench/open-loop.ts: HTTP mode, SLACK_API_URL at a fake Slack this process serves (the start-up
 *   checks call auth.test), DATABASE_URL at a throwaway schema of TEST_DATABASE_URL that a first start, not counted,
 *   migrated (its time is printed apart), LOG_LEVEL=info, NODE_ENV=production. spawnBot polls /healthz every 100 ms and
 *   always adds `--import tsx`, so the processes are spawned here, the same way, with a finer poll.
 * - Idle RSS: VmRSS from /proc/<pid>/status after FOOTPRINT_IDLE_SECONDS (10) of quiet after each start.
 * - Baselines: `node -e 0` and `node --import tsx -e 0`, spawn to exit (the runtime and the TypeScript loader alone).
 * - RSS after N clicks: bench/open-loop.ts's soak (OPEN_LOOP_SOAK=FOOTPRINT_SOAK clicks, 20,000; 0 skips) at
 *   FOOTPRINT_SOAK_RATE (100/s) sampled every FOOTPRINT_SOAK_EVERY (5,000), its own output passed through, its samples
 *   summarised from its OPEN_LOOP_JSON.
 * - Database size per promotion and per audit event: from bench/scale.ts's summary (SCALE_SUMMARY, default
 *   <tmpdir>/preflight-bench-scale.json), written by its last run.
 *
 *   npm run bench:footprint
 * Env: FOOTPRINT_STARTS (5), FOOTPRINT_IDLE_SECONDS (10), FOOTPRINT_BUILD (1: `npm run build` first; 0: use dist/ as it
 *      is), FOOTPRINT_TARGETS (bot-tsx,bot-node,bare-tsx,bare-node), FOOTPRINT_SOAK (20000), FOOTPRINT_SOAK_RATE (100),
 *      FOOTPRINT_SOAK_EVERY (5000), SCALE_SUMMARY. Prints figures; asserts nothing. Linux only (/proc).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import ts from 'typescript';
import { postgresDatabase } from '../src/playground/databases.js';
import { startFakeSlack } from '../src/playground/fake-slack.js';
import { DEFAULT_BOT_TOKEN, DEFAULT_SIGNING_SECRET } from '../src/playground/stack.js';

const env = process.env;
const DATABASE_URL = env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const STARTS = Number(env['FOOTPRINT_STARTS'] ?? 5);
const IDLE_MS = Number(env['FOOTPRINT_IDLE_SECONDS'] ?? 10) * 1000;
const BUILD = (env['FOOTPRINT_BUILD'] ?? '1') !== '0';
const TARGETS = new Set((env['FOOTPRINT_TARGETS'] ?? 'bot-tsx,bot-node,bare-tsx,bare-node').split(',').filter(Boolean));
const SOAK = Number(env['FOOTPRINT_SOAK'] ?? 20_000);
const SOAK_RATE = Number(env['FOOTPRINT_SOAK_RATE'] ?? 100);
const SOAK_EVERY = Number(env['FOOTPRINT_SOAK_EVERY'] ?? 5_000);
const SCALE_SUMMARY = env['SCALE_SUMMARY'] ?? join(tmpdir(), 'preflight-bench-scale.json');
const dir = mkdtempSync(join(tmpdir(), 'footprint-'));

const medianOf = (values: number[]): number => {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};
const f = (v: number | undefined, d = 0) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(d));
const spread = (v: number[], d = 0) => {
  const w = v.filter((x) => !Number.isNaN(x));
  if (w.length === 0) return '-';
  return w.length > 1 ? `${f(medianOf(w), d)} (${f(Math.min(...w), d)}-${f(Math.max(...w), d)})` : f(w[0], d);
};
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** Every process started, so that an interrupted bench stops them too. */
const children = new Set<ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const c of children) c.kill('SIGTERM');
    process.exit(130);
  });
}

interface Start {
  target: string;
  healthMs: number;
  logMs: number;
  idleRss: number;
}
/** Spawn `args` (after node), time it to /healthz 200 and to the `ready` log line, wait quiet, read RSS, stop it. */
async function startOnce(target: string, args: string[], extraEnv: Record<string, string>, ready: RegExp): Promise<Start> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    env: { PATH: env['PATH'] ?? '', ...extraEnv, PORT: String(port), NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let logMs = NaN;
  const onData = (d: Buffer) => {
    out += d.toString();
    if (Number.isNaN(logMs) && ready.test(out)) logMs = performance.now() - t0;
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  let healthMs = NaN;
  const deadline = t0 + 60_000;
  try {
    while (Number.isNaN(healthMs)) {
      if (!alive()) throw new Error(`${target} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${out.slice(-3000)}`);
      if (performance.now() > deadline) throw new Error(`${target} not ready within 60 s:\n${out.slice(-3000)}`);
      try {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1_000) });
        if (r.status === 200) healthMs = performance.now() - t0;
        await r.arrayBuffer();
      } catch {
        // not listening yet
      }
      if (Number.isNaN(healthMs)) await sleep(20);
    }
    const logDeadline = performance.now() + 10_000;
    while (Number.isNaN(logMs) && performance.now() < logDeadline) await sleep(5);
    await sleep(IDLE_MS);
    if (!alive()) throw new Error(`${target} exited while idle:\n${out.slice(-3000)}`);
    return { target, healthMs, logMs, idleRss: rssMiB(child.pid!) };
  } finally {
    if (alive()) {
      child.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleep(12_000).then(() => false)]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    children.delete(child);
  }
}

/** Spawn to exit, for the runtime's own start-up. */
async function exitTime(args: string[]): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((res, rej) => {
    const c = spawn(process.execPath, args, { stdio: 'ignore' });
    c.once('error', rej);
    c.once('exit', () => res());
  });
  return performance.now() - t0;
}

async function main(): Promise<void> {
  console.log(`footprint: node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${load()}; files in ${dir}`);
  let compiled = false;
  if (TARGETS.has('bot-node')) {
    if (BUILD) {
      const t = performance.now();
      try {
        execFileSync('npm', ['run', 'build'], { stdio: ['ignore', 'inherit', 'inherit'] });
        console.log(`footprint: npm run build took ${((performance.now() - t) / 1000).toFixed(1)} s`);
      } catch {
        console.log('footprint: npm run build FAILED; dist/ is used as it is, if it is there');
      }
    }
    compiled = existsSync('dist/src/main.js') && existsSync('dist/src/store/migrations');
    if (compiled) console.log(`footprint: dist/src/main.js of ${statSync('dist/src/main.js').mtime.toISOString()}`);
    else console.log('footprint: no dist/src/main.js (or no dist/src/store/migrations): the compiled bot is skipped');
  }
  // The bare app as plain JavaScript: transpiled next to a link to this checkout's node_modules, so its imports resolve.
  const bareJs = join(dir, 'bare-bolt.mjs');
  writeFileSync(bareJs, ts.transpileModule(readFileSync('bench/bare-bolt.ts', 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'), 'dir');

  const fake = await startFakeSlack({});
  const database = await postgresDatabase(DATABASE_URL);
  const botEnv = {
    SLACK_BOT_TOKEN: DEFAULT_BOT_TOKEN,
    SLACK_SIGNING_SECRET: DEFAULT_SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    DATABASE_URL: database.url!,
    LOG_LEVEL: 'info',
  };
  const bareEnv = { SLACK_SIGNING_SECRET: DEFAULT_SIGNING_SECRET };
  const BOT_READY = /Preflight is running/;
  const BARE_READY = /bare Bolt app on port/;
  const targets: Array<{ name: string; args: string[]; env: Record<string, string>; ready: RegExp }> = [
    { name: 'bot-tsx', args: ['--import', 'tsx', 'src/main.ts'], env: botEnv, ready: BOT_READY },
    ...(compiled ? [{ name: 'bot-node', args: ['--expose-gc', 'dist/src/main.js'], env: botEnv, ready: BOT_READY }] : []),
    { name: 'bare-tsx', args: ['--import', 'tsx', 'bench/bare-bolt.ts'], env: bareEnv, ready: BARE_READY },
    { name: 'bare-node', args: [bareJs], env: bareEnv, ready: BARE_READY },
  ].filter((t) => TARGETS.has(t.name));
  const starts: Start[] = [];
  const loads: string[] = [];
  try {
    // The first start migrates the fresh schema: timed, not counted.
    const first = await startOnce('bot-tsx (first start: every migration)', ['--import', 'tsx', 'src/main.ts'], botEnv, BOT_READY);
    console.log(`first start, migrating an empty schema: /healthz ${f(first.healthMs)} ms, log ${f(first.logMs)} ms, idle RSS ${f(first.idleRss, 1)} MiB`);
    for (let round = 1; round <= STARTS; round++) {
      for (const t of targets) {
        const s = await startOnce(t.name, t.args, t.env, t.ready);
        starts.push(s);
        loads.push(load());
        console.log(`#${round} ${t.name}: /healthz ${f(s.healthMs)} ms, ready log ${f(s.logMs)} ms, idle RSS ${f(s.idleRss, 1)} MiB after ${IDLE_MS / 1000} s quiet | load average ${load()}`);
      }
    }
  } finally {
    await fake.close();
    await database.drop();
  }
  const baseNode: number[] = [];
  const baseTsx: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    baseNode.push(await exitTime(['-e', '0']));
    baseTsx.push(await exitTime(['--import', 'tsx', '-e', '0']));
  }

  const of = (name: string) => starts.filter((s) => s.target === name);
  const med = (name: string, k: 'healthMs' | 'logMs' | 'idleRss') => medianOf(of(name).map((s) => s[k]));
  console.log(`\n## Start-up and idle RSS (median of ${STARTS} starts; min-max in brackets)\n`);
  console.log('| target | command | spawn to /healthz 200, ms | spawn to ready log line, ms | idle RSS MiB (after 10 s quiet) |');
  console.log('| --- | --- | --- | --- | --- |');
  const commands: Record<string, string> = {
    'bot-tsx': 'node --import tsx src/main.ts',
    'bot-node': 'node --expose-gc dist/src/main.js',
    'bare-tsx': 'node --import tsx bench/bare-bolt.ts',
    'bare-node': 'node bare-bolt.mjs (transpiled)',
  };
  for (const t of targets) {
    const ss = of(t.name);
    console.log(`| ${t.name} | \`${commands[t.name]}\` | ${spread(ss.map((s) => s.healthMs))} | ${spread(ss.map((s) => s.logMs))} | ${spread(ss.map((s) => s.idleRss), 1)} |`);
  }
  console.log(`| node alone | \`node -e 0\` (spawn to exit) | ${spread(baseNode)} | | |`);
  console.log(`| tsx loader alone | \`node --import tsx -e 0\` (spawn to exit) | ${spread(baseTsx)} | | |`);
  console.log('\nRatios to the bare Bolt app of this run (medians):');
  for (const [bot, bare] of [['bot-tsx', 'bare-tsx'], ['bot-node', 'bare-node']] as const) {
    if (!of(bot).length || !of(bare).length) continue;
    console.log(
      `- ${bot} / ${bare}: start-up to /healthz ${f(med(bot, 'healthMs') / med(bare, 'healthMs'), 2)}x (${f(med(bot, 'healthMs'))} vs ${f(med(bare, 'healthMs'))} ms), idle RSS ${f(med(bot, 'idleRss') / med(bare, 'idleRss'), 2)}x (${f(med(bot, 'idleRss'), 1)} vs ${f(med(bare, 'idleRss'), 1)} MiB)`,
    );
  }
  if (of('bot-tsx').length && of('bot-node').length) {
    console.log(`- bot-node / bot-tsx: start-up ${f(med('bot-node', 'healthMs') / med('bot-tsx', 'healthMs'), 2)}x, idle RSS ${f(med('bot-node', 'idleRss') / med('bot-tsx', 'idleRss'), 2)}x`);
  }
  console.log(`load average during the starts: ${loads[0] ?? '-'} at the first, ${loads.at(-1) ?? '-'} at the last`);

  // The database's size, from bench/scale.ts's last run.
  console.log('\n## Database size (bench/scale.ts)\n');
  if (existsSync(SCALE_SUMMARY)) {
    const s = JSON.parse(readFileSync(SCALE_SUMMARY, 'utf8')) as {
      at: string;
      sizes: { total: number; promotions: number; events: number; perPromotion: number; perEvent: number; tables: Array<{ table: string; rows: number; total: number }> };
    };
    const z = s.sizes;
    console.log(`From ${SCALE_SUMMARY} (${s.at}): ${z.promotions} promotions, ${z.events} audit events, ${(z.total / 1048576).toFixed(0)} MiB in all tables.`);
    console.log(`Per promotion: ${(z.perPromotion / 1024).toFixed(1)} KiB (everything / promotions). Per audit event: ${z.perEvent.toFixed(0)} bytes (audit_events, heap and index, / events).`);
    for (const t of z.tables.slice(0, 6)) console.log(`- ${t.table}: ${(t.total / 1048576).toFixed(1)} MiB, ${t.rows} rows, ${(t.total / Math.max(1, z.promotions) / 1024).toFixed(1)} KiB per promotion`);
  } else console.log(`No ${SCALE_SUMMARY}: run bench/scale.ts (npm run bench:scale) first.`);

  // RSS over a soak: bench/open-loop.ts as it is.
  if (SOAK > 0) {
    console.log(`\n## RSS after clicks: bench/open-loop.ts soak, ${SOAK} clicks at ${SOAK_RATE}/s, one bot (node --import tsx src/main.ts)\n`);
    const json = join(dir, 'soak.json');
    const t = performance.now();
    await new Promise<void>((res, rej) => {
      const c = spawn(process.execPath, ['--import', 'tsx', 'bench/open-loop.ts'], {
        env: { ...env, OPEN_LOOP_SOAK: String(SOAK), OPEN_LOOP_SOAK_RATE: String(SOAK_RATE), OPEN_LOOP_SOAK_EVERY: String(SOAK_EVERY), OPEN_LOOP_JSON: json },
        stdio: 'inherit',
      });
      children.add(c);
      c.once('error', rej);
      c.once('exit', (code) => {
        children.delete(c);
        if (code === 0) res();
        else rej(new Error(`the soak exited ${code}`));
      });
    });
    const soak = (JSON.parse(readFileSync(json, 'utf8')) as { soak: { idle: number[]; series: Array<{ clicks: number; loadRss: number[]; quietRss: number[]; p99: number; non200: number }> } }).soak;
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0) / 1048576;
    console.log(`\nSoak summary (${((performance.now() - t) / 60000).toFixed(1)} min): idle ${sum(soak.idle).toFixed(0)} MiB; ` + soak.series.map((p) => `after ${p.clicks}: ${sum(p.quietRss).toFixed(0)} MiB`).join('; '));
    const firstS = soak.series[0];
    const lastS = soak.series.at(-1);
    if (firstS && lastS) console.log(`RSS after ${lastS.clicks} clicks vs after ${firstS.clicks}: ${((sum(lastS.quietRss) / sum(firstS.quietRss) - 1) * 100).toFixed(1)}%; vs idle: ${((sum(lastS.quietRss) / sum(soak.idle) - 1) * 100).toFixed(1)}%`);
  }
  console.log(`\nfootprint: done; load average ${load()}`);
}

await main();
