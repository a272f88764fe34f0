import { describe, expect, it } from 'vitest';
import { REDACTED, scrubber, scrubDeep, secretValues } from '../../src/probes/scrub.js';

describe('probe secrets scrubbing', () => {
  it('strips a connection URL whole and its password, user and host, plain and percent-decoded', () => {
    const url = 'postgres://app_reader:p%40ss%2Fw0rd@db-prod.internal.example:5432/app?sslmode=require';
    const scrub = scrubber([url]);
    const said = `connect to ${url} failed: password authentication failed for user "app_reader" (p@ss/w0rd) at db-prod.internal.example`;
    const clean = scrub(said);
    for (const secret of [url, 'app_reader', 'p@ss/w0rd', 'p%40ss%2Fw0rd', 'db-prod.internal.example']) expect(clean).not.toContain(secret);
    expect(clean).toContain(REDACTED);
    expect(clean).toContain('password authentication failed for user');
  });

  it('strips the parts of a key=value connection string, and libpq query parameters', () => {
    const kv = "host=10.1.2.3 port=5432 user=reporter password='a b c d' dbname=app";
    expect(secretValues([kv])).toEqual(expect.arrayContaining([kv, '10.1.2.3', 'reporter', 'a b c d']));
    const q = 'postgresql:///app?host=/var/run/pg&user=svc_user&password=hunter22';
    const clean = scrubber([q])('user svc_user with hunter22 on /var/run/pg');
    expect(clean).not.toMatch(/svc_user|hunter22|\/var\/run\/pg/);
  });

  it('strips token shapes and credentials in any URL, whoever holds them, without mangling short words', () => {
    const scrub = scrubber(['pg']);
    const text = `token ghp_${'a'.repeat(36)} and AKIA${'B'.repeat(16)}; Authorization: Bearer abcdefghijklmnop1234; https://bob:letmein@host/x password=swordfish`;
    const clean = scrub(text);
    expect(clean).not.toMatch(/ghp_a|AKIAB|abcdefghijklmnop1234|letmein|swordfish/);
    expect(clean).toContain('https://bob:[redacted]@host/x');
    // A two-letter secret given as a user name is not stripped from every word on its own: only whole secrets are.
    expect(scrubber(['postgres://pg:longerpassword@h1/app'])('upgrade the pg_stat view')).toBe('upgrade the pg_stat view');
  });

  it('scrubs every string of the evidence, keys included', () => {
    const scrub = scrubber(['s3cr3t-value']);
    expect(scrubDeep({ lines: ['has s3cr3t-value'], rows: [{ 's3cr3t-value': 's3cr3t-value', n: 1 }] }, scrub)).toEqual({
      lines: [`has ${REDACTED}`],
      rows: [{ [REDACTED]: REDACTED, n: 1 }],
    });
  });
});
