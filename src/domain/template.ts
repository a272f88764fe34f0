import { z } from 'zod';
import { slugSchema } from './names.js';
import { sectionsSchema, warningSchema } from './template/items.js';
import { githubGateSchema } from './template/github.js';
import { onGoSchema } from './template/on-go.js';
import { approvalsSchema, deciderSchema, rolesSchema, separationSchema } from './template/people.js';
import { announceSchema, rollbackSchema } from './template/rollback.js';
import { checkRules } from './template/rules.js';
import { statuspageSchema } from './template/statuspage.js';
import { timelineSchema, windowSchema } from './template/timeline.js';

/**
 * The checklist template: one YAML file in `checklists/` per runbook. Each concern's keys live in `./template/`;
 * this module puts them together and is the one importers use.
 *
 * The schema already has room for what later capabilities need (roles and approvers, timeline offsets,
 * probe specs, the rollback communication template, announcement channels) so that templates written
 * today need no rewriting when those capabilities arrive.
 */

export { DEFAULT_PHASE, FIELD_TYPES, PHASES, phaseOf, SECTION_KINDS, type FieldType, type Phase } from './template/items.js';
export { type ProbeSpec } from './template/probes.js';
export { OFFSET_PATTERN } from './offsets.js';

export const templateSchema = z
  .object({
    name: z.string().min(1).max(100),
    description: z.string().max(500).optional(),
    /** Which runbook(s) this template was written from. */
    source: z.string().max(200).optional(),
    /**
     * The environment the promotion deploys to, e.g. `production`: at most one promotion is in progress per
     * environment (`/promote start <release> <template> --env <name>` overrides it for one run).
     */
    environment: slugSchema.optional(),
    warning: warningSchema,
    roles: rolesSchema,
    approvals: approvalsSchema,
    decider: deciderSchema,
    separation: separationSchema,
    on_go: onGoSchema,
    window: windowSchema,
    timeline: timelineSchema,
    announce: announceSchema,
    rollback: rollbackSchema,
    statuspage: statuspageSchema,
    github: githubGateSchema,
    sections: sectionsSchema,
  })
  .strict()
  // `when` lets the rules run even when other keys are invalid, so an author sees every problem at once; the value
  // is then not the typed output, which is why checkRules takes unknown.
  .superRefine(
    (value, ctx) => {
      for (const { path, message } of checkRules(value)) ctx.addIssue({ code: 'custom', path, message });
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

export type TemplateInput = z.input<typeof templateSchema>;
export type TemplateBody = z.output<typeof templateSchema>;
export type Section = TemplateBody['sections'][number];
export type Item = Section['items'][number];
export type FieldSpec = NonNullable<Item['field']>;
export type ChoiceSpec = NonNullable<Item['choice']>;
export type ApprovalSpec = TemplateBody['approvals'][number];
export type RoleSpec = TemplateBody['roles'][string];

/** A template as loaded: its id is the file name without `.yml`. */
export interface Template extends TemplateBody {
  id: string;
}

export type ItemKind = 'check' | 'field' | 'choice';
export function itemKind(item: Item): ItemKind {
  if (item.field) return 'field';
  if (item.choice) return 'choice';
  return 'check';
}

export function allItems(t: Pick<Template, 'sections'>): Item[] {
  return t.sections.flatMap((s) => s.items);
}

/**
 * Item ids to their sections, per frozen `sections` array: a promotion's template is read once per process and
 * frozen (src/store/promotions.ts), and a click looks its items up many times, so a busy checklist indexes it once.
 * A template that is not frozen (being built or edited) is searched every time.
 */
const itemIndexes = new WeakMap<readonly Section[], Map<string, { section: Section; item: Item }>>();

function itemIndex(sections: readonly Section[]): Map<string, { section: Section; item: Item }> | undefined {
  if (!Object.isFrozen(sections)) return undefined;
  let index = itemIndexes.get(sections);
  if (!index) {
    index = new Map();
    for (const section of sections) for (const item of section.items) if (!index.has(item.id)) index.set(item.id, { section, item });
    itemIndexes.set(sections, index);
  }
  return index;
}

export function findItem(t: Pick<Template, 'sections'>, itemId: string): { section: Section; item: Item } | undefined {
  const index = itemIndex(t.sections);
  if (index) return index.get(itemId);
  for (const section of t.sections) {
    const item = section.items.find((i) => i.id === itemId);
    if (item) return { section, item };
  }
  return undefined;
}
