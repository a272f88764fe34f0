import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { templateSchema, type Template } from '../domain/template.js';
import { SLUG_PATTERN } from '../domain/names.js';
import { layoutProblems } from '../../blocks/layout.js';

/** One thing wrong with one template file, named by file and key path so the author can find it. */
export interface TemplateProblem {
  file: string;
  key: string;
  line?: number;
  message: string;
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

export function formatProblem(p: TemplateProblem): string {
  const where = p.line ? `${p.file}:${p.line}` : p.file;
  return `${where}: ${p.key || '(top level)'}: ${p.message}`;
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

/** Probe settings that look like the placeholders a template is shipped with rather than real targets. */
const PLACEHOLDER = /REPLACE_ME|\bexample\.(com|org|net)\b|\.example\b/i;

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
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => ({
        file,
        key: '',
        line: e.linePos?.[0]?.line,
        message: `YAML syntax: ${e.message.split('\n')[0]}`,
      })),
    };
  }
  const parsed = templateSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((issue: z.core.$ZodIssue) => ({
        file,
        key: keyPath(issue.path),
        line: lineOf(doc, source, issue.path),
        message: issue.message,
      })),
    };
  }
  const template: Template = { id, ...parsed.data };
  const layout = layoutProblems(template);
  if (layout.length > 0) return { problems: layout.map((p) => ({ file, ...p })) };
  return { template, problems: [], warnings: placeholderWarnings(file, doc, source, template) };
}

/**
 * Load every `*.yml` / `*.yaml` in a directory. Throws a TemplateError listing every problem in every file;
 * warnings (valid but probably unintended) go to `onWarning`.
 */
export async function loadTemplates(dir: string, onWarning?: (w: TemplateProblem) => void): Promise<Map<string, Template>> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (err) {
    throw new TemplateError([{ file: dir, key: '', message: `cannot read the templates directory (${(err as Error).message})` }]);
  }
  if (names.length === 0) {
    throw new TemplateError([{ file: dir, key: '', message: 'no templates (*.yml) found; CHECKLISTS_DIR must point at them' }]);
  }
  const templates = new Map<string, Template>();
  const problems: TemplateProblem[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const result = parseTemplate(file, await readFile(file, 'utf8'));
    if (result.template) {
      result.warnings.forEach((w) => onWarning?.(w));
      if (templates.has(result.template.id)) {
        problems.push({ file, key: '', message: `template id "${result.template.id}" is defined twice` });
      }
      templates.set(result.template.id, result.template);
    } else problems.push(...result.problems);
  }
  if (problems.length > 0) throw new TemplateError(problems);
  return templates;
}
