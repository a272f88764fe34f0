import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger, prettyLogsWanted, scrubSecrets } from '../../src/logger.js';

/** A logger writing into memory; each line parsed back into an object. */
function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = createLogger('debug', destination);
  return {
    log,
    raw: () => lines.join(''),
    entries: () => lines.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const BOT_TOKEN = 'xoxb-1234567890-0987654321-AbCdEfGhIjKl';
const DB_URL = 'postgres://preflight:s3cr3t-pw@db.internal:5432/preflight';

describe('createLogger', () => {
  it('writes JSON lines with the level, the service and the message', () => {
    const c = capture();
    c.log.info({ promotionId: 'p1' }, 'checklist posted');
    expect(c.entries()).toEqual([expect.objectContaining({ level: 30, service: 'preflight', promotionId: 'p1', msg: 'checklist posted' })]);
  });

  it('redacts tokens, passwords and secrets at the top level', () => {
    const c = capture();
    c.log.info({ token: BOT_TOKEN, password: 'hunter2', secret: 'shh-1', signingSecret: 'shh-2', botToken: BOT_TOKEN, appToken: 'xapp-1-x', databaseUrl: DB_URL }, 'config');
    expect(c.entries()[0]).toMatchObject({
      token: '[redacted]',
      password: '[redacted]',
      secret: '[redacted]',
      signingSecret: '[redacted]',
      botToken: '[redacted]',
      appToken: '[redacted]',
      databaseUrl: '[redacted]',
    });
    expect(c.raw()).not.toContain('hunter2');
    expect(c.raw()).not.toContain(BOT_TOKEN);
  });

  it('redacts a nested token, one and two levels down', () => {
    const c = capture();
    c.log.info({ slack: { token: BOT_TOKEN, channel: 'C1' }, config: { slack: { botToken: BOT_TOKEN, signingSecret: 'shh' } } }, 'nested');
    expect(c.entries()[0]).toMatchObject({
      slack: { token: '[redacted]', channel: 'C1' },
      config: { slack: { botToken: '[redacted]', signingSecret: '[redacted]' } },
    });
  });

  it("redacts request headers that carry a bearer token or Slack's signature", () => {
    const c = capture();
    c.log.info(
      {
        headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json' },
        req: { headers: { authorization: `Bearer ${BOT_TOKEN}`, 'x-slack-signature': 'v0=abc123' } },
      },
      'request',
    );
    expect(c.entries()[0]).toMatchObject({
      headers: { authorization: '[redacted]', 'content-type': 'application/json' },
      req: { headers: { authorization: '[redacted]', 'x-slack-signature': '[redacted]' } },
    });
    expect(c.raw()).not.toContain(BOT_TOKEN);
  });

  it('redacts an Authorization header written with a capital A', () => {
    const c = capture();
    c.log.info({ headers: { Authorization: `Bearer ${BOT_TOKEN}` } }, 'outgoing request');
    expect(c.raw()).not.toContain(BOT_TOKEN);
  });

  it('scrubs a Slack token and a database password from an error logged under err', () => {
    const c = capture();
    const err = new Error(`connect to ${DB_URL} failed`, { cause: new Error(`invalid_auth for ${BOT_TOKEN}`) });
    c.log.error({ err }, 'request failed');
    const entry = c.entries()[0]!;
    expect(entry['msg']).toBe('request failed');
    expect(entry['err']).toMatchObject({ type: 'Error', message: expect.stringContaining('postgres://preflight:[redacted]@db.internal') });
    expect(c.raw()).not.toContain('s3cr3t-pw');
    expect(c.raw()).not.toContain(BOT_TOKEN);
  });

  it('scrubs the secret from an Error logged on its own', () => {
    // pino copies the error's message into `msg` as well, outside the err serializer.
    const c = capture();
    c.log.error(new Error(`slack said invalid_auth for ${BOT_TOKEN}`));
    expect(c.raw()).toContain('invalid_auth');
    expect(c.raw()).not.toContain(BOT_TOKEN);
  });
});

describe('pretty logs', () => {
  it('are wanted in a terminal outside production, and nowhere else', () => {
    expect(prettyLogsWanted({ stdoutIsTTY: true, nodeEnv: undefined })).toBe(true);
    expect(prettyLogsWanted({ stdoutIsTTY: true, nodeEnv: 'development' })).toBe(true);
    expect(prettyLogsWanted({ stdoutIsTTY: true, nodeEnv: 'production' })).toBe(false);
    expect(prettyLogsWanted({ stdoutIsTTY: false, nodeEnv: undefined })).toBe(false);
    expect(prettyLogsWanted({ stdoutIsTTY: undefined, nodeEnv: undefined })).toBe(false);
  });

  it('print readable lines on stdout, still redacted, flushed before the process exits', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const script = [
      "import { createLogger } from './src/logger.ts';",
      "const log = createLogger('info', undefined, { pretty: true });",
      `log.info({ botToken: '${BOT_TOKEN}', promotionId: 'p1' }, 'checklist posted');`,
      'process.exit(0);',
    ].join('\n');
    // Colours follow the terminal; this test reads plain text (vitest sets FORCE_COLOR for its workers).
    const { FORCE_COLOR: _forced, ...env } = process.env;
    const run = spawnSync('npx', ['tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000, env: { ...env, NO_COLOR: '1' } });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/INFO.*checklist posted/);
    expect(run.stdout).toContain('promotionId: "p1"');
    expect(run.stdout).not.toContain(BOT_TOKEN);
    expect(() => JSON.parse(run.stdout.trim().split('\n')[0]!)).toThrow();
  });
});

describe('scrubSecrets', () => {
  it.each([
    [`token ${BOT_TOKEN} refused`, 'token xox?-[redacted] refused'],
    ['user token xoxp-1-2-3 and app token xapp-1-A0-xyz', 'user token xox?-[redacted] and app token xapp-[redacted]'],
    [`cannot reach ${DB_URL}`, 'cannot reach postgres://preflight:[redacted]@db.internal:5432/preflight'],
    ['proxy https://bot:pa:ss@proxy.example.com:8080 down', 'proxy https://bot:[redacted]@proxy.example.com:8080 down'],
  ])('scrubs %j', (text, scrubbed) => {
    expect(scrubSecrets(text)).toBe(scrubbed);
  });

  it('leaves text without secrets alone', () => {
    const text = 'promotion v1.50 aborted by <@U123> at https://example.com/runs/42 (email ops@example.com)';
    expect(scrubSecrets(text)).toBe(text);
  });
});
