import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem, loadTemplates, parseTemplate, startupWarnings, TemplateError, type TemplateProblem } from '../../src/templates/loader.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A small valid template; tests change one thing in it. Line numbers below refer to this text. */
const VALID = `name: Small promotion
roles:
  release-owner:
    label: Release owner
approvals:
  - role: release-owner
    label: Owner sign-off
decider: release-owner
timeline:
  - at: T-5m
    say: Starting in five minutes
    mention: [release-owner]
sections:
  - id: gates
    title: Gates
    kind: gates
    items:
      - id: ci-green
        label: CI is green
      - id: change-ticket
        label: Change ticket
        field:
          type: ticket
  - id: deploy
    title: Deploy
    kind: deploy
    items:
      - id: deployed
        label: Deployed
        at: T0
`;

function problemsOf(source: string, file = 'checklists/small.yml'): TemplateProblem[] {
  const result = parseTemplate(file, source);
  expect(result.template, 'the template should have been refused').toBeUndefined();
  return result.problems;
}

function only(source: string): TemplateProblem {
  const problems = problemsOf(source);
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

describe('parseTemplate', () => {
  it('accepts a valid template, with its id taken from the file name and defaults filled in', () => {
    const { template, problems } = parseTemplate('checklists/small.yml', VALID);
    expect(problems).toEqual([]);
    expect(template?.id).toBe('small');
    expect(template?.sections.map((s) => s.items.map((i) => i.id))).toEqual([['ci-green', 'change-ticket'], ['deployed']]);
    expect(template?.window.duration).toBe('30m');
    expect(template?.approvals[0]?.stage).toBe('before-go');
  });

  it('names the file, the key path, the line and what is wrong for an item label over 75 characters', () => {
    const p = only(VALID.replace('label: CI is green', `label: ${'L'.repeat(76)}`));
    expect(p).toMatchObject({ file: 'checklists/small.yml', key: 'sections[0].items[0].label', line: 19 });
    expect(p.message).toContain('75');
    expect(formatProblem(p)).toBe(`checklists/small.yml:19: sections[0].items[0].label: ${p.message}`);
  });

  it('points at the second item when the second item is wrong', () => {
    const p = only(VALID.replace('label: Change ticket', 'label: ""'));
    expect(p).toMatchObject({ key: 'sections[0].items[1].label', line: 21 });
  });

  it('reports several problems at once, each at its own place', () => {
    const source = VALID.replace('label: CI is green', `label: ${'L'.repeat(80)}`)
      .replace('at: T0', 'at: T-5x')
      .replace('decider: release-owner', 'decider: nobody')
      .replace('- id: deployed', '- id: ci-green');
    const problems = problemsOf(source);
    expect(problems.map((p) => [p.key, p.line])).toEqual(
      expect.arrayContaining([
        ['sections[0].items[0].label', 19],
        ['sections[1].items[0].at', 30],
        ['sections[1].items[0].id', 28],
        ['decider', 8],
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('still reports an unknown role and a duplicate item id when another key has a wrong value', () => {
    // An author fixing the file should see every problem in one run, not discover the cross-checks afterwards.
    const source = VALID.replace('kind: deploy', 'kind: launch').replace('decider: release-owner', 'decider: nobody').replace('- id: deployed', '- id: ci-green');
    const problems = problemsOf(source);
    expect(problems.map((p) => p.key).sort()).toEqual(['decider', 'sections[1].items[0].id', 'sections[1].kind']);
  });

  it('refuses an item id used in two sections, naming the section that has it first', () => {
    const p = only(VALID.replace('- id: deployed', '- id: ci-green'));
    expect(p).toMatchObject({ key: 'sections[1].items[0].id', line: 28 });
    expect(p.message).toBe('item id "ci-green" is already used in section "gates"');
  });

  it('refuses a section id used twice', () => {
    const p = only(VALID.replace('- id: deploy\n', '- id: gates\n'));
    expect(p).toMatchObject({ key: 'sections[1].id', line: 24 });
    expect(p.message).toContain('"gates" is used twice');
  });

  it.each([
    ['an approval', VALID.replace('  - role: release-owner', '  - role: qa-lead'), 'approvals[0].role', 6],
    ['the decider', VALID.replace('decider: release-owner', 'decider: qa-lead'), 'decider', 8],
    ['a timeline mention', VALID.replace('mention: [release-owner]', 'mention: [release-owner, qa-lead]'), 'timeline[0].mention[1]', 12],
  ])('refuses an unknown role in %s', (_where, source, key, line) => {
    const p = only(source);
    expect(p).toMatchObject({ key, line });
    expect(p.message).toBe('role "qa-lead" is not defined under roles');
  });

  it.each([
    ['an item', VALID.replace('at: T0', 'at: T-5x'), 'sections[1].items[0].at'],
    ['a timeline entry', VALID.replace('at: T-5m', 'at: 5m before'), 'timeline[0].at'],
  ])('refuses a bad offset in %s and shows what a good one looks like', (_where, source, key) => {
    const p = only(source);
    expect(p.key).toBe(key);
    expect(p.message).toContain('T-24h');
  });

  it('refuses an item that is both a field and a choice', () => {
    const source = VALID.replace(
      '          type: ticket\n',
      '          type: ticket\n        choice:\n          options:\n            - { id: a, label: A }\n            - { id: b, label: B }\n',
    );
    const p = only(source);
    expect(p).toMatchObject({ key: 'sections[0].items[1].field', line: 23 });
    expect(p.message).toBe('an item is a field or a choice, not both');
  });

  it('refuses a probe on a field item', () => {
    const source = VALID.replace('          type: ticket\n', '          type: ticket\n        probe:\n          type: env\n          names: [PGHOST]\n');
    const p = only(source);
    expect(p.key).toBe('sections[0].items[1].probe');
    expect(p.message).toContain('a probe belongs on a check item');
  });

  it('refuses a field pattern that is not a regular expression', () => {
    const p = only(VALID.replace('          type: ticket\n', '          type: ticket\n          pattern: "^CHG-[0-9+$"\n'));
    expect(p).toMatchObject({ key: 'sections[0].items[1].field.pattern', line: 24 });
    expect(p.message).toBe('is not a valid regular expression');
  });

  it('refuses unknown keys (a typo must not be silently ignored), naming the key', () => {
    const problems = problemsOf(VALID.replace('        label: Deployed\n', '        label: Deployed\n        hnit: typo\n').replace('name: Small', 'nmae: x\nname: Small'));
    expect(problems.map((p) => [p.key, p.message])).toEqual(
      expect.arrayContaining([
        ['sections[1].items[0]', expect.stringContaining('"hnit"')],
        ['', expect.stringContaining('"nmae"')],
      ]),
    );
    expect(formatProblem(problems.find((p) => p.key === '')!)).toContain('(top level)');
  });

  it('reports a YAML syntax error with its line', () => {
    const problems = problemsOf(VALID.replace('    title: Deploy', '    title: [Deploy'));
    expect(problems[0]).toMatchObject({ key: '' });
    expect(problems[0]!.message).toMatch(/^YAML syntax: /);
    expect(problems.map((p) => p.line)).toContain(26);
  });

  it('refuses a key written twice in one map', () => {
    const problems = problemsOf(VALID.replace('decider: release-owner', 'decider: release-owner\ndecider: release-owner'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 9 });
    expect(problems[0]!.message).toContain('unique');
  });

  it('refuses an empty file', () => {
    const p = only('');
    expect(p.message).toContain('expected object');
  });

  it.each(['checklists/Small.yml', 'checklists/small_promotion.yml', 'checklists/-small.yml'])('refuses the file name %s (it is the template id)', (file) => {
    const problems = problemsOf(VALID, file);
    expect(problems).toEqual([{ file, key: '', message: expect.stringContaining('file name must be lower-case letters, digits and dashes') }]);
  });

  it('reports one tab as one problem, its first cause, at its line and column, with what to do', () => {
    const problems = problemsOf(VALID.replace('    title: Deploy', '\ttitle: Deploy'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ key: '', line: 25, column: 1 });
    expect(problems[0]!.message).toMatch(/^YAML syntax: Tabs are not allowed as indentation: indent with spaces/);
    const line = formatProblem(problems[0]!);
    expect(line).toMatch(/^checklists\/small\.yml:25:1: YAML syntax: /);
    // About the file, not a key: no "(top level)", and no dangling "at line 25, column 1:".
    expect(line).not.toContain('(top level)');
    expect(line).not.toMatch(/column \d+:|:$/);
  });

  it('says how long a value that is too long actually is', () => {
    const p = only(VALID.replace('label: CI is green', `label: ${'L'.repeat(76)}`));
    expect(p.message).toContain('(it is 76 characters)');
  });

  it('refuses a section too large for one Slack message, saying to split it', () => {
    const items = Array.from({ length: 50 }, (_, i) => `      - id: value-${i}\n        label: Value number ${i}\n        field:\n          type: text\n`).join('');
    const source = `${VALID}  - id: huge\n    title: Huge\n    kind: verify\n    items:\n${items}`;
    const p = only(source);
    expect(p.key).toBe('sections[2]');
    expect(p.message).toContain('section "huge"');
    expect(p.message).toContain('split it into smaller sections');
  });
});

describe('loadTemplates', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'preflight-templates-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads every template of a directory by id', async () => {
    await writeFile(path.join(dir, 'small.yml'), VALID);
    await writeFile(path.join(dir, 'other.yaml'), VALID.replace('name: Small promotion', 'name: Other'));
    await writeFile(path.join(dir, 'README.md'), 'not a template');
    const templates = await loadTemplates(dir);
    expect([...templates.keys()].sort()).toEqual(['other', 'small']);
    expect(templates.get('other')?.name).toBe('Other');
  });

  it("refuses to start when one file is bad, listing that file's problems", async () => {
    await writeFile(path.join(dir, 'good.yml'), VALID);
    await writeFile(path.join(dir, 'bad.yml'), VALID.replace('at: T0', 'at: T-5x').replace('decider: release-owner', 'decider: nobody'));
    const error = await loadTemplates(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TemplateError);
    const problems = (error as TemplateError).problems;
    expect(problems.map((p) => [path.basename(p.file), p.key])).toEqual(
      expect.arrayContaining([
        ['bad.yml', 'sections[1].items[0].at'],
        ['bad.yml', 'decider'],
      ]),
    );
    expect(problems).toHaveLength(2);
    expect((error as TemplateError).message).toContain(`${path.join(dir, 'bad.yml')}:30: sections[1].items[0].at:`);
  });

  it('refuses a directory without templates, saying where CHECKLISTS_DIR must point', async () => {
    await expect(loadTemplates(dir)).rejects.toThrow(/no templates \(\*\.yml\) found; CHECKLISTS_DIR/);
  });

  it('refuses a directory that does not exist', async () => {
    await expect(loadTemplates(path.join(dir, 'missing'))).rejects.toThrow(/cannot read the templates directory/);
  });

  it('says nothing at start about probe placeholders: a probe says which key to set when it is run', () => {
    const probe: TemplateProblem = { file: 'checklists/a.yml', key: 'sections[0].items[1].probe.url', line: 9, message: '"https://x.example.com" looks like a placeholder' };
    expect(startupWarnings([probe, { ...probe, key: 'sections[1].items[0].probe.dimensions.Cluster' }])).toEqual([]);
    const other: TemplateProblem = { file: 'checklists/a.yml', key: 'sections[0].notes', line: 4, message: 'looks unfinished' };
    expect(startupWarnings([probe, other])).toEqual([{ file: 'checklists/a.yml', count: 1, message: formatProblem(other) }]);
  });

  it('refuses two files that define the same template id', async () => {
    await writeFile(path.join(dir, 'small.yml'), VALID);
    await writeFile(path.join(dir, 'small.yaml'), VALID);
    await expect(loadTemplates(dir)).rejects.toThrow(/template id "small" is defined twice/);
  });
});

describe('validate-templates CLI', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'preflight-cli-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function cli(...args: string[]) {
    return spawnSync('npx', ['tsx', 'src/cli/validate-templates.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  }

  it('exits 1 and prints FAIL file:line: key: message for a bad file', async () => {
    const file = path.join(dir, 'bad.yml');
    await writeFile(file, VALID.replace('at: T0', 'at: T-5x'));
    const run = cli(file);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`FAIL ${file}:30: sections[1].items[0].at: must be an offset like T-24h`);
    expect(run.stdout).not.toContain('ok ');
  });

  it('warns, without failing, about probe targets left as placeholders, naming the line and the key', async () => {
    const file = path.join(dir, 'probes.yml');
    await writeFile(file, VALID.replace('        label: CI is green\n', '        label: CI is green\n        probe: { type: http, url: "https://api.example.com/health" }\n'));
    const direct = parseTemplate(file, await import('node:fs/promises').then((fs) => fs.readFile(file, 'utf8')));
    expect(direct.warnings).toEqual([
      { file, key: 'sections[0].items[0].probe.url', line: 20, message: '"https://api.example.com/health" looks like a placeholder: set it for your environment' },
    ]);
    const run = cli(file);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`WARN ${file}:20: sections[0].items[0].probe.url: "https://api.example.com/health" looks like a placeholder`);
    expect(parseTemplate('checklists/small.yml', VALID).warnings).toEqual([]);
  });

  it('reports one tab as one FAIL line, and names a .yaml file as it is named', async () => {
    await writeFile(path.join(dir, 'good.yaml'), VALID);
    await writeFile(path.join(dir, 'tab.yml'), VALID.replace('    title: Deploy', '\ttitle: Deploy'));
    const run = cli(dir);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`ok   ${path.join(dir, 'good.yaml')} (Small promotion)`);
    const fails = run.stderr.split('\n').filter((l) => l.startsWith('FAIL'));
    expect(fails).toEqual([expect.stringMatching(new RegExp(`^FAIL ${path.join(dir, 'tab.yml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:25:1: YAML syntax: Tabs are not allowed`))]);
  });

  it('sums up a file’s warnings in one line, and lists each with --verbose', async () => {
    const probes = Array.from({ length: 3 }, (_, i) => `      - id: probed-${i}\n        label: Probed ${i}\n        probe: { type: http, url: "https://api${i}.example.com/health" }\n`).join('');
    const file = path.join(dir, 'probes.yml');
    await writeFile(file, VALID.replace('      - id: deployed\n', `${probes}      - id: deployed\n`));
    const summary = cli(file).stdout.split('\n').filter((l) => l.startsWith('WARN'));
    expect(summary).toHaveLength(1);
    expect(summary[0]).toContain(`WARN ${file}: 3 probe settings look like placeholders (first: line `);
    expect(summary[0]).toContain('those probes refuse to run until they are set');
    expect(summary[0]).toContain('--verbose lists them');
    const verbose = cli('--verbose', file).stdout.split('\n').filter((l) => l.startsWith('WARN'));
    expect(verbose).toHaveLength(3);
    expect(verbose[0]).toMatch(new RegExp(`^WARN .*probes\\.yml:\\d+: sections\\[1\\]\\.items\\[0\\]\\.probe\\.url: "https://api0\\.example\\.com/health" looks like a placeholder`));
  });

  it('exits 0 and prints an ok line for every built-in template', () => {
    const run = cli('checklists');
    expect(run.stderr).not.toContain('FAIL');
    expect(run.status).toBe(0);
    const ok = run.stdout.split('\n').filter((l) => l.startsWith('ok '));
    expect(ok.map((l) => l.split(/\s+/)[1])).toEqual([
      'checklists/container-dev-to-prod.yml',
      'checklists/db-housekeeping.yml',
      'checklists/release-train.yml',
      'checklists/rls-rollout.yml',
    ]);
  });
});
