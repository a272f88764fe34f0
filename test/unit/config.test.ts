import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const HTTP = { SLACK_BOT_TOKEN: 'xoxb-1111-2222-abcdef', SLACK_SIGNING_SECRET: 'signing-secret-1234' };

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected loadConfig to refuse this environment');
}

describe('loadConfig', () => {
  it('fills in the defaults for an HTTP-mode bot', () => {
    expect(loadConfig(HTTP)).toEqual({
      slack: { botToken: HTTP.SLACK_BOT_TOKEN, signingSecret: HTTP.SLACK_SIGNING_SECRET, appToken: undefined, apiUrl: undefined, updatesPerMinute: 50, historyReadsPerMinute: 1 },
      mode: 'http',
      port: 3000,
      databaseUrl: undefined,
      dataDir: './.data',
      checklistsDir: './checklists',
      github: { token: undefined, apiUrl: 'https://api.github.com' },
      statuspage: { apiKey: undefined, apiUrl: 'https://api.statuspage.io/v1' },
      aws: { region: undefined, cloudwatchEndpoint: undefined },
      logLevel: 'info',
      probes: { concurrency: 20, env: HTTP },
    });
  });

  it('passes AWS keys to the CloudWatch client only when both are set (otherwise the SDK\'s chain decides)', () => {
    expect(loadConfig({ ...HTTP, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'session' }).aws.credentials).toEqual({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session' });
    expect(loadConfig({ ...HTTP, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' }).aws.credentials).toEqual({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' });
    expect(loadConfig({ ...HTTP, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE' }).aws.credentials).toBeUndefined();
  });

  it('takes SLACK_HISTORY_READS_PER_MINUTE (the outbox look-ups) and refuses 0', () => {
    expect(loadConfig({ ...HTTP, SLACK_HISTORY_READS_PER_MINUTE: '50' }).slack.historyReadsPerMinute).toBe(50);
    expect(() => loadConfig({ ...HTTP, SLACK_HISTORY_READS_PER_MINUTE: '0' })).toThrow();
  });

  it('runs in Socket Mode when SLACK_APP_TOKEN is set, without needing a signing secret', () => {
    const config = loadConfig({ SLACK_BOT_TOKEN: HTTP.SLACK_BOT_TOKEN, SLACK_APP_TOKEN: 'xapp-1-A1-abc' });
    expect(config.mode).toBe('socket');
    expect(config.slack.appToken).toBe('xapp-1-A1-abc');
  });

  it('takes what is set, trimmed', () => {
    const config = loadConfig({
      ...HTTP,
      PORT: '8080',
      DATABASE_URL: ' postgresql://preflight@db:5432/preflight ',
      PREFLIGHT_DATA_DIR: '/var/lib/preflight',
      CHECKLISTS_DIR: '/etc/preflight/checklists',
      GITHUB_API_URL: 'https://github.example.com/api/v3',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgresql://preflight@db:5432/preflight',
      dataDir: '/var/lib/preflight',
      checklistsDir: '/etc/preflight/checklists',
      github: { apiUrl: 'https://github.example.com/api/v3' },
      logLevel: 'debug',
    });
  });

  it('treats an empty or blank optional variable as unset', () => {
    const config = loadConfig({ ...HTTP, SLACK_APP_TOKEN: '', DATABASE_URL: '   ', GITHUB_TOKEN: '' });
    expect(config.mode).toBe('http');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.github.token).toBeUndefined();
  });

  it('treats an empty PORT as unset (port 3000), never as port 0', () => {
    // `PORT=${PORT}` in a compose file yields an empty string; port 0 would bind a random port Slack cannot reach.
    expect(loadConfig({ ...HTTP, PORT: '' }).port).toBe(3000);
  });

  it('requires a signing secret in HTTP mode, saying how to avoid it', () => {
    expect(configError({ SLACK_BOT_TOKEN: HTTP.SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET: '  ' }).problems).toEqual([
      'SLACK_SIGNING_SECRET is required in HTTP mode (set it, or set SLACK_APP_TOKEN for Socket Mode)',
    ]);
  });

  it('lists every malformed value at once', () => {
    const error = configError({
      SLACK_BOT_TOKEN: 'oops-secret-value',
      SLACK_SIGNING_SECRET: 'x',
      SLACK_APP_TOKEN: 'xoxb-not-an-app-token',
      PORT: '70000',
      DATABASE_URL: 'mysql://admin:hunter2@db.internal/prod',
      LOG_LEVEL: 'loud',
    });
    expect(error.problems.map((p) => p.split(' ')[0])).toEqual(['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'PORT', 'DATABASE_URL', 'LOG_LEVEL']);
    expect(error.message).toContain('SLACK_BOT_TOKEN must be a bot token starting with xoxb-');
    expect(error.message).toContain('DATABASE_URL must be a postgres:// or postgresql:// URL');
  });

  it('lists a missing bot token, a missing signing secret and a bad PORT together', () => {
    const error = configError({ PORT: 'abc' });
    expect(error.problems.map((p) => p.split(' ')[0]).sort()).toEqual(['PORT', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']);
  });

  it('says a PORT that is not a number is wrong, not missing', () => {
    const problem = configError({ ...HTTP, PORT: 'abc' }).problems.find((p) => p.startsWith('PORT'));
    expect(problem).toBeDefined();
    expect(problem).not.toBe('PORT is required');
  });

  it('says a missing bot token is required', () => {
    expect(configError({ SLACK_SIGNING_SECRET: 'x' }).problems).toEqual(['SLACK_BOT_TOKEN is required']);
  });

  it('refuses a user token as the bot token, saying which token is meant and where to get it', () => {
    const [problem, ...rest] = configError({ ...HTTP, SLACK_BOT_TOKEN: 'xoxp-1111-2222-user-secret' }).problems;
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^SLACK_BOT_TOKEN is a user token \(xoxp-…\), not a bot token/);
    expect(problem).toContain('Bot User OAuth Token (xoxb-…)');
    expect(problem).toContain('OAuth & Permissions');
    expect(problem).not.toContain('user-secret');
  });

  it('refuses a bot token or a user token as the app-level token, and an app-level token as the bot token', () => {
    const app = configError({ SLACK_BOT_TOKEN: HTTP.SLACK_BOT_TOKEN, SLACK_APP_TOKEN: 'xoxb-3333-bot-secret' }).problems;
    expect(app).toHaveLength(1);
    expect(app[0]).toMatch(/^SLACK_APP_TOKEN is a bot token \(xoxb-…\), not an app-level token/);
    expect(app[0]).toContain('Basic Information → App-Level Tokens');
    expect(configError({ SLACK_BOT_TOKEN: HTTP.SLACK_BOT_TOKEN, SLACK_APP_TOKEN: 'xoxp-4-user' }).problems[0]).toMatch(/^SLACK_APP_TOKEN is a user token/);
    const swapped = configError({ SLACK_BOT_TOKEN: 'xapp-1-A1-app-secret', SLACK_APP_TOKEN: 'xapp-1-A1-abc' }).problems;
    expect(swapped).toEqual([expect.stringMatching(/^SLACK_BOT_TOKEN is an app-level token \(xapp-…\), not a bot token/)]);
    for (const p of [...app, ...swapped]) expect(p).not.toMatch(/secret/);
  });

  it('refuses a bare prefix as a token', () => {
    expect(configError({ ...HTTP, SLACK_BOT_TOKEN: 'xoxb-' }).problems[0]).toMatch(/^SLACK_BOT_TOKEN must be a bot token starting with xoxb-/);
    expect(configError({ SLACK_BOT_TOKEN: HTTP.SLACK_BOT_TOKEN, SLACK_APP_TOKEN: 'xapp-' }).problems[0]).toMatch(/^SLACK_APP_TOKEN must be an app-level token starting with xapp-/);
  });

  it('never repeats a secret value in its message', () => {
    const secrets = {
      SLACK_BOT_TOKEN: 'oops-secret-value',
      SLACK_APP_TOKEN: 'xoxp-app-secret-999',
      SLACK_API_URL: 'not a url tok-secret-888',
      DATABASE_URL: 'mysql://admin:pa55w0rd-secret@db.internal/prod',
      CLOUDWATCH_ENDPOINT: 'https//user:cw-secret-777@host',
      GITHUB_API_URL: 'ghp_secret-666',
    };
    const error = configError(secrets);
    expect(error.problems.length).toBeGreaterThanOrEqual(Object.keys(secrets).length);
    for (const value of Object.values(secrets)) {
      expect(error.message).not.toContain(value);
      for (const part of value.split(/[:/@ ]+/).filter((p) => p.includes('secret'))) expect(error.message).not.toContain(part);
    }
  });
});
