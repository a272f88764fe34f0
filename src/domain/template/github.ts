import { z } from 'zod';
import { RELEASE_PATTERN } from '../names.js';

/**
 * The template as a GitHub deployment gate (issue 13): Preflight's GitHub App is a custom deployment protection rule
 * on `environment` of `repo`, and a workflow run waiting there opens or joins a promotion of this template in
 * `channel`. GO approves the waiting job; NO-GO, abort, rollback and the promotion's end reject it
 * (src/services/github-gate.ts).
 *
 * - `commit`: the field item that takes the deployment's SHA (a `sha` field, bound by approvals): an approval given
 *   for one commit is void once a run of another commit waits.
 * - `release`: the release a promotion GitHub starts is named, from `{ref}` (the deployment's branch or tag) and
 *   `{sha}` (its first 7 characters); a name that is not a valid release falls back to the short SHA.
 * - `promotion`: `join-or-start` (default) joins the active promotion of this template in the channel, or starts
 *   one; `join` only joins, and a job waiting while none is active joins the next one started.
 */
export const githubGateSchema = z
  .object({
    repo: z.string().regex(/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/, 'must be owner/name, e.g. acme/platform'),
    /** GitHub's environment name, as the workflow's job writes it (`environment: production`). */
    environment: z.string().min(1).max(255),
    channel: z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'must be a channel id such as C0123ABCD (in Slack: the channel\'s details, at the bottom)'),
    commit: z.string().optional(),
    release: z
      .string()
      .min(1)
      .max(64)
      .refine((r) => /\{(ref|sha)\}/.test(r), 'must contain {ref} or {sha}, or every run would name the same release')
      .default('{ref}'),
    promotion: z.enum(['join-or-start', 'join']).default('join-or-start'),
  })
  .strict()
  .optional();

export type GithubGateSpec = NonNullable<z.output<typeof githubGateSchema>>;

/** The release a promotion started for a waiting job is named (see `release` above). */
export function releaseForRun(spec: Pick<GithubGateSpec, 'release'>, run: { ref: string; sha: string }): string {
  const short = run.sha.slice(0, 7);
  const ref = run.ref.replace(/^refs\/(heads|tags)\//, '');
  const named = spec.release.replaceAll('{ref}', ref).replaceAll('{sha}', short);
  return RELEASE_PATTERN.test(named) ? named : short;
}

/** Whether a repository and environment from GitHub are this gate's (GitHub compares both without case). */
export function gateMatches(spec: Pick<GithubGateSpec, 'repo' | 'environment'>, repo: string, environment: string): boolean {
  return spec.repo.toLowerCase() === repo.toLowerCase() && spec.environment.toLowerCase() === environment.toLowerCase();
}
