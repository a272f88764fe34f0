import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_TOKEN_HELP, BOT_TOKEN_HELP } from '../../src/config.js';
import { startFakeSlack, type FakeSlack } from '../../src/playground/fake-slack.js';
import { slashCommand } from '../../src/playground/slack-client/index.js';
import { postgresDatabase, type TestDatabase } from '../support/db.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** How long a start that should fail may take before the test gives up on it (killing it). */
const EXIT_BOUND_MS = 30_000;

/** Run the real entry point (src/main.ts) as its own process, the way `npm start` runs the built one. */
function runBot(env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // A start that should fail but runs instead must fail the test, not hang it.
    const bound = setTimeout(() => child.kill('SIGKILL'), EXIT_BOUND_MS);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    // 'close', not 'exit': only then has all the output been read.
    child.on('close', (code) => {
      clearTimeout(bound);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Start the real entry point and wait (bounded) until it says it is running. */
async function startBot(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const bound = setTimeout(() => child.kill('SIGKILL'), EXIT_BOUND_MS);
  // 'close', not 'exit': only then has all the output been read.
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve)).finally(() => clearTimeout(bound));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const running = stdout.split('\n').find((l) => l.includes('Preflight is running'));
      if (running) resolve((JSON.parse(running) as { port: number }).port);
    });
    void exited.then(() => reject(new Error(`the bot exited before it was running:\n${stdout}`)));
  });
  return { child, port, exited, stdout: () => stdout };
}

/** A port something else is listening on (all interfaces, as the bot would listen), until close(). */
async function occupiedPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The failure was said in one plain line: no stack trace, no error class, no start announced. */
function expectPlainFailure(run: Run, line: string): void {
  expect(run.code).toBe(1);
  const said = run.stderr.split('\n').find((l) => l.startsWith('Preflight failed to start:'));
  expect(said).toBe(`Preflight failed to start: ${line}`);
  const all = run.stdout + run.stderr;
  expect(all).not.toMatch(/\n\s+at /);
  expect(all).not.toMatch(/WebAPIPlatformError|Unhandled|node:internal/);
  expect(all).not.toContain('Preflight is running');
}

describe('starting the bot', () => {
  let fake: FakeSlack;
  let database: TestDatabase;
  beforeAll(async () => {
    fake = await startFakeSlack();
    database = await postgresDatabase();
  });
  afterAll(async () => {
    await fake.close();
    await database.drop();
  });

  it('refuses to start on bad configuration, listing every problem and no secret', async () => {
    const run = await runBot({ SLACK_BOT_TOKEN: 'not-a-token-s3cr3t', PORT: 'eighty', DATABASE_URL: 'mysql://u:hunter2@db/x' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('SLACK_BOT_TOKEN must be a bot token starting with xoxb-');
    expect(run.stderr).toContain('SLACK_SIGNING_SECRET is required in HTTP mode');
    expect(run.stderr).toContain('PORT must be a whole number');
    expect(run.stderr).toContain('DATABASE_URL must be a postgres://');
    expect(run.stderr + run.stdout).not.toContain('s3cr3t');
    expect(run.stderr + run.stdout).not.toContain('hunter2');
  });

  it('refuses to start on a wrong template file, naming the file, the line and the key', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'preflight-bad-'));
    await writeFile(path.join(dir, 'broken.yml'), 'name: Broken\nsections:\n  - id: gates\n    title: Gates\n    kind: gates\n    items:\n      - id: Bad Id\n        label: x\n');
    const run = await runBot({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', CHECKLISTS_DIR: dir, SLACK_API_URL: fake.apiUrl });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${path.join(dir, 'broken.yml')}:7: sections[0].items[0].id: must be lower-case letters`);
  });

  describe('with a token Slack refuses', () => {
    // A fake of its own: the refusals are queued with failNext, and no other test may take them.
    let slack: FakeSlack;
    beforeAll(async () => {
      slack = await startFakeSlack();
    });
    afterAll(() => slack.close());
    const BOT = 'xoxb-9-revoked-bot-s3cr3t';
    const APP = 'xapp-1-A9-revoked-app-s3cr3t';

    it('in HTTP mode: names SLACK_BOT_TOKEN, the error and where to get a new one, and exits 1 before announcing the start', async () => {
      slack.failNext('auth.test', 'invalid_auth');
      const run = await runBot({ SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: 's', SLACK_API_URL: slack.apiUrl, DATABASE_URL: database.url!, PORT: '0' });
      expectPlainFailure(run, `Slack refused SLACK_BOT_TOKEN (invalid_auth). Set it to ${BOT_TOKEN_HELP}`);
      expect(slack.callsTo('auth.test').at(-1)!.token).toBe(BOT);
      expect(run.stdout + run.stderr).not.toContain('s3cr3t');
    });

    it('in Socket Mode: names SLACK_BOT_TOKEN when the bot token is refused', async () => {
      slack.failNext('auth.test', 'invalid_auth');
      const run = await runBot({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP, SLACK_API_URL: slack.apiUrl, DATABASE_URL: database.url!, PORT: '0' });
      expectPlainFailure(run, `Slack refused SLACK_BOT_TOKEN (invalid_auth). Set it to ${BOT_TOKEN_HELP}`);
      expect(run.stdout + run.stderr).not.toContain('s3cr3t');
    });

    it('in Socket Mode: names SLACK_APP_TOKEN when the app-level token is refused, even with an error Socket Mode would retry forever', async () => {
      for (const error of ['invalid_auth', 'token_revoked']) {
        slack.failNext('apps.connections.open', error);
        const run = await runBot({ SLACK_BOT_TOKEN: 'xoxb-9-good', SLACK_APP_TOKEN: APP, SLACK_API_URL: slack.apiUrl, DATABASE_URL: database.url!, PORT: '0' });
        expectPlainFailure(run, `Slack refused SLACK_APP_TOKEN (${error}). Set it to ${APP_TOKEN_HELP}`);
        expect(slack.callsTo('apps.connections.open').at(-1)!.token).toBe(APP);
        expect(run.stdout + run.stderr).not.toContain('s3cr3t');
      }
    });
  });

  it.each([
    ['HTTP mode', { SLACK_SIGNING_SECRET: 's' }],
    ['Socket Mode', { SLACK_APP_TOKEN: 'xapp-1-A1-abc' }],
  ])('in %s, says the port is in use and exits 1', async (_mode, env) => {
    const taken = await occupiedPort();
    try {
      const run = await runBot({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_API_URL: fake.apiUrl, DATABASE_URL: database.url!, PORT: String(taken.port), ...env });
      expectPlainFailure(run, `port ${taken.port} is in use: stop what is using it, or set PORT to a free port`);
    } finally {
      await taken.close();
    }
  });

  it('starts on PostgreSQL, says which store it uses, answers readiness, and stops cleanly on SIGTERM', async () => {
    const bot = await startBot({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: fake.apiUrl, DATABASE_URL: database.url!, PORT: '0' });
    expect(bot.stdout()).toContain('storage: PostgreSQL (DATABASE_URL)');
    const ready = await fetch(`http://127.0.0.1:${bot.port}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'ok' });
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(bot.stdout()).toContain('shutting down');
  });

  it('gives up on a shutdown that cannot finish (a Slack call hanging), says so, and exits 1 rather than waiting to be killed', async () => {
    fake.hold('chat.postMessage');
    try {
      const bot = await startBot({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: fake.apiUrl, DATABASE_URL: database.url!, PORT: '0', CHECKLISTS_DIR: 'test/fixtures/checklists' });
      const sender = { url: `http://127.0.0.1:${bot.port}/slack/events`, signingSecret: 's' };
      expect((await slashCommand(sender, { text: 'start v1.50', userId: 'U0ALICE', channelId: 'C0DEPLOYS', responseUrl: fake.responseUrl() })).status).toBe(200);
      // The checklist post is now stuck on Slack, and shutdown waits for work in flight.
      await fake.waitFor(() => fake.pending('chat.postMessage') > 0, { what: 'the checklist post' });
      bot.child.kill('SIGTERM');
      expect(await bot.exited).toBe(1);
      expect(bot.stdout()).toContain('shutting down');
      expect(bot.stdout()).toMatch(/shutdown did not finish within \d+ s; exiting without waiting/);
    } finally {
      fake.release('chat.postMessage');
    }
  });
});
