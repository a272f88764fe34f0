/**
 * The settings of the GitHub, HTTP and environment probes in a template (src/domain/template/probes/github.ts, http.ts,
 * env.ts): what parses, with its defaults, and a bad setting refused with its file, line and key, as
 * validate-templates prints it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../../src/templates/loader.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** One section, one item; the probe's settings (YAML at 10 spaces) start at line 14. */
const withProbe = (settings: string) => `name: Probe settings
decider: owner
roles:
  owner:
    label: Owner
sections:
  - id: checks
    title: Checks
    kind: gates
    items:
      - id: probed
        label: Probed
        probe:
${settings}`;

const FILE = 'checklists/probes.yml';
const parsed = (settings: string) => parseTemplate(FILE, withProbe(settings));
const probeOf = (settings: string) => {
  const { template, problems } = parsed(settings);
  expect(problems).toEqual([]);
  return template!.sections[0]!.items[0]!.probe;
};

describe('github-actions settings', () => {
  it('reads a probe with no check as latest-run, as templates written before the checks did', () => {
    expect(probeOf('          type: github-actions\n          repo: acme/app\n          workflow: ci.yml\n')).toMatchObject({ check: 'latest-run', branch: 'main' });
  });

  it('reads each check with its defaults', () => {
    expect(probeOf('          type: github-actions\n          check: required-checks\n          repo: acme/app\n')).toMatchObject({ ref: 'main' });
    expect(probeOf('          type: github-actions\n          check: tag\n          repo: acme/app\n')).toMatchObject({ tag: '{release}' });
    expect(probeOf('          type: github-actions\n          check: environment-secrets\n          repo: acme/app\n          environment: production\n          secrets: [PGHOST_PROD]\n')).toMatchObject({
      environment: 'production',
      secrets: ['PGHOST_PROD'],
    });
  });

  it.each([
    ['an unknown check', '          type: github-actions\n          check: latest\n          repo: acme/app\n', 'sections[0].items[0].probe.check', 15, /check must be one of latest-run, required-checks, tag, environment-secrets/],
    ['a key of another check', '          type: github-actions\n          check: tag\n          repo: acme/app\n          workflow: ci.yml\n', 'sections[0].items[0].probe', 14, /workflow/],
    ['a secret name that is not one', '          type: github-actions\n          check: environment-secrets\n          repo: acme/app\n          secrets: [pghost-prod]\n', 'sections[0].items[0].probe.secrets[0]', 17, /environment variable name/],
    ['a repo that is not owner/name', '          type: github-actions\n          repo: acme\n          workflow: ci.yml\n', 'sections[0].items[0].probe.repo', 15, /owner\/name/],
    ['a branch with a space', '          type: github-actions\n          repo: acme/app\n          workflow: ci.yml\n          branch: my branch\n', 'sections[0].items[0].probe.branch', 17, /branch, tag or commit SHA/],
  ])('refuses %s, naming the file, line and key', (_what, settings, key, line, message) => {
    const { problems } = parsed(settings);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: FILE, key, line });
    expect(problems[0]!.message).toMatch(message);
  });
});

describe('http and env settings', () => {
  it('reads the latency bound and body match', () => {
    expect(probeOf('          type: http\n          url: https://api.acme.io/health\n          max_latency_ms: 300\n          body_contains: ok\n')).toMatchObject({ expect_status: 200, max_latency_ms: 300 });
  });

  it.each([
    ['a URL that is not http', '          type: http\n          url: ftp://acme.io/health\n', 'sections[0].items[0].probe.url', 15, /http:\/\/ or https:\/\//],
    ['a latency that is not a number of ms', '          type: http\n          url: https://acme.io/health\n          max_latency_ms: 300ms\n', 'sections[0].items[0].probe.max_latency_ms', 16, /number/],
    ['a body pattern that does not compile', '          type: http\n          url: https://acme.io/health\n          body_matches: "ok("\n', 'sections[0].items[0].probe.body_matches', 16, /regular expression/],
    ['an env name in lower case', '          type: env\n          names: [pghost]\n', 'sections[0].items[0].probe.names[0]', 15, /environment variable name/],
  ])('refuses %s, naming the file, line and key', (_what, settings, key, line, message) => {
    const { problems } = parsed(settings);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: FILE, key, line });
    expect(problems[0]!.message).toMatch(message);
  });

  it('fails validate-templates with FAIL file:line: key', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'preflight-probes-'));
    try {
      const file = path.join(dir, 'probes.yml');
      await writeFile(file, withProbe('          type: github-actions\n          check: tags\n          repo: acme/app\n'));
      const run = spawnSync('npx', ['tsx', 'src/cli/validate-templates.ts', file], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`FAIL ${file}:15: sections[0].items[0].probe.check: check must be one of`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
