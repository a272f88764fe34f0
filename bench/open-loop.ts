/**
 * Issue 7's benchmark: signed checkbox clicks sent open loop (at a fixed rate, never waiting for answers) from a
 * separate process (bench/open-loop-sender.ts) at the largest template (rls-rollout), against a bare Bolt app that
 * only acknowledges (bench/bare-bolt.ts) and against 1, 2 and 3 bots on one PostgreSQL database.
 *
 * Every bot is its own OS process started from the real entry point (`node --import tsx src/main.ts`, HTTP mode:
 * SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL at the fake Slack this process serves, DATABASE_URL at a
 * throwaway schema of TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test, PORT); so is the bare app.
 * TEST_DATABASE_URL=postgres://postgres@localhost/test?host=/var/run/postgresql reaches the same server over its Unix
 * socket (on loopback TCP the kernel runs the receiving side's TCP processing inside the sender's system call; in the
 * sixth issue-7 session the two gave the same figures within noise). The run prints which one it used.
 * The fake Slack runs here with its rate limits on, on the wall clock. CPU and RSS are read per process from
 * /proc/<pid>/stat and /proc/<pid>/status (VmRSS), for the bots (or the bare app) only: not this process (fake Slack,
 * polling), not the sender, not PostgreSQL. Linux only.
 *
 * Each run is fresh: new fake Slack, new schema, new processes, a new promotion (`/promote start v1.50 rls-rollout`).
 * Within a run the rates follow one another on that promotion. A repeat is: the bare app at every rate, then a run
 * per bot count. The ratio of a bot's p99 to the bare app's is to the bare p99 at the same rate in the same repeat.
 *
 *   npm run bench:open-loop                     (rates x bot counts x repeats)
 *   npm run bench:soak                          (OPEN_LOOP_SOAK=100000: RSS over 100,000 clicks)
 * Env: OPEN_LOOP_RATES (50,100,200,400,800), OPEN_LOOP_SECONDS (5 per rate), OPEN_LOOP_BOTS (1,2,3),
 *      OPEN_LOOP_REPEATS (3), OPEN_LOOP_SETTLE_SECONDS (longest wait for the messages to show the final state, 90),
 *      OPEN_LOOP_BARE (1; 0 skips the bare app), OPEN_LOOP_BARE_STORE (1 also runs the bare app storing each click
 *      with one INSERT before acknowledging, "bare Bolt + INSERT": what durability alone costs), OPEN_LOOP_PAIRED (1: a
 *      bare app runs beside the bots in every bot run and gets a copy of every click at the same moment, and each
 *      window's p99 is also compared with that copy's, "p99 / paired bare": the two then meet the same moments of a
 *      shared machine, where runs minutes apart do not; it doubles the requests the machine takes),
 *      OPEN_LOOP_LOG_LEVEL (the bots' LOG_LEVEL, info),
 *      OPEN_LOOP_UPDATES_PER_MINUTE (passed to the bots as SLACK_UPDATES_PER_MINUTE when set),
 *      OPEN_LOOP_SOAK (clicks; when set, runs the soak instead), OPEN_LOOP_SOAK_RATE (400), OPEN_LOOP_SOAK_BOTS (1),
 *      OPEN_LOOP_SOAK_EVERY (RSS sample every so many clicks, 10000), OPEN_LOOP_JSON (write every row to this file),
 *      OPEN_LOOP_WARMUP (250: clicks at 50/s sent to fresh processes before the measured windows, and not counted in
 *      them, so a just-started process's JIT warm-up is not billed to the first rate; printed apart; 0 turns it off),
 *      OPEN_LOOP_COMPILED (1: the bots run dist/src/main.js as `npm start` does; run `npm run build` first),
 *      OPEN_LOOP_NODE_ARGS (extra node flags for every bot, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`),
 *      OPEN_LOOP_KEEP_ANSWERS (1: keep each sender's sender-N.out.json, every click's send time and answer, for a
 *      timeline of a run; otherwise emptied once summarised).
 * Prints per-run rows and the medians over repeats; asserts nothing.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { postgresDatabase, type LocalDatabase } from '../src/playground/databases.js';
import { startFakeSlack, type FakeMessage, type FakeSlack } from '../src/playground/fake-slack.js';
import { checkboxBlocks, DEFAULT_CHANNEL, promotionMessages, slashCommand } from '../src/playground/slack-client/index.js';
import { DEFAULT_BOT_TOKEN, DEFAULT_SIGNING_SECRET } from '../src/playground/stack.js';
import type { Answer, SentClick } from './open-loop-sender.js';

const env = process.env;
const DATABASE_URL = env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const list = (v: string) => v.split(',').filter(Boolean).map(Number);
const RATES = list(env['OPEN_LOOP_RATES'] ?? '50,100,200,400,800');
const SECONDS = Number(env['OPEN_LOOP_SECONDS'] ?? 5);
const BOTS = list(env['OPEN_LOOP_BOTS'] ?? '1,2,3');
const REPEATS = Number(env['OPEN_LOOP_REPEATS'] ?? 3);
const SETTLE_MS = Number(env['OPEN_LOOP_SETTLE_SECONDS'] ?? 90) * 1000;
const BARE = (env['OPEN_LOOP_BARE'] ?? '1') !== '0';
const BARE_STORE = env['OPEN_LOOP_BARE_STORE'] === '1';
const PAIRED = env['OPEN_LOOP_PAIRED'] === '1';
const LOG_LEVEL = env['OPEN_LOOP_LOG_LEVEL'] ?? 'info';
const UPDATES_PER_MINUTE = env['OPEN_LOOP_UPDATES_PER_MINUTE'];
const SOAK = Number(env['OPEN_LOOP_SOAK'] ?? 0);
const SOAK_RATE = Number(env['OPEN_LOOP_SOAK_RATE'] ?? 400);
const SOAK_BOTS = Number(env['OPEN_LOOP_SOAK_BOTS'] ?? 1);
const SOAK_EVERY = Number(env['OPEN_LOOP_SOAK_EVERY'] ?? 10_000);
const JSON_OUT = env['OPEN_LOOP_JSON'];
const WARMUP = Number(env['OPEN_LOOP_WARMUP'] ?? 250);
const COMPILED = env['OPEN_LOOP_COMPILED'] === '1';
const NODE_ARGS = (env['OPEN_LOOP_NODE_ARGS'] ?? '').split(/\s+/).filter(Boolean);
const KEEP_ANSWERS = env['OPEN_LOOP_KEEP_ANSWERS'] === '1';
const USERS = Array.from({ length: 40 }, (_, i) => `U0OPEN${i}`);
const dir = mkdtempSync(join(tmpdir(), 'open-loop-'));
console.log(`open-loop: logs and sender files in ${dir}`);
{
  // Which code the bots run: the working tree as it is now (uncommitted changes to src/ count).
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  const head = git(['log', '-1', '--format=%h %s']);
  const dirty = git(['status', '--porcelain', '--', 'src', 'commands', 'blocks', 'checklists']);
  console.log(`open-loop: code ${head ? `at ${head.slice(0, 100)}` : env['OPEN_LOOP_CODE'] ?? 'not in a git checkout'}${dirty ? `, with ${dirty.split('\n').length} uncommitted changes under src/ commands/ blocks/ checklists/` : ''}`);
  console.log(`open-loop: node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  // Say how the processes reach PostgreSQL: TCP or its Unix socket (BENCHMARKS.md, sixth session, compares them).
  const database = new URL(DATABASE_URL);
  const socketDir = database.searchParams.get('host');
  console.log(`open-loop: PostgreSQL over ${socketDir?.startsWith('/') ? `its Unix socket in ${socketDir}` : `TCP to ${database.host}`}`);
}

// ---- numbers ----
function pct(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const median = (values: number[]) => pct(values.filter((v) => !Number.isNaN(v)), 50);
const medianOf = (values: number[]): number => {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};
const MiB = (bytes: number) => (Number.isNaN(bytes) ? '-' : `${(bytes / 1048576).toFixed(0)}`);
const f = (v: number | undefined, d = 1) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(d));

// ---- processes, read from /proc ----
const TICK_MS = 1000 / 100; // CLK_TCK is 100 on Linux x86-64 (getconf CLK_TCK)
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state is field 3, utime 14, stime 15.
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return NaN;
  }
}
function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** The whole machine's CPU ticks (busy, total) from /proc/stat: how much else ran beside the bench. */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, total };
}
const busyPct = (a: { busy: number; total: number }, b: { busy: number; total: number }) => (100 * (b.busy - a.busy)) / Math.max(1, b.total - a.total);

interface Proc {
  name: string;
  pid: number;
  url: string;
  child: ChildProcess;
  logPath: string;
  exited?: number | string;
}
/** Every process started, so that an interrupted bench stops them too. */
const started = new Set<Proc>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const p of started) if (p.exited === undefined) p.child.kill('SIGTERM');
    process.exit(130);
  });
}
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
async function spawnProc(name: string, script: string, extraEnv: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  const logPath = join(dir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  // OPEN_LOOP_COMPILED=1 runs the bots as `npm start` does (dist/, after `npm run build`); OPEN_LOOP_NODE_ARGS adds
  // flags to every bot, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where a click's CPU goes.
  const bot = script === 'src/main.ts';
  // A bot runs with --expose-gc, as `npm start` runs it (src/idle-gc.ts gives memory back after a burst).
  const args = [...NODE_ARGS, ...(bot ? ['--expose-gc'] : []), ...(COMPILED && bot ? ['dist/src/main.js'] : ['--import', 'tsx', script])];
  const child = spawn(process.execPath, args, {
    env: { ...env, SLACK_APP_TOKEN: '', DATABASE_URL: '', ...extraEnv, PORT: String(port), NODE_ENV: 'production' },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const p: Proc = { name, pid: child.pid!, url: `http://127.0.0.1:${port}`, child, logPath };
  started.add(p);
  child.on('exit', (code, signal) => {
    p.exited = code ?? signal ?? 'exited';
    started.delete(p);
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (p.exited !== undefined) throw new Error(`${name} exited (${p.exited}) before it was ready:\n${tail(p)}`);
    if (Date.now() > deadline) throw new Error(`${name} not ready within 60 s:\n${tail(p)}`);
    try {
      const r = await fetch(`${p.url}/healthz`);
      if (r.status === 200) return p;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
}
function tail(p: Proc, lines = 20): string {
  try {
    return readFileSync(p.logPath, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
async function stopProc(p: Proc): Promise<void> {
  if (p.exited !== undefined) return;
  const gone = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
  p.child.kill('SIGTERM');
  const killed = await Promise.race([gone.then(() => false), sleep(12_000).then(() => true)]);
  if (killed) {
    p.child.kill('SIGKILL');
    await gone;
  }
}
function assertAlive(procs: Proc[]): void {
  for (const p of procs) if (p.exited !== undefined) throw new Error(`${p.name} exited (${p.exited}) during the run:\n${tail(p)}`);
}
const sumCpu = (procs: Proc[]) => procs.reduce((s, p) => s + cpuMs(p.pid), 0);

// ---- the sender ----
interface Target {
  message: FakeMessage;
  blockId: string;
  value: string;
}
function targetsOf(thread: FakeMessage[]): Target[] {
  return thread.flatMap((message) => checkboxBlocks(message).flatMap((b) => b.values.map((value) => ({ message, blockId: b.blockId, value }))));
}
interface SenderOut {
  sent: SentClick[];
  /** The copies sent to the paired bare app (OPEN_LOOP_PAIRED), if any. */
  mirrored: Answer[];
  sentInMs: number;
  firstSentAt: number;
  lastSentAt: number;
}
let lastMicros = 0;
let senderNo = 0;
/** `fake` given: every click gets a response_url of its own from it, as from Slack (one of the fake's takes 5 posts). */
async function runSender(urls: string[], rate: number, targets: Target[], responseUrl: string, count?: number, fake?: FakeSlack, mirrorUrl?: string): Promise<SenderOut> {
  const n = senderNo++;
  const cfgPath = join(dir, `sender-${n}.json`);
  const outPath = join(dir, `sender-${n}.out.json`);
  const total = count ?? Math.round(rate * SECONDS);
  const responseUrls = fake ? Array.from({ length: total }, (_, i) => fake.responseUrl({ channel: DEFAULT_CHANNEL, user: USERS[i % USERS.length]! })) : undefined;
  writeFileSync(cfgPath, JSON.stringify({ urls, signingSecret: DEFAULT_SIGNING_SECRET, rate, durationMs: SECONDS * 1000, count: total, targets, users: USERS, responseUrl, responseUrls, afterMicros: lastMicros, mirrorUrl }));
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/open-loop-sender.ts', cfgPath, outPath], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sender exited ${code}`))));
  });
  const out = JSON.parse(readFileSync(outPath, 'utf8')) as SenderOut & { lastMicros: number };
  lastMicros = out.lastMicros;
  if (!KEEP_ANSWERS) writeFileSync(outPath, ''); // the rows are summarised below; keep /tmp small
  return out;
}

// ---- rows ----
interface Row {
  repeat: number;
  target: string;
  bots: number;
  rate: number;
  clicks: number;
  non200: number;
  /** Clicks answered 200 later than 3 s after they were sent: Slack would have given up on them and shown an error. */
  late?: number;
  /** The non-200 answers by status (-1: no HTTP answer). */
  statuses?: Record<string, number>;
  p50: number;
  p99: number;
  ratio?: number;
  /** OPEN_LOOP_PAIRED: the paired bare app's p50 and p99 over the same window, and this p99's ratio to that one. */
  pairedP50?: number;
  pairedP99?: number;
  pairedRatio?: number;
  /** Items whose stored state differs from the latest (by action_ts) click that was acknowledged or stored. */
  wrongItems?: number;
  noReceipt?: number;
  /** Clicks not answered 200 whose receipt is there all the same (applied, though Slack would show the clicker an error). */
  notOkApplied?: number;
  /** What the clickers were told (ephemeral or response_url), the most frequent texts first. */
  toldTexts?: string;
  /** Clicks still in click_intake once the bots were quiet. */
  stillStored?: number;
  /** chat.postEphemeral calls and response_url posts the bots made during the window (what a clicker was told). */
  told?: number;
  updatesOk?: number;
  updates429?: number;
  updatesPerMinute?: number;
  shownMs?: number;
  quiet?: boolean;
  /** The machine's CPU busy over the window (100 = every core), and how much of it was the bots' (or the bare app's). */
  machineBusy?: number;
  botsShare?: number;
  /** Bot (or bare) CPU over the window, all processes, per click. */
  cpuMsPerClick: number;
  cpuMsPerClickPerProc: number[];
  rssPerProc: number[];
}
const rows: Row[] = [];
interface RunInfo {
  repeat: number;
  target: string;
  idleRss: number[];
  afterRss: number[];
  clicks: number;
  startMs: number;
}
const runs: RunInfo[] = [];
const bareP99 = new Map<string, number>(); // `${repeat}:${rate}`

function statusesOf(sent: SentClick[]): Record<string, number> {
  const by: Record<string, number> = {};
  for (const c of sent) if (c.status !== 200) by[c.status] = (by[c.status] ?? 0) + 1;
  return by;
}
const statusText = (s?: Record<string, number>) => (s ? `(${Object.entries(s).map(([k, v]) => `${k === '-1' ? 'no answer' : `HTTP ${k}`} x${v}`).join(', ')})` : '');
function printRow(r: Row): void {
  const bits = [
    `#${r.repeat}`,
    r.target,
    `${r.rate}/s`,
    `clicks ${r.clicks}`,
    `non-200 ${r.non200}${r.non200 ? ` ${statusText(r.statuses)}` : ''}`,
    r.late ? `200 after 3 s ${r.late}` : '',
    `ack p50 ${f(r.p50)} p99 ${f(r.p99)} ms`,
    r.ratio !== undefined ? `p99/bare ${f(r.ratio, 2)}` : '',
    r.pairedP99 !== undefined ? `paired bare p50 ${f(r.pairedP50)} p99 ${f(r.pairedP99)} ms, p99/paired ${f(r.pairedRatio, 2)}` : '',
    r.wrongItems !== undefined ? `wrong ${r.wrongItems}` : '',
    r.noReceipt !== undefined ? `no receipt ${r.noReceipt}` : '',
    r.stillStored !== undefined ? `still stored ${r.stillStored}` : '',
    r.notOkApplied ? `non-200 but applied ${r.notOkApplied}` : '',
    r.told !== undefined ? `told ${r.told}${r.toldTexts ? ` (${r.toldTexts})` : ''}` : '',
    r.updatesOk !== undefined ? `chat.update ${f(r.updatesPerMinute)}/min (${r.updatesOk} ok, ${r.updates429} 429)` : '',
    r.shownMs !== undefined ? `shown ${Number.isNaN(r.shownMs) ? 'not within cap' : `${f(r.shownMs / 1000)} s`}` : '',
    r.quiet === false ? 'NOT QUIET' : '',
    r.machineBusy !== undefined ? `machine busy ${f(r.machineBusy, 0)}% (bots ${f(r.botsShare, 0)}%)` : '',
    `CPU ${f(r.cpuMsPerClick, 2)} ms/click [${r.cpuMsPerClickPerProc.map((v) => f(v, 2)).join(' + ')}]`,
    `RSS ${r.rssPerProc.map(MiB).join(' + ')} MiB`,
  ];
  console.log(bits.filter(Boolean).join(' | '));
}

// ---- what the channel shows ----
function threadOf(fake: FakeSlack): FakeMessage[] {
  const p = promotionMessages(fake, DEFAULT_CHANNEL)[0];
  return p ? p.thread.map((m) => fake.message(m.channel, m.ts)!) : [];
}
function shownNow(fake: FakeSlack): Map<string, boolean> {
  const shown = new Map<string, boolean>();
  for (const m of threadOf(fake)) for (const b of checkboxBlocks(m)) for (const v of b.values) shown.set(v, b.ticked.includes(v));
  return shown;
}
type Expected = Map<string, { ts: number; ticked: boolean }>;
const matches = (shown: Map<string, boolean>, expected: Expected) => [...expected].every(([v, e]) => shown.get(v) === e.ticked);

/** Samples what the messages show every 200 ms, so the time they reach the final state can be found afterwards. */
function watchShown(fake: FakeSlack): { stop(): Array<{ t: number; shown: Map<string, boolean> }>; latest(): Map<string, boolean> } {
  const snaps: Array<{ t: number; shown: Map<string, boolean> }> = [];
  const take = () => snaps.push({ t: Date.now(), shown: shownNow(fake) });
  take();
  const timer = setInterval(take, 200);
  return {
    stop() {
      clearInterval(timer);
      take();
      return snaps;
    },
    latest: () => snaps.at(-1)!.shown,
  };
}
/** From the last click until the messages show the final state and keep showing it; NaN when they never did. */
function shownAfter(snaps: Array<{ t: number; shown: Map<string, boolean> }>, expected: Expected, lastSentAt: number): number {
  let lastBad = -1;
  snaps.forEach((s, i) => {
    if (!matches(s.shown, expected)) lastBad = i;
  });
  if (lastBad === snaps.length - 1) return NaN;
  return Math.max(0, snaps[lastBad + 1]!.t - lastSentAt);
}

async function count(client: pg.Client, sql: string): Promise<number> {
  try {
    return (await client.query<{ n: number }>(sql)).rows[0]!.n;
  } catch {
    return NaN; // the table changed shape under the bot's later versions
  }
}

/**
 * Waits until the bots are quiet: the messages show `expected`, click_intake is empty, no Web API call for 1.5 s and
 * the bots used under 50 ms of CPU together in the last second. False when that took longer than SETTLE_MS.
 */
async function quiet(fake: FakeSlack, client: pg.Client, bots: Proc[], isShown: () => boolean): Promise<boolean> {
  const start = Date.now();
  let calls = fake.calls.length;
  let lastCall = Date.now();
  const cpu: Array<{ t: number; ms: number }> = [];
  for (;;) {
    assertAlive(bots);
    const now = Date.now();
    if (fake.calls.length !== calls) {
      calls = fake.calls.length;
      lastCall = now;
    }
    cpu.push({ t: now, ms: sumCpu(bots) });
    while (cpu.length > 1 && now - cpu[1]!.t >= 1000) cpu.shift();
    const busy = now - cpu[0]!.t >= 1000 ? cpu.at(-1)!.ms - cpu[0]!.ms : Infinity;
    const stored = await count(client, 'SELECT count(*)::int AS n FROM click_intake');
    if (isShown() && (stored === 0 || Number.isNaN(stored)) && now - lastCall >= 1500 && busy < 50) return true;
    if (now - start > SETTLE_MS) return false;
    await sleep(250);
  }
}

// ---- a run of bots ----
interface BotRun {
  fake: FakeSlack;
  database: LocalDatabase;
  client: pg.Client;
  bots: Proc[];
  responseUrl: string;
  expected: Expected;
  close(): Promise<void>;
}
async function startBots(n: number, label: string): Promise<BotRun> {
  const fake = await startFakeSlack({ rateLimits: true });
  const database = await postgresDatabase(DATABASE_URL);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const bots: Proc[] = [];
  const close = async () => {
    await Promise.all(bots.map(stopProc));
    await client.end().catch(() => undefined);
    await fake.close();
    await database.drop();
  };
  try {
    const botEnv = {
      SLACK_BOT_TOKEN: DEFAULT_BOT_TOKEN,
      SLACK_SIGNING_SECRET: DEFAULT_SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      DATABASE_URL: database.url!,
      LOG_LEVEL,
      ...(UPDATES_PER_MINUTE ? { SLACK_UPDATES_PER_MINUTE: UPDATES_PER_MINUTE } : {}),
    };
    // The first migrates the schema; the others start together once it has.
    bots.push(await spawnProc(`${label}-bot1`, 'src/main.ts', botEnv));
    bots.push(...(await Promise.all(Array.from({ length: n - 1 }, (_, i) => spawnProc(`${label}-bot${i + 2}`, 'src/main.ts', botEnv)))));
    const responseUrl = fake.responseUrl({ channel: DEFAULT_CHANNEL, user: USERS[0]! });
    const started = await slashCommand(
      { url: `${bots[0]!.url}/slack/events`, signingSecret: DEFAULT_SIGNING_SECRET },
      { text: 'start v1.50 rls-rollout', userId: 'U0ALICE', channelId: DEFAULT_CHANNEL, responseUrl: fake.responseUrl({ channel: DEFAULT_CHANNEL, user: 'U0ALICE' }) },
    );
    if (started.status !== 200) throw new Error(`/promote start answered ${started.status}: ${started.body}`);
    // chat.postMessage runs at about one a second per channel: wait until the whole thread is there and the bots rest.
    let seen = -1;
    const deadline = Date.now() + 120_000;
    for (;;) {
      await sleep(2500);
      const count = threadOf(fake).length;
      if (count > 0 && count === seen) break;
      if (Date.now() > deadline) throw new Error(`the checklist was not posted within 120 s (${count} thread messages):\n${tail(bots[0]!)}`);
      seen = count;
    }
    await quiet(fake, client, bots, () => true);
    return { fake, database, client, bots, responseUrl, expected: new Map(), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** One window of clicks at `rate` against the run's bots, measured until they are quiet. */
async function botWindow(run: BotRun, repeat: number, target: string, rate: number, clicks?: number, paired?: Proc): Promise<Row & { sent: SentClick[] }> {
  const { fake, client, bots, expected } = run;
  // The views the sender holds: the messages as they show now (stale by the time the clicks land).
  const views = targetsOf(structuredClone(threadOf(fake)));
  const callsBefore = fake.calls.length;
  const ephemeralsBefore = fake.ephemerals().length;
  const responsesBefore = fake.responses().length;
  const cpuBefore = bots.map((b) => cpuMs(b.pid));
  const machineBefore = machineTicks();
  const started = Date.now();
  const watch = watchShown(fake);
  const out = await runSender(
    bots.map((b) => `${b.url}/slack/events`),
    rate,
    views,
    run.responseUrl,
    clicks,
    fake,
    paired && `${paired.url}/slack/events`,
  );
  const ok = out.sent.filter((c) => c.status === 200);
  // A click not answered 200 may still have been stored (store-before-ack, then Bolt's 3 s timer answered 404): it
  // is applied like any other, so the final state must follow it too. Stored: in click_intake or receipted.
  const storedKeys = new Set<string>();
  for (const sql of ['SELECT receipt_key AS key FROM click_intake', 'SELECT key FROM interaction_receipts']) {
    try {
      for (const r of (await client.query<{ key: string }>(sql)).rows) storedKeys.add(r.key);
    } catch {
      // the table changed shape
    }
  }
  const keyOf = (c: SentClick) => `toggle:${c.user}:${c.actionTs}:${c.blockId}`;
  for (const c of out.sent) {
    if (c.status !== 200 && !storedKeys.has(keyOf(c))) continue;
    const ts = Number(c.actionTs);
    const e = expected.get(c.value);
    if (!e || e.ts < ts) expected.set(c.value, { ts, ticked: c.ticked });
  }
  const wasQuiet = await quiet(fake, client, bots, () => matches(watch.latest(), expected));
  const snaps = watch.stop();
  const cpuAfter = bots.map((b) => cpuMs(b.pid));
  const machineAfter = machineTicks();
  const elapsedMin = (Date.now() - started) / 60000;
  const botsMs = cpuAfter.reduce((a, v, i) => a + v - cpuBefore[i]!, 0);
  const machineMs = ((machineAfter.total - machineBefore.total) * TICK_MS);
  const updates = fake.calls.slice(callsBefore).filter((c) => c.method === 'chat.update');
  const updatesOk = updates.filter((c) => !c.rateLimited).length;
  const states = await client.query<{ item_id: string; state: string }>('SELECT item_id, state FROM item_states');
  const stored = new Map(states.rows.map((r) => [r.item_id, r.state === 'done']));
  const wrongItems = [...expected].filter(([v, e]) => stored.get(v) !== e.ticked).length;
  const receipts = await client.query<{ key: string }>('SELECT key FROM interaction_receipts');
  const keys = new Set(receipts.rows.map((r) => r.key));
  const noReceipt = ok.filter((c) => !keys.has(keyOf(c))).length;
  const notOkApplied = out.sent.filter((c) => c.status !== 200 && keys.has(keyOf(c))).length;
  const toldNow = [...fake.ephemerals().slice(ephemeralsBefore).filter((e) => e.via === 'chat.postEphemeral').map((e) => `${e.via}: ${e.text ?? ''}`), ...fake.responses().slice(responsesBefore).map((r) => `response_url: ${String(r.body['text'] ?? '')}`)];
  const byText = new Map<string, number>();
  for (const t of toldNow) byText.set(t.slice(0, 90), (byText.get(t.slice(0, 90)) ?? 0) + 1);
  const toldTexts = [...byText].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([t, n]) => `${n}x "${t}"`).join('; ');
  const okMs = ok.map((c) => c.ackMs);
  const pairedMs = out.mirrored.filter((c) => c.status === 200).map((c) => c.ackMs);
  const perProc = cpuAfter.map((a, i) => (a - cpuBefore[i]!) / out.sent.length);
  return {
    repeat,
    target,
    bots: bots.length,
    rate,
    clicks: out.sent.length,
    non200: out.sent.length - ok.length,
    late: ok.filter((c) => c.ackMs > 3000).length,
    statuses: statusesOf(out.sent),
    p50: pct(okMs, 50),
    p99: pct(okMs, 99),
    ...(paired ? { pairedP50: pct(pairedMs, 50), pairedP99: pct(pairedMs, 99), pairedRatio: pct(okMs, 99) / pct(pairedMs, 99) } : {}),
    wrongItems,
    noReceipt,
    notOkApplied,
    toldTexts,
    stillStored: await count(client, 'SELECT count(*)::int AS n FROM click_intake'),
    told: toldNow.length,
    updatesOk,
    updates429: updates.length - updatesOk,
    updatesPerMinute: updatesOk / elapsedMin,
    shownMs: shownAfter(snaps, expected, out.lastSentAt),
    quiet: wasQuiet,
    machineBusy: busyPct(machineBefore, machineAfter),
    botsShare: (100 * botsMs) / Math.max(1, machineMs),
    cpuMsPerClick: perProc.reduce((s, v) => s + v, 0),
    cpuMsPerClickPerProc: perProc,
    rssPerProc: bots.map((b) => rssBytes(b.pid)),
    sent: out.sent,
  };
}

async function botRun(n: number, repeat: number): Promise<void> {
  const target = `bot x${n}`;
  const t0 = Date.now();
  const run = await startBots(n, `r${repeat}-x${n}`);
  // OPEN_LOOP_PAIRED: a bare app beside the bots, sent a copy of every click (started after the bots' idle RSS is read).
  let paired: Proc | undefined;
  try {
    const idleRss = run.bots.map((b) => rssBytes(b.pid));
    console.log(`#${repeat} ${target}: idle RSS ${idleRss.map(MiB).join(' + ')} MiB (checklist posted, bots quiet)`);
    if (PAIRED) paired = await spawnProc(`r${repeat}-x${n}-paired-bare`, 'bench/bare-bolt.ts', { SLACK_SIGNING_SECRET: DEFAULT_SIGNING_SECRET });
    let total = 0;
    if (WARMUP > 0) {
      const { sent: _w, ...w } = await botWindow(run, repeat, `${target} warm-up`, 50, WARMUP, paired);
      printRow(w);
      total += w.clicks;
    }
    for (const rate of RATES) {
      const { sent: _sent, ...row } = await botWindow(run, repeat, target, rate, undefined, paired);
      total += row.clicks;
      row.ratio = row.p99 / (bareP99.get(`${repeat}:${rate}`) ?? NaN);
      rows.push(row);
      printRow(row);
    }
    runs.push({ repeat, target, idleRss, afterRss: run.bots.map((b) => rssBytes(b.pid)), clicks: total, startMs: t0 });
  } finally {
    if (paired) await stopProc(paired);
    await run.close();
  }
}

/** The bare app at every rate; `store`: the variant that stores each click with one INSERT before acknowledging. */
async function bareRun(repeat: number, targets: Target[], responseUrl: string, store = false): Promise<void> {
  const target = store ? 'bare Bolt + INSERT' : 'bare Bolt';
  const database = store ? await postgresDatabase(DATABASE_URL) : undefined;
  const bare = await spawnProc(`r${repeat}-bare${store ? '-store' : ''}`, 'bench/bare-bolt.ts', {
    SLACK_SIGNING_SECRET: DEFAULT_SIGNING_SECRET,
    ...(database ? { BARE_STORE_URL: database.url } : {}),
  });
  try {
    await sleep(500);
    const idleRss = [rssBytes(bare.pid)];
    let total = 0;
    if (WARMUP > 0) total += (await runSender([`${bare.url}/slack/events`], 50, targets, responseUrl, WARMUP)).sent.length;
    for (const rate of RATES) {
      const before = cpuMs(bare.pid);
      const machineBefore = machineTicks();
      const out = await runSender([`${bare.url}/slack/events`], rate, targets, responseUrl);
      const used = cpuMs(bare.pid) - before;
      const machineAfter = machineTicks();
      assertAlive([bare]);
      total += out.sent.length;
      const ok = out.sent.filter((c) => c.status === 200).map((c) => c.ackMs);
      const row: Row = {
        repeat,
        target,
        bots: 0,
        rate,
        clicks: out.sent.length,
        non200: out.sent.length - ok.length,
        late: ok.filter((ms) => ms > 3000).length,
        statuses: statusesOf(out.sent),
        p50: pct(ok, 50),
        p99: pct(ok, 99),
        machineBusy: busyPct(machineBefore, machineAfter),
        botsShare: (100 * used) / Math.max(1, (machineAfter.total - machineBefore.total) * TICK_MS),
        cpuMsPerClick: used / out.sent.length,
        cpuMsPerClickPerProc: [used / out.sent.length],
        rssPerProc: [rssBytes(bare.pid)],
      };
      if (store) row.ratio = row.p99 / (bareP99.get(`${repeat}:${rate}`) ?? NaN);
      else bareP99.set(`${repeat}:${rate}`, row.p99);
      rows.push(row);
      printRow(row);
    }
    runs.push({ repeat, target, idleRss, afterRss: [rssBytes(bare.pid)], clicks: total, startMs: Date.now() });
  } finally {
    await stopProc(bare);
    await database?.drop();
  }
}

// ---- the soak: RSS over OPEN_LOOP_SOAK clicks ----
async function soak(): Promise<void> {
  console.log(`soak: ${SOAK} clicks at ${SOAK_RATE}/s against ${SOAK_BOTS} bot(s), RSS sampled after the first 1,000 and every ${SOAK_EVERY}`);
  const run = await startBots(SOAK_BOTS, `soak-x${SOAK_BOTS}`);
  const series: Array<{ clicks: number; loadRss: number[]; quietRss: number[]; p50: number; p99: number; non200: number; late: number; statuses: Record<string, number>; notOkApplied: number; noReceipt: number; wrong: number; shownMs: number; cpuMsPerClick: number; updatesPerMinute: number; updates429: number; told: number; stillStored: number; quiet: boolean; machineBusy: number; botsShare: number }> = [];
  try {
    const idle = run.bots.map((b) => rssBytes(b.pid));
    console.log(`soak: idle RSS ${idle.map(MiB).join(' + ')} MiB`);
    let done = 0;
    const marks = [Math.min(1000, SOAK)];
    for (let m = SOAK_EVERY; m <= SOAK; m += SOAK_EVERY) marks.push(m);
    if (marks.at(-1) !== SOAK) marks.push(SOAK);
    for (const mark of [...new Set(marks)].sort((a, b) => a - b)) {
      const row = await botWindow(run, 1, `soak x${SOAK_BOTS}`, SOAK_RATE, mark - done);
      done = mark;
      const loadRss = row.rssPerProc; // right after the bots went quiet; sampled again after a 5 s rest below
      await sleep(5000);
      const quietRss = run.bots.map((b) => rssBytes(b.pid));
      series.push({
        clicks: done,
        loadRss,
        quietRss,
        p50: row.p50,
        p99: row.p99,
        non200: row.non200,
        late: row.late ?? 0,
        statuses: row.statuses!,
        notOkApplied: row.notOkApplied!,
        noReceipt: row.noReceipt!,
        wrong: row.wrongItems!,
        shownMs: row.shownMs!,
        cpuMsPerClick: row.cpuMsPerClick,
        updatesPerMinute: row.updatesPerMinute!,
        updates429: row.updates429!,
        told: row.told!,
        stillStored: row.stillStored!,
        quiet: row.quiet!,
        machineBusy: row.machineBusy!,
        botsShare: row.botsShare!,
      });
      const s = series.at(-1)!;
      console.log(
        `soak: after ${s.clicks} clicks | RSS quiet ${s.loadRss.map(MiB).join(' + ')} MiB, +5 s ${s.quietRss.map(MiB).join(' + ')} MiB | ack p50 ${f(s.p50)} p99 ${f(s.p99)} ms | non-200 ${s.non200}${s.non200 ? ` ${statusText(s.statuses)}, ${s.notOkApplied} of them applied` : ''} | 200 after 3 s ${s.late} | no receipt ${s.noReceipt} | wrong ${s.wrong} | told ${s.told} | still stored ${s.stillStored} | chat.update ${f(s.updatesPerMinute)}/min (${s.updates429} 429) | shown ${f(s.shownMs / 1000)} s | CPU ${f(s.cpuMsPerClick, 2)} ms/click | machine busy ${f(s.machineBusy, 0)}% (bots ${f(s.botsShare, 0)}%)${s.quiet ? '' : ' | NOT QUIET'}`,
      );
    }
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
    const first = series[0]!;
    const last = series.at(-1)!;
    console.log(`\n## Soak: ${SOAK} clicks at ${SOAK_RATE}/s, ${SOAK_BOTS} bot(s) (RSS MiB, sum over bots; per bot in brackets)\n`);
    console.log('| clicks | RSS when quiet | RSS 5 s later | ack p50 ms | ack p99 ms | non-200 | acked, no receipt | wrong items | chat.update/min (429s) | shown after last click | CPU ms/click | machine busy % (bots %) |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    console.log(`| 0 (idle) | ${MiB(sum(idle))}${idle.length > 1 ? ` [${idle.map(MiB).join(', ')}]` : ''} | | | | | | | | | | |`);
    for (const s of series) {
      console.log(
        `| ${s.clicks} | ${MiB(sum(s.loadRss))}${s.loadRss.length > 1 ? ` [${s.loadRss.map(MiB).join(', ')}]` : ''} | ${MiB(sum(s.quietRss))} | ${f(s.p50)} | ${f(s.p99)} | ${s.non200}${s.late ? ` (+${s.late} 200 after 3 s)` : ''} | ${s.noReceipt} | ${s.wrong} | ${f(s.updatesPerMinute)} (${s.updates429}) | ${Number.isNaN(s.shownMs) ? 'not within cap' : `${f(s.shownMs / 1000)} s`} | ${f(s.cpuMsPerClick, 2)} | ${f(s.machineBusy, 0)} (${f(s.botsShare, 0)}) |`,
      );
    }
    const growth = sum(last.quietRss) / sum(first.quietRss) - 1;
    console.log(`\nRSS after ${last.clicks} clicks vs after the first ${first.clicks} (5 s after quiet): ${MiB(sum(last.quietRss))} vs ${MiB(sum(first.quietRss))} MiB, ${(growth * 100).toFixed(1)}% (target: within 10%)`);
    if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ soak: { idle, series } }, null, 1));
  } finally {
    await run.close();
  }
}

// ---- the sweep over rates x bot counts x repeats ----
async function sweep(): Promise<void> {
  // The views the bare app's clicks carry: the thread as a fresh promotion posts it.
  let targets: Target[] = [];
  let responseUrl = '';
  if (BARE) {
    const run = await startBots(1, 'views');
    targets = targetsOf(structuredClone(threadOf(run.fake)));
    responseUrl = run.responseUrl; // the fake is gone by the time the bare app runs; the bare app never posts to it
    await run.close();
    console.log(`rls-rollout: ${targets.length} checkbox options shown at the start`);
  }
  for (let repeat = 1; repeat <= REPEATS; repeat++) {
    if (BARE) await bareRun(repeat, targets, responseUrl);
    if (BARE && BARE_STORE) await bareRun(repeat, targets, responseUrl, true);
    for (const n of BOTS) await botRun(n, repeat);
  }

  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  console.log('\n## Per run\n');
  console.log('| run | target | rate/s | clicks | non-200 | ack p50 ms | ack p99 ms | p99 / bare p99 | wrong items | acked, no receipt | still stored | told | chat.update/min ok (429s) | final state shown after last click | CPU ms/click (per process) | RSS MiB after (per process) | machine busy % (bots %) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const shown = r.shownMs === undefined ? '-' : Number.isNaN(r.shownMs) ? 'not within cap' : `${f(r.shownMs / 1000)} s`;
    const per = r.cpuMsPerClickPerProc.length > 1 ? ` (${r.cpuMsPerClickPerProc.map((v) => f(v, 2)).join(' + ')})` : '';
    const rss = r.rssPerProc.length > 1 ? `${MiB(sum(r.rssPerProc))} (${r.rssPerProc.map(MiB).join(' + ')})` : MiB(r.rssPerProc[0]!);
    console.log(
      `| ${r.repeat} | ${r.target} | ${r.rate} | ${r.clicks} | ${r.non200}${r.non200 ? ` ${statusText(r.statuses)}` : ''}${r.late ? `; 200 after 3 s: ${r.late}` : ''} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.ratio, 2)} | ${r.wrongItems ?? '-'} | ${r.noReceipt ?? '-'} | ${r.stillStored ?? '-'} | ${r.told ?? '-'} | ${r.updatesOk === undefined ? '-' : `${f(r.updatesPerMinute)} (${r.updates429})`} | ${shown}${r.quiet === false ? ' (not quiet)' : ''} | ${f(r.cpuMsPerClick, 2)}${per} | ${rss} | ${f(r.machineBusy, 0)} (${f(r.botsShare, 0)}) |`,
    );
  }

  console.log(`\n## Medians over ${REPEATS} run(s) (min-max in brackets)\n`);
  const pairedHead = PAIRED ? ' paired bare p99 ms | p99 / paired bare p99 |' : '';
  console.log(`| target | rate/s | ack p50 ms | ack p99 ms | p99 / bare p99 |${pairedHead} non-200 (sum) | wrong items (sum) | acked, no receipt (sum) | chat.update/min ok | 429s (sum) | final state shown after last click | CPU ms/click (all bots) |`);
  console.log(`| --- | --- | --- | --- | --- |${PAIRED ? ' --- | --- |' : ''} --- | --- | --- | --- | --- | --- | --- |`);
  const spread = (v: number[], d = 1, scale = 1) => {
    const w = v.filter((x) => !Number.isNaN(x));
    if (w.length === 0) return '-';
    const med = `${f(medianOf(w) / scale, d)}`;
    return w.length > 1 ? `${med} (${f(Math.min(...w) / scale, d)}-${f(Math.max(...w) / scale, d)})` : med;
  };
  const targets_ = [...new Set(rows.map((r) => r.target))];
  for (const t of targets_) {
    for (const rate of RATES) {
      const rs = rows.filter((r) => r.target === t && r.rate === rate);
      if (rs.length === 0) continue;
      const isBot = t.startsWith('bot');
      const shownMs = rs.map((r) => r.shownMs ?? NaN);
      const notShown = rs.filter((r) => r.shownMs !== undefined && Number.isNaN(r.shownMs)).length;
      const paired = PAIRED ? ` ${isBot ? spread(rs.map((r) => r.pairedP99 ?? NaN)) : '-'} | ${isBot ? spread(rs.map((r) => r.pairedRatio ?? NaN), 2) : '-'} |` : '';
      console.log(
        `| ${t} | ${rate} | ${spread(rs.map((r) => r.p50))} | ${spread(rs.map((r) => r.p99))} | ${spread(rs.map((r) => r.ratio ?? NaN), 2)} |${paired} ${sum(rs.map((r) => r.non200))}${sum(rs.map((r) => r.late ?? 0)) ? ` (+${sum(rs.map((r) => r.late ?? 0))} 200 after 3 s)` : ''} | ${isBot ? sum(rs.map((r) => r.wrongItems ?? 0)) : '-'} | ${isBot ? sum(rs.map((r) => r.noReceipt ?? 0)) : '-'} | ${isBot ? spread(rs.map((r) => r.updatesPerMinute ?? NaN)) : '-'} | ${isBot ? sum(rs.map((r) => r.updates429 ?? 0)) : '-'} | ${isBot ? `${spread(shownMs, 1, 1000)} s${notShown ? `, ${notShown} not within cap` : ''}` : '-'} | ${spread(rs.map((r) => r.cpuMsPerClick), 2)} |`,
      );
    }
  }

  console.log('\n## RSS (MiB, sum over the processes; per process in brackets for the median run)\n');
  console.log('| target | idle (checklist posted) | after the run | clicks in the run (warm-up included) |');
  console.log('| --- | --- | --- | --- |');
  for (const t of [...new Set(runs.map((r) => r.target))]) {
    const rs = runs.filter((r) => r.target === t);
    const idle = rs.map((r) => sum(r.idleRss));
    const after = rs.map((r) => sum(r.afterRss));
    const mid = rs[idle.indexOf(median(idle))] ?? rs[0]!;
    const per = (v: number[]) => (v.length > 1 ? ` [${v.map(MiB).join(', ')}]` : '');
    const rng = (v: number[]) => (v.length > 1 ? ` (${MiB(Math.min(...v))}-${MiB(Math.max(...v))})` : '');
    console.log(`| ${t} | ${MiB(medianOf(idle))}${rng(idle)}${per(mid.idleRss)} | ${MiB(medianOf(after))}${rng(after)}${per(mid.afterRss)} | ${rs[0]!.clicks} |`);
  }
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ rows, runs }, null, 1));
}

if (SOAK > 0) await soak();
else await sweep();
