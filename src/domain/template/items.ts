import { z } from 'zod';
import { slugSchema } from '../names.js';
import { probeSpecSchema } from './probes.js';
import { holdSchema, offsetSchema } from './timeline.js';

// Lengths are Slack's: an item label is a checkbox option's text (75 chars), a section title a header (150).

export const FIELD_TYPES = ['text', 'sha', 'number', 'url', 'datetime', 'user', 'ticket', 'path'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

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

/**
 * When a section's items are worked on, relative to the GO decision. Only the phases in play count toward progress
 * and can be worked (see `phasesInPlay` in src/domain/promotion.ts); the others are shown as what comes later, or as a
 * plan to follow if it comes to that (a NO-GO, a rollback), or as reference.
 */
export const PHASES = ['before-go', 'after-go', 'if-no-go', 'on-rollback', 'reference'] as const;
export type Phase = (typeof PHASES)[number];
/** The phase of a section that names none: everything is work before GO unless the author says otherwise. */
export const DEFAULT_PHASE: Phase = 'before-go';

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

const fieldSpecSchema = z
  .object({
    type: z.enum(FIELD_TYPES),
    /** A regular expression the value must match (anchored by the author), e.g. a ticket format. */
    pattern: z.string().max(200).refine(compiles, 'is not a valid regular expression').optional(),
    /**
     * The expected value in words, e.g. "a change ticket such as CHG-1234": shown under the input and in the error
     * for a value that does not match, instead of the pattern (people are never shown a regular expression).
     */
    description: z.string().trim().min(1).max(150).optional(),
    /** Shown after a number, e.g. `GB` or `minutes`. */
    unit: z.string().max(20).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    placeholder: z.string().max(150).optional(),
  })
  .strict();

const choiceOptionSchema = z
  .object({
    id: slugSchema,
    label: z.string().min(1).max(75),
    /** Choosing this option blocks GO (e.g. "Restore tested: NO"): the item does not count as settled while it is chosen. */
    blocks_go: z.boolean().optional(),
  })
  .strict();

const choiceSpecSchema = z
  .object({
    options: z
      .array(choiceOptionSchema)
      .min(2)
      .max(10)
      .refine((opts) => new Set(opts.map((o) => o.id)).size === opts.length, 'option ids must be unique')
      .refine((opts) => opts.some((o) => !o.blocks_go), 'at least one option must not block GO, or the item could never be settled'),
  })
  .strict();

const itemSchema = z
  .object({
    id: slugSchema,
    label: z.string().min(1).max(75),
    /** A short line shown under the label while the item is open (a checkbox option description: 75 chars). */
    hint: z.string().max(75).optional(),
    field: fieldSpecSchema.optional(),
    choice: choiceSpecSchema.optional(),
    /** When in the window this item is due: still open then, it is called out in the thread. */
    at: offsetSchema.optional(),
    /** A ramp step: after it is ticked, the next item waits this long (see holdSchema). */
    hold: holdSchema,
    probe: probeSpecSchema.optional(),
  })
  .strict()
  .refine((i) => !(i.field && i.choice), { message: 'an item is a field or a choice, not both', path: ['field'] })
  .refine((i) => !(i.probe && (i.field || i.choice)), {
    message: 'a probe belongs on a check item, not on a field or a choice',
    path: ['probe'],
  });

const sectionSchema = z
  .object({
    id: slugSchema,
    title: z.string().min(1).max(140),
    kind: z.enum(SECTION_KINDS),
    /**
     * When its items are worked on; before-go when not given. Read it with `phaseOf`, never directly: a promotion stores
     * its template as it was when it started, and templates stored before phases existed have none.
     */
    phase: z.enum(PHASES).optional(),
    /** The role that works this section: the overview names its people when the section is next. */
    owner: slugSchema.optional(),
    /** Markdown shown at the top of the section's message: commands, expected results, context. */
    notes: z.string().max(2900).optional(),
    items: z.array(itemSchema).max(60).default([]),
  })
  .strict();

export const sectionsSchema = z.array(sectionSchema).min(1).max(40);

/** Shown near the top of the overview, e.g. a runbook's "DO NOT EXECUTE UNTIL STAGING IS FULLY VALIDATED". Plain text. */
export const warningSchema = z.string().trim().min(1).max(300).optional();

export function phaseOf(section: { phase?: Phase | undefined }): Phase {
  return section.phase ?? DEFAULT_PHASE;
}
