/**
 * The container's start and stop, without a Docker engine: the Dockerfile's own CMD, run as a process with the
 * environment the Dockerfile sets, in a directory laid out as the image is (/app: dist/, node_modules/,
 * checklists/; /data: the PGlite volume), then stopped the way `docker stop` stops it (SIGTERM).
 *
 * dist/ is compiled here, into a temporary /app, from the sources as they are now: a stale or missing dist/ in
 * the working tree can neither hide a change nor fail the test, and parallel runs do not share an output
 * directory. It is compiled with `--noCheck` (about 3 s instead of 8): the types are checked by `npm test`'s
 * first step, `npm run typecheck`. The migrations are copied beside it, as `npm run build` does.
 */
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../src/playground/fake-slack.js';
import { openPglite } from '../../src/store/db.js';

const ROOT = process.cwd();
/** How long the test waits for the process to say it is running, or to exit, before giving up on it. */
const BOUND_MS = 30_000;

interface Image {
  cmd: string[];
  env: Record<string, string>;
  workdir: string;
  stopSignal: string | undefined;
}

/** The final stage's CMD (exec form), ENV, WORKDIR and STOPSIGNAL. */
function readDockerfile(text: string): Image {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim());
  const stage = lines.slice(lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true));
  const last = (instruction: string) => stage.filter((l) => l.toUpperCase().startsWith(`${instruction} `)).at(-1)?.slice(instruction.length + 1).trim();
  const cmd: unknown = JSON.parse(last('CMD') ?? 'null');
  if (!Array.isArray(cmd) || !cmd.every((a) => typeof a === 'string')) throw new Error('the Dockerfile has no CMD in exec form (a JSON array)');
  const env: Record<string, string> = {};
  for (const line of stage.filter((l) => /^ENV\s/i.test(l))) {
    for (const pair of line.slice(4).trim().split(/\s+/)) {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=([^"'\s]*)$/.exec(pair);
      if (!match) throw new Error(`this test reads ENV as KEY=value pairs without quotes; teach it to read: ${line}`);
      env[match[1]!] = match[2]!;
    }
  }
  return { cmd: cmd as string[], env, workdir: last('WORKDIR') ?? '/', stopSignal: last('STOPSIGNAL') };
}

/** pg_control's DBState (offset 16): 1 is "shut down" (a clean close); 6, "in production", means recovery on next open. */
async function pgControlState(dataDir: string): Promise<number> {
  return (await readFile(path.join(dataDir, 'global', 'pg_control'))).readInt32LE(16);
}

describe('the container (the Dockerfile CMD, run as a process)', () => {
  let image: Image;
  let fake: FakeSlack;
  let root: string;
  let app: string;
  let data: string;

  beforeAll(async () => {
    image = readDockerfile(await readFile(path.join(ROOT, 'Dockerfile'), 'utf8'));
    fake = await startFakeSlack();
    root = await mkdtemp(path.join(tmpdir(), 'preflight-image-'));
    app = path.join(root, 'app');
    data = path.join(root, 'data');
    await mkdir(data, { recursive: true });
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await promisify(execFile)(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--noCheck', '--outDir', path.join(app, 'dist')]);
    await cp(path.join(ROOT, 'src', 'store', 'migrations'), path.join(app, 'dist', 'src', 'store', 'migrations'), { recursive: true });
    await cp(path.join(ROOT, 'package.json'), path.join(app, 'package.json'));
    await symlink(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'), 'dir');
    await symlink(path.join(ROOT, 'checklists'), path.join(app, 'checklists'), 'dir');
  });
  afterAll(async () => {
    await fake?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('runs node directly, so SIGTERM reaches it', () => {
    expect(image.cmd[0]).toBe('node');
    expect(image.stopSignal ?? 'SIGTERM').toBe('SIGTERM');
  });

  it('starts on PGlite in the volume, and on SIGTERM shuts down cleanly: exit 0, "shutting down", PGlite closed', async () => {
    // The image's paths, moved into the temporary image; PORT 0 so no fixed port can be taken already.
    const moved = (v: string) => v.replace(/^\/app(?=\/|$)/, app).replace(/^\/data(?=\/|$)/, data);
    const env = Object.fromEntries(Object.entries(image.env).map(([k, v]) => [k, moved(v)]));
    const child = spawn(image.cmd[0]!, image.cmd.slice(1), {
      cwd: moved(image.workdir),
      env: { PATH: process.env['PATH'] ?? '', ...env, PORT: '0', SLACK_BOT_TOKEN: 'xoxb-container-test', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: fake.apiUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const bound = setTimeout(() => child.kill('SIGKILL'), BOUND_MS);
    // 'close', not 'exit': only then has all the output been read (the last lines can arrive after 'exit').
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const running = stdout.split('\n').find((l) => l.includes('Preflight is running'));
          if (running) resolve((JSON.parse(running) as { port: number }).port);
        });
        void exited.then(() => reject(new Error(`the bot exited before it was running:\n${stdout}\n${stderr}`)));
      });
      expect(stdout).toContain(`storage: embedded PGlite in ${data}`);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      // Running, the database is open: a kill now would leave it to be recovered.
      expect(await pgControlState(data)).toBe(6);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      clearTimeout(bound);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    const lines = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; signal?: string });
    expect(lines.find((l) => l.msg === 'shutting down')).toMatchObject({ signal: 'SIGTERM' });
    expect(lines.at(-1), stdout).toMatchObject({ msg: 'stopped' });
    expect(stderr).not.toMatch(/error|warn/i);
    // Closed cleanly: no recovery on the next open, and the data is there.
    expect(await pgControlState(data)).toBe(1);
    const db = await openPglite(data);
    try {
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(rows[0]!.n).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });
});
