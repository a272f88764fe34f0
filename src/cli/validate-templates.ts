/**
 * Lint checklist templates without starting the bot, e.g. in a team's CI:
 *   npm run validate-templates -- [dir-or-file ...]   (default: ./checklists)
 * Exits 1 and prints `FAIL file:line: key: problem` for every problem found; `WARN` lines (placeholder probe
 * targets, say) do not fail it.
 */
import { readFile, stat } from 'node:fs/promises';
import { formatProblem, loadTemplates, parseTemplate, TemplateError, type TemplateProblem } from '../templates/loader.js';

async function check(target: string): Promise<{ ok: string[]; problems: TemplateProblem[]; warnings: TemplateProblem[] }> {
  if ((await stat(target).catch(() => undefined))?.isFile()) {
    const result = parseTemplate(target, await readFile(target, 'utf8'));
    return result.template
      ? { ok: [`${target} (${result.template.name})`], problems: [], warnings: result.warnings }
      : { ok: [], problems: result.problems, warnings: [] };
  }
  const warnings: TemplateProblem[] = [];
  try {
    const templates = await loadTemplates(target, (w) => warnings.push(w));
    return { ok: [...templates.values()].map((t) => `${target}/${t.id}.yml (${t.name})`), problems: [], warnings };
  } catch (err) {
    if (err instanceof TemplateError) return { ok: [], problems: err.problems, warnings };
    throw err;
  }
}

const targets = process.argv.slice(2);
if (targets.length === 0) targets.push('checklists');
let failed = false;
for (const target of targets) {
  const { ok, problems, warnings } = await check(target);
  for (const line of ok) console.log(`ok   ${line}`);
  for (const w of warnings) console.log(`WARN ${formatProblem(w)}`);
  for (const p of problems) console.error(`FAIL ${formatProblem(p)}`);
  if (problems.length > 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
