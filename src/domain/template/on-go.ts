import { z } from 'zod';

/**
 * A workflow input may name the release and the value of an item, e.g. `{release}` or `{item:image-digest}`, filled
 * in when GO is pressed; anything else is sent as written.
 */
export const INPUT_PLACEHOLDER = /\{(release|item:[a-z0-9][a-z0-9-]{0,39})\}/g;

/** What GO does besides announcing it: dispatch a GitHub Actions workflow (the seed's `gh workflow run ... -f confirm=PROMOTE`). */
export const onGoSchema = z
  .object({
    dispatch: z
      .object({
        repo: z.string().regex(/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/, 'must be owner/name, e.g. acme/platform'),
        /** The workflow's file name (e.g. `housekeeping-prod-promotion.yml`) or its numeric id. */
        workflow: z.string().regex(/^([A-Za-z0-9._-]+\.ya?ml|[0-9]+)$/, 'must be a workflow file name (name.yml) or its id'),
        ref: z.string().min(1).max(255).default('main'),
        /** GitHub takes at most 25 inputs. */
        inputs: z
          .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,99}$/, 'is not a workflow input name'), z.string().max(1000))
          .refine((inputs) => Object.keys(inputs).length <= 24, 'at most 24 inputs (GitHub takes 25; Preflight adds one to find the run)')
          .default({}),
        /**
         * The name of a `workflow_dispatch` input the workflow declares and echoes in its `run-name` (e.g.
         * `preflight_run`, with `run-name: "Promote ${{ inputs.preflight_run }}"`). Preflight passes a unique id in it,
         * so it can find the run it started when GitHub does not say (GitHub Enterprise Server 3.20 and older) and
         * tell whether a dispatch whose answer was lost went through. GitHub refuses an input the workflow does not
         * declare (422), so it is never added unasked: without it the run may not be linked.
         */
        correlation_input: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,99}$/, 'is not a workflow input name')
          .optional(),
      })
      .strict()
      .refine((d) => d.correlation_input === undefined || !(d.correlation_input in d.inputs), {
        message: 'correlation_input must not also be one of inputs: Preflight fills it',
        path: ['correlation_input'],
      })
      .optional(),
  })
  .strict()
  .optional();

export type OnGo = z.output<typeof onGoSchema>;

export type OnGoDispatch = NonNullable<NonNullable<OnGo>['dispatch']>;

/** What `{release}` and `{item:<id>}` stand for when GO is pressed. */
export interface InputValues {
  release: string;
  /** The item's value (a field's text, a choice's option id), or null when it has none. */
  itemValue(itemId: string): string | null;
}

/**
 * The inputs as they are sent: every placeholder replaced by what it names (an item with no value by the empty
 * string, named in `empty`, so the caller can say so). Pure; the same values give the same inputs.
 */
export function resolveDispatchInputs(inputs: Readonly<Record<string, string>>, values: InputValues): { inputs: Record<string, string>; empty: string[] } {
  const empty = new Set<string>();
  const out: Record<string, string> = {};
  for (const [name, template] of Object.entries(inputs)) {
    out[name] = template.replace(INPUT_PLACEHOLDER, (_whole, what: string) => {
      if (what === 'release') return values.release;
      const id = what.slice('item:'.length);
      const value = values.itemValue(id);
      if (value === null || value === '') empty.add(id);
      return value ?? '';
    });
  }
  return { inputs: out, empty: [...empty] };
}
