import pg from 'pg';
import { parseDuration } from '../domain/offsets.js';
import { placeholdersIn } from '../domain/template/probes/common.js';
import type { PostgresProbe } from '../domain/template/probes/postgres.js';
import { ROWS_KEPT, type Evidence, type ProbeContext, type ProbeFamily, type ProbeOutcome } from './types.js';

/**
 * PostgreSQL probes: one short-lived client per run (never a pool), connected with the connection string the template
 * names by environment variable, every query inside `BEGIN READ ONLY` with a `statement_timeout` just under the
 * probe's timeout, and the connection torn down when the run's signal aborts. Query text comes from the template only;
 * names from the template are quoted as identifiers, values are passed as parameters, and the custom `sql` goes through
 * the extended protocol (one statement, so it cannot end the read-only transaction and run another).
 */

type Row = Record<string, unknown>;
type EvidenceRow = NonNullable<Evidence['rows']>[number];
type Spec<C extends string> = Extract<PostgresProbe, { check: C }>;

/** What a check does once the read-only transaction is open. */
type Check<S> = (db: Session, spec: S, ctx: ProbeContext) => Promise<ProbeOutcome>;

interface Session {
  /** Runs one statement (extended protocol) with parameters. */
  query(text: string, values?: unknown[]): Promise<{ rows: Row[]; fields: Array<{ name: string }> }>;
  /** Runs `text` under a savepoint: an error (a broken view) is returned, and the transaction goes on. */
  attempt(text: string): Promise<{ rows: Row[] } | { error: string }>;
}

/** The statement_timeout: the probe's timeout less a margin, so the server cancels before the runner gives up. */
export function statementTimeoutMs(timeoutMs: number): number {
  return Math.max(100, Math.floor(timeoutMs - Math.min(1000, timeoutMs / 10)));
}

export const postgresFamily: ProbeFamily<'postgres'> = {
  type: 'postgres',

  placeholders(spec) {
    return placeholdersIn(spec as unknown as Record<string, unknown>).filter((p) => p.key !== 'connection');
  },

  secrets(spec, ctx) {
    const url = ctx.env[spec.connection];
    return url ? secretsOf(url) : [];
  },

  async run(spec, ctx) {
    const url = ctx.env[spec.connection];
    if (!url) return errorOutcome(`${spec.connection} is not set: the bot needs the connection string in that environment variable`);
    const secrets = secretsOf(url);
    const stmtMs = statementTimeoutMs(ctx.timeoutMs);
    if (ctx.signal.aborted) return errorOutcome('stopped before connecting');

    let client: pg.Client;
    try {
      client = new pg.Client({
        connectionString: url,
        connectionTimeoutMillis: ctx.timeoutMs,
        statement_timeout: stmtMs,
        idle_in_transaction_session_timeout: ctx.timeoutMs,
        application_name: 'preflight-probe',
      });
    } catch (error) {
      return errorOutcome(`the connection string in ${spec.connection} cannot be read: ${describe(error, secrets)}`);
    }
    // A connection torn down under a query emits 'error' on the client; the query's own rejection reports it.
    client.on('error', () => undefined);
    const abort = (): void => {
      cancelRunning(client, url);
      void client.end().catch(() => undefined);
    };
    ctx.signal.addEventListener('abort', abort, { once: true });
    try {
      await client.connect();
      await client.query('BEGIN READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${stmtMs}`);
      const session = sessionOf(client);
      return await runCheck(session, spec, ctx);
    } catch (error) {
      if (ctx.signal.aborted) return errorOutcome(`timed out after ${seconds(ctx.timeoutMs)}`);
      if (isPgError(error) && error.code === '57014') return errorOutcome(`timed out after ${seconds(stmtMs)} (statement_timeout)`);
      return errorOutcome(describe(error, secrets));
    } finally {
      ctx.signal.removeEventListener('abort', abort);
      // Ending the connection ends the read-only transaction with it.
      await client.end().catch(() => undefined);
    }
  },
};

/**
 * Asks the server to cancel the statement running on `client` (a CancelRequest on a connection of its own, as psql's
 * Ctrl-C does): closing the socket alone leaves a pg_sleep running until the server next writes to it. Best effort;
 * the statement_timeout ends it in any case.
 */
function cancelRunning(client: pg.Client, url: string): void {
  // activeQuery and cancel() are pg's (lib/client.js), not in @types/pg.
  const active = (client as unknown as { activeQuery?: unknown }).activeQuery;
  if (!active) return;
  try {
    const canceller = new pg.Client({ connectionString: url }) as unknown as {
      connection: { on(event: 'error', fn: () => void): void };
      cancel(client: pg.Client, query: unknown): void;
    };
    canceller.connection.on('error', () => undefined);
    canceller.cancel(client, active);
  } catch {
    /* the statement_timeout still ends it */
  }
}

function runCheck(db: Session, spec: PostgresProbe, ctx: ProbeContext): Promise<ProbeOutcome> {
  switch (spec.check) {
    case undefined:
    case 'query':
      return customQuery(db, spec, ctx);
    case 'no-ungranted-locks':
      return noUngrantedLocks(db, spec, ctx);
    case 'long-queries':
      return longQueries(db, spec, ctx);
    case 'rls-enabled':
      return rlsEnabled(db, spec, ctx);
    case 'no-cross-grants':
      return noCrossGrants(db, spec, ctx);
    case 'views-query':
      return viewsQuery(db, spec, ctx);
    case 'wal-lsn':
      return walLsn(db, spec, ctx);
    case 'row-counts':
      return rowCounts(db, spec, ctx);
  }
}

function sessionOf(client: pg.Client): Session {
  let savepoints = 0;
  const query: Session['query'] = async (text, values = []) => {
    // queryMode 'extended' is in pg (8.12+) but not in @types/pg.
    const result = await client.query({ text, values, queryMode: 'extended' } as pg.QueryConfig);
    return { rows: result.rows as Row[], fields: result.fields };
  };
  return {
    query,
    async attempt(text) {
      const name = `probe_${++savepoints}`;
      await client.query(`SAVEPOINT ${name}`);
      try {
        const { rows } = await query(text);
        await client.query(`RELEASE SAVEPOINT ${name}`);
        return { rows };
      } catch (error) {
        // A timeout is the whole probe's, not this statement's: let it end the run.
        if (isPgError(error) && error.code === '57014') throw error;
        await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
        return { error: isPgError(error) ? error.message : String(error) };
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------------- checks

const customQuery: Check<Extract<PostgresProbe, { sql: string }>> = async (db, spec) => {
  const { rows, fields } = await db.query(spec.sql);
  const { expect } = spec;
  const problems: string[] = [];
  const lines = [`${rows.length} ${plural(rows.length, 'row')} returned`];
  if (expect.rows !== undefined && rows.length !== expect.rows) problems.push(`expected ${expect.rows} ${plural(expect.rows, 'row')}, got ${rows.length}`);
  if (expect.min_rows !== undefined && rows.length < expect.min_rows) problems.push(`expected at least ${expect.min_rows} ${plural(expect.min_rows, 'row')}, got ${rows.length}`);
  if (expect.max_rows !== undefined && rows.length > expect.max_rows) problems.push(`expected at most ${expect.max_rows} ${plural(expect.max_rows, 'row')}, got ${rows.length}`);
  const metrics: NonNullable<Evidence['metrics']> = [];
  if (expect.value) {
    const column = expect.value.column ?? fields[0]?.name;
    const raw = column === undefined ? undefined : rows[0]?.[column];
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' || typeof raw === 'bigint' ? Number(raw) : NaN;
    const threshold = `${expect.value.op} ${expect.value.value}`;
    if (rows.length === 0 || column === undefined || !(column in rows[0]!)) problems.push(`no value in column ${column ?? '(none)'} to compare with ${threshold}`);
    else if (!Number.isFinite(value)) problems.push(`${column} is ${JSON.stringify(evidenceValue(raw))}, not a number to compare with ${threshold}`);
    else if (!compare(value, expect.value.op, expect.value.value)) problems.push(`${column} = ${value}, expected ${threshold}`);
    metrics.push({ name: column ?? 'value', value: Number.isFinite(value) ? value : null, threshold });
  }
  const summary = problems.length ? problems.join('; ') : expect.value && metrics[0]?.value !== null ? `${metrics[0]!.name} = ${metrics[0]!.value} (${metrics[0]!.threshold}), ${lines[0]}` : lines[0]!;
  return outcome(problems.length ? 'fail' : 'pass', summary, { lines: [...lines, ...problems], rows, ...(metrics.length ? { metrics } : {}) });
};

const noUngrantedLocks: Check<Spec<'no-ungranted-locks'>> = async (db) => {
  const { rows } = await db.query(
    `SELECT l.pid, a.usename, a.application_name, l.locktype, l.mode, l.relation::regclass::text AS relation,
            array_to_string(pg_blocking_pids(l.pid), ', ') AS blocked_by,
            floor(extract(epoch FROM now() - a.query_start))::bigint AS waiting_s
       FROM pg_locks l
       LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE NOT l.granted
        AND l.pid <> pg_backend_pid()
        AND (l.database IS NULL OR l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
      ORDER BY l.pid, l.locktype`,
  );
  if (rows.length === 0) return outcome('pass', 'no session is waiting for a lock', { lines: ['pg_locks: no ungranted lock'] });
  const pids = [...new Set(rows.map((r) => String(r['pid'])))];
  const blockers = [...new Set(rows.flatMap((r) => String(r['blocked_by'] ?? '').split(', ').filter(Boolean)))];
  return outcome('fail', `${pids.length} ${plural(pids.length, 'session')} waiting for a lock${blockers.length ? ` (blocked by pid ${blockers.join(', ')})` : ''}`, {
    lines: [`pg_locks: ${rows.length} ungranted ${plural(rows.length, 'lock')}`],
    rows,
  });
};

const longQueries: Check<Spec<'long-queries'>> = async (db, spec) => {
  const limitS = parseDuration(spec.longer_than) / 1000;
  // An active query counts from its start; a session idle in a transaction from the transaction's start.
  const since = `CASE WHEN state = 'active' THEN query_start ELSE coalesce(xact_start, query_start) END`;
  const { rows } = await db.query(
    `SELECT pid, usename, application_name, state, wait_event_type, wait_event,
            floor(extract(epoch FROM now() - ${since}))::bigint AS running_s
       FROM pg_stat_activity
      WHERE pid <> pg_backend_pid()
        AND backend_type = 'client backend'
        AND state <> 'idle'
        AND now() - ${since} > make_interval(secs => $1::double precision)
      ORDER BY running_s DESC, pid`,
    [limitS],
  );
  const hidden = await invisibleSessions(db);
  const lines = [`pg_stat_activity: ${rows.length} client ${plural(rows.length, 'session')} busy for over ${spec.longer_than} (query text not kept)`];
  if (rows.length > 0) {
    const longest = rows[0]!;
    return outcome('fail', `${rows.length} ${plural(rows.length, 'query', 'queries')} running over ${spec.longer_than} (longest ${longest['running_s']} s, pid ${longest['pid']})`, { lines, rows });
  }
  if (hidden > 0) return cannotSee(hidden, lines);
  return outcome('pass', `no query running over ${spec.longer_than}`, { lines });
};

/** Sessions of other users whose state this user cannot read (without pg_read_all_stats): a check blind to them must not pass. */
async function invisibleSessions(db: Session): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' AND state IS NULL`,
  );
  return Number(rows[0]?.['n'] ?? 0);
}

function cannotSee(hidden: number, lines: string[]): ProbeOutcome {
  return outcome('error', `cannot see ${hidden} other ${plural(hidden, 'session')}: grant pg_read_all_stats to the probe's database user`, {
    lines: [...lines, `${hidden} ${plural(hidden, 'session')} of other users show no state to this user`],
  });
}

const rlsEnabled: Check<Spec<'rls-enabled'>> = async (db, spec) => {
  const { rows } = await db.query(
    `SELECT c.relname AS table, c.relrowsecurity AS rowsecurity, c.relforcerowsecurity AS forced,
            (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)::int AS policies
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
      ORDER BY c.relrowsecurity, c.relname`,
    [spec.schema],
  );
  if (rows.length < spec.min_tables) {
    const { rows: exists } = await db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [spec.schema]);
    const why = exists.length === 0 ? `schema ${spec.schema} does not exist` : `schema ${spec.schema} has ${rows.length} ${plural(rows.length, 'table')}, expected at least ${spec.min_tables}`;
    return outcome('fail', `${why}: nothing to check row-level security on`, { lines: [why], rows });
  }
  const without = rows.filter((r) => r['rowsecurity'] !== true);
  const noPolicy = spec.require_policies ? rows.filter((r) => r['rowsecurity'] === true && Number(r['policies']) === 0) : [];
  const lines = [`${spec.schema}: ${rows.length} ${plural(rows.length, 'table')}, ${rows.length - without.length} with row-level security`];
  if (spec.require_policies) lines.push(`${noPolicy.length} with row-level security but no policy`);
  if (without.length > 0) {
    const names = without.map((r) => String(r['table']));
    return outcome('fail', `${without.length} of ${rows.length} ${spec.schema} ${plural(rows.length, 'table')} without row-level security: ${listed(names)}`, { lines, rows });
  }
  if (noPolicy.length > 0) {
    return outcome('fail', `${noPolicy.length} ${spec.schema} ${plural(noPolicy.length, 'table')} with row-level security but no policy: ${listed(noPolicy.map((r) => String(r['table'])))}`, { lines, rows });
  }
  return outcome('pass', `all ${rows.length} ${spec.schema} ${plural(rows.length, 'table')} have row-level security`, { lines, rows });
};

const noCrossGrants: Check<Spec<'no-cross-grants'>> = async (db, spec) => {
  const { rows: roles } = await db.query('SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE $1', [spec.roles]);
  const roleCount = Number(roles[0]?.['n'] ?? 0);
  if (roleCount === 0) {
    return outcome('fail', `no role matches ${spec.roles}: nothing was checked`, { lines: [`pg_roles: no role name LIKE '${spec.roles}'`] });
  }
  // Effective privileges (membership, PUBLIC, superuser, column grants), which pg_class and the has_*_privilege
  // functions give any user; information_schema only lists grants that involve the current user's roles.
  const { rows } = await db.query(
    `SELECT r.rolname AS grantee, n.nspname AS table_schema, c.relname AS table_name, p.privilege AS privilege_type
       FROM pg_roles r
      CROSS JOIN pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      CROSS JOIN unnest($3::text[]) AS p(privilege)
      WHERE r.rolname LIKE $1
        AND n.nspname = $2
        AND c.relkind IN ('r', 'p', 'v', 'f')
        AND CASE WHEN p.privilege IN ('INSERT', 'UPDATE') THEN has_any_column_privilege(r.oid, c.oid, p.privilege)
                 ELSE has_table_privilege(r.oid, c.oid, p.privilege) END
      ORDER BY 1, 3, 4`,
    [spec.roles, spec.schema, spec.privileges],
  );
  const lines = [`${roleCount} ${plural(roleCount, 'role')} LIKE '${spec.roles}', privileges ${spec.privileges.join(', ')} on ${spec.schema}`];
  if (rows.length === 0) return outcome('pass', `no ${spec.roles} role can write to ${spec.schema}`, { lines });
  const grantees = [...new Set(rows.map((r) => String(r['grantee'])))];
  return outcome('fail', `${rows.length} write ${plural(rows.length, 'privilege')} on ${spec.schema} held by ${listed(grantees)}`, { lines, rows });
};

const viewsQuery: Check<Spec<'views-query'>> = async (db, spec) => {
  const targets: Array<{ name: string; sql: string | null }> = [];
  for (const name of spec.views ?? []) {
    const { rows } = await db.query(`SELECT c.relkind::text AS kind FROM pg_class c WHERE c.oid = to_regclass($1)`, [name]);
    targets.push({ name, sql: rows.length ? `SELECT * FROM ${quoteQualified(name)} LIMIT 1` : null });
  }
  if (spec.schema !== undefined) {
    const { rows } = await db.query(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('v', 'm') ORDER BY c.relname`,
      [spec.schema],
    );
    if (rows.length === 0 && !spec.views) return outcome('fail', `schema ${spec.schema} has no views: nothing to query`, { lines: [`pg_class: no view in ${spec.schema}`] });
    for (const r of rows) {
      const name = `${spec.schema}.${String(r['name'])}`;
      if (!targets.some((t) => t.name === name)) targets.push({ name, sql: `SELECT * FROM ${pg.escapeIdentifier(spec.schema)}.${pg.escapeIdentifier(String(r['name']))} LIMIT 1` });
    }
  }
  const results: EvidenceRow[] = [];
  for (const t of targets) {
    if (t.sql === null) {
      results.push({ view: t.name, result: 'missing' });
      continue;
    }
    const answer = await db.attempt(t.sql);
    if ('error' in answer) results.push({ view: t.name, result: `error: ${answer.error}` });
    else if (spec.nonempty && answer.rows.length === 0) results.push({ view: t.name, result: 'no rows' });
    else results.push({ view: t.name, result: answer.rows.length ? 'ok, returns rows' : 'ok, no rows' });
  }
  const bad = results.filter((r) => !String(r['result']).startsWith('ok'));
  const lines = [`${targets.length} ${plural(targets.length, 'view')} queried${spec.nonempty ? ' (each must return a row)' : ''}`];
  if (bad.length) {
    return outcome('fail', `${bad.length} of ${targets.length} ${plural(targets.length, 'view')} failed: ${listed(bad.map((r) => `${r['view']} (${String(r['result']).replace(/^error: /, '')})`), 3)}`, {
      lines,
      rows: [...bad, ...results.filter((r) => !bad.includes(r))],
    });
  }
  return outcome('pass', `all ${targets.length} ${plural(targets.length, 'view')} can be queried`, { lines, rows: results });
};

const walLsn: Check<Spec<'wal-lsn'>> = async (db, spec) => {
  const { rows } = await db.query(
    `SELECT pg_is_in_recovery() AS standby,
            (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn,
            now() AS at`,
  );
  const row = rows[0] ?? {};
  const lsn = String(row['lsn'] ?? '');
  const at = row['at'] instanceof Date ? row['at'].toISOString() : String(row['at']);
  if (!lsn || lsn === 'null') return outcome('error', 'the server reported no WAL position', { lines: ['pg_current_wal_lsn() returned nothing'] });
  const what = row['standby'] === true ? 'WAL replay LSN (standby)' : 'current WAL LSN';
  const records = spec.records?.lsn ? { [spec.records.lsn]: lsn } : undefined;
  return { status: 'pass', summary: `${what} ${lsn} at ${at}`, evidence: { lines: [`${what}: ${lsn}`, `at ${at} (server time)`] }, ...(records ? { records } : {}) };
};

const rowCounts: Check<Spec<'row-counts'>> = async (db, spec) => {
  const results: EvidenceRow[] = [];
  const problems: string[] = [];
  for (const entry of spec.tables) {
    const { table, min, max } = typeof entry === 'string' ? { table: entry, min: undefined, max: undefined } : entry;
    const expected = [min !== undefined ? `>= ${min}` : '', max !== undefined ? `<= ${max}` : ''].filter(Boolean).join(' and ') || null;
    const { rows: found } = await db.query('SELECT to_regclass($1) IS NOT NULL AS found', [table]);
    if (found[0]?.['found'] !== true) {
      results.push({ table, rows: null, expected, result: 'missing' });
      problems.push(`${table} missing`);
      continue;
    }
    const answer = await db.attempt(`SELECT count(*)::bigint AS n FROM ${quoteQualified(table)}`);
    if ('error' in answer) {
      results.push({ table, rows: null, expected, result: `error: ${answer.error}` });
      problems.push(`${table}: ${answer.error}`);
      continue;
    }
    const n = Number(answer.rows[0]?.['n']);
    const ok = (min === undefined || n >= min) && (max === undefined || n <= max);
    results.push({ table, rows: n, expected, result: ok ? 'ok' : 'out of bounds' });
    if (!ok) problems.push(`${table} has ${n} ${plural(n, 'row')}, expected ${expected}`);
  }
  const lines = results.map((r) => `${r['table']}: ${r['rows'] ?? r['result']}${r['expected'] ? ` (expected ${r['expected']})` : ''}`);
  if (problems.length) return outcome('fail', listed(problems, 3), { lines, rows: results });
  return outcome('pass', results.map((r) => `${r['table']} ${r['rows']}`).join(', '), { lines, rows: results });
};

// --------------------------------------------------------------------------------------------------------- helpers

function outcome(status: ProbeOutcome['status'], summary: string, evidence: { lines: string[]; rows?: Row[] | EvidenceRow[]; metrics?: Evidence['metrics'] }): ProbeOutcome {
  const { rows, ...rest } = evidence;
  const out: Evidence = { ...rest };
  if (rows && rows.length) {
    out.rows = rows.slice(0, ROWS_KEPT).map(evidenceRow);
    if (rows.length > ROWS_KEPT) out.lines = [...out.lines, `${rows.length - ROWS_KEPT} more ${plural(rows.length - ROWS_KEPT, 'row')} not kept`];
  }
  return { status, summary, evidence: out };
}

function errorOutcome(summary: string): ProbeOutcome {
  return { status: 'error', summary, evidence: { lines: [summary] } };
}

function evidenceRow(row: Row): EvidenceRow {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, evidenceValue(v)]));
}

function evidenceValue(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.length > 200 ? `${v.slice(0, 199)}…` : v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return `(${v.length} bytes)`;
  return evidenceValue(JSON.stringify(v));
}

/** `schema.name` or `name`, each part quoted as an identifier (the schema validated them as plain names). */
function quoteQualified(name: string): string {
  return name
    .split('.')
    .map((part) => pg.escapeIdentifier(part))
    .join('.');
}

function compare(value: number, op: string, threshold: number): boolean {
  switch (op) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '=':
      return value === threshold;
    default:
      return value !== threshold;
  }
}

/** The connection string, and its password (as written and decoded): what must never appear in evidence or errors. */
export function secretsOf(url: string): string[] {
  const out = new Set<string>([url]);
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      out.add(parsed.password);
      try {
        out.add(decodeURIComponent(parsed.password));
      } catch {
        /* not percent-encoded text: the raw form is already there */
      }
    }
    const query = parsed.searchParams.get('password');
    if (query) out.add(query);
  } catch {
    // Not a URL (a libpq key=value string): take what follows password=.
    const m = /password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/i.exec(url);
    if (m) out.add(m[1]!.replace(/^'|'$/g, ''));
  }
  return [...out].filter((s) => s.length > 0);
}

/** An error as one line, with every secret replaced (longest first, so the whole string goes before its parts). */
function describe(error: unknown, secrets: string[]): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  return [...secrets].sort((a, b) => b.length - a.length).reduce((t, s) => t.split(s).join('[redacted]'), text.split('\n')[0]!);
}

function isPgError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

function listed(items: string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
