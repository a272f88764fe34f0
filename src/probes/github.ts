import type { Octokit } from '@octokit/rest';
import { answerOf, scrub } from '../github/answers.js';
import { placeholdersIn } from '../domain/template/probes/common.js';
import type { ProbeOf } from '../domain/template/probes.js';
import { ROWS_KEPT, type ProbeContext, type ProbeFamily, type ProbeOutcome } from './types.js';

/**
 * GitHub probes (`type: github-actions`, one `check` each; the schema is src/domain/template/probes/github.ts), through
 * the bot's Octokit (GITHUB_TOKEN; GITHUB_API_URL for GitHub Enterprise). Every call carries ctx.signal; every list
 * is read to its last page (`octokit.paginate`, 100 a page). What the token needs (fine-grained permissions, read
 * only): Actions (runs), Checks and Commit statuses (required checks), Contents (tags), Deployments (a run's
 * environment), Secrets and Environments (secret names; GitHub never returns a secret's value).
 */

type Spec = ProbeOf<'github-actions'>;
type Of<C extends Spec['check']> = Extract<Spec, { check: C }>;
interface Target {
  octokit: Octokit;
  owner: string;
  repo: string;
  /** Octokit's per-call options: ctx.signal ends a call that hangs. */
  request: { signal: AbortSignal };
  ctx: ProbeContext;
}

/** A run's or check's conclusion that counts as green. */
const GREEN = new Set(['success', 'neutral', 'skipped']);
/** How many deployments to an environment are searched, newest first, for the workflow's latest run there. */
const DEPLOYMENTS_SEARCHED = 20;

/** GitHub answered with a status: 404 and 403 are told apart from the rest by the checks that expect them. */
class GitHubAnswer extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** One GitHub call, its failure said in words that name what was asked and what the token needs. */
async function ask<R>(t: Target, what: string, needs: string, call: () => Promise<R>): Promise<R> {
  try {
    return await call();
  } catch (err) {
    if (t.ctx.signal.aborted) throw new Error(`timed out after ${Math.round(t.ctx.timeoutMs / 1000)} s asking GitHub for ${what}`);
    const answer = answerOf(err);
    if (!answer) throw new Error(scrub(`no answer from GitHub for ${what} (${err instanceof Error ? err.message : String(err)})`));
    if (answer.status === 401) throw new GitHubAnswer(401, 'GitHub answered 401 (bad credentials): check GITHUB_TOKEN');
    const hint = answer.status === 404 ? ` (not there, or the token cannot see it: it needs ${needs})` : answer.status === 403 ? ` (the token needs ${needs})` : '';
    throw new GitHubAnswer(answer.status, scrub(`${what}: GitHub answered ${answer.status}${answer.message ? ` ${answer.message}` : ''}${hint}`));
  }
}

function targetOf(spec: Spec, ctx: ProbeContext): Target {
  if (!ctx.github) throw new Error('GITHUB_TOKEN is not set: set it (a token that can read this repository) for GitHub probes to run');
  if (!spec.repo) throw new Error('the probe names no repo: set its repo (owner/name)');
  const [owner, repo] = spec.repo.split('/') as [string, string];
  return { octokit: ctx.github, owner, repo, request: { signal: ctx.signal }, ctx };
}

const runIdIn = (url: string | null | undefined): number | undefined => {
  const m = /\/actions\/runs\/(\d+)/.exec(url ?? '');
  return m ? Number(m[1]) : undefined;
};

type Run = Awaited<ReturnType<Octokit['actions']['getWorkflowRun']>>['data'];

/** The workflow's file name or id matches the run's. */
const runOf = (run: Pick<Run, 'path' | 'workflow_id'>, workflow: string) =>
  /^\d+$/.test(workflow) ? run.workflow_id === Number(workflow) : run.path.split('@')[0]!.split('/').pop() === workflow;

/**
 * The newest deployment to `environment` made by a run of the workflow on the branch: deployments are listed newest
 * first, and each one's statuses name the run that made it (Actions sets their log_url / target_url to the run).
 */
async function latestRunDeployedTo(t: Target, spec: Of<'latest-run'>, environment: string): Promise<{ run: Run; state: string; searched: number } | { run: undefined; searched: number }> {
  const base = { owner: t.owner, repo: t.repo, request: t.request };
  const deployments = await ask(t, `the deployments to ${environment}`, 'Deployments: read', () =>
    t.octokit.repos.listDeployments({ ...base, environment, per_page: DEPLOYMENTS_SEARCHED }),
  );
  for (const deployment of deployments.data) {
    const statuses = await ask(t, `deployment ${deployment.id}'s statuses`, 'Deployments: read', () =>
      t.octokit.repos.listDeploymentStatuses({ ...base, deployment_id: deployment.id, per_page: 30 }),
    );
    const runId = statuses.data.map((s) => runIdIn(s.log_url) ?? runIdIn(s.target_url)).find((id) => id !== undefined);
    if (runId === undefined) continue;
    const run = (await ask(t, `run ${runId}`, 'Actions: read', () => t.octokit.actions.getWorkflowRun({ ...base, run_id: runId }))).data;
    if (!runOf(run, spec.workflow) || run.head_branch !== spec.branch) continue;
    return { run, state: statuses.data[0]?.state ?? 'unknown', searched: deployments.data.length };
  }
  return { run: undefined, searched: deployments.data.length };
}

async function latestRun(t: Target, spec: Of<'latest-run'>): Promise<ProbeOutcome> {
  const what = `${spec.workflow} on ${spec.branch}`;
  let run: Run | undefined;
  let deployment: string | undefined;
  const lines: string[] = [];
  if (spec.environment) {
    const found = await latestRunDeployedTo(t, spec, spec.environment);
    if (!found.run) {
      return {
        status: 'fail',
        summary: `no run of ${what} deployed to ${spec.environment}`,
        evidence: { lines: [`none of the last ${found.searched} deployments to ${spec.environment} was made by a run of ${what}`] },
      };
    }
    run = found.run;
    deployment = found.state;
  } else {
    const runs = await ask(t, `the runs of ${spec.workflow}`, 'Actions: read', () =>
      t.octokit.actions.listWorkflowRuns({ owner: t.owner, repo: t.repo, workflow_id: spec.workflow, branch: spec.branch, per_page: 1, request: t.request }),
    );
    run = runs.data.workflow_runs[0] as Run | undefined;
    if (!run) return { status: 'fail', summary: `no run of ${what}`, evidence: { lines: [`GitHub lists no run of ${spec.workflow} on ${spec.branch} in ${t.owner}/${t.repo}`] } };
  }

  const state = run.status === 'completed' ? (run.conclusion ?? 'unknown') : (run.status ?? 'unknown');
  const green = run.status === 'completed' && run.conclusion === 'success';
  const deployed = deployment === undefined || deployment === 'success';
  lines.push(
    `run ${run.id} (#${run.run_number}, ${run.event}) of ${what}: ${state}`,
    `head SHA ${run.head_sha}`,
    `started ${run.run_started_at ?? run.created_at}, updated ${run.updated_at}`,
  );
  if (deployment !== undefined) lines.push(`its deployment to ${spec.environment}: ${deployment}`);
  const records: Record<string, string> = {};
  if (spec.records?.run_id) records[spec.records.run_id] = String(run.id);
  if (spec.records?.sha) records[spec.records.sha] = run.head_sha;
  const where = spec.environment ? ` to ${spec.environment}` : '';
  return {
    status: green && deployed ? 'pass' : 'fail',
    summary: green && deployed ? `run ${run.id}${where} on ${spec.branch} succeeded` : `run ${run.id}${where} on ${spec.branch}: ${green ? `deployment ${deployment}` : state}`,
    evidence: { lines, links: [{ label: `run ${run.id}`, url: run.html_url }] },
    ...(Object.keys(records).length ? { records } : {}),
  };
}

async function requiredChecks(t: Target, spec: Of<'required-checks'>): Promise<ProbeOutcome> {
  const base = { owner: t.owner, repo: t.repo, ref: spec.ref, per_page: 100, request: t.request };
  const checkRuns = await ask(t, `the check runs on ${spec.ref}`, 'Checks: read', () =>
    t.octokit.paginate(t.octokit.checks.listForRef, { ...base, filter: 'latest' as const }),
  );
  const statuses = await ask(t, `the commit statuses on ${spec.ref}`, 'Commit statuses: read', () =>
    t.octokit.paginate(t.octokit.repos.listCommitStatusesForRef, base),
  );
  // Newest first: the first of each name is its current state.
  const found = new Map<string, { state: string; green: boolean; url: string | null }>();
  for (const c of checkRuns) {
    if (found.has(c.name)) continue;
    const state = c.status === 'completed' ? (c.conclusion ?? 'unknown') : c.status;
    found.set(c.name, { state, green: c.status === 'completed' && GREEN.has(c.conclusion ?? ''), url: c.html_url });
  }
  for (const s of statuses) if (!found.has(s.context)) found.set(s.context, { state: s.state, green: s.state === 'success', url: s.target_url });

  const names = spec.checks ?? [...found.keys()];
  const rows = names.map((name) => ({ check: name, state: found.get(name)?.state ?? 'missing', green: found.get(name)?.green ?? false }));
  const red = rows.filter((r) => !r.green);
  const lines = [
    spec.checks ? `${names.length} named check(s) on ${spec.ref}` : `every check on ${spec.ref} (the template names none): ${names.length}`,
    ...red.slice(0, ROWS_KEPT).map((r) => `${r.check}: ${r.state}`),
    ...(red.length > ROWS_KEPT ? [`and ${red.length - ROWS_KEPT} more not green`] : []),
  ];
  const links = red
    .map((r) => ({ label: r.check, url: found.get(r.check)?.url ?? '' }))
    .filter((l) => /^https?:\/\//.test(l.url))
    .slice(0, 5);
  const status = names.length > 0 && red.length === 0 ? 'pass' : 'fail';
  return {
    status,
    summary: names.length === 0 ? `no checks on ${spec.ref}` : red.length === 0 ? `${names.length} check(s) green on ${spec.ref}` : `${red.length} of ${names.length} check(s) not green on ${spec.ref}`,
    evidence: { lines, rows: rows.slice(0, ROWS_KEPT).map(({ check, state }) => ({ check, state })), ...(links.length ? { links } : {}) },
  };
}

async function tag(t: Target, spec: Of<'tag'>): Promise<ProbeOutcome> {
  const name = spec.tag.replaceAll('{release}', t.ctx.release);
  try {
    const ref = await ask(t, `tag ${name}`, 'Contents: read', () => t.octokit.git.getRef({ owner: t.owner, repo: t.repo, ref: `tags/${name}`, request: t.request }));
    const object = `${ref.data.object.type === 'tag' ? 'annotated tag object' : ref.data.object.type} ${ref.data.object.sha}`;
    return { status: 'pass', summary: `tag ${name} exists`, evidence: { lines: [`${ref.data.ref} in ${t.owner}/${t.repo}: ${object}`] } };
  } catch (err) {
    if (!(err instanceof GitHubAnswer && err.status === 404)) throw err;
    return { status: 'fail', summary: `tag ${name} not found`, evidence: { lines: [`GitHub has no tag ${name} in ${t.owner}/${t.repo} (${err.message})`] } };
  }
}

async function environmentSecrets(t: Target, spec: Of<'environment-secrets'>): Promise<ProbeOutcome> {
  const base = { owner: t.owner, repo: t.repo, per_page: 100, request: t.request };
  const wanted = spec.secrets.map((s) => s.toUpperCase());
  const where = new Map<string, string>();
  const notes: string[] = [];
  const sources: Array<{ label: string; list: () => Promise<Array<{ name: string }>>; optional?: boolean }> = [
    ...(spec.environment
      ? [{ label: `environment ${spec.environment}`, list: () => t.octokit.paginate(t.octokit.actions.listEnvironmentSecrets, { ...base, environment_name: spec.environment! }) }]
      : []),
    { label: 'repository', list: () => t.octokit.paginate(t.octokit.actions.listRepoSecrets, base) },
    { label: 'organization (shared with the repository)', list: () => t.octokit.paginate(t.octokit.actions.listRepoOrganizationSecrets, base), optional: true },
  ];
  for (const source of sources) {
    if (wanted.every((w) => where.has(w))) break;
    let names: Array<{ name: string }>;
    try {
      names = await ask(t, `the ${source.label} secrets`, spec.environment ? 'Secrets: read and Environments: read' : 'Secrets: read', source.list);
    } catch (err) {
      // Organization secrets may be unreadable to a repository-scoped token: say so, and count them as not set.
      if (!(source.optional && err instanceof GitHubAnswer && (err.status === 403 || err.status === 404))) throw err;
      notes.push(`${source.label} secrets not readable (GitHub answered ${err.status}): not counted`);
      continue;
    }
    for (const { name } of names) if (wanted.includes(name.toUpperCase()) && !where.has(name.toUpperCase())) where.set(name.toUpperCase(), source.label);
  }
  const missing = wanted.filter((w) => !where.has(w));
  const scope = spec.environment ? `for environment ${spec.environment}` : 'for the repository';
  return {
    status: missing.length === 0 ? 'pass' : 'fail',
    summary: missing.length === 0 ? `${wanted.length === 1 ? wanted[0] : `all ${wanted.length} secrets`} set ${scope}` : `${missing.join(', ')} not set ${scope}`,
    evidence: {
      lines: [
        `${t.owner}/${t.repo}, secrets ${scope} (names only: GitHub never returns a value)`,
        ...wanted.map((w) => `${w}: ${where.has(w) ? `set (${where.get(w)})` : 'not set'}`),
        ...notes,
      ],
    },
  };
}

export const githubFamily: ProbeFamily<'github-actions'> = {
  type: 'github-actions',
  async run(spec, ctx) {
    const t = targetOf(spec, ctx);
    switch (spec.check) {
      case 'latest-run':
        return latestRun(t, spec);
      case 'required-checks':
        return requiredChecks(t, spec);
      case 'tag':
        return tag(t, spec);
      case 'environment-secrets':
        return environmentSecrets(t, spec);
    }
  },
  placeholders(spec) {
    const found = placeholdersIn(spec, ['repo', 'workflow', 'branch', 'ref', 'tag', 'environment']);
    return spec.repo ? found : [{ key: 'repo', value: '(not set)' }, ...found];
  },
  /** The token lives in Octokit (never in evidence: GitHub's messages are scrubbed of anything token-like). */
  secrets: (_spec, ctx) => (ctx.env.GITHUB_TOKEN ? [ctx.env.GITHUB_TOKEN] : []),
};
