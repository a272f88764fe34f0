import { z } from 'zod';
import { slugSchema } from '../../names.js';
import { envName, probeCommon } from './common.js';

/**
 * `type: github-actions` probes, one `check` each (absent means `latest-run`, so templates written before the checks
 * existed keep their meaning):
 * - `latest-run`: the newest run of `workflow` on `branch` concluded `success` (and, with `environment`, that run
 *   deployed to that GitHub environment); its id and head SHA can fill fields (`records`);
 * - `required-checks`: the named checks on `ref` are green (check runs, and commit statuses by context); with no
 *   names, every check run on the ref;
 * - `tag`: the tag exists (`{release}` is the promotion's release);
 * - `environment-secrets`: the named secrets are set for the workflow in `environment` (environment, repository or
 *   organization secrets shared with the repository; GitHub lists names only, never values).
 */

const repo = z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name');
/** A git ref name as GitHub takes it in a URL: no spaces, no `..`, no leading or trailing slash. */
const refName = z
  .string()
  .min(1)
  .max(250)
  .regex(/^(?!\/)(?!.*\.\.)(?!.*\/$)[^\s~^:?*[\\]+$/, 'must be a branch, tag or commit SHA (no spaces, .., ~ ^ : ? * [ or \\)');
/** A GitHub environment's name, as its settings page allows. */
const environmentName = z.string().min(1).max(255).regex(/^[^'"`,;\\]+$/, 'must be a GitHub environment name such as production');

const common = {
  type: z.literal('github-actions'),
  ...probeCommon,
  /** owner/name; may be left out of a `latest-run` check written before repos were required (it then does not run). */
  repo: repo.optional(),
};

export const githubLatestRun = z
  .object({
    ...common,
    check: z.literal('latest-run').default('latest-run'),
    /** The workflow's file name (`build.yml`) or numeric id. */
    workflow: z.string().min(1),
    branch: refName.default('main'),
    /** The run must have deployed to this GitHub environment (a deployment of its head SHA made by that run). */
    environment: environmentName.optional(),
    /** Field item ids that receive the run id and head SHA as evidence. */
    records: z.object({ run_id: slugSchema.optional(), sha: slugSchema.optional() }).strict().optional(),
  })
  .strict();

export const githubRequiredChecks = z
  .object({
    ...common,
    check: z.literal('required-checks'),
    ref: refName.default('main'),
    /** Check run names or commit status contexts that must be green; none: every check run on the ref. */
    checks: z.array(z.string().min(1).max(200)).optional(),
  })
  .strict();

export const githubTag = z
  .object({
    ...common,
    check: z.literal('tag'),
    /** The tag's name; `{release}` is replaced by the promotion's release. */
    tag: z.string().min(1).max(250).default('{release}'),
  })
  .strict();

export const githubEnvironmentSecrets = z
  .object({
    ...common,
    check: z.literal('environment-secrets'),
    /** The GitHub environment the workflow's job runs in; absent: repository (and organization) secrets only. */
    environment: environmentName.optional(),
    secrets: z.array(envName).min(1),
  })
  .strict();

export const GITHUB_CHECKS = ['latest-run', 'required-checks', 'tag', 'environment-secrets'] as const;

export const githubActions = z.discriminatedUnion('check', [githubLatestRun, githubRequiredChecks, githubTag, githubEnvironmentSecrets], {
  error: (issue) => (issue.code === 'invalid_union' ? `check must be one of ${GITHUB_CHECKS.join(', ')} (absent: latest-run)` : undefined),
});
