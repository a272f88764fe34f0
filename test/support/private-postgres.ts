/**
 * A PostgreSQL cluster of a test's own, to stop and start at will: the shared cluster on 5432 serves the rest of
 * the suite and is never touched. Made with Debian's postgresql-common tools (what CI installs): pg_createcluster on
 * a free port with trust authentication on 127.0.0.1, started and stopped with pg_ctlcluster, dropped with
 * pg_dropcluster. Run as root, the tools act as the `postgres` OS user and keep the data in
 * /var/lib/postgresql/<version>/<name>. Every command is bounded in time; a cluster left behind by a test process
 * that died is dropped by the next one.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { createServer } from 'node:net';

/** Names of the clusters made here: `pf_fault_<pid>_<random>`, so a leftover's owner can be checked. */
const PREFIX = 'pf_fault_';
const COMMAND_LIMIT_MS = 60_000;

export interface PrivateCluster {
  version: string;
  name: string;
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication). */
  url: string;
  /** `pg_ctlcluster stop -m fast`: the server ends every session (57P01) and rolls back open transactions. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops and removes the cluster (its data and configuration). Safe to call twice. */
  drop(): Promise<void>;
}

/** Runs a command, rejecting with its output when it fails or outlives the limit. */
function run(cmd: string, args: string[], limitMs = COMMAND_LIMIT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: limitMs, killSignal: 'SIGKILL', env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Why the cluster tools cannot be used here, or undefined when they can. */
export async function privateClusterUnavailable(): Promise<string | undefined> {
  try {
    await run('pg_createcluster', ['--help'], 10_000);
    return undefined;
  } catch (err) {
    if ((err as Error).message.includes('ENOENT')) return 'pg_createcluster is not installed (Debian/Ubuntu package postgresql-common)';
    return undefined;
  }
}

async function installedVersion(): Promise<string> {
  for (const dir of ['/etc/postgresql', '/usr/lib/postgresql']) {
    const versions = (await readdir(dir).catch(() => [] as string[])).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return versions[0];
  }
  throw new Error('no PostgreSQL version found in /etc/postgresql or /usr/lib/postgresql');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function drop(version: string, name: string): Promise<void> {
  try {
    await run('pg_dropcluster', ['--stop', version, name]);
  } catch {
    // A server that will not stop in time: stop it without waiting for sessions, then drop it.
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'stop', '-m', 'immediate']).catch(() => undefined);
    await run('pg_dropcluster', [version, name]);
  }
}

/** Drops clusters this helper made for test processes that are gone. */
async function dropLeftovers(version: string): Promise<void> {
  const listing = await run('pg_lsclusters', ['--no-header']).catch(() => '');
  for (const line of listing.split('\n')) {
    const [v, name] = line.trim().split(/\s+/);
    const pid = Number(name?.startsWith(PREFIX) ? name.slice(PREFIX.length).split('_')[0] : NaN);
    if (v === version && name && Number.isInteger(pid) && !processAlive(pid)) await drop(version, name).catch(() => undefined);
  }
}

/** Creates and starts a private cluster. Drop it in afterAll. */
export async function createPrivateCluster(): Promise<PrivateCluster> {
  const version = await installedVersion();
  await dropLeftovers(version);
  let lastError: unknown;
  // A free port can be taken between finding it and starting on it: try another.
  for (let attempt = 0; attempt < 3; attempt++) {
    const name = `${PREFIX}${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const port = await freePort();
    const ctl = (...args: string[]) => run('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, ...args]);
    try {
      await run('pg_createcluster', [
        version, name, '--port', String(port), '--start-conf', 'manual',
        // It listens on localhost only (the default). Durability does not matter for a throwaway cluster, speed does.
        '-o', 'fsync=off', '-o', 'synchronous_commit=off', '-o', 'full_page_writes=off',
        '--', '--auth-local=trust', '--auth-host=trust',
      ]);
    } catch (err) {
      await drop(version, name).catch(() => undefined);
      throw err;
    }
    try {
      await ctl('start');
    } catch (err) {
      lastError = err;
      await drop(version, name).catch(() => undefined);
      continue;
    }
    let dropped = false;
    return {
      version,
      name,
      port,
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      stop: async () => void (await ctl('stop', '-m', 'fast')),
      start: async () => void (await ctl('start')),
      async drop() {
        if (dropped) return;
        dropped = true;
        await drop(version, name);
      },
    };
  }
  throw lastError;
}
