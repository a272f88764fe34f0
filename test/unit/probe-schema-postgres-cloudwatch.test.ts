import { describe, expect, it } from 'vitest';
import { probeSpecSchema } from '../../src/domain/template/probes.js';
import { parseTemplate } from '../../src/templates/loader.js';

/** The template keys of the PostgreSQL and CloudWatch probes: named checks, the custom form, and where a mistake is reported. */

const TEMPLATE = (probe: string) => `name: Small promotion
sections:
  - id: gates
    title: Gates
    kind: gates
    items:
      - id: wal
        label: Note the WAL position
${probe
  .trim()
  .split('\n')
  .map((l) => `        ${l}`)
  .join('\n')}
      - id: wal-position
        label: WAL position
        field:
          type: text
`;

const pg = (fields: Record<string, unknown>) => probeSpecSchema.safeParse({ type: 'postgres', connection: 'PROD_DATABASE_URL', ...fields });

describe('postgres probe keys', () => {
  it('accepts every named check with its keys, and the custom sql + expect form with or without check: query', () => {
    for (const fields of [
      { check: 'no-ungranted-locks' },
      { check: 'long-queries', longer_than: '5m' },
      { check: 'rls-enabled', schema: 'eng' },
      { check: 'no-cross-grants', roles: 'vh_%', schema: 'eng' },
      { check: 'views-query', schema: 'views', nonempty: true },
      { check: 'views-query', views: ['views.eng_governance_summary'] },
      { check: 'wal-lsn', records: { lsn: 'wal-position' } },
      { check: 'row-counts', tables: ['vh.ingest_runs', { table: 'eng.directives', min: 1 }] },
      { sql: 'SELECT 1', expect: { rows: 1 } },
      { check: 'query', sql: 'SELECT count(*) FROM t', expect: { value: { op: '<', value: 10 } } },
    ]) {
      expect(pg(fields).error?.issues ?? [], JSON.stringify(fields)).toEqual([]);
    }
    expect(pg({ check: 'rls-enabled', schema: 'eng' }).data).toMatchObject({ min_tables: 1, require_policies: false, confirm: false });
    expect(pg({ check: 'no-cross-grants', roles: 'vh_%', schema: 'eng' }).data).toMatchObject({ privileges: ['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'] });
  });

  it('refuses an unknown check, a missing key, an expectation that says nothing, and session statements in sql', () => {
    expect(pg({ check: 'locks' }).error?.issues[0]).toMatchObject({ path: ['check'], message: expect.stringContaining('check must be one of no-ungranted-locks') });
    expect(pg({ check: 'rls-enabled' }).error?.issues[0]).toMatchObject({ path: ['schema'] });
    expect(pg({ check: 'rls-enabled', schema: 'eng; DROP TABLE x' }).error?.issues[0]).toMatchObject({ path: ['schema'] });
    expect(pg({ check: 'views-query' }).error?.issues[0]).toMatchObject({ path: ['views'], message: 'must name views, or a schema whose views are all checked' });
    expect(pg({ sql: 'SELECT 1', expect: {} }).error?.issues[0]).toMatchObject({ path: ['expect'] });
    expect(pg({ sql: 'SET ROLE analyst_ro', expect: { rows: 0 } }).error?.issues[0]).toMatchObject({ path: ['sql'] });
    expect(pg({ check: 'long-queries', longer_than: '5 minutes' }).error?.issues[0]).toMatchObject({ path: ['longer_than'] });
    expect(pg({ check: 'wal-lsn', sql: 'SELECT 1' }).success).toBe(false);
  });

  it('reports a bad key with its file, line and key path, and checks that records.lsn names an item', () => {
    const ok = parseTemplate('checklists/small.yml', TEMPLATE('probe: { type: postgres, connection: PROD_DATABASE_URL, check: wal-lsn, records: { lsn: wal-position } }'));
    expect(ok.problems).toEqual([]);

    const bad = parseTemplate('checklists/small.yml', TEMPLATE('probe:\n  type: postgres\n  connection: PROD_DATABASE_URL\n  check: rls-enabled\n  schema: 12'));
    expect(bad.problems).toEqual([expect.objectContaining({ file: 'checklists/small.yml', key: 'sections[0].items[0].probe.schema', line: 13 })]);

    const missing = parseTemplate('checklists/small.yml', TEMPLATE('probe: { type: postgres, connection: PROD_DATABASE_URL, check: wal-lsn, records: { lsn: nowhere } }'));
    expect(missing.problems).toEqual([expect.objectContaining({ key: 'sections[0].items[0].probe.records.lsn', message: 'item "nowhere" does not exist' })]);
  });
});

describe('cloudwatch-alarms probe keys', () => {
  it('takes during: window and since, and nothing else for during', () => {
    expect(probeSpecSchema.safeParse({ type: 'cloudwatch-alarms', prefix: 'app-', during: 'window', since: '2h' }).success).toBe(true);
    expect(probeSpecSchema.safeParse({ type: 'cloudwatch-alarms', prefix: 'app-', since: '2 hours' }).success).toBe(false);
    expect(probeSpecSchema.safeParse({ type: 'cloudwatch-alarms', prefix: '' }).success).toBe(false);
  });
});
