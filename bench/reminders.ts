/**
 * Issue 11's benchmark: the timeline's reminders (src/services/reminders.ts), in two parts.
 *
 * 1. Lateness. Bot processes started from the real entry point (`node --import tsx src/main.ts`, HTTP mode, scheduler
 *    on: node-cron's `send-reminders` every 5 s on the wall clock), against the fake Slack this process serves (Slack's
 *    rate limits on, wall clock) and a schema of a fresh PostgreSQL database. Promotions are inserted through the store
 *    (insertPromotion, setWindow, planReminders, insertReminders: what scheduleWindow does, without its announcements)
 *    with bench/fixtures/bench-reminders.yml, whose timeline says T0 and T+1m; their T0 are staggered over a minute,
 *    so their reminders fall due evenly over two minutes, each promotion in a channel of its own (chat.postMessage is
 *    about one a second per channel). For each reminder: lateness = the fake's arrival time of the first accepted
 *    chat.postMessage carrying metadata key `reminder:<id>` minus its due_at. Duplicates: reminders posted (messages
 *    stored) more than once. Lost: reminders with no post by the last due time plus REMINDERS_LOST_AFTER_S. The run
 *    ends earlier once no reminder and no outbox row is left pending or claimed (nothing can be posted after that).
 *    Configurations: one bot; three bots of which one is killed with SIGKILL midway through the due times: the first
 *    seen holding claimed reminders from then on (the second bot after 30 s without any), so that the lapse of its
 *    claims (REMINDER_CLAIM_MS, 20 s) is measured.
 * 2. Scale. 10,000 promotions of checklists/rls-rollout.yml scheduled in one schema through the store functions
 *    (T0 spread over the next 60 days, so every planned reminder is pending), then: EXPLAIN (ANALYZE, BUFFERS) of the
 *    claim query (the SQL claimDueReminders sends, captured from it) at a `now` where 50 reminders are due, before and
 *    after ANALYZE; the claim's cost (claimDueReminders, in a transaction rolled back each time) with 50 due and with
 *    none due; and the time of one full ReminderSender.sendDue over 50 due reminders (createPreflight in this process,
 *    its clock at the 50th due time, posting to the fake Slack), five ticks 5 s apart as the ticker runs them.
 *
 * A fresh database `bench_reminders_<random>` on REMINDERS_DATABASE_URL's server (default
 * postgres://postgres@127.0.0.1:5432/postgres), one schema per run, dropped at the end.
 *
 *   npm run bench:reminders
 * Env: REMINDERS_PARTS (lateness,scale), REMINDERS_REPEATS (3), REMINDERS_PROMOTIONS (500: x2 reminders = 1,000),
 *      REMINDERS_STAGGER_S (60: the promotions' T0 spread), REMINDERS_LEAD_S (10: from inserting to the first due time),
 *      REMINDERS_LOST_AFTER_S (60), REMINDERS_LOG_LEVEL (the bots' LOG_LEVEL, info), REMINDERS_SCALE_PROMOTIONS (10000),
 *      REMINDERS_CLAIM_RUNS (200), REMINDERS_SENDDUE_RUNS (5), REMINDERS_DEBUG (1: print the due rows while waiting to kill).
 * Prints figures; asserts nothing. Linux only (/proc for CPU).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createPreflight } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { allItems, type Template } from '../src/domain/template.js';
import { parseOffset } from '../src/domain/offsets.js';
import { planReminders, windowFrom } from '../src/domain/timeline.js';
import { createLogger } from '../src/logger.js';
import { startFakeSlack, type FakeSlack } from '../src/playground/fake-slack.js';
import { DEFAULT_BOT_TOKEN, DEFAULT_SIGNING_SECRET } from '../src/playground/stack.js';
import { REMINDER_CLAIM_MS } from '../src/services/reminders.js';
import { connectPostgres, type Db, type Queryable } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { insertPromotion } from '../src/store/promotions.js';
import { claimDueReminders, insertReminders, setWindow } from '../src/store/reminders.js';
import { parseTemplate } from '../src/templates/loader.js';

const env = process.env;
const ADMIN_URL = env['REMINDERS_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PARTS = new Set((env['REMINDERS_PARTS'] ?? 'lateness,scale').split(',').filter(Boolean));
const REPEATS = Number(env['REMINDERS_REPEATS'] ?? 3);
const PROMOTIONS = Number(env['REMINDERS_PROMOTIONS'] ?? 500);
const STAGGER_MS = Number(env['REMINDERS_STAGGER_S'] ?? 60) * 1000;
const LEAD_MS = Number(env['REMINDERS_LEAD_S'] ?? 10) * 1000;
const LOST_AFTER_MS = Number(env['REMINDERS_LOST_AFTER_S'] ?? 60) * 1000;
const LOG_LEVEL = env['REMINDERS_LOG_LEVEL'] ?? 'info';
const SCALE_PROMOTIONS = Number(env['REMINDERS_SCALE_PROMOTIONS'] ?? 10_000);
const CLAIM_RUNS = Number(env['REMINDERS_CLAIM_RUNS'] ?? 200);
const SENDDUE_RUNS = Number(env['REMINDERS_SENDDUE_RUNS'] ?? 5);
const DEBUG = env['REMINDERS_DEBUG'] === '1';
const dir = mkdtempSync(join(tmpdir(), 'reminders-bench-'));
const benchStart = Date.now();

// ---- numbers ----
function pct(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const medianOf = (values: number[]): number => {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};
const f = (v: number | undefined, d = 1) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(d));
const s = (ms: number, d = 2) => (Number.isNaN(ms) ? '-' : `${(ms / 1000).toFixed(d)} s`);
const spread = (v: number[], fmt: (x: number) => string) => {
  const w = v.filter((x) => !Number.isNaN(x));
  if (w.length === 0) return '-';
  return w.length > 1 ? `${fmt(medianOf(w))} (${fmt(Math.min(...w))}-${fmt(Math.max(...w))})` : fmt(w[0]!);
};

// ---- the machine, from /proc ----
const TICK_MS = 10; // CLK_TCK is 100 on Linux x86-64
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return NaN;
  }
}
function machineTicks(): { busy: number; total: number } {
  const v = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - v[3]! - v[4]!, total };
}
const busyPct = (a: { busy: number; total: number }, b: { busy: number; total: number }) => (100 * (b.busy - a.busy)) / Math.max(1, b.total - a.total);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

// ---- the database ----
const dbName = `bench_reminders_${randomBytes(4).toString('hex')}`;
const benchUrl = (() => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${dbName}`;
  return u.toString();
})();
async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
/** A fresh schema of the bench database, migrated: its pool, and the DATABASE_URL that puts a bot process in it. */
async function freshSchema(name: string): Promise<{ db: Db; url: string }> {
  const c = new pg.Client({ connectionString: benchUrl });
  await c.connect();
  await c.query(`CREATE SCHEMA ${name}`).finally(() => c.end());
  const db = connectPostgres({ connectionString: benchUrl, schema: name, max: 4 });
  await migrate(db);
  const u = new URL(benchUrl);
  u.searchParams.set('options', `-c search_path=${name}`);
  return { db, url: u.toString() };
}

// ---- templates ----
function template(file: string): Template {
  const r = parseTemplate(file, readFileSync(file, 'utf8'));
  if (!r.template) throw new Error(`${file}: ${JSON.stringify(r.problems)}`);
  return r.template;
}

/**
 * Insert promotions of `tpl` through the store, each scheduled at its T0 (what scheduleWindow writes: the window,
 * then the template's reminders still ahead of `now`), `batch` promotions per transaction. Returns how many reminders.
 */
async function insertScheduled(db: Db, tpl: Template, t0s: Date[], channel: (i: number) => string, now: Date, batch: number, parallel = 1): Promise<number> {
  const itemIds = allItems(tpl).map((i) => i.id);
  let reminders = 0;
  let next = 0;
  const worker = async () => {
    for (let from = next; from < t0s.length; from = next) {
      next += batch;
      const n = await insertBatch(from);
      reminders += n;
    }
  };
  const insertBatch = (from: number) =>
    db.tx(async (q) => {
      let n = 0;
      for (let i = from; i < Math.min(t0s.length, from + batch); i++) {
        const id = randomUUID();
        const ok = await insertPromotion(q, { id, release: `v1.${i}`, template: tpl, channelId: channel(i), teamId: null, requestedBy: 'U0LEAD', createdAt: now }, itemIds);
        if (!ok) throw new Error(`promotion ${i} not inserted`);
        // windowFrom takes the window's start: T0 plus the template's window.opens (T-30m: half an hour before T0).
        const w = windowFrom(tpl, new Date(t0s[i]!.getTime() + parseOffset(tpl.window.opens)), null, null);
        const seq = await setWindow(q, id, w);
        const planned = planReminders(tpl, w.t0, now);
        await insertReminders(q, id, seq, planned);
        n += planned.length;
      }
      return n;
    });
  await Promise.all(Array.from({ length: parallel }, worker));
  return reminders;
}

// ---- bot processes (as bench/open-loop.ts starts them) ----
interface Proc {
  name: string;
  pid: number;
  url: string;
  child: ChildProcess;
  logPath: string;
  exited?: number | string;
}
const started = new Set<Proc>();
let dropped = false;
async function dropDatabase(): Promise<void> {
  if (dropped) return;
  dropped = true;
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((err: unknown) => console.error(`could not drop ${dbName}:`, err));
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const p of started) if (p.exited === undefined) p.child.kill('SIGTERM');
    void sleep(2000)
      .then(dropDatabase)
      .finally(() => process.exit(130));
  });
}
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
function tail(p: Proc, lines = 20): string {
  try {
    return readFileSync(p.logPath, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
async function spawnBot(name: string, extraEnv: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  const logPath = join(dir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
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
      if ((await fetch(`${p.url}/healthz`)).status === 200) return p;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
}
async function stopBot(p: Proc): Promise<void> {
  if (p.exited !== undefined) return;
  const gone = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
  p.child.kill('SIGTERM');
  if (await Promise.race([gone.then(() => false), sleep(12_000).then(() => true)])) {
    p.child.kill('SIGKILL');
    await gone;
  }
}
/** Warnings and errors a bot logged (pino JSON: level 40 and up), the most frequent messages first. */
function logProblems(p: Proc): { count: number; top: string } {
  const by = new Map<string, number>();
  let count = 0;
  for (const line of readFileSync(p.logPath, 'utf8').split('\n')) {
    const m = /"level":(\d+)/.exec(line);
    if (!m || Number(m[1]) < 40) continue;
    count++;
    const msg = /"msg":"([^"]{0,80})/.exec(line)?.[1] ?? line.slice(0, 80);
    by.set(msg, (by.get(msg) ?? 0) + 1);
  }
  return { count, top: [...by].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([t, n]) => `${n}x "${t}"`).join('; ') };
}

// ---- part 1: lateness ----
interface LatenessRun {
  repeat: number;
  config: string;
  reminders: number;
  posted: number;
  lost: number;
  duplicates: number;
  skipped: number;
  p50: number;
  p99: number;
  worst: number;
  /** From due to the row turning `sent` (done_at, the bot's clock): the tick and the claim. */
  sentP50: number;
  /** From done_at to the post: the change and the post. */
  toPostP50: number;
  toPostMax: number;
  /** Reminders the killed bot held claimed when it died, and their lateness. */
  victimHeld?: number;
  victimOutbox?: number;
  victimWorst?: number;
  othersWorst?: number;
  retried: number;
  rateLimited: number;
  otherPosts: number;
  cpuMsPerReminder: number;
  machineBusy: number;
  problems: string;
  sentBy: string;
  /** This process's event-loop delay over the run (ms): how late the fake Slack may have seen a post. */
  loopP99: number;
  loopMax: number;
  ranS: number;
}
const latenessRuns: LatenessRun[] = [];

async function latenessRun(repeat: number, bots: number, kill: boolean): Promise<void> {
  const config = kill ? `${bots} bots, 1 SIGKILLed` : `${bots} bot${bots > 1 ? 's' : ''}`;
  const t0Run = Date.now();
  const schema = `r${repeat}_x${bots}${kill ? 'k' : ''}`;
  const { db, url } = await freshSchema(schema);
  const fake: FakeSlack = await startFakeSlack({ rateLimits: true });
  // When each call reached the fake (its listeners run synchronously as a call is recorded).
  const seenAt: number[] = [];
  const stopStamping = fake.onChange(() => {
    const now = Date.now();
    for (let i = seenAt.length; i < fake.calls.length; i++) seenAt.push(now);
  });
  const procs: Proc[] = [];
  try {
    const botEnv = { SLACK_BOT_TOKEN: DEFAULT_BOT_TOKEN, SLACK_SIGNING_SECRET: DEFAULT_SIGNING_SECRET, SLACK_API_URL: fake.apiUrl, DATABASE_URL: url, LOG_LEVEL };
    procs.push(await spawnBot(`${schema}-bot1`, botEnv));
    procs.push(...(await Promise.all(Array.from({ length: bots - 1 }, (_, i) => spawnBot(`${schema}-bot${i + 2}`, botEnv)))));

    const tpl = template('bench/fixtures/bench-reminders.yml');
    const now = new Date();
    const base = now.getTime() + LEAD_MS;
    const t0s = Array.from({ length: PROMOTIONS }, (_, i) => new Date(base + Math.floor((i * STAGGER_MS) / PROMOTIONS)));
    const planned = await insertScheduled(db, tpl, t0s, (i) => `C0REM${String(i).padStart(5, '0')}`, now, 50);
    const due = new Map((await db.query<{ id: string; due_at: Date }>('SELECT id, due_at FROM reminders')).rows.map((r) => [r.id, new Date(r.due_at).getTime()]));
    const firstDue = Math.min(...due.values());
    const lastDue = Math.max(...due.values());
    console.log(
      `#${repeat} ${config}: ${PROMOTIONS} promotions, ${planned} reminders due from ${s(firstDue - Date.now(), 1)} to ${s(lastDue - Date.now(), 1)} from now (inserted in ${s(Date.now() - now.getTime(), 1)}); load ${load()}`,
    );
    const cpuBefore = procs.map((p) => cpuMs(p.pid));
    const machineBefore = machineTicks();
    // How late this process's own event loop runs (it serves the fake Slack, whose arrival times are the post times).
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();

    // Kill the second bot midway through the due times, once it holds claimed reminders.
    let victimHeld: string[] = [];
    let victimOutbox: string[] = [];
    let victimCpu = 0;
    let victimIndex = -1;
    if (kill) {
      // Midway through the due times (once half the reminders are due), the first bot seen holding claimed reminders (any of the three: whichever won
      // the tick), so that what it held is what the others must take over once its claims lapse.
      const mid = pct([...due.values()], 50);
      await sleep(Math.max(0, mid - Date.now()));
      const giveUp = Date.now() + 30_000;
      for (;;) {
        const holder = await db.query<{ claimed_by: string }>("SELECT claimed_by FROM reminders WHERE state = 'claimed' LIMIT 1");
        const pid = Number(holder.rows[0]?.claimed_by.split('/')[1]);
        victimIndex = procs.findIndex((p) => p.pid === pid);
        if (victimIndex >= 0) break;
        if (Date.now() > giveUp) {
          victimIndex = 1;
          break;
        }
        if (DEBUG) console.log(`debug ${new Date().toISOString()} ${JSON.stringify((await db.query("SELECT state, claimed_by, count(*)::int AS n, min(due_at) AS due FROM reminders WHERE state IN ('pending','claimed') AND due_at <= now() GROUP BY 1, 2")).rows)}`);
        await sleep(DEBUG ? 500 : 10);
      }
      const victim = procs[victimIndex]!;
      const like = `%/${victim.pid}/%`;
      victimCpu = cpuMs(victim.pid);
      victim.child.kill('SIGKILL');
      await new Promise<void>((resolve) => (victim.exited !== undefined ? resolve() : victim.child.once('exit', () => resolve())));
      const killedAt = Date.now();
      victimHeld = (await db.query<{ id: string }>("SELECT id FROM reminders WHERE state = 'claimed' AND claimed_by LIKE $1", [like])).rows.map((r) => r.id);
      victimOutbox = (await db.query<{ key: string }>("SELECT key FROM slack_outbox WHERE state = 'claimed' AND claimed_by LIKE $1", [like])).rows.map((r) => r.key);
      console.log(`#${repeat} ${config}: SIGKILLed ${victim.name} (pid ${victim.pid}) ${s(killedAt - mid, 1)} after midway, holding ${victimHeld.length} claimed reminders and ${victimOutbox.length} claimed outbox rows`);
    }

    // Until nothing is left to post, or the deadline for "lost".
    const deadline = lastDue + LOST_AFTER_MS;
    for (;;) {
      await sleep(500);
      const open = await db.query<{ r: number; o: number }>(
        "SELECT (SELECT count(*)::int FROM reminders WHERE state IN ('pending', 'claimed')) AS r, (SELECT count(*)::int FROM slack_outbox WHERE state IN ('pending', 'claimed')) AS o",
      );
      const { r, o } = open.rows[0]!;
      if ((Date.now() > lastDue && r === 0 && o === 0) || Date.now() > deadline) break;
    }
    await sleep(1000);
    const cpuAfter = procs.map((p, i) => (i === victimIndex ? victimCpu : cpuMs(p.pid)));
    const machineAfter = machineTicks();
    loopDelay.disable();

    // Every accepted chat.postMessage carrying a reminder's key, and every stored message carrying one.
    const postedAt = new Map<string, number>();
    let rateLimited = 0;
    let otherPosts = 0;
    fake.calls.forEach((c, i) => {
      if (c.method !== 'chat.postMessage') return;
      if (c.rateLimited) {
        rateLimited++;
        return;
      }
      const key = (c.args['metadata'] as { event_payload?: { key?: string } } | undefined)?.event_payload?.key;
      if (!key?.startsWith('reminder:')) {
        otherPosts++;
        return;
      }
      if (c.answer?.['ok'] !== true) return;
      const id = key.slice('reminder:'.length);
      if (!postedAt.has(id)) postedAt.set(id, seenAt[i]!);
    });
    const stored = new Map<string, number>();
    for (const m of fake.messages()) {
      const key = m.metadata?.event_payload['key'];
      if (typeof key === 'string' && key.startsWith('reminder:')) stored.set(key, (stored.get(key) ?? 0) + 1);
    }
    const duplicates = [...stored.values()].reduce((a, n) => a + Math.max(0, n - 1), 0);
    const rows = (await db.query<{ id: string; state: string; attempts: number; done_at: Date | null; due_at: Date }>('SELECT id, state, attempts, done_at, due_at FROM reminders')).rows;
    const late = new Map<string, number>();
    for (const [id, at] of postedAt) if (at <= deadline) late.set(id, at - due.get(id)!);
    const lateness = [...late.values()];
    const sent = rows.filter((r) => r.done_at && r.state === 'sent').map((r) => new Date(r.done_at!).getTime() - new Date(r.due_at).getTime());
    // From the change's clock reading (done_at) to the post reaching Slack: the change itself, then the outbox's post.
    const toPost = rows.filter((r) => r.done_at && postedAt.has(r.id)).map((r) => postedAt.get(r.id)! - new Date(r.done_at!).getTime());
    writeFileSync(
      join(dir, `${schema}-reminders.json`),
      JSON.stringify(rows.map((r) => ({ id: r.id, due: new Date(r.due_at).getTime(), done: r.done_at ? new Date(r.done_at).getTime() : null, posted: postedAt.get(r.id) ?? null, attempts: r.attempts }))),
    );
    const held = new Set(victimHeld);
    const victimLate = [...late].filter(([id]) => held.has(id)).map(([, v]) => v);
    const othersLate = [...late].filter(([id]) => !held.has(id)).map(([, v]) => v);
    const byOwner = new Map<string, number>();
    for (const r of (await db.query<{ claimed_by: string; n: number }>("SELECT claimed_by, count(*)::int AS n FROM reminders WHERE state = 'sent' GROUP BY 1")).rows) byOwner.set(r.claimed_by, r.n);
    const sentBy = procs.map((p) => [...byOwner].filter(([o]) => o.includes(`/${p.pid}/`)).reduce((a, [, n]) => a + n, 0)).join(' + ');
    const problems = procs.map(logProblems).filter((p) => p.count > 0).map((p) => `${p.count} (${p.top})`).join(' + ');
    const run: LatenessRun = {
      repeat,
      config,
      reminders: due.size,
      posted: late.size,
      lost: due.size - late.size,
      duplicates,
      skipped: rows.filter((r) => r.state === 'skipped').length,
      p50: pct(lateness, 50),
      p99: pct(lateness, 99),
      worst: lateness.length ? Math.max(...lateness) : NaN,
      sentP50: pct(sent, 50),
      toPostP50: pct(toPost, 50),
      toPostMax: toPost.length ? Math.max(...toPost) : NaN,
      ...(kill ? { victimHeld: victimHeld.length, victimOutbox: victimOutbox.length, victimWorst: victimLate.length ? Math.max(...victimLate) : NaN, othersWorst: othersLate.length ? Math.max(...othersLate) : NaN } : {}),
      retried: rows.filter((r) => r.attempts > 1).length,
      rateLimited,
      otherPosts,
      cpuMsPerReminder: cpuAfter.reduce((a, v, i) => a + v - cpuBefore[i]!, 0) / Math.max(1, due.size),
      machineBusy: busyPct(machineBefore, machineAfter),
      problems: problems || '0',
      sentBy,
      loopP99: loopDelay.percentile(99) / 1e6,
      loopMax: loopDelay.max / 1e6,
      ranS: (Date.now() - t0Run) / 1000,
    };
    latenessRuns.push(run);
    console.log(
      `#${repeat} ${config}: posted ${run.posted}/${run.reminders}, lost ${run.lost}, duplicates ${run.duplicates}, skipped ${run.skipped} | lateness p50 ${s(run.p50)} p99 ${s(run.p99)} worst ${s(run.worst)} | due->sent p50 ${s(run.sentP50)} | sent->posted p50 ${s(run.toPostP50)} max ${s(run.toPostMax)}` +
        (kill ? ` | held by the killed bot: ${run.victimHeld} (worst ${s(run.victimWorst!)}), others' worst ${s(run.othersWorst!)}` : '') +
        ` | sent by bot ${run.sentBy} | claimed more than once ${run.retried} | 429s ${run.rateLimited} | other posts ${run.otherPosts} | bots' CPU ${f(run.cpuMsPerReminder, 2)} ms/reminder | machine busy ${f(run.machineBusy, 0)}% | bench event loop delay p99 ${f(run.loopP99, 0)} ms max ${f(run.loopMax, 0)} ms | bots' warnings/errors ${run.problems} | ${f(run.ranS, 0)} s`,
    );
  } finally {
    stopStamping();
    await Promise.all(procs.map(stopBot));
    await fake.close();
    await db.close();
  }
}

// ---- part 2: scale ----
/** A Queryable that remembers the last statement it was given (the claim's SQL, exactly as the store sends it). */
function capturing(q: Queryable): Queryable & { last?: { sql: string; params: unknown[] } } {
  const c: Queryable & { last?: { sql: string; params: unknown[] } } = {
    query(sql, params) {
      c.last = { sql, params: params ?? [] };
      return q.query(sql, params);
    },
  };
  return c;
}
/** `db`, counting the statements sent through it and the time spent waiting for them (transactions included). */
function counting(db: Db): { db: Db; stats: { queries: number; ms: number; txs: number; bySql: Map<string, { n: number; ms: number }> } } {
  const stats = { queries: 0, ms: 0, txs: 0, bySql: new Map<string, { n: number; ms: number }>() };
  const timed = <Q extends Queryable>(q: Q): Q => ({
    ...q,
    async query<T>(sql: string, params?: unknown[]) {
      const t = performance.now();
      try {
        return await q.query<T>(sql, params);
      } finally {
        const ms = performance.now() - t;
        stats.queries++;
        stats.ms += ms;
        const key = sql.replace(/\s+/g, ' ').trim().slice(0, 70);
        const by = stats.bySql.get(key) ?? { n: 0, ms: 0 };
        by.n++;
        by.ms += ms;
        stats.bySql.set(key, by);
      }
    },
  });
  const wrapped: Db = {
    ...timed(db),
    kind: db.kind,
    tx: (fn, opts) => {
      stats.txs++;
      return db.tx((q) => fn(timed(q)), opts);
    },
    ping: () => db.ping(),
    close: () => db.close(),
  };
  return { db: wrapped, stats };
}
class Rollback extends Error {}
/** Run fn in a transaction that is always rolled back. */
async function rolledBack<T>(db: Db, fn: (q: Queryable) => Promise<T>): Promise<T> {
  let out: T | undefined;
  try {
    await db.tx(async (q) => {
      out = await fn(q);
      throw new Rollback('rollback');
    });
  } catch (err) {
    if (!(err instanceof Rollback) && (err as Error).message !== 'rollback') throw err;
  }
  return out as T;
}

async function scale(): Promise<void> {
  const t0Part = Date.now();
  const { db } = await freshSchema('scale');
  const fake = await startFakeSlack({ rateLimits: true });
  try {
    const tpl = template('checklists/rls-rollout.yml');
    const now = new Date();
    const DAY = 86_400_000;
    // T0 over the next 60 days, each more than a day ahead, so every reminder the template plans is pending.
    const t0s = Array.from({ length: SCALE_PROMOTIONS }, (_, i) => new Date(now.getTime() + 26 * 3_600_000 + Math.floor((i * 60 * DAY) / SCALE_PROMOTIONS)));
    const ins = Date.now();
    const reminders = await insertScheduled(db, tpl, t0s, (i) => `C0SCALE${String(i).padStart(5, '0')}`, now, 100, 3);
    const insertMs = Date.now() - ins;
    const size = await db.query<{ rows: number; items: number; table: string; idx: string }>(
      `SELECT (SELECT count(*)::int FROM reminders) AS rows, (SELECT count(*)::int FROM item_states) AS items,
              pg_size_pretty(pg_total_relation_size('reminders')) AS table, pg_size_pretty(pg_relation_size('reminders_due')) AS idx`,
    );
    const z = size.rows[0]!;
    console.log(
      `scale: ${SCALE_PROMOTIONS} promotions of rls-rollout (${allItems(tpl).length} items, ${reminders / SCALE_PROMOTIONS} reminders each): ${z.rows} reminder rows (${z.table}, reminders_due ${z.idx}), ${z.items} item_states rows, inserted in ${s(insertMs, 0)}; load ${load()}`,
    );

    const nthDue = async (n: number): Promise<Date> =>
      new Date((await db.query<{ due_at: Date }>("SELECT due_at FROM reminders WHERE state IN ('pending', 'claimed') ORDER BY due_at OFFSET $1 LIMIT 1", [n - 1])).rows[0]!.due_at);
    const at50 = await nthDue(50);
    const dueAt50 = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM reminders WHERE state = 'pending' AND due_at <= $1", [at50])).rows[0]!.n;

    // The claim's SQL, captured from claimDueReminders itself, explained at a now where ~50 are due.
    const plans: string[] = [];
    const explain = async (label: string) => {
      const captured = await rolledBack(db, async (q) => {
        const cap = capturing(q);
        await claimDueReminders(cap, 'bench/explain', at50, REMINDER_CLAIM_MS, 50);
        return cap.last!;
      });
      const plan = await rolledBack(db, async (q) =>
        (await q.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${captured.sql}`, captured.params)).rows.map((r) => r['QUERY PLAN']),
      );
      const access = plan.some((l) => /Index Scan using reminders_due/.test(l))
        ? 'index scan on reminders_due'
        : plan.some((l) => /Bitmap Index Scan on reminders_due/.test(l))
          ? 'bitmap index scan on reminders_due, then a sort'
          : `NOT on reminders_due: ${plan.find((l) => /Scan/.test(l))?.trim() ?? '?'}`;
      const exec = plan.find((l) => l.startsWith('Execution Time'))?.replace('Execution Time: ', '') ?? '?';
      console.log(`\nscale: EXPLAIN (ANALYZE, BUFFERS) of the claim at a now with ${dueAt50} due, ${label}: ${access} (${exec})`);
      for (const l of plan) console.log(`    ${l}`);
      plans.push(`${label}: ${access}, ${exec}`);
    };
    const statsBefore = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'reminders'");
    await explain(`table never analyzed (pg_stats rows for reminders: ${statsBefore.rows[0]!.n}; autovacuum ${(await db.query<{ autovacuum: string }>('SHOW autovacuum')).rows[0]!.autovacuum})`);
    await db.query('ANALYZE reminders');
    await explain('after ANALYZE reminders');

    // The claim's cost per tick: claimDueReminders in a transaction rolled back each time (the rows stay due).
    const claimCost = async (when: Date): Promise<{ ms: number[]; claimed: number }> => {
      const ms: number[] = [];
      let claimed = 0;
      for (let i = 0; i < CLAIM_RUNS; i++) {
        await rolledBack(db, async (q) => {
          const t = performance.now();
          const got = await claimDueReminders(q, 'bench/cost', when, REMINDER_CLAIM_MS, 50);
          ms.push(performance.now() - t);
          claimed = got.length;
        });
      }
      return { ms, claimed };
    };
    const busy = await claimCost(at50);
    const idle = await claimCost(now);
    console.log(
      `\nscale: claimDueReminders x${CLAIM_RUNS} (rolled back): ${busy.claimed} due: p50 ${f(pct(busy.ms, 50), 2)} ms p99 ${f(pct(busy.ms, 99), 2)} ms max ${f(Math.max(...busy.ms), 2)} ms | none due: p50 ${f(pct(idle.ms, 50), 2)} ms p99 ${f(pct(idle.ms, 99), 2)} ms; load ${load()}`,
    );

    // One full sendDue over ~50 due reminders, through the real ReminderSender of a bot in this process.
    let clockNow = at50;
    const config = loadConfig({ SLACK_BOT_TOKEN: DEFAULT_BOT_TOKEN, SLACK_SIGNING_SECRET: DEFAULT_SIGNING_SECRET, SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'warn' });
    const counted = counting(db);
    const bot = createPreflight({ config, db: counted.db, templates: new Map([[tpl.id, tpl]]), log: createLogger('warn'), clock: () => clockNow, scheduler: false });
    const ticks: Array<{ ms: number; posted: number; due: number; queries: number; dbMs: number; txs: number; calls: number; limited: number; cpuMs: number }> = [];
    let lastTick = 0;
    for (let i = 0; i < SENDDUE_RUNS; i++) {
      // Five seconds apart, as the ticker runs them (50 posts a tick is Slack's workspace-wide 10 a second in the fake).
      await sleep(Math.max(0, lastTick + 5000 - performance.now()));
      lastTick = performance.now();
      clockNow = await nthDue(50);
      const dueNow = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM reminders WHERE state = 'pending' AND due_at <= $1", [clockNow])).rows[0]!.n;
      const before = { ...counted.stats };
      if (i === 0) counted.stats.bySql.clear();
      const callsBefore = fake.calls.length;
      const t = performance.now();
      const cpu = process.cpuUsage();
      const posted = await bot.remind();
      const ms = performance.now() - t;
      const used = process.cpuUsage(cpu);
      const cpuMsHere = (used.user + used.system) / 1000;
      ticks.push({ ms, posted, due: dueNow, queries: counted.stats.queries - before.queries, dbMs: counted.stats.ms - before.ms, txs: counted.stats.txs - before.txs, calls: fake.calls.length - callsBefore, limited: fake.calls.slice(callsBefore).filter((c) => c.rateLimited).length, cpuMs: cpuMsHere });
    }
    await bot.idle();
    bot.publisher.stop();
    const top = [...counted.stats.bySql].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8);
    console.log(`scale: the bot's statements over the ${SENDDUE_RUNS} ticks, by total time:`);
    for (const [sql, v] of top) console.log(`    ${f(v.ms, 0)} ms in ${v.n} (${f(v.ms / v.n, 2)} ms each): ${sql}`);
    const outcomes = await db.query<{ kind: string; state: string; why: string | null; n: number }>(
      "SELECT kind, state, coalesce(done_reason, last_error) AS why, count(*)::int AS n FROM reminders WHERE state <> 'pending' OR last_error IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2",
    );
    console.log(`scale: reminders after the ticks: ${outcomes.rows.map((r) => `${r.kind} ${r.state}${r.why ? ` (${r.why.slice(0, 80)})` : ''}: ${r.n}`).join('; ')}`);
    const posts = fake.callsTo('chat.postMessage').filter((c) => !c.rateLimited && c.answer?.['ok'] === true).length;
    console.log(
      `scale: sendDue over ~50 due reminders, ${SENDDUE_RUNS} ticks in a row: ${ticks.map((t) => `${f(t.ms / 1000, 2)} s (${t.posted}/${t.due} posted; ${t.txs} transactions, ${t.queries} statements, ${f(t.dbMs / 1000, 2)} s waiting for them; ${t.calls} Slack calls, ${t.limited} answered 429; ${f(t.cpuMs / 1000, 2)} s of this process's CPU)`).join(', ')}; median ${s(medianOf(ticks.map((t) => t.ms)))}, ${f(medianOf(ticks.map((t) => t.ms / Math.max(1, t.due))), 1)} ms per due reminder; ${posts} chat.postMessage accepted by the fake; load ${load()}`,
    );
    scaleSummary = {
      rows: z.rows,
      perPromotion: reminders / SCALE_PROMOTIONS,
      items: z.items,
      table: z.table,
      idx: z.idx,
      insertMs,
      dueAt50,
      claimP50: pct(busy.ms, 50),
      claimP99: pct(busy.ms, 99),
      idleP50: pct(idle.ms, 50),
      idleP99: pct(idle.ms, 99),
      sendDue: ticks,
      plans,
      ranS: (Date.now() - t0Part) / 1000,
    };
  } finally {
    await fake.close();
    await db.close();
  }
}
let scaleSummary:
  | { rows: number; perPromotion: number; items: number; table: string; idx: string; insertMs: number; dueAt50: number; claimP50: number; claimP99: number; idleP50: number; idleP99: number; sendDue: Array<{ ms: number; posted: number; due: number; queries: number; dbMs: number; txs: number; calls: number; limited: number; cpuMs: number }>; plans: string[]; ranS: number }
  | undefined;

// ---- main ----
{
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  const head = git(['log', '-1', '--format=%h %s']);
  const dirty = git(['status', '--porcelain', '--', 'src', 'commands', 'blocks', 'checklists']);
  console.log(`reminders: code ${head ? `at ${head.slice(0, 100)}` : 'not in a git checkout'}${dirty ? `, with ${dirty.split('\n').length} uncommitted changes under src/ commands/ blocks/ checklists/` : ''}`);
  console.log(`reminders: node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${load()}; database ${dbName}; bot logs in ${dir}`);
}
await admin(`CREATE DATABASE ${dbName}`);
try {
  if (PARTS.has('scale')) await scale();
  if (PARTS.has('lateness')) {
    for (let repeat = 1; repeat <= REPEATS; repeat++) {
      await latenessRun(repeat, 1, false);
      await latenessRun(repeat, 3, true);
    }
  }
} finally {
  await dropDatabase();
}

if (latenessRuns.length > 0) {
  console.log(`\n## Lateness: ${PROMOTIONS * 2} reminders due over ${(STAGGER_MS + 60_000) / 1000} s, per run\n`);
  console.log('| run | bots | posted | lost | duplicates | skipped | lateness p50 | p99 | worst | due to sent p50 | sent to posted p50 (max) | sent by bot | held by the killed bot (their worst) | others\' worst | claimed twice | 429s | bots\' CPU ms/reminder | machine busy % | bots\' warnings/errors |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of latenessRuns) {
    console.log(
      `| ${r.repeat} | ${r.config} | ${r.posted}/${r.reminders} | ${r.lost} | ${r.duplicates} | ${r.skipped} | ${s(r.p50)} | ${s(r.p99)} | ${s(r.worst)} | ${s(r.sentP50)} | ${s(r.toPostP50)} (${s(r.toPostMax)}) | ${r.sentBy} | ${r.victimHeld === undefined ? '-' : `${r.victimHeld} (${s(r.victimWorst!)})`} | ${r.othersWorst === undefined ? '-' : s(r.othersWorst)} | ${r.retried} | ${r.rateLimited} | ${f(r.cpuMsPerReminder, 2)} | ${f(r.machineBusy, 0)} | ${r.problems} |`,
    );
  }
  console.log(`\n## Lateness: medians over ${REPEATS} run(s) (min-max)\n`);
  console.log('| bots | lateness p50 | p99 | worst | lost (sum) | duplicates (sum) | held by the killed bot | their worst |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const config of [...new Set(latenessRuns.map((r) => r.config))]) {
    const rs = latenessRuns.filter((r) => r.config === config);
    const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const killed = rs[0]!.victimHeld !== undefined;
    console.log(
      `| ${config} | ${spread(rs.map((r) => r.p50), sec)} | ${spread(rs.map((r) => r.p99), sec)} | ${spread(rs.map((r) => r.worst), sec)} | ${rs.reduce((a, r) => a + r.lost, 0)} | ${rs.reduce((a, r) => a + r.duplicates, 0)} | ${killed ? spread(rs.map((r) => r.victimHeld!), (x) => String(x)) : '-'} | ${killed ? spread(rs.map((r) => r.victimWorst!), sec) : '-'} |`,
    );
  }
}
if (scaleSummary) {
  const z = scaleSummary;
  console.log(
    `\n## Scale: ${SCALE_PROMOTIONS} promotions, ${z.rows} reminders (${z.perPromotion} each; ${z.table}, index ${z.idx}), ${z.items} item_states; inserted in ${s(z.insertMs, 0)}\n`,
  );
  for (const p of z.plans) console.log(`- plan, ${p}`);
  console.log(`- claim with ${z.dueAt50} due: p50 ${f(z.claimP50, 2)} ms, p99 ${f(z.claimP99, 2)} ms (${CLAIM_RUNS} runs); with none due: p50 ${f(z.idleP50, 2)} ms, p99 ${f(z.idleP99, 2)} ms`);
  console.log(`- sendDue over ~50 due: median ${s(medianOf(z.sendDue.map((t) => t.ms)))} (${z.sendDue.map((t) => s(t.ms)).join(', ')})`);
}
console.log(`\nreminders: done in ${s(Date.now() - benchStart, 0)}; load average ${load()}`);
