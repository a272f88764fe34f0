import { z } from 'zod';
import { slugSchema } from './names.js';

/**
 * The checklist template: one YAML file in `checklists/` per runbook.
 *
 * The schema already has room for what later capabilities need (roles and approvers, timeline offsets,
 * probe specs, the rollback communication template, announcement channels) so that templates written
 * today need no rewriting when those capabilities arrive.
 *
 * Lengths are Slack's: an item label is a checkbox option's text (75 chars), a section title a header (150).
 */

const slug = slugSchema;

/**
 * `T-24h`, `T-5m`, `T0`, `T+2m`, `T+1d`: an offset from T0, the planned start of the deployment. The
 * maintenance window usually opens at T0, or earlier (`window.opens`).
 */
export const OFFSET_PATTERN = /^T(?:0|[+-]\d{1,4}[mhd])$/;
const offset = z.string().regex(OFFSET_PATTERN, 'must be an offset like T-24h, T-5m, T0, T+2m or T+1d');
const duration = z.string().regex(/^\d{1,4}[mhd]$/, 'must be a duration like 15m, 4h or 1d');

/** Environment variable names only: templates never hold secret values. */
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name like PGHOST_PROD');

export const FIELD_TYPES = ['text', 'sha', 'number', 'url', 'datetime', 'user', 'ticket', 'path'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

const fieldSpec = z
  .object({
    type: z.enum(FIELD_TYPES),
    /** A regular expression the value must match (anchored by the author), e.g. a ticket format. */
    pattern: z
      .string()
      .max(200)
      .refine((p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      }, 'is not a valid regular expression')
      .optional(),
    /** Shown after a number, e.g. `GB` or `minutes`. */
    unit: z.string().max(20).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    placeholder: z.string().max(150).optional(),
  })
  .strict();

const choiceOption = z
  .object({
    id: slug,
    label: z.string().min(1).max(75),
  })
  .strict();

const choiceSpec = z
  .object({
    options: z
      .array(choiceOption)
      .min(2)
      .max(10)
      .refine((opts) => new Set(opts.map((o) => o.id)).size === opts.length, 'option ids must be unique'),
  })
  .strict();

/** Read-only verification probes. Their runner arrives with a later capability; the specs are validated now. */
const probeSpec = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('github-actions'),
      repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name').optional(),
      workflow: z.string().min(1),
      branch: z.string().min(1).default('main'),
      /** Field item ids that receive the run id and head SHA as evidence. */
      records: z.object({ run_id: slug.optional(), sha: slug.optional() }).strict().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('postgres'),
      /** Name of the environment variable holding the connection string; never the string itself. */
      connection: envName,
      sql: z.string().min(1),
      expect: z
        .object({ rows: z.number().int().min(0).optional(), max_rows: z.number().int().min(0).optional() })
        .strict(),
      timeout: duration.default('5m').optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('http'),
      url: z.string().url(),
      expect_status: z.number().int().min(100).max(599).default(200),
    })
    .strict(),
  z
    .object({
      type: z.literal('cloudwatch'),
      namespace: z.string().min(1),
      metric: z.string().min(1),
      dimensions: z.record(z.string(), z.string()).optional(),
      statistic: z.enum(['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount', 'p95', 'p99']).default('Average'),
      period: duration.default('5m'),
      window: duration.default('15m'),
      threshold: z.object({ op: z.enum(['<', '<=', '>', '>=']), value: z.number() }).strict(),
    })
    .strict(),
  z
    .object({
      type: z.literal('cloudwatch-alarms'),
      prefix: z.string().min(1),
      expect: z.enum(['OK']).default('OK'),
    })
    .strict(),
  z
    .object({
      type: z.literal('env'),
      /** The names must be set (and non-empty); their values are never read into evidence. */
      names: z.array(envName).min(1),
    })
    .strict(),
]);
export type ProbeSpec = z.infer<typeof probeSpec>;

const itemSchema = z
  .object({
    id: slug,
    label: z.string().min(1).max(75),
    /** A short line shown under the label while the item is open (a checkbox option description: 75 chars). */
    hint: z.string().max(75).optional(),
    field: fieldSpec.optional(),
    choice: choiceSpec.optional(),
    /** When in the window this item is due (used by reminders). */
    at: offset.optional(),
    probe: probeSpec.optional(),
  })
  .strict()
  .refine((i) => !(i.field && i.choice), { message: 'an item is a field or a choice, not both', path: ['field'] })
  .refine((i) => !(i.probe && (i.field || i.choice)), {
    message: 'a probe belongs on a check item, not on a field or a choice',
    path: ['probe'],
  });

export const SECTION_KINDS = [
  'gates',
  'safety',
  'change',
  'comms',
  'deploy',
  'monitor',
  'verify',
  'rollback',
  'signoff',
  'notes',
] as const;

const sectionSchema = z
  .object({
    id: slug,
    title: z.string().min(1).max(140),
    kind: z.enum(SECTION_KINDS),
    /** Markdown shown at the top of the section's message: commands, expected results, context. */
    notes: z.string().max(2900).optional(),
    items: z.array(itemSchema).max(60).default([]),
  })
  .strict();

const roleSchema = z
  .object({
    label: z.string().min(1).max(75),
    users: z.array(z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id like U012ABCDEF')).default([]),
    groups: z.array(z.string().regex(/^S[A-Z0-9]{2,}$/, 'must be a Slack user group id like S012ABCDEF')).default([]),
  })
  .strict();

const timelineEntry = z
  .object({
    at: offset,
    say: z.string().min(1).max(2000),
    /** Roles to mention. */
    mention: z.array(slug).default([]),
    /** Repeat every so often until the given offset (the seed's hourly checks). */
    repeat: z.object({ every: duration, until: offset }).strict().optional(),
  })
  .strict();

export const templateSchema = z
  .object({
    name: z.string().min(1).max(100),
    description: z.string().max(500).optional(),
    /** Which runbook(s) this template was written from. */
    source: z.string().max(200).optional(),
    roles: z.record(slug, roleSchema).default({}),
    approvals: z
      .array(
        z
          .object({
            role: slug,
            label: z.string().min(1).max(75),
            /** Approved before GO (default) or after the deployment (final sign-off). */
            stage: z.enum(['before-go', 'after-deploy']).default('before-go'),
          })
          .strict(),
      )
      .default([]),
    /** The role whose members press GO / NO-GO. */
    decider: slug.optional(),
    /** The maintenance window: how long it lasts, and when it opens relative to T0 (default at T0). */
    window: z
      .object({ duration: duration.default('30m'), opens: offset.default('T0') })
      .strict()
      .default({ duration: '30m', opens: 'T0' }),
    timeline: z.array(timelineEntry).default([]),
    announce: z.object({ channels: z.array(z.string().regex(/^[CG][A-Z0-9]{2,}$/)).default([]) }).strict().optional(),
    rollback: z
      .object({
        communication: z.object({ subject: z.string().min(1).max(150), body: z.string().min(1).max(2900) }).strict(),
        update_every: duration.default('15m'),
      })
      .strict()
      .optional(),
    sections: z.array(sectionSchema).min(1).max(40),
  })
  .strict()
  // Runs even when other keys are wrong, so an author sees every problem at once; hence the defensive reads.
  .superRefine(crossCheck, { when: (payload) => typeof payload.value === 'object' && payload.value !== null });

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const field = (v: unknown, key: string): unknown => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined);

/** What one key cannot say alone: ids unique across sections, roles that exist, probe targets that exist. */
function crossCheck(t: unknown, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const sectionIds = new Set<unknown>();
  const itemIds = new Map<unknown, unknown>();
  list(field(t, 'sections')).forEach((s, si) => {
    const sid = field(s, 'id');
    if (sectionIds.has(sid)) issue(['sections', si, 'id'], `section id "${String(sid)}" is used twice`);
    sectionIds.add(sid);
    list(field(s, 'items')).forEach((item, ii) => {
      const id = field(item, 'id');
      if (itemIds.has(id)) issue(['sections', si, 'items', ii, 'id'], `item id "${String(id)}" is already used in section "${String(itemIds.get(id))}"`);
      itemIds.set(id, sid);
    });
  });
  const roles = field(t, 'roles');
  const checkRole = (role: unknown, path: (string | number)[]) => {
    if (typeof role === 'string' && !(roles && typeof roles === 'object' && role in roles)) {
      issue(path, `role "${role}" is not defined under roles`);
    }
  };
  list(field(t, 'approvals')).forEach((a, i) => checkRole(field(a, 'role'), ['approvals', i, 'role']));
  checkRole(field(t, 'decider'), ['decider']);
  list(field(t, 'timeline')).forEach((e, i) => list(field(e, 'mention')).forEach((r, j) => checkRole(r, ['timeline', i, 'mention', j])));
  list(field(t, 'sections')).forEach((s, si) =>
    list(field(s, 'items')).forEach((item, ii) => {
      const records = field(field(item, 'probe'), 'records');
      for (const key of ['run_id', 'sha']) {
        const target = field(records, key);
        if (typeof target === 'string' && !itemIds.has(target)) {
          issue(['sections', si, 'items', ii, 'probe', 'records', key], `item "${target}" does not exist`);
        }
      }
    }),
  );
}

export type TemplateInput = z.input<typeof templateSchema>;
export type TemplateBody = z.output<typeof templateSchema>;
export type Section = TemplateBody['sections'][number];
export type Item = Section['items'][number];
export type FieldSpec = NonNullable<Item['field']>;
export type ChoiceSpec = NonNullable<Item['choice']>;

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

export function findItem(t: Pick<Template, 'sections'>, itemId: string): { section: Section; item: Item } | undefined {
  for (const section of t.sections) {
    const item = section.items.find((i) => i.id === itemId);
    if (item) return { section, item };
  }
  return undefined;
}
