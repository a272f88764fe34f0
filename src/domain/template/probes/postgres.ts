import { z } from 'zod';
import { slugSchema } from '../../names.js';
import { durationSchema } from '../timeline.js';
import { envName, probeCommon } from './common.js';

/**
 * PostgreSQL probes (src/probes/postgres.ts). Every one names `connection`, the environment variable holding the
 * connection string (never the string itself), and runs read-only: `BEGIN READ ONLY` with a `statement_timeout` from
 * the probe's timeout. A probe is either a named `check` or the custom form, `sql` + `expect` (`check: query` may be
 * written or left out). Query text comes only from here, never from Slack.
 */

/** An unquoted SQL identifier as written in a template (quoted by the probe when it builds a query). */
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, 'must be a SQL name like eng (letters, digits, _)');
/** `schema.name`, or `name` (then the probe's search_path decides, as psql would). */
const qualifiedName = z
  .string()
  .regex(/^([A-Za-z_][A-Za-z0-9_$]{0,62}\.)?[A-Za-z_][A-Za-z0-9_$]{0,62}$/, 'must be a table or view name like eng.directives');

const base = {
  type: z.literal('postgres'),
  ...probeCommon,
  /** Name of the environment variable holding the connection string; never the string itself. */
  connection: envName,
};

/** Statements that would leave the read-only transaction or change the session: refused in `sql`. */
const SESSION_STATEMENT = /^\s*(begin|start|commit|end|abort|rollback|savepoint|release|prepare|set|reset|discard|listen|notify|lock|copy|do|call)\b/i;

const comparison = z.enum(['<', '<=', '>', '>=', '=', '!=']);

/** The custom form: one read-only statement, and what its result must be. */
const query = z
  .object({
    ...base,
    check: z.literal('query').optional(),
    sql: z
      .string()
      .min(1)
      .max(20_000)
      .refine((sql) => !SESSION_STATEMENT.test(sql), 'must be one query (SELECT, WITH, TABLE, VALUES...), not a transaction or session statement'),
    expect: z
      .object({
        /** Exactly this many rows. */
        rows: z.number().int().min(0).optional(),
        min_rows: z.number().int().min(0).optional(),
        max_rows: z.number().int().min(0).optional(),
        /** The first row's `column` (its first column when not named), as a number, compared with `value`. */
        value: z.object({ column: z.string().min(1).optional(), op: comparison, value: z.number() }).strict().optional(),
      })
      .strict()
      .refine((e) => Object.values(e).some((v) => v !== undefined), 'must say what to expect: rows, min_rows, max_rows or value'),
  })
  .strict();

/** No lock in the database is waiting to be granted (a session blocked by another). */
const noUngrantedLocks = z.object({ ...base, check: z.literal('no-ungranted-locks') }).strict();

/** No client query has been running (or a transaction sitting idle) for longer than `longer_than`. */
const longQueries = z.object({ ...base, check: z.literal('long-queries'), longer_than: durationSchema }).strict();

/**
 * Every table of `schema` has row-level security enabled, and the schema has at least `min_tables` tables (an empty or
 * missing schema checks nothing, so it fails). With `require_policies`, every table also has a policy.
 */
const rlsEnabled = z
  .object({
    ...base,
    check: z.literal('rls-enabled'),
    schema: identifier,
    min_tables: z.number().int().min(1).default(1),
    require_policies: z.boolean().default(false),
  })
  .strict();

/**
 * No role whose name is LIKE `roles` (e.g. `vh_%`) may write to any table of `schema`: effective privileges, through
 * role membership and PUBLIC too, not only the grants listed in information_schema.
 */
const noCrossGrants = z
  .object({
    ...base,
    check: z.literal('no-cross-grants'),
    roles: z.string().min(1).max(63),
    schema: identifier,
    privileges: z
      .array(z.enum(['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']))
      .min(1)
      .default(['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']),
  })
  .strict();

/** The views named (or every view of `schema`) exist and can be queried; with `nonempty`, each returns a row. */
const viewsQuery = z
  .object({
    ...base,
    check: z.literal('views-query'),
    views: z.array(qualifiedName).min(1).optional(),
    schema: identifier.optional(),
    nonempty: z.boolean().default(false),
  })
  .strict()
  .refine((v) => v.views !== undefined || v.schema !== undefined, { message: 'must name views, or a schema whose views are all checked', path: ['views'] });

/** Records the current WAL LSN (the replay LSN on a standby) into the item `records.lsn`. */
const walLsn = z
  .object({ ...base, check: z.literal('wal-lsn'), records: z.object({ lsn: slugSchema }).strict().optional() })
  .strict();

/** Counts the rows of each table; bounds, when given, are checked. */
const rowCounts = z
  .object({
    ...base,
    check: z.literal('row-counts'),
    tables: z
      .array(
        z.union([
          qualifiedName,
          z.object({ table: qualifiedName, min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() }).strict(),
        ]),
      )
      .min(1)
      .max(50),
  })
  .strict();

export const postgres = z.discriminatedUnion('check', [query, noUngrantedLocks, longQueries, rlsEnabled, noCrossGrants, viewsQuery, walLsn, rowCounts], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? 'check must be one of no-ungranted-locks, long-queries, rls-enabled, no-cross-grants, views-query, wal-lsn, row-counts, query (or left out, with sql and expect)'
      : undefined,
});

export type PostgresProbe = z.infer<typeof postgres>;
export type PostgresCheck = NonNullable<PostgresProbe['check']>;
