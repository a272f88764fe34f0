import { z } from 'zod';
import { slugSchema } from '../../names.js';
import { probeCommon } from './common.js';

export const githubActions = z
  .object({
    type: z.literal('github-actions'),
    ...probeCommon,
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name').optional(),
    workflow: z.string().min(1),
    branch: z.string().min(1).default('main'),
    /** Field item ids that receive the run id and head SHA as evidence. */
    records: z.object({ run_id: slugSchema.optional(), sha: slugSchema.optional() }).strict().optional(),
  })
  .strict();


