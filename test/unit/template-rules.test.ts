import { describe, expect, it } from 'vitest';
import { SLUG_RULE } from '../../src/domain/names.js';
import { templateSchema } from '../../src/domain/template.js';
import { approvalId } from '../../src/domain/template/people.js';
import { checkRules, readOutline, RULES, type Rule } from '../../src/domain/template/rules.js';
import { parseTemplate } from '../../src/templates/loader.js';

/** A valid template that touches every rule; each test breaks one thing in a fresh copy. */
function valid() {
  return {
    name: 'Rules',
    environment: 'production' as string | undefined,
    roles: { owner: { label: 'Owner' }, 'on-call': { label: 'On call' } } as Record<string, { label: string }>,
    approvals: [{ role: 'owner', label: 'Owner sign-off' }],
    decider: 'owner',
    timeline: [
      { at: 'T-5m', say: 'Starting soon', mention: ['owner', 'on-call'] },
      { at: 'T+1h', say: 'Hourly check', mention: ['on-call'], repeat: { every: '1h', until: 'T+4h' } },
    ],
    sections: [
      {
        id: 'gates',
        title: 'Gates',
        kind: 'gates',
        items: [
          { id: 'ci-run', label: 'CI run id', field: { type: 'text' } },
          { id: 'ci-sha', label: 'CI head SHA', field: { type: 'sha' } },
          { id: 'ci-green', label: 'CI is green', probe: { type: 'github-actions', workflow: 'ci.yml', records: { run_id: 'ci-run', sha: 'ci-sha' } } },
        ],
      },
      { id: 'deploy', title: 'Deploy', kind: 'deploy', items: [{ id: 'deployed', label: 'Deployed', at: 'T0' }] },
    ],
  };
}
type Input = ReturnType<typeof valid>;

const ciRecords = (t: Input) => (t.sections[0]!.items[2] as { probe: { records: Record<string, string> } }).probe.records;

function issuesOf(input: unknown): { path: PropertyKey[]; message: string }[] {
  const parsed = templateSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map(({ path, message }) => ({ path, message }));
}

function broken(change: (t: Input) => void): Input {
  const t = valid();
  change(t);
  return t;
}

/** The one issue a change causes, checked both through the schema and through the rule named for it. */
function onlyIssue(rule: Rule, input: Input) {
  const issues = issuesOf(input);
  expect(issues).toHaveLength(1);
  expect(rule(readOutline(input))).toEqual(issues);
  return issues[0]!;
}

describe('the template rules', () => {
  it('accept the valid template', () => {
    expect(issuesOf(valid())).toEqual([]);
    expect(checkRules(valid())).toEqual([]);
  });

  it('are each a named function', () => {
    expect(Object.keys(RULES)).toEqual([
      'sectionIdsAreUnique',
      'itemIdsAreUnique',
      'rolesAreDefined',
      'recordTargetsExist',
      'repeatEndsAfterStart',
      'repeatsAreBounded',
      'blocksGoOnlyBeforeGo',
      'approvalIdsAreUnique',
      'bindsNameValues',
      'inputItemsExist',
      'timelineNamesExist',
      'holdsHaveANextStep',
      'holdsAreOnCheckSteps',
      'rollbackPathsNameRollbackSections',
      'githubGateNamesWhatExists',
    ]);
  });

  describe('sectionIdsAreUnique', () => {
    it('refuses a section id used twice, at the second one', () => {
      const input = broken((t) => (t.sections[1]!.id = 'gates'));
      expect(onlyIssue(RULES.sectionIdsAreUnique, input)).toEqual({ path: ['sections', 1, 'id'], message: 'section id "gates" is used twice' });
    });

    it('says nothing about sections that have no id (zod already says the id is missing)', () => {
      const input = broken((t) => t.sections.forEach((s) => delete (s as { id?: string }).id));
      expect(RULES.sectionIdsAreUnique(readOutline(input))).toEqual([]);
      expect(issuesOf(input).map((i) => i.path)).toEqual([
        ['sections', 0, 'id'],
        ['sections', 1, 'id'],
      ]);
    });
  });

  describe('itemIdsAreUnique', () => {
    it('refuses an item id used in another section, naming the section that has it first', () => {
      const input = broken((t) => (t.sections[1]!.items[0]!.id = 'ci-run'));
      expect(onlyIssue(RULES.itemIdsAreUnique, input)).toEqual({
        path: ['sections', 1, 'items', 0, 'id'],
        message: 'item id "ci-run" is already used in section "gates"',
      });
    });

    it('keeps naming the first section when an id is used three times', () => {
      const input = broken((t) => {
        t.sections[1]!.items[0]!.id = 'ci-run';
        t.sections.push({ id: 'verify', title: 'Verify', kind: 'verify', items: [{ id: 'ci-run', label: 'Again', at: 'T0' }] });
      });
      expect(RULES.itemIdsAreUnique(readOutline(input)).map((i) => i.message)).toEqual([
        'item id "ci-run" is already used in section "gates"',
        'item id "ci-run" is already used in section "gates"',
      ]);
    });

    it('refuses an item id used twice in one section', () => {
      const input = broken((t) => (t.sections[0]!.items[2]!.id = 'ci-run'));
      expect(onlyIssue(RULES.itemIdsAreUnique, input)).toMatchObject({ path: ['sections', 0, 'items', 2, 'id'] });
    });
  });

  describe('rolesAreDefined', () => {
    it.each([
      ['an approval', (t: Input) => (t.approvals[0]!.role = 'qa-lead'), ['approvals', 0, 'role']],
      ['the decider', (t: Input) => (t.decider = 'qa-lead'), ['decider']],
      ['a timeline mention', (t: Input) => t.timeline[0]!.mention.push('qa-lead'), ['timeline', 0, 'mention', 2]],
      ['a section owner', (t: Input) => ((t.sections[1] as { owner?: string }).owner = 'qa-lead'), ['sections', 1, 'owner']],
    ])('refuses an unknown role in %s', (_where, change, path) => {
      expect(onlyIssue(RULES.rolesAreDefined, broken(change))).toEqual({ path, message: 'role "qa-lead" is not defined under roles' });
    });

    it('does not mistake an object property for a role', () => {
      const input = broken((t) => (t.decider = 'constructor'));
      expect(onlyIssue(RULES.rolesAreDefined, input)).toMatchObject({ path: ['decider'] });
    });

    it('reports every reference when there are no roles at all', () => {
      const input = broken((t) => delete (t as { roles?: unknown }).roles);
      expect(RULES.rolesAreDefined(readOutline(input)).map((i) => i.path)).toEqual([
        ['approvals', 0, 'role'],
        ['decider'],
        ['timeline', 0, 'mention', 0],
        ['timeline', 0, 'mention', 1],
        ['timeline', 1, 'mention', 0],
      ]);
    });
  });

  describe('recordTargetsExist', () => {
    it.each(['run_id', 'sha'] as const)('refuses a probe that records its %s into an item that does not exist', (key) => {
      const input = broken((t) => (ciRecords(t)[key] = 'nope'));
      expect(onlyIssue(RULES.recordTargetsExist, input)).toEqual({
        path: ['sections', 0, 'items', 2, 'probe', 'records', key],
        message: 'item "nope" does not exist',
      });
    });

    it('accepts a target in a later section', () => {
      const input = broken((t) => (ciRecords(t).sha = 'deployed'));
      expect(issuesOf(input)).toEqual([]);
    });
  });

  describe('repeatEndsAfterStart', () => {
    it.each(['T+1h', 'T+30m', 'T-1d'])('refuses repeat.until %s when at is T+1h', (until) => {
      const input = broken((t) => (t.timeline[1]!.repeat!.until = until));
      expect(onlyIssue(RULES.repeatEndsAfterStart, input)).toEqual({
        path: ['timeline', 1, 'repeat', 'until'],
        message: 'must be later than at (T+1h)',
      });
    });

    it('compares times, not text: T+60m is not later than T+1h', () => {
      const input = broken((t) => (t.timeline[1]!.repeat!.until = 'T+60m'));
      expect(onlyIssue(RULES.repeatEndsAfterStart, input)).toMatchObject({ path: ['timeline', 1, 'repeat', 'until'] });
    });

    it('leaves a badly written until to the offset check', () => {
      const input = broken((t) => (t.timeline[1]!.repeat!.until = 'T+4x'));
      expect(RULES.repeatEndsAfterStart(readOutline(input))).toEqual([]);
      expect(issuesOf(input)).toEqual([{ path: ['timeline', 1, 'repeat', 'until'], message: expect.stringContaining('must be an offset like T-24h') }]);
    });
  });

  describe('repeatsAreBounded', () => {
    it('refuses a repeat that would fire more than 1000 times, saying how many', () => {
      const input = broken((t) => (t.timeline[1]!.repeat = { every: '1m', until: 'T+1d' }));
      expect(onlyIssue(RULES.repeatsAreBounded, input)).toEqual({
        path: ['timeline', 1, 'repeat', 'every'],
        message: 'repeats 1381 times from T+1h until T+1d; at most 1000: use a longer interval',
      });
    });

    it('refuses an interval of 0m at the interval itself', () => {
      const input = broken((t) => (t.timeline[1]!.repeat!.every = '0m'));
      expect(RULES.repeatsAreBounded(readOutline(input))).toEqual([]);
      expect(issuesOf(input)).toEqual([{ path: ['timeline', 1, 'repeat', 'every'], message: 'must be longer than 0m' }]);
    });
  });

  it('all run even when other keys are invalid, so an author sees every problem at once', () => {
    const input = broken((t) => {
      (t as { name?: unknown }).name = 42;
      t.sections[1]!.id = 'gates';
      t.decider = 'nobody';
      t.timeline[1]!.repeat!.until = 'T0';
    });
    expect(issuesOf(input).map((i) => i.path.join('.')).sort()).toEqual(['decider', 'name', 'sections.1.id', 'timeline.1.repeat.until']);
  });

  it.each([null, 42, 'text', [], { sections: 'x' }, { sections: [null, 7, { items: 5 }, { items: [null, { probe: 3 }] }] }, { timeline: [{ repeat: 1 }], roles: [] }])(
    'read any input without throwing: %j',
    (raw) => {
      expect(() => readOutline(raw)).not.toThrow();
      expect(checkRules(raw)).toEqual([]);
    },
  );
});

describe('blocksGoOnlyBeforeGo', () => {
  /** The valid template with a choice in its deploy section whose NO blocks GO, in that section's phase. */
  const withBlockingChoice = (phase: string | undefined) =>
    broken((t) => {
      const deploy = t.sections[1] as { phase?: string; items: unknown[] };
      if (phase) deploy.phase = phase;
      deploy.items.push({ id: 'restore-tested', label: 'Restore tested', choice: { options: [{ id: 'yes', label: 'YES' }, { id: 'no', label: 'NO', blocks_go: true }] } });
    });

  it.each([undefined, 'before-go'])('accepts an option that blocks GO in a before-go section (phase %s)', (phase) => {
    expect(issuesOf(withBlockingChoice(phase))).toEqual([]);
  });

  it.each(['after-go', 'if-no-go', 'on-rollback', 'reference'])('refuses one in a %s section, at the option', (phase) => {
    expect(onlyIssue(RULES.blocksGoOnlyBeforeGo, withBlockingChoice(phase))).toEqual({
      path: ['sections', 1, 'items', 1, 'choice', 'options', 1, 'blocks_go'],
      message: `option "no" blocks GO, but its section's phase is ${phase}: only a before-go section can block GO`,
    });
  });
});

describe('phases, blocking options, owners and the warning', () => {
  it('default to before-go, and refuse a phase that is not one of the five', () => {
    expect(templateSchema.parse(valid()).sections[0]!.phase).toBeUndefined();
    expect(templateSchema.parse(broken((t) => ((t.sections[1] as { phase?: string }).phase = 'on-rollback'))).sections[1]!.phase).toBe('on-rollback');
    const issues = issuesOf(broken((t) => ((t.sections[1] as { phase?: string }).phase = 'after-deploy')));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toEqual(['sections', 1, 'phase']);
  });

  it('refuses a choice whose every option blocks GO: it could never be settled', () => {
    const input = broken((t) =>
      t.sections[1]!.items.push({
        id: 'restore-tested',
        label: 'Restore tested',
        choice: { options: [{ id: 'no', label: 'NO', blocks_go: true }, { id: 'unknown', label: 'Unknown', blocks_go: true }] },
      } as never),
    );
    expect(issuesOf(input)).toEqual([
      { path: ['sections', 1, 'items', 1, 'choice', 'options'], message: 'at least one option must not block GO, or the item could never be settled' },
    ]);
  });

  it('takes a section owner that is a defined role, and a warning of plain text', () => {
    const parsed = templateSchema.parse(
      broken((t) => {
        (t.sections[0] as { owner?: string }).owner = 'on-call';
        (t as { warning?: string }).warning = '  DO NOT EXECUTE UNTIL STAGING IS FULLY VALIDATED ';
      }),
    );
    expect(parsed.sections[0]!.owner).toBe('on-call');
    expect(parsed.warning).toBe('DO NOT EXECUTE UNTIL STAGING IS FULLY VALIDATED');
    expect(issuesOf(broken((t) => ((t as { warning?: string }).warning = ' ')))).toMatchObject([{ path: ['warning'] }]);
  });
});

describe('environment', () => {
  it('is optional', () => {
    const parsed = templateSchema.parse(broken((t) => delete t.environment));
    expect(parsed.environment).toBeUndefined();
  });

  it('accepts a slug such as production', () => {
    expect(templateSchema.parse(valid()).environment).toBe('production');
    expect(templateSchema.parse(broken((t) => (t.environment = 'eu-staging-2'))).environment).toBe('eu-staging-2');
  });

  it.each(['Production', 'prod env', '', 'p'.repeat(41)])('refuses %j, saying what a slug is', (environment) => {
    expect(issuesOf(broken((t) => (t.environment = environment)))).toEqual([{ path: ['environment'], message: SLUG_RULE }]);
  });

  it('is reported at its line by the loader', () => {
    const source = 'name: Env\nenvironment: Prod\nsections:\n  - id: a\n    title: A\n    kind: notes\n';
    expect(parseTemplate('checklists/env.yml', source).problems).toEqual([{ file: 'checklists/env.yml', key: 'environment', line: 2, message: SLUG_RULE }]);
    expect(parseTemplate('checklists/env.yml', source.replace('Prod', 'production')).template?.environment).toBe('production');
  });
});

describe('approvals, binds and on_go', () => {
  type WithApprovals = Input & { approvals: Array<Record<string, unknown>>; on_go?: unknown };

  it('default an approval id to its role, with -after-deploy for that stage, and take required and binds', () => {
    const parsed = templateSchema.parse(
      broken((t) => {
        (t as WithApprovals).approvals = [
          { role: 'owner', label: 'Before', required: 2, binds: ['ci-sha'] },
          { role: 'owner', label: 'After', stage: 'after-deploy' },
        ];
      }),
    );
    expect(parsed.approvals.map((a) => [approvalId(a), a.required, a.binds])).toEqual([
      ['owner', 2, ['ci-sha']],
      ['owner-after-deploy', 1, []],
    ]);
    expect(parsed.separation).toEqual({ requester_may_approve: false, one_person_many_roles: false });
  });

  it('refuse two approvals with one id, at the second', () => {
    const input = broken((t) => ((t as WithApprovals).approvals = [{ role: 'owner', label: 'A' }, { role: 'owner', label: 'B' }]));
    expect(onlyIssue(RULES.approvalIdsAreUnique, input)).toEqual({
      path: ['approvals', 1],
      message: 'approval id "owner" is used twice: give each approval of the same role and stage its own id',
    });
  });

  it('refuse binding to an item that does not exist or has no value', () => {
    expect(onlyIssue(RULES.bindsNameValues, broken((t) => ((t as WithApprovals).approvals = [{ role: 'owner', label: 'A', binds: ['nope'] }])))).toEqual({
      path: ['approvals', 0, 'binds', 0],
      message: 'item "nope" does not exist',
    });
    expect(onlyIssue(RULES.bindsNameValues, broken((t) => ((t as WithApprovals).approvals = [{ role: 'owner', label: 'A', binds: ['ci-green'] }])))).toEqual({
      path: ['approvals', 0, 'binds', 0],
      message: 'item "ci-green" is a checkbox: an approval can only bind to a field or a choice',
    });
  });

  it('take a workflow dispatch whose inputs name the release and existing items, and refuse an unknown item', () => {
    const dispatch = { repo: 'acme/platform', workflow: 'housekeeping-prod-promotion.yml', inputs: { confirm: 'PROMOTE', sha: '{item:ci-sha}', tag: '{release}' } };
    const parsed = templateSchema.parse(broken((t) => ((t as WithApprovals).on_go = { dispatch })));
    expect(parsed.on_go?.dispatch).toEqual({ ...dispatch, ref: 'main' });
    const bad = broken((t) => ((t as WithApprovals).on_go = { dispatch: { ...dispatch, inputs: { sha: '{item:ci-shaa}' } } }));
    expect(onlyIssue(RULES.inputItemsExist, bad)).toEqual({ path: ['on_go', 'dispatch', 'inputs', 'sha'], message: '{item:ci-shaa}: item "ci-shaa" does not exist' });
    expect(issuesOf(broken((t) => ((t as WithApprovals).on_go = { dispatch: { ...dispatch, repo: 'platform' } })))).toMatchObject([
      { path: ['on_go', 'dispatch', 'repo'], message: 'must be owner/name, e.g. acme/platform' },
    ]);
  });
});

describe('timeline entries, decision points and holds', () => {
  /** The valid template with a decision point listing sections, shown in the channel, and a ramp of held steps. */
  type Loose = Omit<Input, 'timeline' | 'sections'> & {
    timeline: Array<Record<string, unknown> & { sections?: string[]; decision?: Record<string, unknown> & { escalate_to?: string[]; probes?: string[] } }>;
    sections: Array<{ id: string; title: string; kind: string; items: Array<Record<string, unknown> & { hold?: { for: string; checks?: string[] } }> }>;
  };
  function withTimeline(change: (t: Loose) => void = () => undefined): Input {
    const t = valid() as unknown as Loose;
    t.timeline.push({
      at: 'T+2m',
      say: 'Canary healthy?',
      sections: ['gates', 'deploy'],
      channel: true,
      decision: { continue: 'YES - Continue', rollback: 'NO - Rollback', escalate_after: '3m', escalate_to: ['on-call'], probes: ['ci-green'] },
    });
    t.sections.push({
      id: 'ramp',
      title: 'Ramp',
      kind: 'deploy',
      items: [
        { id: 'ramp-10', label: '10%', hold: { for: '30m', checks: ['ci-green', 'deployed'] } },
        { id: 'ramp-50', label: '50%', hold: { for: '1h' } },
        { id: 'ramp-100', label: '100%' },
      ],
    });
    change(t);
    return t as unknown as Input;
  }

  it('accept sections, a decision point with probes and escalation contacts, and holds that check existing items', () => {
    expect(issuesOf(withTimeline())).toEqual([]);
    expect(checkRules(withTimeline())).toEqual([]);
    const parsed = templateSchema.parse(withTimeline());
    expect(parsed.timeline[2]).toMatchObject({ sections: ['gates', 'deploy'], channel: true, decision: { escalate_after: '3m', escalate_to: ['on-call'], probes: ['ci-green'] } });
    expect(parsed.sections[2]!.items.map((i) => i.hold)).toEqual([{ for: '30m', checks: ['ci-green', 'deployed'] }, { for: '1h', checks: [] }, undefined]);
  });

  it('refuse a timeline entry naming a section that does not exist', () => {
    expect(onlyIssue(RULES.timelineNamesExist, withTimeline((t) => (t.timeline[2]!.sections = ['gates', 'verify'])))).toEqual({
      path: ['timeline', 2, 'sections', 1],
      message: 'section "verify" does not exist',
    });
  });

  it('refuse a timeline entry naming an item where a section belongs', () => {
    expect(onlyIssue(RULES.timelineNamesExist, withTimeline((t) => (t.timeline[2]!.sections = ['ci-green'])))).toEqual({
      path: ['timeline', 2, 'sections', 0],
      message: 'section "ci-green" does not exist',
    });
  });

  it('refuse a decision point showing the probe of an item that does not exist', () => {
    expect(onlyIssue(RULES.timelineNamesExist, withTimeline((t) => (t.timeline[2]!.decision!.probes = ['ci-green', 'canary'])))).toEqual({
      path: ['timeline', 2, 'decision', 'probes', 1],
      message: 'item "canary" does not exist',
    });
  });

  it('refuse a hold checking an item that does not exist', () => {
    expect(onlyIssue(RULES.timelineNamesExist, withTimeline((t) => (t.sections[2]!.items[1]!.hold = { for: '1h', checks: ['canary'] })))).toEqual({
      path: ['sections', 2, 'items', 1, 'hold', 'checks', 0],
      message: 'item "canary" does not exist',
    });
  });

  it.each([
    ['the last item of a section of several', (t: Loose) => (t.sections[2]!.items[2]!.hold = { for: '10m' }), ['sections', 2, 'items', 2, 'hold']],
    ['the only item of a section, followed by another section', (t: Loose) => (t.sections[1]!.items[0]!.hold = { for: '10m' }), ['sections', 1, 'items', 0, 'hold']],
  ])('refuse a hold on %s', (_what, change, path) => {
    expect(onlyIssue(RULES.holdsHaveANextStep, withTimeline(change))).toEqual({
      path,
      message: 'the last item of a section has no next step to hold back: put the hold on the step before',
    });
  });

  it.each([
    ['on a step with a probe', (t: Loose) => (t.sections[2]!.items[0]!.probe = { type: 'http', url: 'https://status.example.org/health' }), ['sections', 2, 'items', 0, 'hold'], 'a hold belongs on a ramp step a person ticks'],
    ['holding back a field', (t: Loose) => (t.sections[2]!.items[1] = { id: 'ramp-50', label: '50%', field: { type: 'text' } }), ['sections', 2, 'items', 0, 'hold'], 'the step it holds back (ramp-50) must be one a person ticks'],
  ])('refuse a hold %s (holdsAreOnCheckSteps)', (_what, change, path, message) => {
    const issue = onlyIssue(RULES.holdsAreOnCheckSteps, withTimeline(change));
    expect(issue.path).toEqual(path);
    expect(issue.message).toContain(message);
  });

  it('refuse a decision point escalating to a role that is not defined (rolesAreDefined)', () => {
    expect(onlyIssue(RULES.rolesAreDefined, withTimeline((t) => (t.timeline[2]!.decision!.escalate_to = ['on-call', 'dba'])))).toEqual({
      path: ['timeline', 2, 'decision', 'escalate_to', 1],
      message: 'role "dba" is not defined under roles',
    });
  });
});

describe('the GitHub gate (github)', () => {
  type WithGithub = Omit<Input, "decider"> & { github?: Record<string, unknown>; decider?: string };
  /** A valid template gated by GitHub (`github` with `over`), changed by `change`; typed as the rules' input. */
  const gated = (over: Record<string, unknown>, change: (t: WithGithub) => void = () => {}): Input => {
    const t: WithGithub = { ...valid(), github: { repo: 'acme/platform', environment: 'production', channel: 'C0DEPLOYS', ...over } };
    change(t);
    return t as Input;
  };

  it('accepts a gate binding a sha field, with a decider', () => {
    expect(issuesOf(gated({ commit: 'ci-sha' }))).toEqual([]);
  });

  it('refuses a commit item that does not exist, or is a checkbox (githubGateNamesWhatExists)', () => {
    expect(onlyIssue(RULES.githubGateNamesWhatExists, gated({ commit: 'nope' }))).toEqual({ path: ['github', 'commit'], message: 'item "nope" does not exist' });
    expect(onlyIssue(RULES.githubGateNamesWhatExists, gated({ commit: 'deployed' })).message).toContain('is a checkbox');
  });

  it('refuses a gate that starts promotions with nobody to decide GO, and accepts it with promotion: join', () => {
    const issue = onlyIssue(RULES.githubGateNamesWhatExists, gated({}, (t) => delete t.decider));
    expect(issue).toEqual({ path: ['github'], message: expect.stringContaining('name a `decider` role, or set `promotion: join`') });
    expect(issuesOf(gated({ promotion: 'join' }, (t) => delete t.decider))).toEqual([]);
  });

  it('refuses a release name that every run would share, and a channel name instead of its id', () => {
    expect(issuesOf(gated({ release: 'production' })).map((i) => i.path)).toEqual([['github', 'release']]);
    expect(issuesOf(gated({ channel: '#deploys' })).map((i) => i.path)).toEqual([['github', 'channel']]);
  });
});
