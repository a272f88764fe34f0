import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSpecSchema, type ProbeOf } from '../../src/domain/template/probes.js';
import { postgresFamily, statementTimeoutMs } from '../../src/probes/postgres.js';
import type { ProbeContext } from '../../src/probes/types.js';
import { TEST_DATABASE_URL } from '../support/db.js';

/** PostgreSQL probes against the real server, in schemas and roles this file makes and drops. */

const tag = `pf${randomBytes(3).toString('hex')}`;
const eng = `${tag}_eng`;
const vh = `${tag}_vh`;
const views = `${tag}_views`;
const empty = `${tag}_empty`;
const role = (name: string): string => `${tag}_vh_${name}`;

let admin: pg.Client;

function spec(fields: Record<string, unknown>): ProbeOf<'postgres'> {
  return probeSpecSchema.parse({ type: 'postgres', connection: 'PROBE_DATABASE_URL', ...fields }) as ProbeOf<'postgres'>;
}

function ctx(over: Partial<ProbeContext> = {}): ProbeContext {
  return {
    signal: new AbortController().signal,
    timeoutMs: 10_000,
    env: { PROBE_DATABASE_URL: TEST_DATABASE_URL },
    github: undefined,
    cloudwatch: undefined,
    now: new Date(),
    release: 'v1',
    window: null,
    log: pino({ level: 'silent' }),
    ...over,
  };
}

async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

async function until(what: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  admin = await connect();
  await admin.query(`
    CREATE SCHEMA ${eng}; CREATE SCHEMA ${vh}; CREATE SCHEMA ${views}; CREATE SCHEMA ${empty};
    CREATE TABLE ${eng}.directives (id int PRIMARY KEY, title text);
    CREATE TABLE ${eng}.reviews (id int PRIMARY KEY);
    ALTER TABLE ${eng}.directives ENABLE ROW LEVEL SECURITY;
    CREATE POLICY directives_read ON ${eng}.directives FOR SELECT USING (true);
    INSERT INTO ${eng}.directives VALUES (1, 'a'), (2, 'b'), (3, 'c');
    CREATE TABLE ${vh}.ventures (id int);
    CREATE ROLE ${role('reader')} NOLOGIN; CREATE ROLE ${role('writer')} NOLOGIN; CREATE ROLE ${tag}_eng_writers NOLOGIN;
    CREATE ROLE ${role('member')} NOLOGIN IN ROLE ${tag}_eng_writers;
    GRANT USAGE ON SCHEMA ${eng} TO ${role('reader')}, ${role('writer')};
    GRANT SELECT ON ALL TABLES IN SCHEMA ${eng} TO ${role('reader')};
    GRANT INSERT, UPDATE, DELETE ON ${vh}.ventures TO ${role('writer')};
    CREATE VIEW ${views}.summary AS SELECT count(*) AS n FROM ${eng}.directives;
    CREATE VIEW ${views}.empty_view AS SELECT id FROM ${eng}.reviews;
    CREATE VIEW ${views}.broken AS SELECT 1 / (SELECT count(*) FROM ${eng}.reviews)::int AS x;
  `);
});

afterAll(async () => {
  await admin.query(`
    DROP SCHEMA IF EXISTS ${eng}, ${vh}, ${views}, ${empty} CASCADE;
    DROP ROLE IF EXISTS ${role('reader')}, ${role('writer')}, ${role('member')}, ${tag}_eng_writers;
  `);
  await admin.end();
});

describe('rls-enabled', () => {
  it('fails naming the table without row-level security, and passes once every table has it', async () => {
    const probe = spec({ check: 'rls-enabled', schema: eng });
    const before = await postgresFamily.run(probe, ctx());
    expect(before.status).toBe('fail');
    expect(before.summary).toBe(`1 of 2 ${eng} tables without row-level security: reviews`);
    expect(before.evidence.rows).toEqual([
      { table: 'reviews', rowsecurity: false, forced: false, policies: 0 },
      { table: 'directives', rowsecurity: true, forced: false, policies: 1 },
    ]);

    await admin.query(`ALTER TABLE ${eng}.reviews ENABLE ROW LEVEL SECURITY`);
    try {
      const after = await postgresFamily.run(probe, ctx());
      expect(after).toMatchObject({ status: 'pass', summary: `all 2 ${eng} tables have row-level security` });
      const strict = await postgresFamily.run(spec({ check: 'rls-enabled', schema: eng, require_policies: true }), ctx());
      expect(strict).toMatchObject({ status: 'fail', summary: `1 ${eng} table with row-level security but no policy: reviews` });
    } finally {
      await admin.query(`ALTER TABLE ${eng}.reviews DISABLE ROW LEVEL SECURITY`);
    }
  });

  it('fails on an empty or missing schema: the seed lists every eng table, and nothing listed is not a pass', async () => {
    const none = await postgresFamily.run(spec({ check: 'rls-enabled', schema: empty }), ctx());
    expect(none).toMatchObject({ status: 'fail', summary: `schema ${empty} has 0 tables, expected at least 1: nothing to check row-level security on` });
    const missing = await postgresFamily.run(spec({ check: 'rls-enabled', schema: `${tag}_nope` }), ctx());
    expect(missing).toMatchObject({ status: 'fail', summary: `schema ${tag}_nope does not exist: nothing to check row-level security on` });
  });
});

describe('no-cross-grants', () => {
  it('passes when the vh roles can only read eng, and fails on a write grant that crosses the boundary', async () => {
    const probe = spec({ check: 'no-cross-grants', roles: `${tag}\\_vh\\_%`, schema: eng });
    expect(await postgresFamily.run(probe, ctx())).toMatchObject({ status: 'pass', summary: `no ${tag}\\_vh\\_% role can write to ${eng}` });

    await admin.query(`GRANT INSERT ON ${eng}.reviews TO ${role('writer')}`);
    const direct = await postgresFamily.run(probe, ctx());
    expect(direct.status).toBe('fail');
    expect(direct.evidence.rows).toEqual([{ grantee: role('writer'), table_schema: eng, table_name: 'reviews', privilege_type: 'INSERT' }]);
    await admin.query(`REVOKE INSERT ON ${eng}.reviews FROM ${role('writer')}`);

    // Through membership in a role that may write: information_schema.role_table_grants would not list it.
    await admin.query(`GRANT UPDATE (title) ON ${eng}.directives TO ${tag}_eng_writers`);
    const inherited = await postgresFamily.run(probe, ctx());
    expect(inherited).toMatchObject({ status: 'fail', summary: `1 write privilege on ${eng} held by ${role('member')}` });
    await admin.query(`REVOKE UPDATE (title) ON ${eng}.directives FROM ${tag}_eng_writers`);
  });

  it('fails when no role matches: nothing was checked', async () => {
    const outcome = await postgresFamily.run(spec({ check: 'no-cross-grants', roles: `${tag}_nobody_%`, schema: eng }), ctx());
    expect(outcome).toMatchObject({ status: 'fail', summary: `no role matches ${tag}_nobody_%: nothing was checked` });
  });
});

describe('no-ungranted-locks', () => {
  it('fails while a second connection waits for a lock another holds, naming the blocker', async () => {
    const holder = await connect();
    const waiter = await connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE ${eng}.reviews IN ACCESS EXCLUSIVE MODE`);
      const holderPid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      const waiterPid = (await waiter.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      const waiting = waiter.query(`SELECT * FROM ${eng}.reviews`);
      await until(async () => (await admin.query('SELECT 1 FROM pg_locks WHERE pid = $1 AND NOT granted', [waiterPid])).rowCount! > 0);

      const outcome = await postgresFamily.run(spec({ check: 'no-ungranted-locks' }), ctx());
      expect(outcome.status).toBe('fail');
      expect(outcome.summary).toMatch(new RegExp(`blocked by pid (\\d+, )*${holderPid}\\b`));
      expect(outcome.evidence.rows).toContainEqual(expect.objectContaining({ pid: waiterPid, relation: `${eng}.reviews`, mode: 'AccessShareLock', blocked_by: String(holderPid) }));

      await holder.query('ROLLBACK');
      await waiting;
    } finally {
      await holder.end();
      await waiter.end();
    }
  });
});

describe('long-queries', () => {
  it('lists a query running longer than the limit, without its text', async () => {
    const sleeper = await connect();
    try {
      const pid = (await sleeper.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      const sleeping = sleeper.query('SELECT pg_sleep(3)');
      await until(async () => (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active'`, [pid])).rowCount! > 0);
      await new Promise((r) => setTimeout(r, 1100));
      const outcome = await postgresFamily.run(spec({ check: 'long-queries', longer_than: '0m' }), ctx());
      expect(outcome.status).toBe('fail');
      const row = outcome.evidence.rows?.find((r) => r['pid'] === pid);
      expect(row).toMatchObject({ state: 'active', wait_event: 'PgSleep' });
      expect(Number(row?.['running_s'])).toBeGreaterThanOrEqual(1);
      expect(JSON.stringify(outcome)).not.toContain('pg_sleep');
      await sleeping;
    } finally {
      await sleeper.end();
    }
  });
});

describe('timeouts', () => {
  it('ends a long pg_sleep with the statement_timeout, and leaves no session behind', async () => {
    const outcome = await postgresFamily.run(spec({ sql: 'SELECT pg_sleep(30)', expect: { rows: 1 } }), ctx({ timeoutMs: 1500 }));
    expect(outcome.status).toBe('error');
    expect(statementTimeoutMs(1500)).toBe(1350);
    expect(outcome.summary).toBe('timed out after 1.4 s (statement_timeout)');
    await until(async () => (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'preflight-probe' AND query LIKE '%pg_sleep(30)%'`)).rowCount === 0);
  });

  it('closes the connection when the run is aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    // A run that ignored the abort would finish the sleep and report its rows, not this error.
    const outcome = await postgresFamily.run(spec({ sql: 'SELECT pg_sleep(20)', expect: { rows: 1 } }), ctx({ timeoutMs: 30_000, signal: controller.signal }));
    expect(outcome).toMatchObject({ status: 'error', summary: 'timed out after 30 s' });
    await until(async () => (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()`)).rowCount === 0);
  });
});

describe('views-query, wal-lsn, row-counts', () => {
  it('queries every view of a schema, and names the one that fails and the one missing', async () => {
    const all = await postgresFamily.run(spec({ check: 'views-query', schema: views, views: [`${views}.gone`] }), ctx());
    expect(all.status).toBe('fail');
    expect(all.summary).toBe(`2 of 4 views failed: ${views}.gone (missing), ${views}.broken (division by zero)`);
    const good = await postgresFamily.run(spec({ check: 'views-query', views: [`${views}.summary`, `${views}.empty_view`] }), ctx());
    expect(good).toMatchObject({ status: 'pass', summary: 'all 2 views can be queried' });
    const nonempty = await postgresFamily.run(spec({ check: 'views-query', views: [`${views}.summary`, `${views}.empty_view`], nonempty: true }), ctx());
    expect(nonempty).toMatchObject({ status: 'fail', summary: `1 of 2 views failed: ${views}.empty_view (no rows)` });
  });

  it('records the current WAL LSN into the named item', async () => {
    const outcome = await postgresFamily.run(spec({ check: 'wal-lsn', records: { lsn: 'wal-position' } }), ctx());
    expect(outcome.status).toBe('pass');
    expect(outcome.records?.['wal-position']).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(outcome.summary).toContain(`current WAL LSN ${outcome.records?.['wal-position']}`);
  });

  it('counts rows on new tables against their bounds', async () => {
    const ok = await postgresFamily.run(spec({ check: 'row-counts', tables: [`${eng}.directives`, { table: `${eng}.directives`, min: 1 }] }), ctx());
    expect(ok).toMatchObject({ status: 'pass', summary: `${eng}.directives 3, ${eng}.directives 3` });
    const bad = await postgresFamily.run(spec({ check: 'row-counts', tables: [{ table: `${eng}.directives`, min: 5 }, `${eng}.missing`] }), ctx());
    expect(bad).toMatchObject({ status: 'fail', summary: `${eng}.directives has 3 rows, expected >= 5, ${eng}.missing missing` });
  });
});

describe('custom query', () => {
  it('compares the row count and a value with the template expectation', async () => {
    const zero = await postgresFamily.run(spec({ sql: `SELECT * FROM ${eng}.directives WHERE id > 10`, expect: { rows: 0 } }), ctx());
    expect(zero).toMatchObject({ status: 'pass', summary: '0 rows returned' });
    const value = await postgresFamily.run(spec({ sql: `SELECT count(*) AS n FROM ${eng}.directives`, expect: { value: { op: '>=', value: 3 } } }), ctx());
    expect(value).toMatchObject({ status: 'pass', summary: 'n = 3 (>= 3), 1 row returned', evidence: { metrics: [{ name: 'n', value: 3, threshold: '>= 3' }] } });
    const over = await postgresFamily.run(spec({ sql: `SELECT count(*) AS n FROM ${eng}.directives`, expect: { value: { column: 'n', op: '<', value: 2 } } }), ctx());
    expect(over).toMatchObject({ status: 'fail', summary: 'n = 3, expected < 2' });
    const many = await postgresFamily.run(spec({ sql: 'SELECT generate_series(1, 50) AS i', expect: { min_rows: 1 } }), ctx());
    expect(many.evidence.rows).toHaveLength(20);
    expect(many.evidence.lines).toContain('30 more rows not kept');
  });

  it('cannot write, nor slip a second statement past the read-only transaction', async () => {
    const insert = await postgresFamily.run(spec({ sql: `INSERT INTO ${eng}.reviews VALUES (9) RETURNING id`, expect: { rows: 1 } }), ctx());
    expect(insert).toMatchObject({ status: 'error', summary: 'cannot execute INSERT in a read-only transaction' });
    const smuggled = await postgresFamily.run(spec({ sql: `SELECT 1; COMMIT; DELETE FROM ${eng}.directives`, expect: { rows: 1 } }), ctx());
    expect(smuggled.status).toBe('error');
    expect(smuggled.summary).toContain('cannot insert multiple commands into a prepared statement');
    expect((await admin.query(`SELECT count(*)::int AS n FROM ${eng}.directives`)).rows[0].n).toBe(3);
    expect(probeSpecSchema.safeParse({ type: 'postgres', connection: 'X', sql: 'COMMIT', expect: { rows: 0 } }).success).toBe(false);
  });
});

describe('secrets', () => {
  it('says when the connection variable is not set', async () => {
    const outcome = await postgresFamily.run(spec({ check: 'wal-lsn' }), ctx({ env: {} }));
    expect(outcome).toMatchObject({ status: 'error', summary: 'PROBE_DATABASE_URL is not set: the bot needs the connection string in that environment variable' });
  });

  it('names the connection string and its password, and keeps the password out of a driver error that carries it', async () => {
    const password = 'Sup3r$ecret/pw';
    // A server (or pooler) that echoes the password it was given in its error: what a driver may pass on.
    const server = net.createServer((socket) => {
      let buffer = Buffer.alloc(0);
      let started = false;
      socket.on('data', (chunk) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (!started && buffer.length >= 4 && buffer.length >= buffer.readInt32BE(0)) {
          started = true;
          buffer = buffer.subarray(buffer.readInt32BE(0));
          socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // AuthenticationCleartextPassword
        }
        if (started && !socket.writableEnded && buffer.length >= 5 && buffer[0] === 0x70 && buffer.length >= 1 + buffer.readInt32BE(1)) {
          const given = buffer.subarray(5, 1 + buffer.readInt32BE(1) - 1).toString();
          const fields = Buffer.from(`SFATAL\0C28P01\0Mpassword authentication failed: "${given}" is not the password\0\0`);
          const head = Buffer.alloc(5);
          head[0] = 0x45;
          head.writeInt32BE(4 + fields.length, 1);
          socket.end(Buffer.concat([head, fields]));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const url = `postgres://probe:${encodeURIComponent(password)}@127.0.0.1:${port}/prod`;
      const probe = spec({ check: 'wal-lsn' });
      const c = ctx({ env: { PROBE_DATABASE_URL: url } });
      expect(postgresFamily.secrets(probe, c)).toEqual(expect.arrayContaining([url, password]));

      // Without redaction the driver's message would hold the password:
      const raw = new pg.Client({ connectionString: url });
      await expect(raw.connect()).rejects.toThrow(password);

      const outcome = await postgresFamily.run(probe, c);
      expect(outcome.status).toBe('error');
      expect(outcome.summary).toBe('password authentication failed: "[redacted]" is not the password');
      expect(JSON.stringify(outcome)).not.toContain(password);
      expect(JSON.stringify(outcome)).not.toContain(encodeURIComponent(password));
    } finally {
      server.close();
    }
  });

  it('reports a connection that is refused as an error, not a failed check', async () => {
    const outcome = await postgresFamily.run(spec({ check: 'wal-lsn' }), ctx({ env: { PROBE_DATABASE_URL: 'postgres://probe:pw@127.0.0.1:1/prod' } }));
    expect(outcome.status).toBe('error');
    expect(outcome.summary).toContain('ECONNREFUSED');
  });
});

describe('placeholders', () => {
  it('names the keys still holding REPLACE_ME, never the connection variable', () => {
    expect(postgresFamily.placeholders(spec({ check: 'rls-enabled', schema: 'REPLACE_ME' }))).toEqual([{ key: 'schema', value: 'REPLACE_ME' }]);
    expect(postgresFamily.placeholders(spec({ check: 'row-counts', tables: ['eng.t', { table: 'eng.REPLACE_ME' }] }))).toEqual([{ key: 'tables[1].table', value: 'eng.REPLACE_ME' }]);
    expect(postgresFamily.placeholders(spec({ check: 'wal-lsn' }))).toEqual([]);
  });
});
