import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { templatesReply } from '../../blocks/replies.js';
import { escLiteral } from '../../blocks/text.js';
import { fieldHint, validateField } from '../../src/domain/fields.js';
import { allItems, type Template } from '../../src/domain/template.js';
import { loadTemplates, parseTemplate } from '../../src/templates/loader.js';

/**
 * What the built-in templates say to people: the words of each field's expected value, notes that are not broken
 * mid-sentence, and nothing about buttons or checks Preflight does not have yet.
 */

const CHECKLISTS = fileURLToPath(new URL('../../checklists', import.meta.url));

function withField(field: string): string {
  return `name: Small promotion
sections:
  - id: gates
    title: Gates
    kind: gates
    items:
      - id: change-ticket
        label: Change ticket
        field:
${field}
`;
}

describe('a field description', () => {
  it('is taken, trimmed, and shown instead of the pattern in the hint and in the format error', () => {
    const { template, problems } = parseTemplate(
      'checklists/small.yml',
      withField('          type: text\n          pattern: "^CHG-[0-9]+$"\n          description: "  a change ticket such as CHG-1234 "'),
    );
    expect(problems).toEqual([]);
    const spec = template!.sections[0]!.items[0]!.field!;
    expect(spec.description).toBe('a change ticket such as CHG-1234');
    expect(fieldHint(spec, { clearable: false })).toBe('A change ticket such as CHG-1234.');
    expect(validateField(spec, 'INC-9')).toEqual({ ok: false, error: 'This is not in the expected format: a change ticket such as CHG-1234.' });
  });

  it('is refused when empty or longer than 150 characters', () => {
    const empty = parseTemplate('checklists/small.yml', withField('          type: text\n          description: "   "'));
    expect(empty.template).toBeUndefined();
    expect(empty.problems.map((p) => p.key)).toEqual(['sections[0].items[0].field.description']);
    const long = parseTemplate('checklists/small.yml', withField(`          type: text\n          description: ${'x'.repeat(151)}`));
    expect(long.template).toBeUndefined();
    expect(long.problems.map((p) => [p.key, p.message])).toEqual([['sections[0].items[0].field.description', expect.stringContaining('150')]]);
  });
});

/** Every text of a template that people see, with where it is, except notes (read line by line below). */
function shownTexts(t: Template): Array<{ where: string; text: string }> {
  const texts = [
    { where: 'name', text: t.name },
    { where: 'description', text: t.description ?? '' },
    { where: 'warning', text: t.warning ?? '' },
    ...t.approvals.map((a, i) => ({ where: `approvals[${i}]`, text: a.label })),
  ];
  for (const s of t.sections) {
    texts.push({ where: s.id, text: s.title }, { where: `${s.id} notes`, text: s.notes ?? '' });
    for (const i of s.items) {
      texts.push({ where: i.id, text: [i.label, i.hint, i.field?.placeholder, i.field?.description, ...(i.choice?.options ?? []).map((o) => o.label)].join(' · ') });
    }
  }
  return texts.filter((x) => x.text !== '');
}

/**
 * Words for what Preflight does not do yet: sign-off and GO/NO-GO buttons, checks that run or read anything,
 * reminders; and words about how a template was written. The issue that adds a button or a check takes its words
 * out of this list when it changes the templates to speak of it.
 */
const NOT_YET = [
  /\bApprove\b/,
  /\bbutton/i,
  /\bRun check\b/i,
  /\b(checks?|probes?)\s+(\S+\s+){0,3}?(runs?|reads?|reuses?|records?)\b/i,
  /\breads? CloudWatch\b/i,
  /\bremind/i,
  /\bcoming\b/i,
  /\bseed\b/i,
  /^Runbook\b/i,
  /\bconfidence level\b/i,
];

const LIST_ITEM = /^([•❌✅⏳>-]|\d+\.\s)/u;

/** Two lines outside code where the first, not a list item, stops mid-sentence, and the second is not a list item. */
function brokenSentences(notes: string): string[] {
  const found: string[] = [];
  let fenced = false;
  let previous: string | null = null;
  for (const raw of notes.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('```')) {
      if ((line.match(/```/g) ?? []).length % 2 === 1) fenced = !fenced;
      previous = null;
      continue;
    }
    if (fenced || line === '') {
      previous = null;
      continue;
    }
    if (previous !== null && !LIST_ITEM.test(previous) && /[\p{L}\p{N},;]$/u.test(previous) && !LIST_ITEM.test(line)) found.push(`${previous} ⏎ ${line}`);
    previous = line;
  }
  return found;
}

describe('the built-in templates, as people read them', () => {
  let templates: Template[];
  beforeAll(async () => {
    templates = [...(await loadTemplates(CHECKLISTS)).values()];
    expect(templates.length).toBeGreaterThanOrEqual(4);
  });

  it('describe in words the value of every field that has a pattern', () => {
    const missing = templates.flatMap((t) => allItems(t).filter((i) => i.field?.pattern && !i.field.description).map((i) => `${t.id}: ${i.id}`));
    expect(missing).toEqual([]);
  });

  it('have descriptions that the template list shows whole', () => {
    const text = JSON.stringify(templatesReply(templates).blocks);
    for (const t of templates) expect(text, t.id).toContain(JSON.stringify(escLiteral(t.description ?? '')).slice(1, -1));
  });

  it('speak of no button, check or reminder Preflight does not have, nor of how they were written', () => {
    const said = templates.flatMap((t) =>
      shownTexts(t).flatMap(({ where, text }) => text.split('\n').flatMap((line) => NOT_YET.filter((w) => w.test(line)).map((w) => `${t.id} ${where}: ${w} in "${line}"`))),
    );
    expect(said).toEqual([]);
  });

  it('break the lines of their notes only between sentences, list items and code', () => {
    const broken = templates.flatMap((t) => t.sections.flatMap((s) => brokenSentences(s.notes ?? '').map((b) => `${t.id} ${s.id}: ${b}`)));
    expect(broken).toEqual([]);
  });

  it('catch a sentence broken across two lines (the check itself)', () => {
    expect(brokenSentences('Engineering Lead and Product Owner sign off after the deployment with\n*Approve* (name and date).')).toHaveLength(1);
    expect(brokenSentences('the 5xx rate has no single\nCloudWatch metric, so it is read from the dashboard.')).toHaveLength(1);
    expect(brokenSentences('Monitor:\n• Workflow run: https://example.com/actions\n• Audit PR\n```\nline one\nline two\n```')).toEqual([]);
  });
});
