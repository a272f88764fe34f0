import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A bot as its own OS process, started as in production but from source (`node --expose-gc --import tsx src/main.ts`), for what
 * must see a real process: the fault scripts (test/faults/*.fault.ts: SIGKILL, a database restart) and the
 * benchmarks. Its log lines are kept in memory (JSON, as pino writes them); it is ready when `/healthz` answers.
 */
export interface BotProcess {
  name: string;
  pid: number;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  child: ChildProcess;
  /** Everything it wrote, stdout and stderr. */
  output(): string;
  /** `/readyz`'s status (0 when it did not answer within 5 s). */
  readyz(): Promise<number>;
  alive(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL now (a crash); resolves once it exited. */
  kill(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Start a bot with exactly `env` (plus PATH) on a free port; rejects with its output if it exits or is not ready in `readyWithinMs`. */
export async function spawnBot(name: string, env: Record<string, string>, opts: { readyWithinMs?: number; script?: string } = {}): Promise<BotProcess> {
  const port = await freePort();
  // --expose-gc as `npm start` runs the bot (src/idle-gc.ts).
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', opts.script ?? 'src/main.ts'], {
    env: { PATH: process.env['PATH'] ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const url = `http://127.0.0.1:${port}`;
  const bot: BotProcess = {
    name,
    pid: child.pid!,
    port,
    url,
    child,
    output: () => out,
    alive,
    readyz: async () => {
      try {
        return (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) })).status;
      } catch {
        return 0;
      }
    },
    async stop(graceMs = 12_000) {
      if (!alive()) return;
      child.kill('SIGTERM');
      if (await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)])) return;
      child.kill('SIGKILL');
      await exited;
    },
    async kill() {
      if (!alive()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  const deadline = Date.now() + (opts.readyWithinMs ?? 60_000);
  for (;;) {
    if (!alive()) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${out.slice(-4000)}`);
    if (Date.now() > deadline) {
      await bot.kill();
      throw new Error(`${name} was not ready within ${opts.readyWithinMs ?? 60_000} ms:\n${out.slice(-4000)}`);
    }
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) })).status === 200) return bot;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
}

/** A process's CPU time so far (user + system), in ms, from /proc (Linux). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** A process's resident memory now, in MiB, from /proc (Linux). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}
