import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../src/playground/fake-slack.js';
import { postgresDatabase, type TestDatabase } from '../support/db.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real entry point (src/main.ts) as its own process, the way `npm start` runs the built one. */
function runBot(env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
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

  it('starts on PostgreSQL, says which store it uses, answers readiness, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env['PATH'] ?? '', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: fake.apiUrl, DATABASE_URL: database.url!, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const running = stdout.split('\n').find((l) => l.includes('Preflight is running'));
        if (running) resolve((JSON.parse(running) as { port: number }).port);
      });
      void exited.then(() => reject(new Error(`the bot exited before it was running:\n${stdout}`)));
    });
    expect(stdout).toContain('storage: PostgreSQL (DATABASE_URL)');
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'ok' });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('shutting down');
  });
});
