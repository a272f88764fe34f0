import { countOccurrences, MAX_OCCURRENCES, OffsetError, readOffset } from '../offsets.js';
import { INPUT_PLACEHOLDER } from './on-go.js';
import { approvalId } from './people.js';

/**
 * What one key cannot say alone: ids unique across sections, roles and probe targets that exist, repeats that
 * end. These read an outline of the raw input rather than the parsed template, because they must run even when
 * other keys are invalid: an author fixing a file should see every problem in one run.
 */

export type KeyPath = (string | number)[];
export interface Issue {
  path: KeyPath;
  message: string;
}

/** A string found in the input, and where, so an issue about it points at the right line. */
export interface Located {
  value: string;
  path: KeyPath;
}

export interface ItemOutline {
  id?: Located;
  /** A field or a choice: something with a value an approval can bind to. */
  hasValue: boolean;
  /** The item ids a probe's `records` writes evidence to. */
  records: Located[];
  /** The ids of a choice's options marked `blocks_go: true`. */
  blocksGo: Located[];
  /** A ramp step's hold: the items to check before the next step. */
  holdChecks: Located[];
  /** It has a probe, which can tick and untick it by itself. */
  hasProbe: boolean;
  /** Where its `hold` key is, if it has one. */
  hold?: Located;
}

export interface SectionOutline {
  id?: Located;
  /** As written; absent means before-go. */
  phase?: Located;
  items: ItemOutline[];
}

export interface TimelineOutline {
  at?: Located;
  every?: Located;
  until?: Located;
  /** The sections it lists the open items of. */
  sections: Located[];
  /** The items whose probe results a decision point shows. */
  probes: Located[];
}

export interface Outline {
  sections: SectionOutline[];
  /** Role ids defined under `roles`. */
  roles: ReadonlySet<string>;
  /** Every place a role is named: approvals, the decider, timeline mentions, section owners. */
  roleRefs: Located[];
  timeline: TimelineOutline[];
  approvals: ApprovalOutline[];
  /** The items named in `on_go.dispatch.inputs` placeholders (`{item:<id>}`). */
  inputItems: Located[];
  /** The sections each rollback path names. */
  rollbackSections: Located[];
  /** The GitHub gate's `commit` item, and where the gate is when it may start promotions (no person starts them). */
  github?: { commit?: Located; starts?: Located; decider: boolean };
}

export interface ApprovalOutline {
  /** As written, or the default (role, or role-after-deploy), located at the approval. */
  id?: Located;
  binds: Located[];
}

export type Rule = (outline: Outline) => Issue[];

type Raw = Record<string, unknown>;
const isRaw = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const keyOf = (v: unknown, key: string): unknown => (isRaw(v) ? v[key] : undefined);
const listAt = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const textAt = (v: unknown, path: KeyPath): Located | undefined => (typeof v === 'string' ? { value: v, path } : undefined);
const defined = <T>(v: T | undefined): v is T => v !== undefined;

/** Reads what the rules need from any input at all; whatever has the wrong shape is simply left out. */
export function readOutline(raw: unknown): Outline {
  const roles = keyOf(raw, 'roles');
  return {
    sections: listAt(keyOf(raw, 'sections')).map(readSection),
    // Own keys only: `decider: constructor` must not pass because every object has a constructor.
    roles: new Set(isRaw(roles) ? Object.keys(roles) : []),
    roleRefs: readRoleRefs(raw),
    timeline: listAt(keyOf(raw, 'timeline')).map(readTimelineEntry),
    approvals: listAt(keyOf(raw, 'approvals')).map(readApproval),
    inputItems: readInputItems(raw),
    rollbackSections: listAt(keyOf(keyOf(raw, 'rollback'), 'paths')).flatMap((p, i) =>
      listAt(keyOf(p, 'sections')).map((v, j) => textAt(v, ['rollback', 'paths', i, 'sections', j])).filter(defined),
    ),
    ...(isRaw(keyOf(raw, 'github')) ? { github: readGithub(raw) } : {}),
  };
}

function readGithub(raw: unknown): NonNullable<Outline['github']> {
  const github = keyOf(raw, 'github');
  const mode = keyOf(github, 'promotion');
  return {
    commit: textAt(keyOf(github, 'commit'), ['github', 'commit']),
    ...(mode === undefined || mode === 'join-or-start' ? { starts: { value: 'github', path: ['github'] } } : {}),
    decider: typeof keyOf(raw, 'decider') === 'string',
  };
}

function readApproval(a: unknown, i: number): ApprovalOutline {
  const written = textAt(keyOf(a, 'id'), ['approvals', i, 'id']);
  const role = keyOf(a, 'role');
  const id = written ?? (typeof role === 'string' ? { value: approvalId({ role, stage: keyOf(a, 'stage') === 'after-deploy' ? 'after-deploy' : 'before-go' }), path: ['approvals', i] } : undefined);
  return { id, binds: listAt(keyOf(a, 'binds')).map((b, j) => textAt(b, ['approvals', i, 'binds', j])).filter(defined) };
}

function readInputItems(raw: unknown): Located[] {
  const inputs = keyOf(keyOf(keyOf(raw, 'on_go'), 'dispatch'), 'inputs');
  if (!isRaw(inputs)) return [];
  return Object.entries(inputs).flatMap(([name, value]) =>
    typeof value !== 'string'
      ? []
      : [...value.matchAll(INPUT_PLACEHOLDER)].flatMap((m) => (m[1]!.startsWith('item:') ? [{ value: m[1]!.slice(5), path: ['on_go', 'dispatch', 'inputs', name] }] : [])),
  );
}

function readSection(section: unknown, si: number): SectionOutline {
  return {
    id: textAt(keyOf(section, 'id'), ['sections', si, 'id']),
    phase: textAt(keyOf(section, 'phase'), ['sections', si, 'phase']),
    items: listAt(keyOf(section, 'items')).map((item, ii): ItemOutline => {
      const path = ['sections', si, 'items', ii];
      const records = keyOf(keyOf(item, 'probe'), 'records');
      const options = listAt(keyOf(keyOf(item, 'choice'), 'options'));
      return {
        id: textAt(keyOf(item, 'id'), [...path, 'id']),
        hasValue: keyOf(item, 'field') !== undefined || keyOf(item, 'choice') !== undefined,
        records: Object.keys(isRaw(records) ? records : {})
          .map((key) => textAt(keyOf(records, key), [...path, 'probe', 'records', key]))
          .filter(defined),
        blocksGo: options
          .map((o, oi) => (keyOf(o, 'blocks_go') === true ? textAt(keyOf(o, 'id'), [...path, 'choice', 'options', oi, 'blocks_go']) : undefined))
          .filter(defined),
        holdChecks: listAt(keyOf(keyOf(item, 'hold'), 'checks')).map((c, ci) => textAt(c, [...path, 'hold', 'checks', ci])).filter(defined),
        hasProbe: keyOf(item, 'probe') !== undefined,
        ...(keyOf(item, 'hold') !== undefined ? { hold: { value: 'hold', path: [...path, 'hold'] } } : {}),
      };
    }),
  };
}

function readRoleRefs(raw: unknown): Located[] {
  return [
    ...listAt(keyOf(raw, 'approvals')).map((a, i) => textAt(keyOf(a, 'role'), ['approvals', i, 'role'])),
    textAt(keyOf(raw, 'decider'), ['decider']),
    ...listAt(keyOf(raw, 'timeline')).flatMap((e, i) => listAt(keyOf(e, 'mention')).map((r, j) => textAt(r, ['timeline', i, 'mention', j]))),
    ...listAt(keyOf(raw, 'timeline')).flatMap((e, i) =>
      listAt(keyOf(keyOf(e, 'decision'), 'escalate_to')).map((r, j) => textAt(r, ['timeline', i, 'decision', 'escalate_to', j])),
    ),
    ...(['may', 'contacts', 'acknowledge'] as const).flatMap((key) =>
      listAt(keyOf(keyOf(raw, 'rollback'), key)).map((r, j) => textAt(r, ['rollback', key, j])),
    ),
    ...listAt(keyOf(raw, 'sections')).map((s, i) => textAt(keyOf(s, 'owner'), ['sections', i, 'owner'])),
  ].filter(defined);
}

function readTimelineEntry(entry: unknown, i: number): TimelineOutline {
  const repeat = keyOf(entry, 'repeat');
  return {
    at: textAt(keyOf(entry, 'at'), ['timeline', i, 'at']),
    every: textAt(keyOf(repeat, 'every'), ['timeline', i, 'repeat', 'every']),
    until: textAt(keyOf(repeat, 'until'), ['timeline', i, 'repeat', 'until']),
    sections: listAt(keyOf(entry, 'sections')).map((v, j) => textAt(v, ['timeline', i, 'sections', j])).filter(defined),
    probes: listAt(keyOf(keyOf(entry, 'decision'), 'probes')).map((v, j) => textAt(v, ['timeline', i, 'decision', 'probes', j])).filter(defined),
  };
}

export const sectionIdsAreUnique: Rule = ({ sections }) => {
  const seen = new Set<string>();
  return sections.flatMap(({ id }) => {
    if (!id) return [];
    if (seen.has(id.value)) return [{ path: id.path, message: `section id "${id.value}" is used twice` }];
    seen.add(id.value);
    return [];
  });
};

/** Item ids name items in actions and stored state, so they must be unique across the whole template. */
export const itemIdsAreUnique: Rule = ({ sections }) => {
  const firstSection = new Map<string, string>();
  return sections.flatMap((section, si) =>
    section.items.flatMap(({ id }) => {
      if (!id) return [];
      const first = firstSection.get(id.value);
      if (first !== undefined) return [{ path: id.path, message: `item id "${id.value}" is already used in ${first}` }];
      firstSection.set(id.value, section.id ? `section "${section.id.value}"` : `sections[${si}]`);
      return [];
    }),
  );
};

export const rolesAreDefined: Rule = ({ roles, roleRefs }) =>
  roleRefs.filter((ref) => !roles.has(ref.value)).map((ref) => ({ path: ref.path, message: `role "${ref.value}" is not defined under roles` }));

export const recordTargetsExist: Rule = ({ sections }) => {
  const items = new Set(sections.flatMap((s) => s.items.flatMap((i) => (i.id ? [i.id.value] : []))));
  return sections.flatMap((s) =>
    s.items.flatMap((i) => i.records.filter((r) => !items.has(r.value)).map((r) => ({ path: r.path, message: `item "${r.value}" does not exist` }))),
  );
};

/** An `until` at or before `at` is a typo; it would fire once, silently, instead of repeating. */
export const repeatEndsAfterStart: Rule = ({ timeline }) =>
  timeline.flatMap(({ at, until }) => {
    if (!at || !until) return [];
    const start = readOffset(at.value);
    const end = readOffset(until.value);
    if (!start.ok || !end.ok || end.ms > start.ms) return [];
    return [{ path: until.path, message: `must be later than at (${at.value})` }];
  });

/** A repeat the scheduler would refuse must fail when the template loads, not at T0. */
export const repeatsAreBounded: Rule = ({ timeline }) =>
  timeline.flatMap(({ at, every, until }) => {
    if (!at || !every || !until) return [];
    let count: number;
    try {
      count = countOccurrences({ at: at.value, repeat: { every: every.value, until: until.value } });
    } catch (err) {
      // Bad syntax, a zero interval or a backwards range: each is reported at its own key by another check.
      if (err instanceof OffsetError) return [];
      throw err;
    }
    if (count <= MAX_OCCURRENCES) return [];
    return [{ path: every.path, message: `repeats ${count} times from ${at.value} until ${until.value}; at most ${MAX_OCCURRENCES}: use a longer interval` }];
  });

/**
 * GO is decided once, before the deployment: an option that "blocks GO" in a section worked after GO (or only on a
 * NO-GO, a rollback, or for reference) could never block anything, so the author meant something else.
 */
export const blocksGoOnlyBeforeGo: Rule = ({ sections }) =>
  sections.flatMap(({ phase, items }) => {
    if (!phase || phase.value === 'before-go') return [];
    return items.flatMap((i) =>
      i.blocksGo.map((o) => ({
        path: o.path,
        message: `option "${o.value}" blocks GO, but its section's phase is ${phase.value}: only a before-go section can block GO`,
      })),
    );
  });

/** Two approvals with one id could not be told apart (two approvals of one role and stage need an `id` each). */
export const approvalIdsAreUnique: Rule = ({ approvals }) => {
  const seen = new Set<string>();
  return approvals.flatMap(({ id }) => {
    if (!id) return [];
    if (!seen.has(id.value)) {
      seen.add(id.value);
      return [];
    }
    return [{ path: id.path, message: `approval id "${id.value}" is used twice: give each approval of the same role and stage its own id` }];
  });
};

/** An approval binds to values: the items it names must exist and have one (a field or a choice). */
export const bindsNameValues: Rule = ({ sections, approvals }) => {
  const items = new Map(sections.flatMap((s) => s.items.flatMap((i) => (i.id ? [[i.id.value, i] as const] : []))));
  return approvals.flatMap(({ binds }) =>
    binds.flatMap((b) => {
      const item = items.get(b.value);
      if (!item) return [{ path: b.path, message: `item "${b.value}" does not exist` }];
      if (!item.hasValue) return [{ path: b.path, message: `item "${b.value}" is a checkbox: an approval can only bind to a field or a choice` }];
      return [];
    }),
  );
};

export const inputItemsExist: Rule = ({ sections, inputItems }) => {
  const items = new Set(sections.flatMap((s) => s.items.flatMap((i) => (i.id ? [i.id.value] : []))));
  return inputItems.filter((i) => !items.has(i.value)).map((i) => ({ path: i.path, message: `{item:${i.value}}: item "${i.value}" does not exist` }));
};

/** The timeline's sections, a decision point's probe items and a hold's checks name what exists. */
export const timelineNamesExist: Rule = ({ sections, timeline }) => {
  const sectionIds = new Set(sections.flatMap((s) => (s.id ? [s.id.value] : [])));
  const itemIds = new Set(sections.flatMap((s) => s.items.flatMap((i) => (i.id ? [i.id.value] : []))));
  return [
    ...timeline.flatMap((e) => e.sections.filter((s) => !sectionIds.has(s.value)).map((s) => ({ path: s.path, message: `section "${s.value}" does not exist` }))),
    ...timeline.flatMap((e) => e.probes.filter((p) => !itemIds.has(p.value)).map((p) => ({ path: p.path, message: `item "${p.value}" does not exist` }))),
    ...sections.flatMap((s) => s.items.flatMap((i) => i.holdChecks.filter((c) => !itemIds.has(c.value)).map((c) => ({ path: c.path, message: `item "${c.value}" does not exist` })))),
  ];
};

/** A hold is what comes between one ramp step and the next: the last item of a section has no next step to hold. */
export const holdsHaveANextStep: Rule = ({ sections }) =>
  sections.flatMap((s) => {
    const last = s.items.at(-1);
    return last?.hold ? [{ path: last.hold.path, message: 'the last item of a section has no next step to hold back: put the hold on the step before' }] : [];
  });

/**
 * A ramp is moved on by a person ticking its steps: the step with the hold and the step it holds back are plain checks.
 * A field or a choice is never "ticked", and a probe would tick or untick a step by itself, past the hold.
 */
export const holdsAreOnCheckSteps: Rule = ({ sections }) =>
  sections.flatMap((s) =>
    s.items.flatMap((item, i) => {
      if (!item.hold) return [];
      const next = s.items[i + 1];
      const plain = (x: ItemOutline | undefined) => !x || (!x.hasValue && !x.hasProbe);
      if (!plain(item)) return [{ path: item.hold.path, message: 'a hold belongs on a ramp step a person ticks: not on a field, a choice or an item with a probe' }];
      if (!plain(next)) return [{ path: item.hold.path, message: `the step it holds back (${next?.id?.value ?? 'the next item'}) must be one a person ticks: not a field, a choice or an item with a probe` }];
      return [];
    }),
  );

/** A rollback path's steps are an on-rollback section's: it opens when the rollback starts. */
export const rollbackPathsNameRollbackSections: Rule = ({ sections, rollbackSections }) => {
  const phases = new Map(sections.flatMap((s) => (s.id ? [[s.id.value, s.phase?.value ?? 'before-go'] as const] : [])));
  return rollbackSections.flatMap((ref) => {
    const phase = phases.get(ref.value);
    if (phase === undefined) return [{ path: ref.path, message: `section "${ref.value}" does not exist` }];
    if (phase !== 'on-rollback') return [{ path: ref.path, message: `section "${ref.value}" is ${phase}: a rollback path's steps are in an on-rollback section` }];
    return [];
  });
};

/**
 * The GitHub gate's `commit` is a field that takes the deployment's SHA; a promotion GitHub starts has no person who
 * started it, so someone must be named to decide GO.
 */
export const githubGateNamesWhatExists: Rule = ({ sections, github }) => {
  if (!github) return [];
  const issues: Issue[] = [];
  const commit = github.commit;
  if (commit) {
    const item = sections.flatMap((s) => s.items).find((i) => i.id?.value === commit.value);
    if (!item) issues.push({ path: commit.path, message: `item "${commit.value}" does not exist` });
    else if (!item.hasValue) issues.push({ path: commit.path, message: `item "${commit.value}" is a checkbox: the deployment's SHA goes into a field (type: sha)` });
  }
  if (github.starts && !github.decider) {
    issues.push({ path: github.starts.path, message: 'a promotion GitHub starts has nobody who started it to decide GO: name a `decider` role, or set `promotion: join`' });
  }
  return issues;
};

export const RULES = {
  sectionIdsAreUnique,
  itemIdsAreUnique,
  rolesAreDefined,
  recordTargetsExist,
  repeatEndsAfterStart,
  repeatsAreBounded,
  blocksGoOnlyBeforeGo,
  approvalIdsAreUnique,
  bindsNameValues,
  inputItemsExist,
  timelineNamesExist,
  holdsHaveANextStep,
  holdsAreOnCheckSteps,
  rollbackPathsNameRollbackSections,
  githubGateNamesWhatExists,
} satisfies Record<string, Rule>;

export function checkRules(raw: unknown): Issue[] {
  const outline = readOutline(raw);
  return Object.values(RULES).flatMap((rule) => rule(outline));
}
