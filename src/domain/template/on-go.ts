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
      })
      .strict()
      .optional(),
  })
  .strict()
  .optional();

export type OnGo = z.output<typeof onGoSchema>;
