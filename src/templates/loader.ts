import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { templateSchema, type Template } from '../domain/template.js';
import { SLUG_PATTERN } from '../domain/names.js';
import { PLACEHOLDER } from '../domain/template/probes/common.js';
import { layoutProblems } from '../../blocks/layout.js';

/** One thing wrong with one template file, named by file and key path so the author can find it. */
export interface TemplateProblem {
  file: string;
  /** The key path (`sections[0].items[1].label`); '' when the problem is about the file, not one key. */
  key: string;
  line?: number;
  column?: number;
  message: string;
  /** A problem with the document's own top-level keys (an unknown key, say): shown as "(top level)". */
  topLevel?: true;
}

export class TemplateError extends Error {
  constructor(readonly problems: TemplateProblem[]) {
    super(
      `Invalid checklist template${problems.length > 1 ? 's' : ''}:\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'TemplateError';
  }
}

/** `file:line[:column]: key: problem`, the form editors and CI logs link to; no key when the file itself is wrong. */
export function formatProblem(p: TemplateProblem): string {
  const where = p.line ? `${p.file}:${p.line}${p.column ? `:${p.column}` : ''}` : p.file;
  const key = p.key || (p.topLevel ? '(top level)' : '');
  return key ? `${where}: ${key}: ${p.message}` : `${where}: ${p.message}`;
}

function keyPath(pathParts: readonly PropertyKey[]): string {
  return pathParts
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

/** The line of the YAML node at a zod issue path, so editors can jump to it. */
function lineOf(doc: Document, source: string, pathParts: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let found: unknown = node;
  for (const part of pathParts) {
    if (isMap(node)) node = node.get(part as string, true);
    else if (isSeq(node)) node = node.get(part as number, true);
    else break;
    if (node) found = node;
  }
  const range = (found as { range?: [number, number, number] } | null)?.range;
  if (!range) return undefined;
  return source.slice(0, range[0]).split('\n').length;
}

/** The value at a zod issue's path in the parsed document, to say how long it actually is. */
function valueAt(data: unknown, pathParts: readonly PropertyKey[]): unknown {
  let value = data;
  for (const part of pathParts) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/** zod's message, plus what the author needs to fix a length: how long it is now ("(it is 80 characters)"). */
function issueMessage(issue: z.core.$ZodIssue, data: unknown): string {
  if (issue.code !== 'too_big') return issue.message;
  const value = valueAt(data, issue.path);
  if (typeof value === 'string') return `${issue.message} (it is ${value.length} characters)`;
  if (Array.isArray(value)) return `${issue.message} (it has ${value.length})`;
  return issue.message;
}

/** What to do about the YAML errors authors meet most, beyond what the parser says. */
const YAML_ADVICE: Record<string, string> = {
  TAB_AS_INDENT: 'indent with spaces',
  DUPLICATE_KEY: 'each key once per map',
};

/**
 * The first YAML error only: one slip (a tab, a missing quote) makes the parser report everything after it too,
 * so the rest would bury the cause. Its message loses the "at line N, column M:" the location already says.
 */
function yamlProblem(file: string, errors: Document['errors']): TemplateProblem {
  const first = errors[0]!;
  const pos = first.linePos?.[0];
  const said = first.message.split('\n')[0]!.replace(/\s+at line \d+, column \d+:?\s*$/, '').replace(/[:\s]+$/, '');
  const advice = YAML_ADVICE[first.code] ? `: ${YAML_ADVICE[first.code]}` : '';
  const more = errors.length > 1 ? ` (fix this first: the ${errors.length - 1} YAML error(s) after it may follow from it)` : '';
  return { file, key: '', ...(pos ? { line: pos.line, column: pos.col } : {}), message: `YAML syntax: ${said}${advice}${more}` };
}

/** Placeholders left in probe specs: valid, but the probe cannot check anything real until they are set. */
function placeholderWarnings(file: string, doc: Document, source: string, template: Template): TemplateProblem[] {
  const warnings: TemplateProblem[] = [];
  const visit = (value: unknown, at: (string | number)[]): void => {
    if (typeof value === 'string' && PLACEHOLDER.test(value)) {
      warnings.push({ file, key: keyPath(at), line: lineOf(doc, source, at), message: `"${value}" looks like a placeholder: set it for your environment` });
    } else if (Array.isArray(value)) value.forEach((v, i) => visit(v, [...at, i]));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, [...at, k]);
  };
  template.sections.forEach((section, si) =>
    section.items.forEach((item, ii) => item.probe && visit(item.probe, ['sections', si, 'items', ii, 'probe'])),
  );
  return warnings;
}

/**
 * Parse and validate one template's YAML text. Returns the template (with warnings about things that are
 * valid but probably not meant, such as placeholder probe targets) or every problem found.
 */
export function parseTemplate(
  file: string,
  source: string,
): { template: Template; problems: []; warnings: TemplateProblem[] } | { template?: undefined; problems: TemplateProblem[]; warnings?: undefined } {
  const id = path.basename(file).replace(/\.ya?ml$/, '');
  if (!SLUG_PATTERN.test(id)) {
    return {
      problems: [{ file, key: '', message: 'file name must be lower-case letters, digits and dashes (it is the template id)' }],
    };
  }
  const doc = parseDocument(source, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) return { problems: [yamlProblem(file, doc.errors)] };
  const data: unknown = doc.toJS();
  const parsed = templateSchema.safeParse(data);
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((issue: z.core.$ZodIssue) => ({
        file,
        key: keyPath(issue.path),
        line: lineOf(doc, source, issue.path),
        message: issueMessage(issue, data),
        ...(issue.path.length === 0 ? { topLevel: true as const } : {}),
      })),
    };
  }
  const template: Template = { id, ...parsed.data };
  const layout = layoutProblems(template);
  if (layout.length > 0) return { problems: layout.map((p) => ({ file, ...p })) };
  return { template, problems: [], warnings: placeholderWarnings(file, doc, source, template) };
}

/** One template file as read: its template when valid, else its problems; warnings either way. */
export interface TemplateFile {
  file: string;
  template?: Template;
  problems: TemplateProblem[];
  warnings: TemplateProblem[];
}

/**
 * Read and check every `*.yml` / `*.yaml` in a directory, file by file, so a caller can say which file is fine
 * under its own name. Throws a TemplateError only when the directory itself is unusable.
 */
export async function readTemplateDir(dir: string): Promise<TemplateFile[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (err) {
    throw new TemplateError([{ file: dir, key: '', message: `cannot read the templates directory (${(err as Error).message})` }]);
  }
  if (names.length === 0) {
    throw new TemplateError([{ file: dir, key: '', message: 'no templates (*.yml) found; CHECKLISTS_DIR must point at them' }]);
  }
  const files: TemplateFile[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const file = path.join(dir, name);
    const result = parseTemplate(file, await readFile(file, 'utf8'));
    if (result.template && seen.has(result.template.id)) {
      // `small.yml` and `small.yaml` both claim the id `small`: the second is refused.
      files.push({ file, problems: [{ file, key: '', message: `template id "${result.template.id}" is defined twice` }], warnings: [] });
    } else if (result.template) {
      seen.add(result.template.id);
      files.push({ file, template: result.template, problems: [], warnings: result.warnings });
    } else files.push({ file, problems: result.problems, warnings: [] });
  }
  return files;
}

/**
 * Load every `*.yml` / `*.yaml` in a directory. Throws a TemplateError listing every problem in every file;
 * warnings (valid but probably unintended) go to `onWarning`.
 */
export async function loadTemplates(dir: string, onWarning?: (w: TemplateProblem) => void): Promise<Map<string, Template>> {
  const files = await readTemplateDir(dir);
  const problems = files.flatMap((f) => f.problems);
  if (problems.length > 0) throw new TemplateError(problems);
  const templates = new Map<string, Template>();
  for (const f of files) {
    f.warnings.forEach((w) => onWarning?.(w));
    templates.set(f.template!.id, f.template!);
  }
  return templates;
}

/** A warning about a probe's settings (today the only kind: placeholder targets). */
function aboutProbe(w: TemplateProblem): boolean {
  return /(^|\.)probe(\.|\[|$)/.test(w.key);
}

/** One line per file for a list of warnings: how many, the first in full, and how to see them all. */
export function summarizeWarnings(warnings: readonly TemplateProblem[], seeAll: string): Array<{ file: string; count: number; message: string }> {
  const files = [...new Set(warnings.map((w) => w.file))];
  return files.map((file) => {
    const mine = warnings.filter((w) => w.file === file);
    if (mine.length === 1) return { file, count: 1, message: formatProblem(mine[0]!) };
    const probes = mine.every(aboutProbe);
    const what = probes ? 'probe settings look like placeholders' : 'settings look unfinished';
    const first = mine[0]!.line ? `line ${mine[0]!.line}, ${mine[0]!.key}` : mine[0]!.key;
    const today = probes ? '; those probes refuse to run until they are set' : '';
    return { file, count: mine.length, message: `${file}: ${mine.length} ${what} (first: ${first})${today}; ${seeAll}` };
  });
}

/**
 * What the bot should log at start about template warnings: one line per file, and nothing about placeholder probe
 * targets: a probe is only asked when someone runs it, and then its Run check says which key to set (the built-in
 * templates name no real targets, so a newcomer would otherwise be greeted with warnings about nothing they use).
 * src/main.ts: `for (const w of startupWarnings(warnings)) log.warn({ template: w.file, count: w.count }, w.message)`.
 */
export function startupWarnings(warnings: readonly TemplateProblem[]): Array<{ file: string; count: number; message: string }> {
  return summarizeWarnings(
    warnings.filter((w) => !aboutProbe(w)),
    '`npm run validate-templates -- --verbose` lists them',
  );
}
