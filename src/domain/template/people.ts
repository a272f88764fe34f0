import { z } from 'zod';
import { slugSchema } from '../names.js';

export const USER_ID = /^[UW][A-Z0-9]{2,}$/;
export const GROUP_ID = /^S[A-Z0-9]{2,}$/;

const roleSchema = z
  .object({
    label: z.string().min(1).max(75),
    /**
     * Who holds the role: Slack user ids and user group ids (a group's members are read at the moment of a click).
     * Both empty means nobody can act for the role yet; the approvals panel says how to configure it.
     */
    users: z.array(z.string().regex(USER_ID, 'must be a Slack user id like U012ABCDEF')).default([]),
    groups: z.array(z.string().regex(GROUP_ID, 'must be a Slack user group id like S012ABCDEF')).default([]),
  })
  .strict();

/** Keyed by role id, the name approvals, the decider and timeline mentions refer to. */
export const rolesSchema = z.record(slugSchema, roleSchema).default({});

const approvalSchema = z
  .object({
    /** Names the approval in buttons and stored records; defaults to the role id, with `-after-deploy` for that stage. */
    id: slugSchema.optional(),
    role: slugSchema,
    label: z.string().min(1).max(75),
    /** Approved before GO (default) or after the deployment (final sign-off, before Complete). */
    stage: z.enum(['before-go', 'after-deploy']).default('before-go'),
    /** How many different people of the role must approve (N of the role's members). */
    required: z.number().int().min(1).max(10).default(1),
    /**
     * The items (fields and choices) whose values the approval covers, e.g. the commit SHA or the image digest: an
     * approval is given for those values (and the template), and becomes void when one of them changes.
     */
    binds: z.array(slugSchema).max(10).default([]),
  })
  .strict();

export const approvalsSchema = z.array(approvalSchema).default([]);

/** The id an approval is known by: as written, else its role (with `-after-deploy` for that stage). */
export function approvalId(a: { id?: string | undefined; role: string; stage: 'before-go' | 'after-deploy' }): string {
  return a.id ?? (a.stage === 'after-deploy' ? `${a.role}-after-deploy` : a.role);
}

/** The role whose members press GO / NO-GO. */
export const deciderSchema = slugSchema.optional();

/**
 * Separation of duties, on unless a template turns it off: whoever started the promotion does not approve it, and
 * one person does not approve for two roles of one promotion. (Approving twice for one role counts once, always.)
 */
export const separationSchema = z
  .object({
    requester_may_approve: z.boolean().default(false),
    one_person_many_roles: z.boolean().default(false),
  })
  .strict()
  .default({ requester_may_approve: false, one_person_many_roles: false });
