/**
 * `npm run faults`: every fault script, one after the other, each as its own process (they start bots, kill them,
 * restart PostgreSQL clusters). Each prints its figures and ends with one `PASS <name>: …` or `FAIL <name>: …` line;
 * this prints those lines again as a summary and exits 1 if any failed. `--quick` runs the quick ones in their quick
 * form (what `npm test` runs, so CI does); `-- <name>…` runs only those.
 */
import { spawn } from 'node:child_process';

/** Every fault script, in the order they run; `quick`: part of `npm test` (in its `--quick` form). */
export const FAULTS: Array<{ name: string; file: string; quick: boolean }> = [
  { name: 'postgres-restart', file: 'test/faults/postgres-restart.fault.ts', quick: true },
  { name: 'replica-kill', file: 'test/faults/replica-kill.fault.ts', quick: true },
  { name: 'slack-misbehaving', file: 'test/faults/slack-misbehaving.fault.ts', quick: true },
  { name: 'secret-canaries', file: 'test/faults/secret-canaries.fault.ts', quick: true },
  { name: 'bad-input', file: 'test/faults/bad-input.fault.ts', quick: true },
];

const quick = process.argv.includes('--quick');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const chosen = FAULTS.filter((f) => (only.length ? only.includes(f.name) : !quick || f.quick));
const unknown = only.filter((n) => !FAULTS.some((f) => f.name === n));
if (unknown.length) {
  console.error(`no fault script named ${unknown.join(', ')}; there are: ${FAULTS.map((f) => f.name).join(', ')}`);
  process.exit(2);
}

const results: string[] = [];
for (const fault of chosen) {
  console.log(`\n== ${fault.name} (${fault.file}${quick ? ', quick' : ''})`);
  const started = Date.now();
  const line = await new Promise<string>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fault.file, ...(quick ? ['--quick'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
    let last = '';
    child.stdout!.on('data', (d: Buffer) => {
      process.stdout.write(d);
      for (const l of d.toString().split('\n')) if (/^(PASS|FAIL) /.test(l)) last = l;
    });
    child.on('exit', (code, signal) => resolve(last || `FAIL ${fault.name}: exited ${code ?? signal} without a PASS/FAIL line`));
  });
  results.push(`${line} (${Math.round((Date.now() - started) / 1000)} s)`);
}
console.log('\n== faults');
for (const r of results) console.log(r);
process.exit(results.some((r) => r.startsWith('FAIL')) ? 1 : 0);
