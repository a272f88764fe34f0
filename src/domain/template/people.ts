import { z } from 'zod';
import { slugSchema } from '../names.js';

const roleSchema = z
  .object({
    label: z.string().min(1).max(75),
    users: z.array(z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id like U012ABCDEF')).default([]),
    groups: z.array(z.string().regex(/^S[A-Z0-9]{2,}$/, 'must be a Slack user group id like S012ABCDEF')).default([]),
  })
  .strict();

/** Keyed by role id, the name approvals, the decider and timeline mentions refer to. */
export const rolesSchema = z.record(slugSchema, roleSchema).default({});

const approvalSchema = z
  .object({
    role: slugSchema,
    label: z.string().min(1).max(75),
    /** Approved before GO (default) or after the deployment (final sign-off). */
    stage: z.enum(['before-go', 'after-deploy']).default('before-go'),
  })
  .strict();

export const approvalsSchema = z.array(approvalSchema).default([]);

/** The role whose members press GO / NO-GO. */
export const deciderSchema = slugSchema.optional();
