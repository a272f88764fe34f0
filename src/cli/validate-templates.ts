/**
 * Lint checklist templates without starting the bot, e.g. in a team's CI:
 *   npm run validate-templates -- [dir-or-file ...]   (default: ./checklists)
 * Exits 1 and prints `file:line: key: problem` for every problem found.
 */
import { readFile, stat } from 'node:fs/promises';
import { formatProblem, loadTemplates, parseTemplate, TemplateError, type TemplateProblem } from '../templates/loader.js';

async function check(target: string): Promise<{ ok: string[]; problems: TemplateProblem[] }> {
  if ((await stat(target).catch(() => undefined))?.isFile()) {
    const result = parseTemplate(target, await readFile(target, 'utf8'));
    return result.template ? { ok: [`${target} (${result.template.name})`], problems: [] } : { ok: [], problems: result.problems };
  }
  try {
    const templates = await loadTemplates(target);
    return { ok: [...templates.values()].map((t) => `${target}/${t.id}.yml (${t.name})`), problems: [] };
  } catch (err) {
    if (err instanceof TemplateError) return { ok: [], problems: err.problems };
    throw err;
  }
}

const targets = process.argv.slice(2);
if (targets.length === 0) targets.push('checklists');
let failed = false;
for (const target of targets) {
  const { ok, problems } = await check(target);
  for (const line of ok) console.log(`ok   ${line}`);
  for (const p of problems) console.error(`FAIL ${formatProblem(p)}`);
  if (problems.length > 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
