import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import pg from 'pg';
import { createLogger } from '../../src/logger.js';
import { templateSchema, type Template } from '../../src/domain/template.js';
import { goGate } from '../../src/domain/gate.js';
import type { Deps } from '../../src/services/deps.js';
import { ClickIntake } from '../../src/services/intake.js';
import { startPromotion } from '../../src/services/promotions.js';
import { ProbeRunner } from '../../src/probes/runner.js';
import type { ProbeFamilies, ProbeFamily } from '../../src/probes/types.js';
import { listAudit } from '../../src/store/audit.js';
import type { Db } from '../../src/store/db.js';
import { claimRun, getRun, listRuns } from '../../src/store/probe-runs.js';
import { getItemState, loadView } from '../../src/store/promotions.js';
import { postgresDatabase, migrated, type TestDatabase } from '../support/db.js';

/**
 * The runner against PostgreSQL, with a family of the tests' own (a double of the http family: what the URL says is
 * what it does: /pass, /fail, /hang, /delay/<ms>/pass, /records/<sha>).
 */
const SHA = 'a'.repeat(40);

const template: Template = {
  id: 'probed',
  ...templateSchema.parse({
    name: 'Probed',
    sections: [
      {
        id: 'gates',
        title: 'Gates',
        kind: 'gates',
        items: [
          { id: 'sha', label: 'Commit SHA', field: { type: 'sha' } },
          { id: 'ci', label: 'CI green', probe: { type: 'http', url: 'http://probe.test/records' } },
          { id: 'health', label: 'Health', probe: { type: 'http', url: 'http://probe.test/pass', max_age: '15m' } },
          { id: 'confirmed', label: 'Confirmed by a person', probe: { type: 'http', url: 'http://probe.test/pass', confirm: true } },
          { id: 'failing', label: 'Failing', probe: { type: 'http', url: 'http://probe.test/fail' } },
          { id: 'hanging', label: 'Hanging', probe: { type: 'http', url: 'http://probe.test/hang' } },
          { id: 'slow', label: 'Slow', probe: { type: 'http', url: 'http://probe.test/delay/400/pass' } },
          { id: 'placeholder', label: 'Placeholder', probe: { type: 'http', url: 'https://example.com/health' } },
          { id: 'db', label: 'Database', probe: { type: 'postgres', connection: 'PROBE_DB_URL', sql: 'SELECT 1', expect: { rows: 1 } } },
        ],
      },
      {
        id: 'many',
        title: 'Many',
        kind: 'verify',
        items: Array.from({ length: 20 }, (_, i) => ({ id: `m${i}`, label: `Probe ${i}`, probe: { type: 'http', url: `http://probe.test/delay/${50 + ((i * 37) % 250)}/pass` } })),
      },
    ],
  }),
};

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** Counts how many of its runs are going at once. */
function httpDouble() {
  const stats = { running: 0, max: 0, calls: 0 };
  let gate: Promise<void> | undefined;
  const family: ProbeFamily<'http'> = {
    type: 'http',
    async run(spec) {
      stats.calls++;
      stats.running++;
      stats.max = Math.max(stats.max, stats.running);
      try {
        const path = new URL(spec.url).pathname;
        if (gate) await gate;
        if (path === '/hang') await new Promise(() => undefined); // ignores its signal, on purpose
        const delay = /^\/delay\/(\d+)/.exec(path);
        if (delay) await sleep(Number(delay[1]));
        if (path.endsWith('/fail')) return { status: 'fail', summary: '503 in 12 ms', evidence: { lines: ['GET /fail answered 503'], metrics: [{ name: 'latency', value: 12, threshold: '< 300 ms' }] } };
        if (path === '/records') return { status: 'pass', summary: 'run 42 on main succeeded', evidence: { lines: ['run 42'], links: [{ label: 'run 42', url: 'https://github.example/run/42' }] }, records: { sha: SHA } };
        return { status: 'pass', summary: '200 in 5 ms', evidence: { lines: ['GET answered 200'] } };
      } finally {
        stats.running--;
      }
    },
    placeholders: (spec) => (new URL(spec.url).hostname.endsWith('example.com') ? [{ key: 'url', value: spec.url }] : []),
    secrets: () => [],
  };
  return { family, stats, hold: () => { let open!: () => void; gate = new Promise((r) => (open = r)); return () => { gate = undefined; open(); }; } };
}

/** A double of the postgres family that connects for real and, like some drivers, quotes its connection string. */
const postgresDouble: ProbeFamily<'postgres'> = {
  type: 'postgres',
  async run(spec, ctx) {
    const conn = ctx.env[spec.connection]!;
    const client = new pg.Client({ connectionString: conn, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      return { status: 'pass', summary: 'connected', evidence: { lines: [] } };
    } catch (err) {
      const u = new URL(conn);
      throw new Error(`${(err as Error).message}: password authentication failed for user "${u.username}" at ${u.hostname} (${conn}) password=${decodeURIComponent(u.password)}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  },
  placeholders: () => [],
  secrets: (spec, ctx) => [ctx.env[spec.connection] ?? ''],
};

const PASSWORD = 'Tr0ub4dor&3-horse';
const SECRET_URL = `postgres://probe_owner_x:${encodeURIComponent(PASSWORD)}@secret-db-host.localhost:1/app`;

describe('the probe runner on PostgreSQL', () => {
  let t: TestDatabase;
  let dbA: Db;
  let dbB: Db;
  const logs: string[] = [];
  const sent: string[] = [];
  let now = new Date('2026-11-22T10:00:00Z');

  function depsOn(db: Db): Deps {
    const base = {
      db,
      clock: () => now,
      log: createLogger('debug', new Writable({ write: (c: Buffer, _e, done) => (logs.push(c.toString()), done()) })),
      templates: new Map([[template.id, template]]),
      slack: {
        refresh: async () => undefined,
        post: async () => 'posted' as const,
        send: async (key: string) => (sent.push(key), 'posted' as const),
        publishHome: async () => undefined,
        groupMembers: async () => [],
        layout: (tpl: Template) => tpl.sections.map((_, i) => [i]),
      },
    };
    return { ...base, clicks: new ClickIntake(base) };
  }

  function runner(db: Db, families: Partial<ProbeFamilies>, opts: { concurrency?: number; leaseMs?: number; defaultTimeoutMs?: number } = {}) {
    const deps = depsOn(db);
    const r = new ProbeRunner({ deps, families, env: { PROBE_DB_URL: SECRET_URL }, defaultTimeoutMs: 300, ...opts });
    deps.probes = r;
    return { deps, runner: r };
  }

  let release = 0;
  async function promotion(deps: Deps) {
    return startPromotion(deps, { release: `v1.${release++}`, templateId: template.id, channelId: 'C0PROBES', teamId: null, userId: 'U0LEAD' });
  }

  beforeAll(async () => {
    t = await postgresDatabase();
    dbA = await migrated(t);
    dbB = await t.open();
  });
  afterAll(async () => {
    await dbA.close();
    await dbB.close();
    await t.drop();
  });

  it('runs one probe per item at a time across two runners on one database: the second click starts nothing', async () => {
    const double = httpDouble();
    const a = runner(dbA, { http: double.family });
    const b = runner(dbB, { http: double.family });
    const p = await promotion(a.deps);
    const open = double.hold();
    const [first, second] = await Promise.all([
      a.runner.start(a.deps, { promotionId: p.id, userId: 'U0ALICE', target: { item: 'health' } }),
      b.runner.start(b.deps, { promotionId: p.id, userId: 'U0BOB', target: { item: 'health' } }),
    ]);
    expect([...first.started, ...second.started]).toEqual(['health']);
    expect([...first.running, ...second.running]).toEqual(['health']);
    expect((await loadView(dbA, p.id))!.probes!.get('health')!.latest.status).toBe('running');
    // Still running: a third click, on either runner, starts nothing either.
    expect((await b.runner.start(b.deps, { promotionId: p.id, userId: 'U0BOB', target: { item: 'health' } })).running).toEqual(['health']);
    open();
    await Promise.all([a.runner.idle(), b.runner.idle()]);
    expect(double.stats.calls).toBe(1);
    const runs = await listRuns(dbA, p.id, 'health');
    expect(runs.map((r) => r.status)).toEqual(['pass']);
    // Once finished, it can run again.
    await a.runner.start(a.deps, { promotionId: p.id, userId: 'U0ALICE', target: { item: 'health' } });
    await a.runner.idle();
    expect((await listRuns(dbA, p.id, 'health')).map((r) => r.status)).toEqual(['pass', 'pass']);
  });

  it('ends a hanging probe at its timeout: "error: timed out after N s", never a stuck item', async () => {
    const a = runner(dbA, { http: httpDouble().family });
    const p = await promotion(a.deps);
    await a.runner.start(a.deps, { promotionId: p.id, userId: 'U0ALICE', target: { item: 'hanging' } });
    await a.runner.idle();
    const [run] = await listRuns(dbA, p.id, 'hanging');
    expect(run).toMatchObject({ status: 'error', summary: 'error: timed out after 0.3 s' });
    expect(run!.durationMs).toBeGreaterThanOrEqual(290);
    const audit = await listAudit(dbA, p.id);
    expect(audit.at(-1)).toMatchObject({ action: 'probe.ran', data: { item: 'hanging', status: 'error', summary: 'error: timed out after 0.3 s', effect: 'none' } });
  });

  it('marks a run left running by a process that died interrupted once its claim lapses (the sweep)', async () => {
    const a = runner(dbA, { http: httpDouble().family });
    const p = await promotion(a.deps);
    // A process claimed it for 50 ms, then died: nobody renews the claim.
    await claimRun(dbB, { id: '00000000-0000-4000-8000-0000000000d1', promotionId: p.id, itemId: 'health', by: 'U0ALICE', startedAt: now, claimedBy: 'dead', leaseMs: 50 });
    expect(await a.runner.sweep()).toBe(0);
    // While it is claimed, nobody else starts it.
    expect((await a.runner.start(a.deps, { promotionId: p.id, userId: 'U0BOB', target: { item: 'health' } })).running).toEqual(['health']);
    await sleep(80);
    const b = runner(dbB, { http: httpDouble().family });
    const [ma, mb] = await Promise.all([a.runner.sweep(), b.runner.sweep()]);
    expect(ma + mb).toBe(1);
    expect(await getRun(dbA, '00000000-0000-4000-8000-0000000000d1')).toMatchObject({ status: 'interrupted', summary: 'interrupted: the bot stopped while it ran' });
    expect((await listAudit(dbA, p.id)).at(-1)).toMatchObject({ action: 'probe.ran', data: { status: 'interrupted' } });
    // And it can run again.
    expect((await a.runner.start(a.deps, { promotionId: p.id, userId: 'U0BOB', target: { item: 'health' } })).started).toEqual(['health']);
    await a.runner.idle();
  });

  it('records a run going when the bot stops as interrupted', async () => {
    const double = httpDouble();
    const a = runner(dbA, { http: double.family });
    const p = await promotion(a.deps);
    double.hold();
    await a.runner.start(a.deps, { promotionId: p.id, userId: 'U0ALICE', target: { item: 'health' } });
    await a.runner.stop();
    expect((await listRuns(dbA, p.id, 'health')).map((r) => r.status)).toEqual(['interrupted']);
  });

  it('strips the connection string and its password, user and host from the summary, evidence, audit, post and logs', async () => {
    const a = runner(dbA, { postgres: postgresDouble });
    const p = await promotion(a.deps);
    logs.length = 0;
    await a.runner.start(a.deps, { promotionId: p.id, userId: 'U0ALICE', target: { item: 'db' } });
    await a.runner.idle();
    const [run] = await listRuns(dbA, p.id, 'db');
    const full = await getRun(dbA, run!.id);
    expect(full!.status).toBe('error');
    // Without the runner's scrubbing, every one of these would be in the driver's message above.
    const stored = JSON.stringify([full, await listAudit(dbA, p.id), (await dbA.query('SELECT data FROM slack_outbox WHERE promotion_id = $1', [p.id])).rows, logs]);
    expect(stored).toContain('[redacted]');
    for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), 'probe_owner_x', 'secret-db-host', SECRET_URL]) expect(stored).not.toContain(secret);
    expect(full!.summary).toMatch(/^error: /);
  });

  it('does not run a probe whose template holds a placeholder, and says which key to set', async () => {
    const double = httpDouble();
    const a = runner(dbA, { http: double.family });
    const p = await promotion(a.deps);
    await a.runner.start(a.deps, { promotionId: p.id, userId: 'U0ALICE', target: { item: 'placeholder' } });
    await a.runner.idle();
    expect(double.stats.calls).toBe(0);
    const [run] = await listRuns(dbA, p.id, 'placeholder');
    expect(run).toMatchObject({ status: 'error', summary: 'not run: set probe.url (now https://example.com/health) of item placeholder in template probed' });
  });

  it('a pass ticks the item and fills the fields its records name; confirm: true leaves the tick to a person; a fail unticks', async () => {
    const a = runner(dbA, { http: httpDouble().family });
    const p = await promotion(a.deps);
    await a.runner.start(a.deps, { promotionId: p.id, userId: 'U0ALICE', target: { section: 'gates' } });
    await a.runner.idle();
    expect(await getItemState(dbA, p.id, 'ci')).toMatchObject({ state: 'done', by: 'U0ALICE' });
    expect(await getItemState(dbA, p.id, 'sha')).toMatchObject({ state: 'done', value: SHA });
    expect(await getItemState(dbA, p.id, 'health')).toMatchObject({ state: 'done' });
    expect(await getItemState(dbA, p.id, 'confirmed')).toMatchObject({ state: 'open' });
    expect(await getItemState(dbA, p.id, 'failing')).toMatchObject({ state: 'open' });
    const ran = (await listAudit(dbA, p.id)).filter((e) => e.action === 'probe.ran').map((e) => e.data as { item: string; effect: string; records: object });
    expect(ran.find((d) => d.item === 'ci')).toMatchObject({ effect: 'ticked', records: { sha: SHA } });
    // Every result's details are posted once, in the thread, keyed per run.
    const runs = (await dbA.query<{ id: string }>('SELECT id FROM probe_runs WHERE promotion_id = $1', [p.id])).rows;
    for (const r of runs) expect(sent).toContain(`probe-evidence:${r.id}`);
    // A person ticks the failing item; its next run fails, and unticks it.
    await dbA.query(`UPDATE item_states SET state = 'done', by_user = 'U0BOB' WHERE promotion_id = $1 AND item_id = 'failing'`, [p.id]);
    await a.runner.start(a.deps, { promotionId: p.id, userId: 'U0ALICE', target: { item: 'failing' } });
    await a.runner.idle();
    expect(await getItemState(dbA, p.id, 'failing')).toMatchObject({ state: 'open' });
    expect((await listAudit(dbA, p.id)).at(-1)).toMatchObject({ action: 'probe.ran', data: { item: 'failing', status: 'fail', effect: 'unticked' } });
  });

  it('GO wants a pass no older than max_age, and no probe whose last result is not a pass', async () => {
    const a = runner(dbA, { http: httpDouble().family });
    const p = await promotion(a.deps);
    const probeMissing = async () =>
      goGate((await loadView(dbA, p.id))!, [], now)
        .filter((m) => m.kind === 'probe')
        .map((m) => (m.kind === 'probe' ? `${m.item.id}: ${m.why}` : ''));
    expect(await probeMissing()).toEqual(['health: not run in the last 15m']);
    await a.runner.start(a.deps, { promotionId: p.id, userId: 'U0ALICE', target: { item: 'health' } });
    await a.runner.start(a.deps, { promotionId: p.id, userId: 'U0ALICE', target: { item: 'failing' } });
    await a.runner.idle();
    expect(await probeMissing()).toEqual(['failing: last result: fail']);
    now = new Date(now.getTime() + 16 * 60_000);
    expect(await probeMissing()).toEqual(['health: last pass older than 15m', 'failing: last result: fail']);
    await a.runner.start(a.deps, { promotionId: p.id, userId: 'U0ALICE', target: { item: 'health' } });
    await a.runner.idle();
    expect(await probeMissing()).toEqual(['failing: last result: fail']);
  });

  it('runs a section concurrently, never more than the cap at once; with the cap above the count, all at once', async () => {
    const capped = httpDouble();
    const a = runner(dbA, { http: capped.family }, { concurrency: 4, defaultTimeoutMs: 30_000 });
    const p = await promotion(a.deps);
    await a.runner.start(a.deps, { promotionId: p.id, userId: 'U0ALICE', target: { section: 'many' } });
    await a.runner.idle();
    expect(capped.stats.calls).toBe(20);
    expect(capped.stats.max).toBe(4);

    const open = httpDouble();
    // A timeout far above the probes' delays: this is about concurrency, not timeouts, on a loaded machine.
    const b = runner(dbA, { http: open.family }, { concurrency: 20, defaultTimeoutMs: 30_000 });
    const q = await promotion(b.deps);
    await b.runner.start(b.deps, { promotionId: q.id, userId: 'U0ALICE', target: { section: 'many' } });
    await b.runner.idle();
    // All 20 were running at once: the total is about the slowest, not the sum (bench/probes.ts measures the ratio).
    expect(open.stats.max).toBe(20);
    const runs = (await dbA.query<{ status: string }>('SELECT status FROM probe_runs WHERE promotion_id = $1', [q.id])).rows;
    expect(runs.filter((r) => r.status === 'pass')).toHaveLength(20);
  });
});
