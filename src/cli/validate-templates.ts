/**
 * Lint checklist templates without starting the bot, e.g. in a team's CI:
 *   npm run validate-templates -- [--verbose] [dir-or-file ...]   (default: ./checklists)
 * Prints `ok   file (name)` for every valid file and `FAIL file:line: key: problem` for every problem, and exits 1
 * if there is one. Warnings (placeholder probe targets, say) never fail it: one `WARN` line per file sums them
 * up, and `--verbose` lists each one.
 */
import { readFile, stat } from 'node:fs/promises';
import { formatProblem, parseTemplate, readTemplateDir, summarizeWarnings, TemplateError, type TemplateFile } from '../templates/loader.js';

const USAGE = 'usage: validate-templates [--verbose] [dir-or-file ...]   (default: checklists)';

async function check(target: string): Promise<TemplateFile[]> {
  if ((await stat(target).catch(() => undefined))?.isFile()) {
    const result = parseTemplate(target, await readFile(target, 'utf8'));
    return [{ file: target, problems: result.problems, warnings: result.warnings ?? [], ...(result.template ? { template: result.template } : {}) }];
  }
  try {
    return await readTemplateDir(target);
  } catch (err) {
    // The directory itself is unusable (missing, no templates): that is its one problem.
    if (err instanceof TemplateError) return [{ file: target, problems: err.problems, warnings: [] }];
    throw err;
  }
}

const args = process.argv.slice(2);
const verbose = args.includes('--verbose') || args.includes('-v');
const unknown = args.filter((a) => a.startsWith('-') && !['--verbose', '-v'].includes(a));
if (args.includes('--help') || args.includes('-h') || unknown.length > 0) {
  (unknown.length > 0 ? console.error : console.log)(unknown.length > 0 ? `unknown option ${unknown[0]}\n${USAGE}` : USAGE);
  process.exit(unknown.length > 0 ? 2 : 0);
}
const targets = args.filter((a) => !a.startsWith('-'));
if (targets.length === 0) targets.push('checklists');

let failed = false;
for (const target of targets) {
  const files = await check(target);
  for (const f of files) if (f.template) console.log(`ok   ${f.file} (${f.template.name})`);
  const warnings = files.flatMap((f) => f.warnings);
  if (verbose) for (const w of warnings) console.log(`WARN ${formatProblem(w)}`);
  else for (const line of summarizeWarnings(warnings, '--verbose lists them')) console.log(`WARN ${line.message}`);
  for (const p of files.flatMap((f) => f.problems)) console.error(`FAIL ${formatProblem(p)}`);
  if (files.some((f) => f.problems.length > 0)) failed = true;
}
process.exitCode = failed ? 1 : 0;
