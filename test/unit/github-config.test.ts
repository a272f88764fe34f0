/**
 * The GitHub App's configuration (issue 13, src/config.ts `readGithubApp`): all three of GITHUB_APP_ID,
 * GITHUB_APP_PRIVATE_KEY and GITHUB_WEBHOOK_SECRET, or none; the key as PEM (its newlines possibly written `\n`, as an
 * environment file holds it) or as the path of the .pem file GitHub gave; a wrong key refused at start, in words that
 * never repeat the value.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { generateAppKey } from '../support/github-app.js';

const HTTP = { SLACK_BOT_TOKEN: 'xoxb-1111-2222-abcdef', SLACK_SIGNING_SECRET: 'signing-secret-1234' };
const KEY = generateAppKey();
const SECRET = 'whsec-unit-7c1e9a55b0d24f3a';
const APP = { GITHUB_APP_ID: '424242', GITHUB_APP_PRIVATE_KEY: KEY.privateKey, GITHUB_WEBHOOK_SECRET: SECRET };
const dir = mkdtempSync(join(tmpdir(), 'preflight-github-config-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected loadConfig to refuse this environment');
}

/** The same private key, whatever PEM it is written in. */
const sameKey = (pem: string) => createPrivateKey(pem).export({ type: 'pkcs8', format: 'pem' }).toString();

describe('the GitHub App configuration', () => {
  it('is absent when none of its variables is set (the gate is off; the webhook answers 503)', () => {
    expect(loadConfig(HTTP).githubApp).toBeUndefined();
    expect(loadConfig({ ...HTTP, GITHUB_APP_ID: '', GITHUB_APP_PRIVATE_KEY: '  ', GITHUB_WEBHOOK_SECRET: '' }).githubApp).toBeUndefined();
  });

  it('takes all three: the App id as a number, the key as PKCS#8 PEM, the secret trimmed', () => {
    const app = loadConfig({ ...HTTP, ...APP, GITHUB_WEBHOOK_SECRET: ` ${SECRET}\n` }).githubApp;
    expect(app).toEqual({ appId: 424242, privateKey: KEY.privateKeyPkcs8, webhookSecret: SECRET });
    expect(app!.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    // A key already in PKCS#8 is taken as it is.
    expect(loadConfig({ ...HTTP, ...APP, GITHUB_APP_PRIVATE_KEY: KEY.privateKeyPkcs8 }).githubApp!.privateKey).toBe(KEY.privateKeyPkcs8);
  });

  it('refuses some but not all of them, naming the missing ones', () => {
    expect(problems({ ...HTTP, GITHUB_APP_ID: '424242' })).toEqual([
      'GITHUB_APP_PRIVATE_KEY and GITHUB_WEBHOOK_SECRET are required with GITHUB_APP_ID: the GitHub App that gates deployments needs its id, its private key and its webhook secret',
    ]);
    expect(problems({ ...HTTP, GITHUB_APP_ID: '424242', GITHUB_APP_PRIVATE_KEY: KEY.privateKey })).toEqual([
      'GITHUB_WEBHOOK_SECRET is required with GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY: the GitHub App that gates deployments needs its id, its private key and its webhook secret',
    ]);
    const noId = problems({ ...HTTP, GITHUB_APP_PRIVATE_KEY: KEY.privateKey, GITHUB_WEBHOOK_SECRET: SECRET });
    expect(noId).toHaveLength(1);
    expect(noId[0]).toMatch(/^GITHUB_APP_ID is required with GITHUB_APP_PRIVATE_KEY and GITHUB_WEBHOOK_SECRET/);
    // The problems never hold the values given.
    expect(noId.join('\n')).not.toContain(SECRET);
    expect(noId.join('\n')).not.toContain('PRIVATE KEY-----');
  });

  it('takes a PEM whose newlines are written as a literal \\n (one line, as an environment file holds it)', () => {
    const oneLine = KEY.privateKey.trim().replace(/\n/g, '\\n');
    expect(oneLine).not.toContain('\n');
    const app = loadConfig({ ...HTTP, ...APP, GITHUB_APP_PRIVATE_KEY: oneLine }).githubApp!;
    expect(sameKey(app.privateKey)).toBe(sameKey(KEY.privateKey));
  });

  it('takes the path of the .pem file GitHub gave', () => {
    const path = join(dir, 'preflight.2026-12-07.private-key.pem');
    writeFileSync(path, KEY.privateKey);
    const app = loadConfig({ ...HTTP, ...APP, GITHUB_APP_PRIVATE_KEY: path }).githubApp!;
    expect(sameKey(app.privateKey)).toBe(sameKey(KEY.privateKey));
  });

  it('refuses a garbage key, a missing file, a file that is no key and a public key, never echoing the value', () => {
    const garbagePem = '-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWJ1dC1ub3QtYS1rZXktOTk4ODc3\n-----END RSA PRIVATE KEY-----';
    const notAKey = join(dir, 'notes.txt');
    writeFileSync(notAKey, 'hunter2-not-a-key-5566');
    const cases: Array<[string, RegExp]> = [
      [garbagePem, /^GITHUB_APP_PRIVATE_KEY is not a PEM private key GitHub could have generated/],
      ['c2VjcmV0LWJ1dC1ub3QtYS1rZXktOTk4ODc3', /^GITHUB_APP_PRIVATE_KEY is neither a PEM private key nor a readable file \(ENOENT\)/],
      [join(dir, 'missing.pem'), /^GITHUB_APP_PRIVATE_KEY is neither a PEM private key nor a readable file \(ENOENT\)/],
      [notAKey, /^GITHUB_APP_PRIVATE_KEY is not a PEM private key GitHub could have generated/],
      [KEY.publicKey, /^GITHUB_APP_PRIVATE_KEY is not a PEM private key GitHub could have generated/],
    ];
    for (const [value, expected] of cases) {
      const found = problems({ ...HTTP, ...APP, GITHUB_APP_PRIVATE_KEY: value });
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(expected);
      const text = found.join('\n');
      expect(text).not.toContain('c2VjcmV0LWJ1dC1ub3QtYS1rZXktOTk4ODc3');
      expect(text).not.toContain('hunter2-not-a-key-5566');
      expect(text).not.toContain(dir);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('-----BEGIN');
    }
  });

  it('refuses an App id that is not a number, without repeating it', () => {
    const found = problems({ ...HTTP, ...APP, GITHUB_APP_ID: 'my-app-secretish-id' });
    expect(found).toEqual(["GITHUB_APP_ID must be the App's numeric id"]);
  });

  it('keeps the key and the secret out of the error message as a whole', () => {
    let message = '';
    try {
      loadConfig({ ...APP, SLACK_SIGNING_SECRET: 'x' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('SLACK_BOT_TOKEN is required');
    expect(message).not.toContain(SECRET);
    for (const line of KEY.privateKey.split('\n').filter((l) => l && !l.startsWith('-----'))) expect(message).not.toContain(line);
  });
});
