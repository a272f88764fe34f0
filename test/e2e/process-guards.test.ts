import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../src/playground/fake-slack.js';
import { slashCommand } from '../../src/playground/slack-client/index.js';
import { postgresDatabase, type TestDatabase } from '../support/db.js';

/** How long the bot may take to start, or to do what a test waits for, before the test gives up (killing it). */
const BOUND_MS = 30_000;

/**
 * Loaded before src/main.ts in the bot's process: on a line on its stdin it provokes, in that process, what no
 * request can any more: `reject` an unhandled rejection (an Error whose message holds a token), `reject-null`
 * one with `null`, `throw` an uncaught exception.
 */
const PROVOKE = `
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  let end;
  while ((end = buffered.indexOf('\\n')) >= 0) {
    const line = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    if (line === 'reject') void Promise.reject(new Error('provoked rejection near xoxb-1-provoked-s3cr3t'));
    if (line === 'reject-null') void Promise.reject(null);
    if (line === 'throw') setTimeout(() => { throw new Error('provoked exception near xoxb-1-provoked-s3cr3t'); });
  }
});
`;

interface LogLine {
  level: number;
  msg: string;
  err?: { message: string; stack: string };
  reason?: unknown;
  signal?: string;
}

describe('the process-wide safety net (the real entry point, as its own process)', () => {
  let fake: FakeSlack;
  let database: TestDatabase;
  let preload: string;
  beforeAll(async () => {
    fake = await startFakeSlack();
    database = await postgresDatabase();
    const dir = await mkdtemp(path.join(tmpdir(), 'preflight-provoke-'));
    preload = path.join(dir, 'provoke.mjs');
    await writeFile(preload, PROVOKE);
  });
  afterAll(async () => {
    await fake.close();
    await database.drop();
  });

  async function startBot() {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', pathToFileURL(preload).href, 'src/main.ts'], {
      env: { PATH: process.env['PATH'] ?? '', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: fake.apiUrl, DATABASE_URL: database.url!, PORT: '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const bound = setTimeout(() => child.kill('SIGKILL'), BOUND_MS);
    // 'close', not 'exit': only then has all the output been read.
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve)).finally(() => clearTimeout(bound));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines = (): LogLine[] => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
    /** The first log line matching, waiting for it (bounded); fails if the bot exits first. */
    const waitForLine = async (matches: (l: LogLine) => boolean): Promise<LogLine> => {
      let gone = false;
      void exited.then(() => (gone = true));
      for (const started = Date.now(); Date.now() - started < BOUND_MS; await new Promise((r) => setTimeout(r, 20))) {
        const line = lines().find(matches);
        if (line) return line;
        if (gone) break;
      }
      throw new Error(`no such log line; the bot wrote:\n${stdout}\n${stderr}`);
    };
    const running = await waitForLine((l) => l.msg.startsWith('Preflight is running'));
    const port = (running as unknown as { port: number }).port;
    return { child, exited, port, lines, waitForLine, output: () => stdout + stderr, provoke: (what: string) => child.stdin.write(`${what}\n`) };
  }

  it('logs an unhandled rejection at error level with its stack, scrubbed, and keeps serving', async () => {
    const bot = await startBot();
    try {
      bot.provoke('reject');
      const logged = await bot.waitForLine((l) => l.level === 50 && l.msg.startsWith('unhandled promise rejection'));
      expect(logged.err!.message).toBe('provoked rejection near xox?-[redacted]');
      expect(logged.err!.stack).toMatch(/provoked rejection near xox\?-\[redacted\]\n\s+at /);
      bot.provoke('reject-null');
      expect(await bot.waitForLine((l) => l.level === 50 && 'reason' in l)).toMatchObject({ reason: null });
      // Still up, and still serving.
      const sender = { url: `http://127.0.0.1:${bot.port}/slack/events`, signingSecret: 's' };
      expect((await slashCommand(sender, { text: 'help', userId: 'U0ALICE', channelId: 'C0DEPLOYS', responseUrl: fake.responseUrl() })).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${bot.port}/readyz`)).status).toBe(200);
      expect(bot.lines().filter((l) => l.level === 60 || l.msg === 'shutting down')).toEqual([]);
      expect(bot.output()).not.toContain('s3cr3t');
      bot.child.kill('SIGTERM');
      expect(await bot.exited).toBe(0);
    } finally {
      bot.child.kill('SIGKILL');
    }
  });

  it('logs an uncaught exception at fatal level and shuts down through the graceful path with exit code 1', async () => {
    const bot = await startBot();
    bot.provoke('throw');
    expect(await bot.exited).toBe(1);
    const fatal = bot.lines().find((l) => l.level === 60);
    expect(fatal?.msg).toMatch(/^uncaught exception/);
    expect(fatal?.err?.stack).toMatch(/provoked exception near xox\?-\[redacted\]\n\s+at /);
    // The normal shutdown ran: work finished, database closed, then the exit.
    expect(bot.lines().map((l) => [l.msg, l.signal])).toEqual(
      expect.arrayContaining([
        ['shutting down', 'uncaughtException'],
        ['stopped', 'uncaughtException'],
      ]),
    );
    expect(bot.output()).not.toContain('s3cr3t');
  });
});
