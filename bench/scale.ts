/**
 * Issue 14's benchmark, part 1: the bot's own request paths and background claims on a database of realistic size.
 *
 * A throwaway database `bench_scale_<random>` on the server of TEST_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test), migrated with src/store/migrate.ts, then filled with SQL (INSERT ... SELECT
 * generate_series; FK triggers off while filling, every constraint and index of the migrations in place) with
 * SCALE_PROMOTIONS promotions (10,000) and SCALE_EVENTS audit events (1,000,000), on the built-in templates of
 * checklists/: per promotion a row per template item (item_states), its messages (the plan blocks/layout.ts makes),
 * approvals (some voided), decisions, the timeline's reminders, outbox rows, probe runs, GitHub gates and deliveries,
 * workflow dispatches, rollbacks; most promotions ended (completed, aborted, rolled back), SCALE_ACTIVE (50) active
 * across SCALE_CHANNELS (20) channels, each holding its environment's lock. One promotion (rls-rollout) has
 * SCALE_BIG_EVENTS (2,000) events, written with a real hash chain (the report verifies it); the others' hashes are
 * synthetic (nothing measured here reads them), their event data valid for its kind. Then VACUUM ANALYZE, as
 * autovacuum would have by then.
 *
 * Measured, each SCALE_RUNS times (200) after SCALE_WARMUP (20) unmeasured, in SCALE_ROUNDS rounds (3):
 * - `/promote status <release>` and `/promote list`: signed slash commands into the real Bolt app (startLocalStack,
 *   src/playground/stack.ts, one bot in this process on this database, the fake Slack): ack (HTTP answer) and reply
 *   (the private answer arriving at the response_url);
 * - App Home: a signed `app_home_opened` event: ack, and views.publish arriving at the fake;
 * - the audit report of the 2,000-event promotion: what reportFiles (src/services/report.ts) does, its load (one
 *   REPEATABLE READ transaction) and its build (buildReport + Markdown + JSON) timed apart;
 * - claimDueReminders with 50 reminders due, and with none due (the idle tick), each in a transaction rolled back;
 * - the GO gate check, as decideGo does it inside its change: the promotion locked, loadView, listApprovals, goGate
 *   (rolled back);
 * - the GitHub gate sender's claimDueReports and claimDueAnswers (rolled back).
 * Each op's time in SQL is also given: the time its statements took, summed, measured around the Db's query function.
 * Then every distinct statement each op sent (captured by wrapping the Db's query function) is run once more under
 * EXPLAIN (ANALYZE, BUFFERS) with the parameters it was sent with (inside a transaction rolled back), and each plan's
 * scans are listed: a Seq Scan on promotions, audit_events, item_states or any table of 5,000 rows or more is flagged. Last, the statements the background
 * jobs send (the scheduler on for SCALE_JOBS_SECONDS, 25) are captured and explained the same way.
 *
 * Also printed: the database's size per table, per promotion and per audit event (pg_total_relation_size), written with
 * the op figures to SCALE_SUMMARY (default <tmpdir>/preflight-bench-scale.json) for bench/footprint.ts.
 *
 *   npm run bench:scale
 * Env: SCALE_PROMOTIONS (10000), SCALE_EVENTS (1000000), SCALE_BIG_EVENTS (2000), SCALE_ACTIVE (50), SCALE_CHANNELS (20),
 *      SCALE_RUNS (200), SCALE_WARMUP (20), SCALE_ROUNDS (3), SCALE_OPS (comma list of op names; default all),
 *      SCALE_PLANS (full: print every plan; summary: only the scan summary), SCALE_JOBS_SECONDS (25; 0 skips),
 *      SCALE_KEEP (1: keep the database, its name is printed), SCALE_DB (measure an existing, kept database: no fill),
 *      SCALE_SUMMARY (where the JSON summary goes).
 * Prints figures; asserts nothing. The load average is printed beside every op: the figures are noisy on a shared machine.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { planMessages } from '../blocks/layout.js';
import { parseAuditEvent } from '../src/domain/audit-events.js';
import { auditHash } from '../src/domain/audit.js';
import { goGate } from '../src/domain/gate.js';
import { buildReport, reportJson, reportMarkdown } from '../src/domain/report.js';
import { allItems, itemKind, type Template } from '../src/domain/template.js';
import { approvalId } from '../src/domain/template/people.js';
import { DEFAULT_GATE_TIMING, REPORTS_PER_DEPLOYMENT } from '../src/github/gate-sender.js';
import type { LocalDatabase } from '../src/playground/databases.js';
import { appHomeOpened, slashCommand } from '../src/playground/slack-client/index.js';
import { startLocalStack, type LocalStack } from '../src/playground/stack.js';
import { lockActivePromotion } from '../src/services/guard.js';
import { REMINDER_CLAIM_MS } from '../src/services/reminders.js';
import { loadReportInput } from '../src/services/report.js';
import { listApprovals } from '../src/store/approvals.js';
import { connectPostgres, type Db, type Queryable, type TxOptions, type TxQueryable } from '../src/store/db.js';
import { claimDueAnswers, claimDueReports } from '../src/store/github-gates.js';
import { migrate } from '../src/store/migrate.js';
import { loadView } from '../src/store/promotions.js';
import { claimDueReminders } from '../src/store/reminders.js';
import { loadTemplates } from '../src/templates/loader.js';

const env = process.env;
const BASE_URL = env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const PROMOTIONS = Number(env['SCALE_PROMOTIONS'] ?? 10_000);
const EVENTS = Number(env['SCALE_EVENTS'] ?? 1_000_000);
const BIG = Number(env['SCALE_BIG_EVENTS'] ?? 2_000);
const ACTIVE = Number(env['SCALE_ACTIVE'] ?? 50);
const CHANNELS = Number(env['SCALE_CHANNELS'] ?? 20);
const RUNS = Number(env['SCALE_RUNS'] ?? 200);
const WARMUP = Number(env['SCALE_WARMUP'] ?? 20);
const ROUNDS = Number(env['SCALE_ROUNDS'] ?? 3);
const OPS = env['SCALE_OPS'] ? new Set(env['SCALE_OPS'].split(',').filter(Boolean)) : undefined;
const PLANS = env['SCALE_PLANS'] ?? 'full';
const JOBS_SECONDS = Number(env['SCALE_JOBS_SECONDS'] ?? 25);
const KEEP = env['SCALE_KEEP'] === '1';
const REUSE = env['SCALE_DB'];
const SUMMARY = env['SCALE_SUMMARY'] ?? join(tmpdir(), 'preflight-bench-scale.json');
const TEAM = 'T0PREFLIGHT'; // the simulated client's default team: Home reads this workspace's promotions
/** A Seq Scan on a table with at least this many rows, or on one of BIG_TABLES, is a finding. */
const LARGE = 5_000;
const BIG_TABLES = new Set(['promotions', 'audit_events', 'item_states']);

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
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

// ---- the database ----
const dbName = REUSE ?? `bench_scale_${randomBytes(4).toString('hex')}`;
const dbUrl = (() => {
  const u = new URL(BASE_URL);
  u.pathname = `/${dbName}`;
  return u.toString();
})();
async function onServer(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: BASE_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

// ---- capturing the statements a Db sends ----
interface Captured {
  sql: string;
  params: unknown[] | undefined;
}
const capture = { on: false, list: [] as Captured[] };
/** Time spent waiting for statements (summed over statements; those run side by side count each) and how many. */
const sqlClock = { ms: 0, n: 0 };
function capturing(db: Db): Db {
  const wrap = <Q extends Queryable>(q: Q): Q => ({
    ...q,
    query: async <T = Record<string, unknown>>(sql: string, params?: unknown[]) => {
      if (capture.on) capture.list.push({ sql, params });
      const t = performance.now();
      try {
        return await q.query<T>(sql, params);
      } finally {
        sqlClock.ms += performance.now() - t;
        sqlClock.n++;
      }
    },
  });
  return {
    ...db,
    query: wrap<Queryable>(db).query,
    tx<T>(fn: (q: TxQueryable) => Promise<T>, opts?: TxOptions): Promise<T> {
      return db.tx((q) => fn(wrap(q)), opts);
    },
  };
}
class Rollback extends Error {}
/** Run fn in a transaction that is rolled back (a claim measured over and over leaves the rows as they were). */
async function rolledBack<T>(db: Db, fn: (q: TxQueryable) => Promise<T>): Promise<T> {
  let out: T | undefined;
  try {
    await db.tx(async (q) => {
      out = await fn(q);
      throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  return out as T;
}

// ---- templates ----
interface TemplateInfo {
  template: Template;
  items: string[];
  kinds: string[];
  fieldItems: string[];
  probeItems: string[];
  apprIds: string[];
  apprRoles: string[];
  plan: number[][];
  timeline: number;
}
function templateInfo(t: Template): TemplateInfo {
  const items = allItems(t);
  return {
    template: t,
    items: items.map((i) => i.id),
    kinds: items.map(itemKind),
    fieldItems: items.filter((i) => itemKind(i) === 'field').map((i) => i.id),
    probeItems: items.filter((i) => i.probe).map((i) => i.id),
    apprIds: t.approvals.map((a) => approvalId(a)),
    apprRoles: t.approvals.map((a) => a.role),
    plan: planMessages(t),
    timeline: t.timeline?.length ?? 0,
  };
}

/** Events per promotion: BIG for the first, 15-44 for the active ones, the rest spread (+-59) so the total is EVENTS. */
function eventCounts(): number[] {
  const counts = new Array<number>(PROMOTIONS).fill(0);
  counts[0] = BIG;
  let used = BIG;
  for (let i = PROMOTIONS - ACTIVE; i < PROMOTIONS; i++) {
    counts[i] = 15 + ((i * 7) % 30);
    used += counts[i]!;
  }
  const others = PROMOTIONS - 1 - ACTIVE;
  const remaining = EVENTS - used;
  const base = Math.max(6, Math.floor(remaining / others));
  let extra = Math.max(0, remaining - base * others);
  const jitter = Math.min(59, base - 6);
  for (let j = 0; j < others; j++) {
    const idx = 1 + j;
    const d = (Math.floor(j / 2) * 13) % (jitter + 1);
    const sign = j % 2 === 0 ? 1 : -1;
    counts[idx] = base + (j === others - 1 && others % 2 === 1 ? 0 : sign * d);
    if (extra > 0) {
      counts[idx]!++;
      extra--;
    }
  }
  return counts;
}

/** The 2,000-event promotion's trail: valid events of every common kind, in a real hash chain. */
function bigTrail(info: TemplateInfo, p: { id: string; release: string; channel: string; environment: string; created: Date; ended: Date }, count: number) {
  const events: Array<{ seq: number; at: Date; actor: string; action: string; data: unknown; prevHash: string; hash: string }> = [];
  const span = p.ended.getTime() - p.created.getTime();
  const probeItems = info.probeItems.length ? info.probeItems : info.items;
  const fieldItems = info.fieldItems.length ? info.fieldItems : info.items;
  const pick = <T>(a: readonly T[], n: number): T => a[n % a.length]!;
  const approvals = Object.fromEntries(info.apprIds.map((id) => [id, { fingerprint: 'f'.repeat(64), by: ['U0APPR1'] }]));
  let prev = '';
  let lastRun = '';
  for (let seq = 1; seq <= count; seq++) {
    const at = new Date(p.created.getTime() + Math.round((span * seq) / (count + 1)));
    const m = seq % 50;
    const item = pick(info.items, seq * 37);
    let action: string;
    let data: unknown;
    if (seq === 1) [action, data] = ['promotion.started', { release: p.release, template: info.template.id, channel: p.channel }];
    else if (seq === 2) [action, data] = ['lock.taken', { environment: p.environment }];
    else if (seq === 3) {
      const t0 = new Date(p.created.getTime() + 3_600_000).toISOString();
      [action, data] = ['window.scheduled', { start: t0, end: new Date(p.created.getTime() + 4 * 3_600_000).toISOString(), t0, previous: null, reminders: info.timeline }];
    } else if (seq === count - 3) [action, data] = ['decision.go', { approvals }];
    else if (seq === count - 2) [action, data] = ['promotion.completed', { approvals }];
    else if (seq === count - 1) [action, data] = ['reminders.cancelled', { count: 2, why: 'the promotion completed' }];
    else if (seq === count) [action, data] = ['lock.released', { environment: p.environment, why: 'completed' }];
    else if (m === 0) {
      lastRun = `${p.id.slice(0, 8)}-run-${seq}`;
      [action, data] = ['probe.started', { runs: [{ item: pick(probeItems, seq), run: lastRun }] }];
    } else if (m === 1 && lastRun)
      [action, data] = ['probe.ran', { item: pick(probeItems, seq - 1), run: lastRun, status: 'pass', summary: 'HTTP 200 from https://status.example.com/health in 212 ms', duration_ms: 212, effect: 'ticked', records: {} }];
    else if (m === 5) [action, data] = ['field.set', { item: pick(fieldItems, seq), before: null, after: `https://github.com/example/app/actions/runs/${9_000_000 + seq}` }];
    else if (m === 10) [action, data] = ['item.assigned', { item, before: null, after: `U0USER${seq % 40}` }];
    else if (m === 15) [action, data] = ['reminder.sent', { reminder: `${p.id.slice(0, 8)}-rem-${seq}`, kind: 'timeline', offset: 'T-1h', due_at: at.toISOString(), late: false }];
    else if (m === 20) [action, data] = ['approval.given', { approval: pick(info.apprIds, seq), role: pick(info.apprRoles, seq), fingerprint: 'f'.repeat(64), bound: {} }];
    else if (m === 25) [action, data] = ['item.not_applicable', { item, kind: 'check', before: null, reason: 'not in scope for this release' }];
    else if (m === 26) [action, data] = ['item.applicable', { item: pick(info.items, (seq - 1) * 37), kind: 'check', before: { state: 'na', value: null, note: 'not in scope for this release' }, reason: null }];
    else if (m === 30) [action, data] = ['decision.refused', { decision: 'go', missing: ['Approval: Architecture review (@architect): 0 of 1', `Item: ${item}`] }];
    else if (m === 35) [action, data] = ['items.toggled', { ticked: [], unticked: [item] }];
    else [action, data] = ['items.toggled', { ticked: [item], unticked: [] }];
    parseAuditEvent(action, data); // throws if the bench wrote a shape the trail never holds
    const actor = seq === 1 ? 'U0USER1' : `U0USER${seq % 40}`;
    const hash = auditHash(prev, { seq, at, actor, action, data });
    events.push({ seq, at, actor, action, data, prevHash: prev, hash });
    prev = hash;
  }
  return events;
}

// ---- the fill ----
async function fill(c: pg.Client, templates: Map<string, Template>): Promise<{ seconds: number }> {
  const started = performance.now();
  const step = async (what: string, sql: string, params?: unknown[]) => {
    const t = performance.now();
    const r = await c.query(sql, params);
    log(`  ${what}: ${r.rowCount ?? 0} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };
  // Bulk load: no FK triggers while filling (the rows are consistent by construction; the constraints stay declared).
  await c.query("SET session_replication_role = replica; SET synchronous_commit = off; SET work_mem = '64MB'; SET maintenance_work_mem = '256MB'");
  const infos = [...templates.values()].map(templateInfo);
  await c.query(`CREATE TEMP TABLE bench_tpl (k int, template_id text, template jsonb, items text[], kinds text[], field_items text[], probe_items text[],
    appr_ids text[], appr_roles text[], plan jsonb, timeline_n int, env text)`);
  for (const [k, t] of infos.entries()) {
    await c.query('INSERT INTO bench_tpl VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)', [
      k, t.template.id, JSON.stringify(t.template), t.items, t.kinds, t.fieldItems, t.probeItems, t.apprIds, t.apprRoles, JSON.stringify(t.plan), t.timeline, t.template.environment ?? 'production',
    ]);
  }
  const big = infos.find((t) => t.template.id === 'rls-rollout') ?? infos.reduce((a, b) => (b.items.length > a.items.length ? b : a));
  const counts = eventCounts();
  // One row per promotion with what the other tables are made from. i = 1 is the 2,000-event promotion.
  await step(
    'bench_p',
    `CREATE TEMP TABLE bench_p AS
     SELECT g.*, t.template, t.items, t.kinds, t.field_items, t.probe_items, t.appr_ids, t.appr_roles, t.plan, t.timeline_n,
       CASE WHEN g.status = 'active' THEN 'env-' || g.i ELSE t.env END AS environment,
       CASE WHEN g.status = 'active' THEN NULL ELSE least(g.created + (2 + (g.i * 31) % 46) * interval '1 hour', now() - interval '5 minutes') END AS ended,
       CASE WHEN t.timeline_n = 0 THEN NULL WHEN g.status = 'active' THEN now() + (2 + g.i % 5) * interval '1 day' ELSE g.created + interval '2 hours' END AS t0,
       CASE g.status WHEN 'completed' THEN 'go' WHEN 'rolled-back' THEN 'rolling-back'
         WHEN 'aborted' THEN CASE WHEN g.i % 2 = 0 THEN 'no-go' ELSE 'preparing' END
         ELSE CASE WHEN g.r < 60 THEN 'preparing' ELSE 'go' END END AS stage
     FROM (
       SELECT c.i, c.n, md5('promotion:' || c.i)::uuid AS id, (c.i * 7919) % 100 AS r,
         'v' || ((c.i - 1) / 100 + 1) || '.' || ((c.i - 1) % 100) AS release,
         'C0SCALE' || lpad(((c.i - 1) % $3::int)::text, 2, '0') AS channel,
         CASE WHEN c.i > $2::int - $4::int THEN 'active' WHEN c.i = 1 OR (c.i * 7919) % 100 < 80 THEN 'completed'
              WHEN (c.i * 7919) % 100 < 95 THEN 'aborted' ELSE 'rolled-back' END AS status,
         CASE WHEN c.i = 1 THEN $5::text ELSE ($6::text[])[1 + c.i % cardinality($6::text[])] END AS template_id,
         now() - ($2::int - c.i) * interval '90 minutes' - interval '30 minutes' AS created
       FROM unnest($1::int[]) WITH ORDINALITY AS c(n, i)) g
     JOIN bench_tpl t USING (template_id)`,
    [counts, PROMOTIONS, CHANNELS, ACTIVE, big.template.id, infos.map((t) => t.template.id)],
  );
  await c.query('CREATE INDEX ON bench_p (i); ANALYZE bench_p');
  const syntheticHash = (id: string, seq: string) => `md5(${id}::text || ':' || ${seq}) || md5(${seq} || ':' || ${id}::text)`;
  await step(
    'promotions',
    `INSERT INTO promotions (id, release, template_id, template, channel_id, team_id, status, requested_by, created_at, ended_at, ended_by, end_reason,
       window_start, window_end, version, audit_seq, audit_hash, shape_version, stage, environment, t0, schedule_seq)
     SELECT id, release, template_id, template, channel, $1::text, status, 'U0USER' || (i % 40), created, ended,
       CASE WHEN status <> 'active' THEN 'U0USER' || (i % 40) END,
       CASE status WHEN 'aborted' THEN 'superseded by a later release' WHEN 'rolled-back' THEN 'error rate above the threshold after the switch' END,
       t0, t0 + interval '4 hours', n, n, ${syntheticHash('id', 'n')}, n, stage, environment, t0, CASE WHEN t0 IS NULL THEN 0 ELSE 1 END
     FROM bench_p ORDER BY id`,
    [TEAM],
  );
  await step(
    'item_states',
    `INSERT INTO item_states (promotion_id, item_id, state, value, note, by_user, at, probe_status, assignee, changed_version)
     SELECT p.id, it.item_id, st.state,
       CASE WHEN st.state = 'done' AND it.kind <> 'check' THEN 'value-' || it.n END,
       CASE WHEN st.state = 'na' THEN 'not in scope for this release' END,
       CASE WHEN st.state <> 'open' THEN 'U0USER' || ((p.i + it.n) % 40) END,
       CASE WHEN st.state <> 'open' THEN p.created + (coalesce(p.ended, now()) - p.created) * (it.n::float / (cardinality(p.items) + 1)) END,
       CASE WHEN st.state = 'done' AND it.item_id = ANY (p.probe_items) THEN 'pass' END,
       CASE WHEN p.status = 'active' AND st.state = 'open' AND it.n % 7 = 0 THEN 'U0USER' || (it.n % 40) END,
       CASE WHEN st.state <> 'open' THEN p.n ELSE 0 END
     FROM (SELECT i, n, id, r, status, created, ended, items, kinds, probe_items FROM bench_p ORDER BY id) p
     CROSS JOIN LATERAL unnest(p.items, p.kinds) WITH ORDINALITY AS it (item_id, kind, n)
     CROSS JOIN LATERAL (SELECT CASE
         WHEN p.status = 'completed' THEN CASE WHEN (it.n * 13 + p.i) % 10 = 0 THEN 'na' ELSE 'done' END
         WHEN p.status = 'active' THEN CASE WHEN it.n * 100 < cardinality(p.items) * p.r THEN 'done' ELSE 'open' END
         ELSE CASE WHEN it.n * 100 < cardinality(p.items) * 60 THEN 'done' ELSE 'open' END END AS state) st`,
  );
  await step(
    'promotion_messages',
    `INSERT INTO promotion_messages (promotion_id, idx, channel_id, ts, sections, rendered_version, rendered_hash)
     SELECT p.id, m.idx, p.channel, (1700000000 + p.i * 20 + m.idx)::text || '.000100', m.sections, p.n, md5(p.id::text || m.idx)
     FROM bench_p p CROSS JOIN LATERAL (
       SELECT 0 AS idx, '{}'::int[] AS sections
       UNION ALL
       SELECT e.ord::int, ARRAY(SELECT jsonb_array_elements_text(e.secs)::int) FROM jsonb_array_elements(p.plan) WITH ORDINALITY AS e (secs, ord)) m`,
  );
  // The events of every promotion but the big one: started, the lock, then mostly ticks with fields, approvals, reminders,
  // probe results and assignments among them, and for an ended one the lock's release and its end.
  await step(
    'audit_events',
    `INSERT INTO audit_events (promotion_id, seq, at, actor, action, data, prev_hash, hash)
     SELECT e.id, e.s, e.at, e.actor, e.action,
       CASE e.action
         WHEN 'promotion.started' THEN jsonb_build_object('release', e.release, 'template', e.template_id, 'channel', e.channel)
         WHEN 'lock.taken' THEN jsonb_build_object('environment', e.environment)
         WHEN 'lock.released' THEN jsonb_build_object('environment', e.environment, 'why', e.status)
         WHEN 'promotion.completed' THEN '{"approvals": {}}'::jsonb
         WHEN 'promotion.aborted' THEN jsonb_build_object('reason', 'superseded by a later release')
         WHEN 'rollback.completed' THEN jsonb_build_object('resolution', 'rolled back to the previous release; error rate back to baseline')
         WHEN 'field.set' THEN jsonb_build_object('item', e.field_items[1 + e.s % cardinality(e.field_items)], 'before', NULL::text,
           'after', 'https://github.com/example/app/actions/runs/' || (9000000 + e.s))
         WHEN 'approval.given' THEN jsonb_build_object('approval', e.appr_ids[1 + e.s % cardinality(e.appr_ids)], 'role', e.appr_roles[1 + e.s % cardinality(e.appr_ids)],
           'fingerprint', md5(e.id::text) || md5(e.s::text), 'bound', '{}'::jsonb)
         WHEN 'reminder.sent' THEN jsonb_build_object('reminder', md5('reminder:' || e.id || e.s)::uuid::text, 'kind', 'timeline', 'offset', 'T-1h',
           'due_at', to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'late', false)
         WHEN 'probe.ran' THEN jsonb_build_object('item', e.probe_items[1 + e.s % cardinality(e.probe_items)], 'run', md5('run:' || e.id || e.s)::uuid::text,
           'status', 'pass', 'summary', 'HTTP 200 from https://status.example.com/health in 212 ms', 'duration_ms', 212, 'effect', 'ticked', 'records', '{}'::jsonb)
         WHEN 'item.assigned' THEN jsonb_build_object('item', e.item, 'before', NULL::text, 'after', 'U0USER' || (e.s % 40))
         ELSE jsonb_build_object('ticked', jsonb_build_array(e.item), 'unticked', '[]'::jsonb)
       END,
       CASE WHEN e.s = 1 THEN '' ELSE ${syntheticHash('e.id', '(e.s - 1)')} END,
       ${syntheticHash('e.id', 'e.s')}
     FROM (
       SELECT p.*, s,
         CASE WHEN p.status = 'active' THEN p.created + (now() - p.created) * (s::float / (p.n + 1))
              ELSE p.created + (p.ended - p.created) * (s::float / (p.n + 1)) END AS at,
         'U0USER' || ((p.i + s) % 40) AS actor,
         p.items[1 + (s * 37 + p.i) % cardinality(p.items)] AS item,
         CASE
           WHEN s = 1 THEN 'promotion.started'
           WHEN s = 2 THEN 'lock.taken'
           WHEN p.status <> 'active' AND s = p.n THEN CASE p.status WHEN 'completed' THEN 'promotion.completed' WHEN 'aborted' THEN 'promotion.aborted' ELSE 'rollback.completed' END
           WHEN p.status <> 'active' AND s = p.n - 1 THEN 'lock.released'
           WHEN s % 20 = 3 AND cardinality(p.field_items) > 0 THEN 'field.set'
           WHEN s % 20 = 5 AND cardinality(p.appr_ids) > 0 THEN 'approval.given'
           WHEN s % 20 = 7 THEN 'reminder.sent'
           WHEN s % 20 = 9 AND cardinality(p.probe_items) > 0 THEN 'probe.ran'
           WHEN s % 20 = 11 THEN 'item.assigned'
           ELSE 'items.toggled' END AS action
       FROM (SELECT i, n, id, release, channel, status, template_id, environment, created, ended, items, field_items, probe_items, appr_ids, appr_roles FROM bench_p WHERE i <> 1 ORDER BY id) p CROSS JOIN LATERAL generate_series(1, p.n) AS s) e`,
  );
  // The big promotion's trail, hash-chained for real, through the same columns.
  const bp = (await c.query<{ id: string; release: string; channel: string; environment: string; created: Date; ended: Date; n: number }>(
    'SELECT id, release, channel, environment, created, ended, n FROM bench_p WHERE i = 1',
  )).rows[0]!;
  const trail = bigTrail(big, bp, bp.n);
  for (let k = 0; k < trail.length; k += 500) {
    const chunk = trail.slice(k, k + 500);
    await c.query(
      `INSERT INTO audit_events (promotion_id, seq, at, actor, action, data, prev_hash, hash)
       SELECT $1, u.seq, u.at, u.actor, u.action, u.data::jsonb, u.prev_hash, u.hash
       FROM unnest($2::int[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS u (seq, at, actor, action, data, prev_hash, hash)`,
      [bp.id, chunk.map((e) => e.seq), chunk.map((e) => e.at), chunk.map((e) => e.actor), chunk.map((e) => e.action), chunk.map((e) => JSON.stringify(e.data)), chunk.map((e) => e.prevHash), chunk.map((e) => e.hash)],
    );
  }
  await c.query('UPDATE promotions SET audit_seq = $2, audit_hash = $3, version = $2 WHERE id = $1', [bp.id, trail.length, trail.at(-1)!.hash]);
  log(`  the big promotion's trail: ${trail.length} events, hash-chained`);
  await step(
    'approvals',
    `INSERT INTO approvals (id, promotion_id, approval_id, role, user_id, decision, fingerprint, bound, comment, at, voided_at, void_reason)
     SELECT md5('approval:' || p.i || ':' || k || ':' || v)::uuid, p.id, p.appr_ids[k], p.appr_roles[k], 'U0APPR' || ((p.i + k) % 25), 'approve',
       md5(p.id::text || k) || md5(k || p.id::text), '{}'::jsonb, CASE WHEN k = 1 THEN 'checked the diff and the runbook' END,
       p.created + (coalesce(p.ended, now()) - p.created) * (0.3 + 0.05 * v),
       CASE WHEN v = 1 THEN p.created + (coalesce(p.ended, now()) - p.created) * 0.4 END,
       CASE WHEN v = 1 THEN 'a value it was bound to changed' END
     FROM bench_p p CROSS JOIN LATERAL generate_subscripts(p.appr_ids, 1) AS k
     CROSS JOIN LATERAL generate_series(CASE WHEN p.i % 7 = 0 THEN 1 ELSE 2 END, 2) AS v
     WHERE p.status <> 'active' OR k % 2 = 1`,
  );
  await step(
    'decisions',
    `INSERT INTO decisions (promotion_id, seq, decision, by_user, at, reason, new_date, approvals)
     SELECT p.id, d.seq, d.decision, 'U0USER' || (p.i % 40), p.created + (coalesce(p.ended, now()) - p.created) * 0.6 + d.seq * interval '1 minute',
       CASE WHEN d.decision = 'no-go' THEN 'error budget spent this week; trying again tomorrow' END,
       CASE WHEN d.decision = 'no-go' THEN (p.created + interval '1 day')::date END, '{}'::jsonb
     FROM bench_p p CROSS JOIN LATERAL (VALUES (1, 'no-go'), (2, 'go')) AS d (seq, decision)
     WHERE (p.stage IN ('go', 'rolling-back') AND (d.seq = 2 OR p.i % 5 = 0)) OR (p.stage = 'no-go' AND d.seq = 1)`,
  );
  // decisions.seq starts at 1 for a promotion without a NO-GO first.
  await c.query(`UPDATE decisions d SET seq = 1 WHERE seq = 2 AND NOT EXISTS (SELECT 1 FROM decisions o WHERE o.promotion_id = d.promotion_id AND o.seq = 1)`);
  await step(
    'reminders',
    `INSERT INTO reminders (id, promotion_id, kind, series, ref, schedule_seq, due_at, state, attempts, done_at, done_reason, outbox_key)
     SELECT md5('reminder:' || p.i || ':' || k)::uuid, p.id, 'timeline', 'timeline:' || k, k || ':0', 1, p.t0 + (k - 3) * interval '1 hour',
       CASE WHEN p.status = 'active' THEN 'pending' WHEN p.status = 'completed' THEN 'sent' ELSE 'cancelled' END,
       CASE WHEN p.status = 'completed' THEN 1 ELSE 0 END,
       CASE WHEN p.status <> 'active' THEN least(p.t0 + (k - 3) * interval '1 hour', p.ended) END,
       CASE WHEN p.status IN ('aborted', 'rolled-back') THEN 'the promotion ended' END,
       CASE WHEN p.status = 'completed' THEN 'reminder:' || md5('reminder:' || p.i || ':' || k)::uuid END
     FROM bench_p p CROSS JOIN LATERAL generate_series(0, p.timeline_n - 1) AS k
     WHERE p.timeline_n > 0`,
  );
  await step(
    'slack_outbox',
    `INSERT INTO slack_outbox (key, promotion_id, channel_id, thread_ts, kind, data, state, claimed_by, attempts, posted_ts, created_at)
     SELECT 'bench:' || p.i || ':' || k, p.id, p.channel, (1700000000 + p.i * 20)::text || '.000100', 'decision-announcement',
       jsonb_build_object('release', p.release, 'templateName', p.template_id, 'decision', 'go', 'by', 'U0USER' || (p.i % 40), 'reason', NULL::text,
         'newDate', NULL::text, 'checklist', jsonb_build_object('channel', p.channel, 'ts', (1700000000 + p.i * 20)::text || '.000100')),
       'posted', 'bench', 1, (1800000000 + p.i * 20 + k)::text || '.000100', p.created + k * interval '10 minutes'
     FROM bench_p p CROSS JOIN LATERAL generate_series(1, 10) AS k`,
  );
  await step(
    'probe_runs',
    `INSERT INTO probe_runs (id, promotion_id, item_id, status, summary, evidence, started_at, finished_at, duration_ms, by_user)
     SELECT md5('run:' || p.i || ':' || k || ':' || v)::uuid, p.id, p.probe_items[k], CASE WHEN v = 1 THEN 'fail' ELSE 'pass' END,
       CASE WHEN v = 1 THEN 'HTTP 503 from https://status.example.com/health' ELSE 'HTTP 200 from https://status.example.com/health in 212 ms' END,
       jsonb_build_object('lines', jsonb_build_array('GET https://status.example.com/health', CASE WHEN v = 1 THEN 'HTTP 503 in 1204 ms' ELSE 'HTTP 200 in 212 ms' END),
         'metrics', jsonb_build_array(jsonb_build_object('name', 'latency_ms', 'value', 212, 'threshold', '< 500'))),
       p.created + (coalesce(p.ended, now()) - p.created) * (0.2 + 0.01 * k + 0.001 * v),
       p.created + (coalesce(p.ended, now()) - p.created) * (0.2 + 0.01 * k + 0.001 * v) + interval '212 milliseconds', 212, 'U0USER' || (p.i % 40)
     FROM (SELECT i, id, status, created, ended, probe_items FROM bench_p ORDER BY i) p CROSS JOIN LATERAL generate_subscripts(p.probe_items, 1) AS k
     CROSS JOIN LATERAL generate_series(CASE WHEN p.i % 5 = 0 THEN 1 ELSE 2 END, 2) AS v
     WHERE p.status <> 'active' OR k % 2 = 1
     ORDER BY p.i, k, v`,
  );
  // GitHub gates: a third of the ended promotions had one (answered, sent); 20 active ones have one waiting.
  await step(
    'github_gates',
    `INSERT INTO github_gates (id, template_id, channel_id, installation_id, repo, environment, run_id, deployment_id, sha, ref, run_url, triggered_by, event,
       promotion_id, requested_at, state, answer_comment, decided_by, decided_at, send_state, attempts, sent_at, reports_sent, reported_seq, last_report_at)
     SELECT md5('gate:' || p.i)::uuid, p.template_id, p.channel, 4242, 'example/app', 'production', 7000000 + p.i, 8000000 + p.i,
       md5('sha:' || p.i) || substr(md5('sha2:' || p.i), 1, 8), 'refs/heads/main', 'https://github.com/example/app/actions/runs/' || (7000000 + p.i), 'octocat', 'push',
       p.id, p.created + interval '10 minutes',
       CASE WHEN p.status = 'active' THEN 'waiting' WHEN p.status = 'completed' THEN 'approved' ELSE 'rejected' END,
       CASE WHEN p.status <> 'active' THEN 'Decided in Preflight' END,
       CASE WHEN p.status <> 'active' THEN 'U0USER' || (p.i % 40) END,
       p.ended, CASE WHEN p.status = 'active' THEN 'none' ELSE 'sent' END, CASE WHEN p.status = 'active' THEN 0 ELSE 1 END, p.ended,
       CASE WHEN p.status = 'active' THEN 0 ELSE 3 END, CASE WHEN p.status = 'active' THEN 0 ELSE p.n END, p.ended
     FROM bench_p p WHERE (p.status <> 'active' AND p.i % 3 = 0) OR (p.status = 'active' AND p.i % 5 < 2)`,
  );
  await step(
    'github_deliveries',
    `INSERT INTO github_deliveries (delivery_id, event, gate_id, received_at) SELECT md5('delivery:' || id), 'deployment_protection_rule', id, requested_at FROM github_gates`,
  );
  await step(
    'workflow_dispatches',
    `INSERT INTO workflow_dispatches (key, promotion_id, channel_id, thread_ts, release, repo, workflow, ref, inputs, correlation_input, correlation_id, state,
       attempts, first_attempt_at, last_attempt_at, accepted_at, run_id, run_url, html_url, created_at, dispatched_at)
     SELECT 'dispatch:' || p.id, p.id, p.channel, (1700000000 + p.i * 20)::text || '.000100', p.release, 'example/housekeeping', 'housekeeping-prod-promotion.yml', 'main',
       jsonb_build_object('release', p.release), 'correlation_id', md5('corr:' || p.i), 'dispatched', 1, p.ended, p.ended, p.ended, 6000000 + p.i,
       'https://api.github.com/repos/example/housekeeping/actions/runs/' || (6000000 + p.i), 'https://github.com/example/housekeeping/actions/runs/' || (6000000 + p.i),
       p.ended - interval '1 minute', p.ended
     FROM bench_p p WHERE p.stage = 'go' AND p.template_id = 'db-housekeeping' AND p.status = 'completed'`,
  );
  await step(
    'rollbacks',
    `INSERT INTO rollbacks (promotion_id, started_by, started_at, path, issue, impact, eta, action, subject, message, updates, last_update_at, completed_by, completed_at, resolution)
     SELECT p.id, 'U0USER' || (p.i % 40), p.ended - interval '1 hour', NULL, 'error rate above the threshold after the switch', 'checkout slower for some users', '30 minutes',
       'switching traffic back', '[ROLLBACK INITIATED] ' || p.release, 'We are rolling back ' || p.release || '.', 2, p.ended - interval '20 minutes',
       'U0USER' || (p.i % 40), p.ended, 'rolled back to the previous release; error rate back to baseline'
     FROM bench_p p WHERE p.status = 'rolled-back'`,
  );
  await step(
    'rollback_acks',
    `INSERT INTO rollback_acks (promotion_id, user_id, at) SELECT r.promotion_id, 'U0USER' || k, r.started_at + k * interval '1 minute' FROM rollbacks r, generate_series(1, 2) AS k`,
  );
  await step(
    'environment_locks',
    `INSERT INTO environment_locks (team_id, environment, promotion_id, locked_at) SELECT $1::text, environment, id, created FROM bench_p WHERE status = 'active'`,
    [TEAM],
  );
  await step(
    'interaction_receipts',
    `INSERT INTO interaction_receipts (key, promotion_id, at)
     SELECT 'toggle:U0USER' || (k % 40) || ':' || (1800000000 + k) || '.000100:b' || k, p.id, now() - (k % 3600) * interval '1 second'
     FROM (SELECT id, row_number() OVER (ORDER BY i) AS rn FROM bench_p WHERE status = 'active') p
     JOIN generate_series(1, 5000) AS k ON k % $1::int = p.rn - 1`,
    [ACTIVE],
  );
  await step(
    'home_views',
    `INSERT INTO home_views (team_id, user_id, opened_at, published_at)
     SELECT $1::text, u, now() - interval '1 day', now() - interval '1 hour'
     FROM (SELECT 'U0USER' || k AS u FROM generate_series(0, 39) k UNION ALL SELECT 'U0APPR' || k FROM generate_series(0, 24) k) users`,
    [TEAM],
  );
  await step(
    'rate_budgets',
    `INSERT INTO rate_budgets (key, tokens, refreshed_at) VALUES ('chat.update ${TEAM}', 3, now()), ('conversations.history', 10, now()),
       ('chat.postMessage C0SCALE00', 3, now())`,
  );
  await c.query('RESET session_replication_role');
  const t = performance.now();
  await c.query('VACUUM (ANALYZE)');
  log(`  VACUUM (ANALYZE) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  // The SQL-made events must be what the trail holds: a sample read back through the kinds' schemas.
  const sample = await c.query<{ action: string; data: unknown }>('SELECT action, data FROM audit_events TABLESAMPLE SYSTEM (1) LIMIT 5000');
  let bad = 0;
  for (const r of sample.rows) {
    try {
      parseAuditEvent(r.action, r.data);
    } catch (err) {
      if (bad++ < 3) log(`  invalid sampled event: ${(err as Error).message}`);
    }
  }
  log(`  ${sample.rows.length} sampled events checked against their kinds' schemas: ${bad} invalid`);
  return { seconds: (performance.now() - started) / 1000 };
}

/** Rows the claims find due, made due again at the start of every measurement (a kept database's included). */
async function resetDue(c: pg.Client): Promise<void> {
  await c.query(`DELETE FROM reminders WHERE data ->> 'bench' = 'due'`);
  // Up to 50 timeline reminders of the active promotions with a window, due over the last few minutes: what a ticker
  // finds after a pause (entries 0 and 1 of their templates' timelines, a second row beside the one planned for later).
  await c.query(
    `INSERT INTO reminders (id, promotion_id, kind, series, ref, schedule_seq, due_at, data)
     SELECT gen_random_uuid(), id, 'timeline', 'timeline:' || k, k || ':0', schedule_seq, now() - rn * interval '5 seconds', '{"bench": "due"}'::jsonb
     FROM (SELECT p.id, p.schedule_seq, k, row_number() OVER (ORDER BY k, p.created_at) AS rn
           FROM promotions p CROSS JOIN generate_series(0, 1) AS k
           WHERE p.status = 'active' AND p.t0 IS NOT NULL AND jsonb_array_length(p.template -> 'timeline') > k) d
     WHERE rn <= 50`,
  );
  // Waiting gates due a status report (their promotion's audit_seq is past reported_seq), and 10 answers pending to send.
  await c.query(`UPDATE github_gates SET reports_sent = 0, reported_seq = 0, report_claimed_until = NULL, last_report_at = NULL WHERE state = 'waiting'`);
  await c.query(
    `UPDATE github_gates SET send_state = 'pending', claimed_by = NULL, claimed_until = NULL, next_attempt_at = NULL, decided_at = now() - interval '1 minute'
     WHERE id IN (SELECT id FROM github_gates WHERE state <> 'waiting' ORDER BY requested_at DESC LIMIT 10)`,
  );
  await c.query('ANALYZE reminders; ANALYZE github_gates');
}

// ---- sizes ----
interface TableSize {
  table: string;
  rows: number;
  total: number;
  heap: number;
  indexes: number;
  toast: number;
}
async function sizes(c: pg.Client): Promise<{ tables: TableSize[]; total: number; promotions: number; events: number; perPromotion: number; perEvent: number }> {
  const r = await c.query<{ table: string; total: string; heap: string; indexes: string; toast: string }>(
    `SELECT c.relname AS table, pg_total_relation_size(c.oid) AS total, pg_relation_size(c.oid) AS heap, pg_indexes_size(c.oid) AS indexes,
       coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) AS toast
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC`,
  );
  const tables: TableSize[] = [];
  for (const row of r.rows) {
    const rows = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(row.table)}`)).rows[0]!.n;
    tables.push({ table: row.table, rows, total: Number(row.total), heap: Number(row.heap), indexes: Number(row.indexes), toast: Number(row.toast) });
  }
  const total = tables.reduce((s, t) => s + t.total, 0);
  const promotions = tables.find((t) => t.table === 'promotions')?.rows ?? 0;
  const ev = tables.find((t) => t.table === 'audit_events');
  return { tables, total, promotions, events: ev?.rows ?? 0, perPromotion: total / Math.max(1, promotions), perEvent: (ev?.total ?? 0) / Math.max(1, ev?.rows ?? 1) };
}

// ---- EXPLAIN ----
interface PlanSummary {
  sql: string;
  calls: number;
  seqScans: string[];
  indexes: string[];
  execMs: number;
  plan: string;
  finding?: string;
}
const SKIP = /^\s*(BEGIN|COMMIT|ROLLBACK|SET\s|SELECT 1\s*$)/i;
async function explainAll(c: pg.Client, captured: Captured[], rowsOf: Map<string, number>): Promise<PlanSummary[]> {
  const distinct = new Map<string, { params: unknown[] | undefined; calls: number }>();
  for (const q of captured) {
    if (SKIP.test(q.sql)) continue;
    const d = distinct.get(q.sql);
    if (d) d.calls++;
    else distinct.set(q.sql, { params: q.params, calls: 1 });
  }
  const out: PlanSummary[] = [];
  for (const [sql, { params, calls }] of distinct) {
    let plan: string;
    try {
      await c.query('BEGIN');
      const r = await c.query<{ 'QUERY PLAN': string }>({ text: `EXPLAIN (ANALYZE, BUFFERS) ${sql}`, values: params ?? [] });
      plan = r.rows.map((row) => row['QUERY PLAN']).join('\n');
    } catch (err) {
      plan = `EXPLAIN failed: ${(err as Error).message}`;
    } finally {
      await c.query('ROLLBACK');
    }
    const seqScans = [...plan.matchAll(/Seq Scan on (\w+)/g)].map((m) => m[1]!);
    const indexes = [
      ...[...plan.matchAll(/Index (?:Only )?Scan (?:Backward )?using (\w+) on (\w+)/g)].map((m) => `${m[1]} (${m[2]})`),
      ...[...plan.matchAll(/Bitmap Index Scan on (\w+)/g)].map((m) => `${m[1]} (bitmap)`),
    ];
    const execMs = Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN);
    const large = [...new Set(seqScans)].filter((t) => (rowsOf.get(t) ?? 0) >= LARGE || BIG_TABLES.has(t));
    out.push({
      sql,
      calls,
      seqScans: [...new Set(seqScans)],
      indexes: [...new Set(indexes)],
      execMs,
      plan,
      ...(large.length ? { finding: `Seq Scan on ${large.map((t) => `${t} (${rowsOf.get(t)} rows)`).join(', ')}` } : {}),
    });
  }
  return out;
}
const oneLine = (sql: string, n = 150) => {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > n ? `${s.slice(0, n)}…` : s;
};
function printPlans(title: string, plans: PlanSummary[]): void {
  console.log(`\n### EXPLAIN (ANALYZE, BUFFERS): ${title}\n`);
  console.log(`${plans.length} distinct statements, ${plans.reduce((s, p) => s + p.calls, 0)} sent in one run.`);
  for (const [i, p] of plans.entries()) {
    console.log(`\n(${i + 1}) x${p.calls} ${oneLine(p.sql)}`);
    console.log(`    ${p.finding ? `FINDING: ${p.finding}` : p.seqScans.length ? `seq scans on small tables only: ${p.seqScans.join(', ')}` : 'no Seq Scan'}; indexes: ${p.indexes.join(', ') || 'none'}; execution ${f(p.execMs, 3)} ms`);
    if (PLANS === 'full') console.log(p.plan.split('\n').map((l) => `    | ${l}`).join('\n'));
  }
}

// ---- the ops ----
type Timings = Record<string, number>;
interface Op {
  name: string;
  label: string;
  run(): Promise<Timings>;
}
interface OpStats {
  name: string;
  label: string;
  rounds: Array<{ round: number; load: string; metrics: Record<string, { p50: number; p99: number; mean: number; n: number }> }>;
  queriesPerOp: number;
  plans: PlanSummary[];
}

async function main(): Promise<void> {
  console.log(`scale: node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${load()}`);
  const templates = await loadTemplates('checklists');
  if (!REUSE) {
    await onServer(`CREATE DATABASE ${dbName}`);
    log(`database ${dbName} created on ${new URL(BASE_URL).host}`);
  } else log(`database ${dbName} reused (SCALE_DB): no fill`);
  const admin = new pg.Client({ connectionString: dbUrl });
  await admin.connect();
  let stack: LocalStack | undefined;
  const dbs: Db[] = [];
  try {
    const server = (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v;
    console.log(`scale: PostgreSQL ${server}`);
    let fillSeconds: number | undefined;
    // A kept database (SCALE_DB) gets the migrations added since it was filled.
    const migrator = connectPostgres({ connectionString: dbUrl, max: 1 });
    const applied = await migrate(migrator);
    await migrator.close();
    log(`migrated: ${applied.length} migrations applied${applied.length ? ` (${applied[0]} to ${applied.at(-1)})` : ''}`);
    if (!REUSE) {
      log(`filling: ${PROMOTIONS} promotions, ${EVENTS} audit events (one promotion with ${BIG}), ${ACTIVE} active in ${CHANNELS} channels; load average ${load()}`);
      fillSeconds = (await fill(admin, templates)).seconds;
      log(`filled in ${fillSeconds.toFixed(0)} s`);
    }
    await resetDue(admin);
    const size = await sizes(admin);
    const rowsOf = new Map(size.tables.map((t) => [t.table, t.rows]));
    console.log('\n## Database size after the fill (pg_total_relation_size: heap + indexes + TOAST)\n');
    console.log('| table | rows | total MiB | heap MiB | indexes MiB | TOAST MiB | bytes per row |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const t of size.tables.filter((x) => x.rows > 0 || x.total > 65536)) {
      console.log(`| ${t.table} | ${t.rows} | ${mib(t.total)} | ${mib(t.heap)} | ${mib(t.indexes)} | ${mib(t.toast)} | ${t.rows ? f(t.total / t.rows, 0) : '-'} |`);
    }
    console.log(`| all tables | | ${mib(size.total)} | | | | |`);
    console.log(`\nPer promotion: ${f(size.perPromotion / 1024, 1)} KiB (all tables / ${size.promotions} promotions). Per audit event: ${f(size.perEvent, 0)} bytes (audit_events with its index / ${size.events} events).`);

    // The ids the ops work on.
    const q1 = async <T>(sql: string): Promise<T> => (await admin.query(sql)).rows[0] as T;
    const bigId = (await q1<{ id: string }>(`SELECT promotion_id AS id FROM audit_events GROUP BY promotion_id ORDER BY count(*) DESC LIMIT 1`)).id;
    const busy = await q1<{ channel_id: string; n: number; release: string }>(
      `SELECT channel_id, count(*)::int AS n, max(release) AS release FROM promotions WHERE status = 'active' GROUP BY channel_id ORDER BY n DESC, channel_id LIMIT 1`,
    );
    const goId = (await q1<{ id: string }>(
      `SELECT id FROM promotions WHERE status = 'active' AND stage = 'preparing' ORDER BY (template_id = 'rls-rollout') DESC, created_at LIMIT 1`,
    )).id;
    const homeUser = (await q1<{ u: string }>(`SELECT requested_by AS u FROM promotions WHERE status = 'active' GROUP BY requested_by ORDER BY count(*) DESC, requested_by LIMIT 1`)).u;
    console.log(`\nops on: status/list in ${busy.channel_id} (${busy.n} active there; status of ${busy.release}); Home of ${homeUser}; report of ${bigId}; GO gate of ${goId}`);

    // The bot: one process of the local stack in this one, on this database, the scheduler off (its jobs are measured apart).
    const database: LocalDatabase = {
      kind: 'postgres',
      url: dbUrl,
      async open() {
        const db = capturing(connectPostgres({ connectionString: dbUrl }));
        dbs.push(db);
        return db;
      },
      async drop() {},
    };
    stack = await startLocalStack({ database, scheduler: false, logLevel: 'warn' });
    const s = stack;
    const db = capturing(connectPostgres({ connectionString: dbUrl, max: 4 }));
    dbs.push(db);

    const command = async (text: string): Promise<Timings> => {
      const url = s.fake.responseUrl({ channel: busy.channel_id, user: homeUser });
      const t0 = performance.now();
      const r = await slashCommand(s.bot.sender, { text, userId: homeUser, channelId: busy.channel_id, responseUrl: url });
      const ack = performance.now() - t0;
      if (r.status !== 200) throw new Error(`/promote ${text} answered ${r.status}: ${r.body}`);
      await s.fake.waitFor(() => s.fake.responses(url).length > 0, { timeoutMs: 15_000, what: `the reply to /promote ${text}` });
      return { ack, reply: performance.now() - t0 };
    };
    const home = async (): Promise<Timings> => {
      const before = s.fake.callsTo('views.publish').length;
      const t0 = performance.now();
      const r = await appHomeOpened(s.bot.sender, { userId: homeUser });
      const ack = performance.now() - t0;
      if (r.status !== 200) throw new Error(`app_home_opened answered ${r.status}: ${r.body}`);
      await s.fake.waitFor(() => s.fake.callsTo('views.publish').length > before, { timeoutMs: 15_000, what: 'views.publish' });
      const publish = performance.now() - t0;
      await s.settle(); // markHomePublished, after the call
      return { ack, publish };
    };
    const now = () => new Date();
    const ops: Op[] = [
      { name: 'status', label: `/promote status ${busy.release} (signed request)`, run: () => command(`status ${busy.release}`) },
      { name: 'list', label: '/promote list (signed request)', run: () => command('list') },
      { name: 'home', label: 'App Home: app_home_opened -> views.publish (signed event)', run: home },
      {
        name: 'report',
        label: `audit report of the ${BIG}-event promotion (reportFiles: load, then build + Markdown + JSON)`,
        run: async () => {
          const t0 = performance.now();
          const input = await loadReportInput(db, bigId, now());
          const t1 = performance.now();
          const report = buildReport(input!);
          const md = reportMarkdown(report);
          const json = reportJson(report);
          const t2 = performance.now();
          if (md.length === 0 || json.length === 0 || !report.audit.checked.intact) throw new Error('the report is empty or its chain broken');
          return { load: t1 - t0, build: t2 - t1, total: t2 - t0 };
        },
      },
      {
        name: 'reminders-due',
        label: 'claimDueReminders, up to 50 due (rolled back)',
        run: async () => {
          const t0 = performance.now();
          const n = await rolledBack(db, async (q) => (await claimDueReminders(q, 'bench-scale', now(), REMINDER_CLAIM_MS, 50)).length);
          if (n === 0) throw new Error('no reminder was due');
          return { claim: performance.now() - t0 };
        },
      },
      {
        name: 'reminders-idle',
        label: 'claimDueReminders, none due (the idle tick; rolled back)',
        run: async () => {
          const t0 = performance.now();
          const n = await rolledBack(db, async (q) => (await claimDueReminders(q, 'bench-scale', new Date(Date.now() - 3_600_000), REMINDER_CLAIM_MS, 50)).length);
          if (n !== 0) throw new Error(`${n} reminders due an hour ago`);
          return { claim: performance.now() - t0 };
        },
      },
      {
        name: 'go-gate',
        label: 'GO gate check: lock, loadView, listApprovals, goGate (rolled back)',
        run: async () => {
          const t0 = performance.now();
          const missing = await rolledBack(db, async (q) => {
            const locked = await lockActivePromotion(q, goId);
            const view = (await loadView(q, locked.id))!;
            const records = await listApprovals(q, locked.id);
            return goGate(view, records, now()).length;
          });
          if (missing === 0) throw new Error('the gate held: nothing measured of a refusal');
          return { gate: performance.now() - t0 };
        },
      },
      {
        name: 'gate-reports',
        label: 'claimDueReports (GitHub gate status reports; rolled back)',
        run: async () => {
          const t0 = performance.now();
          await rolledBack(db, (q) => claimDueReports(q, DEFAULT_GATE_TIMING.claimMs, DEFAULT_GATE_TIMING.reportEveryMs, REPORTS_PER_DEPLOYMENT));
          return { claim: performance.now() - t0 };
        },
      },
      {
        name: 'gate-answers',
        label: 'claimDueAnswers (GitHub gate answers; rolled back)',
        run: async () => {
          const t0 = performance.now();
          await rolledBack(db, (q) => claimDueAnswers(q, 'bench-scale', DEFAULT_GATE_TIMING.claimMs, { limit: 10 }));
          return { claim: performance.now() - t0 };
        },
      },
    ].filter((o) => !OPS || OPS.has(o.name));

    // What each op returns, once, before anything is timed: a wrong answer would make every figure meaningless.
    {
      const url = s.fake.responseUrl({ channel: busy.channel_id, user: homeUser });
      await slashCommand(s.bot.sender, { text: `status ${busy.release}`, userId: homeUser, channelId: busy.channel_id, responseUrl: url });
      const body = await s.fake.waitFor(() => s.fake.responses(url)[0]?.body, { timeoutMs: 15_000 });
      console.log(`status reply: ${String(body['text'] ?? '').slice(0, 120).replace(/\n/g, ' ')} (${(body['blocks'] as unknown[] | undefined)?.length ?? 0} blocks)`);
      await home();
      const published = s.fake.callsTo('views.publish').at(-1)!;
      const view = published.args['view'] as { blocks?: unknown[] } | undefined;
      console.log(`Home: views.publish ${published.answer?.['ok'] === true ? 'ok' : `refused ${JSON.stringify(published.answer)}`}, ${view?.blocks?.length ?? 0} blocks`);
      const claimed = await rolledBack(db, (q) => claimDueReminders(q, 'bench-scale', now(), REMINDER_CLAIM_MS, 50));
      const reports = await rolledBack(db, (q) => claimDueReports(q, DEFAULT_GATE_TIMING.claimMs, DEFAULT_GATE_TIMING.reportEveryMs, REPORTS_PER_DEPLOYMENT));
      const answers = await rolledBack(db, (q) => claimDueAnswers(q, 'bench-scale', DEFAULT_GATE_TIMING.claimMs, { limit: 10 }));
      console.log(`claims find: ${claimed.length} reminders, ${reports.length} gate reports, ${answers.length} gate answers`);
    }

    const stats: OpStats[] = ops.map((o) => ({ name: o.name, label: o.label, rounds: [], queriesPerOp: 0, plans: [] }));
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`\n## Round ${round} of ${ROUNDS}: ${RUNS} runs per op after ${WARMUP} unmeasured\n`);
      console.log('| op | metric | p50 ms | p99 ms | mean ms | runs | load average (1, 5, 15 min) |');
      console.log('| --- | --- | --- | --- | --- | --- | --- |');
      for (const [k, op] of ops.entries()) {
        for (let i = 0; i < WARMUP; i++) await op.run();
        const samples: Timings[] = [];
        for (let i = 0; i < RUNS; i++) {
          const before = sqlClock.ms;
          const t = await op.run();
          // The time the op's statements took (summed), the rest being the bot's JavaScript, HTTP and waiting.
          samples.push({ ...t, 'in SQL': sqlClock.ms - before });
        }
        const metrics: OpStats['rounds'][number]['metrics'] = {};
        for (const m of Object.keys(samples[0]!)) {
          const v = samples.map((x) => x[m]!);
          metrics[m] = { p50: pct(v, 50), p99: pct(v, 99), mean: v.reduce((a, b) => a + b, 0) / v.length, n: v.length };
        }
        const l = load();
        stats[k]!.rounds.push({ round, load: l, metrics });
        for (const [m, x] of Object.entries(metrics)) console.log(`| ${op.name} | ${m} | ${f(x.p50, 2)} | ${f(x.p99, 2)} | ${f(x.mean, 2)} | ${x.n} | ${l} |`);
      }
    }

    console.log(`\n## Medians over ${ROUNDS} round(s) of ${RUNS} runs (min-max over rounds in brackets)\n`);
    console.log('| op | metric | p50 ms | p99 ms | statements per op |');
    console.log('| --- | --- | --- | --- | --- |');
    // The statements: one more run of each op with the capture on.
    for (const [k, op] of ops.entries()) {
      capture.list = [];
      capture.on = true;
      await op.run();
      capture.on = false;
      stats[k]!.queriesPerOp = capture.list.filter((q) => !SKIP.test(q.sql)).length;
      stats[k]!.plans = await explainAll(admin, capture.list, rowsOf);
      const st = stats[k]!;
      for (const m of Object.keys(st.rounds[0]?.metrics ?? {})) {
        const sp = (sel: (x: { p50: number; p99: number }) => number) => {
          const v = st.rounds.map((r) => sel(r.metrics[m]!));
          return v.length > 1 ? `${f(medianOf(v), 2)} (${f(Math.min(...v), 2)}-${f(Math.max(...v), 2)})` : f(v[0], 2);
        };
        console.log(`| ${op.name} | ${m} | ${sp((x) => x.p50)} | ${sp((x) => x.p99)} | ${st.queriesPerOp} |`);
      }
    }
    console.log('\nOps: ' + ops.map((o) => `${o.name} = ${o.label}`).join('; '));
    for (const st of stats) printPlans(`${st.name}: ${st.label}`, st.plans);

    // The background jobs: the scheduler of a second bot on for a while, every statement its jobs send captured.
    let jobPlans: PlanSummary[] = [];
    if (JOBS_SECONDS > 0) {
      await stack.close();
      stack = undefined;
      stack = await startLocalStack({ database, scheduler: true, logLevel: 'warn' });
      capture.list = [];
      capture.on = true;
      await sleep(JOBS_SECONDS * 1000);
      capture.on = false;
      await stack.settle();
      jobPlans = await explainAll(admin, capture.list, rowsOf);
      printPlans(`the background jobs (scheduler on for ${JOBS_SECONDS} s, ${capture.list.length} statements)`, jobPlans);
    }

    const findings = [...stats.flatMap((st) => st.plans.filter((p) => p.finding).map((p) => ({ op: st.name, p }))), ...jobPlans.filter((p) => p.finding).map((p) => ({ op: 'jobs', p }))];
    console.log(`\n## Findings: Seq Scans on promotions, audit_events, item_states or a table of ${LARGE} rows or more\n`);
    if (findings.length === 0) console.log('None: every statement measured reads the large tables through an index.');
    for (const { op, p } of findings) console.log(`- ${op}: ${p.finding} in: ${oneLine(p.sql, 300)} (${f(p.execMs, 2)} ms)`);

    writeFileSync(
      SUMMARY,
      JSON.stringify(
        {
          at: new Date().toISOString(),
          database: dbName,
          fillSeconds,
          sizes: size,
          ops: stats.map((st) => ({ name: st.name, label: st.label, queriesPerOp: st.queriesPerOp, rounds: st.rounds, findings: st.plans.filter((p) => p.finding).map((p) => ({ sql: p.sql, finding: p.finding })) })),
          jobFindings: jobPlans.filter((p) => p.finding).map((p) => ({ sql: p.sql, finding: p.finding })),
        },
        null,
        1,
      ),
    );
    console.log(`\nsummary written to ${SUMMARY}; load average ${load()}`);
  } finally {
    await stack?.close().catch(() => undefined);
    await Promise.allSettled(dbs.map((d) => d.close()));
    await admin.end().catch(() => undefined);
    if (KEEP || REUSE) console.log(`database kept: ${dbName} (SCALE_DB=${dbName} measures it again without a fill)`);
    else {
      await onServer(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      console.log(`database ${dbName} dropped`);
    }
  }
}

await main();
