/**
 * The environment probe (src/probes/env.ts): the bot's own variables set, empty or unset, never their values.
 */
import { describe, expect, it } from 'vitest';
import { envFamily } from '../../src/probes/env.js';
import { probeContext, specOf } from '../support/probe-context.js';

const PASSWORD = 'hunter2-Pa55word-that-must-not-leak';
const env = { PGHOST_PROD: 'db.internal.acme.io', PGPASSWORD_PROD: PASSWORD, PGPORT_PROD: '', PGUSER_PROD: '   ', FLAG: '1' };
const probe = (names: string[]) => envFamily.run(specOf('env', { names }), probeContext({ env }));

describe('env probe', () => {
  it('passes when every name is set', async () => {
    expect(await probe(['PGHOST_PROD', 'PGPASSWORD_PROD'])).toEqual({
      status: 'pass',
      summary: 'all 2 variables set',
      evidence: { lines: ['PGHOST_PROD: set', 'PGPASSWORD_PROD: set'] },
    });
    expect((await probe(['FLAG'])).summary).toBe('FLAG set');
  });

  it('fails on an unset or empty (blank) variable, naming each and how', async () => {
    const out = await probe(['PGHOST_PROD', 'PGPORT_PROD', 'PGUSER_PROD', 'PGDATABASE_PROD']);
    expect(out).toMatchObject({ status: 'fail', summary: 'PGPORT_PROD empty, PGUSER_PROD empty, PGDATABASE_PROD unset' });
    expect(out.evidence.lines).toEqual(['PGHOST_PROD: set', 'PGPORT_PROD: empty', 'PGUSER_PROD: empty', 'PGDATABASE_PROD: unset']);
  });

  it('never puts a value in the outcome, and hands the values to the runner to strip', async () => {
    const names = Object.keys(env);
    const text = JSON.stringify(await probe(names));
    for (const value of Object.values(env).filter((v) => v.trim().length > 1)) expect(text).not.toContain(value);
    const secrets = envFamily.secrets(specOf('env', { names }), probeContext({ env }));
    expect(secrets).toEqual(['db.internal.acme.io', PASSWORD]);
    expect(envFamily.placeholders(specOf('env', { names }))).toEqual([]);
  });
});
