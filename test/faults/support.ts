/**
 * What every fault script (test/faults/*.fault.ts, run by `npm run faults`) shares: polling with a bound, and the end
 * of a script: its figures, then exactly one line `PASS <name>: …` or `FAIL <name>: …`, and the exit code.
 */

/** Polls until `check` yields something; bounded, so a condition that never holds fails the script. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, withinMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + withinMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${withinMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Whether the script was asked for its quick form (`--quick`: what CI runs). */
export const QUICK = process.argv.includes('--quick');

/** A figure, printed as `  name: value` in the order given. */
export type Figures = Record<string, string | number | boolean>;

/**
 * End a fault script: print the figures and the checks, then one PASS/FAIL line, and exit 0 or 1. A check is a
 * sentence that must hold ("0 clicks acknowledged and lost") and whether it did.
 */
export function finish(name: string, figures: Figures, checks: Array<[string, boolean]>): never {
  for (const [k, v] of Object.entries(figures)) console.log(`  ${k}: ${v}`);
  for (const [what, ok] of checks) console.log(`  ${ok ? 'ok  ' : 'NOT '} ${what}`);
  const failed = checks.filter(([, ok]) => !ok).map(([what]) => what);
  console.log(failed.length === 0 ? `PASS ${name}: ${checks.length} checks held` : `FAIL ${name}: ${failed.join('; ')}`);
  process.exit(failed.length === 0 ? 0 : 1);
}

/** A script that threw: its FAIL line (so the runner still finds one) and exit 1. */
export function crashed(name: string, err: unknown): never {
  console.error(err);
  console.log(`FAIL ${name}: the script itself failed: ${(err as Error)?.message ?? String(err)}`);
  process.exit(1);
}
