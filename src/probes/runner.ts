import { randomUUID } from 'node:crypto';
import type { Octokit } from '@octokit/rest';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { AuditEvent } from '../domain/audit-events.js';
import { validateField } from '../domain/fields.js';
import { escLiteral } from '../domain/mrkdwn.js';
import { PROBE_SUMMARY_MAX, probeTimeoutMs } from '../domain/probes.js';
import { sectionMode, whyClosed, type Promotion } from '../domain/promotion.js';
import { findItem, type Item } from '../domain/template.js';
import type { ProbeSpec } from '../domain/template/probes.js';
import { isDatabaseUnreachable } from '../store/db.js';
import { enqueue } from '../store/outbox.js';
import { overviewTs } from '../store/messages.js';
import { claimRuns, finishRun, interruptRun, lapsedRuns, renewRuns, setItemProbeStatus, setItemsProbeStatus } from '../store/probe-runs.js';
import { getItemState, getItemStates, transitionItems, writeItemState } from '../store/promotions.js';
import { voidApprovalsBoundTo } from '../services/approvals.js';
import { commitChange, sendPosts, type ChangeScope } from '../services/change.js';
import type { Deps } from '../services/deps.js';
import { SYSTEM_ACTOR } from '../services/promotions.js';
import { showChange } from '../services/show.js';
import { UserError } from '../errors.js';
import { scrubber, scrubDeep } from './scrub.js';
import type { Evidence, ProbeContext, ProbeFamilies, ProbeFamily, ProbeOutcome } from './types.js';
import { ROWS_KEPT } from './types.js';

/**
 * The probe runner: what every probe run shares, whatever its family (./types.ts).
 *
 * - One run per item at a time, across replicas: starting claims a `probe_runs` row (src/store/probe-runs.ts; a
 *   partial unique index on the running row), inside a change to the promotion, so a second click while it runs, on
 *   any replica, starts nothing. The claim is timed by the database's clock and renewed while the probe runs.
 * - A timeout per probe (`timeout`, default 30 s): the family's signal is aborted and the run ends "error: timed out
 *   after N s", whether or not the family listens.
 * - A probe whose template still holds a placeholder does not run: its result says which key to set.
 * - Secrets (the family's `secrets()` and the parts of any connection string) are stripped from the summary, the
 *   evidence, the records and errors before anything is stored, posted or logged.
 * - Run all: a section's probes run concurrently, at most `concurrency` at once.
 * - A run left `running` by a process that died is marked `interrupted` once its claim lapses (`sweep`, at start and
 *   every few seconds).
 * - The result is one change (`commitChange`): the run's row, the item's fields from the outcome's records, the tick
 *   (a pass ticks the item unless the probe says `confirm: true`; a fail unticks a ticked item), the `probe.ran` audit
 *   event, and the `probe-evidence` reply in the thread (keyed per run, posted once through the outbox).
 */

export interface ProbeRunnerOptions {
  /** The use cases' dependencies (the process's own: a run outlives the request that started it). */
  deps: Deps;
  /** The families by type; a type without one ends its runs "error: no runner". */
  families: Partial<ProbeFamilies>;
  /** The bot's environment, which families read connection strings and names from. */
  env: Readonly<Record<string, string | undefined>>;
  github?: Octokit | undefined;
  /**
   * The CloudWatch client, or how to make it: made on the first CloudWatch probe, not at start (constructing the AWS
   * SDK's client prints a warning on Node 20, and a bot without CloudWatch probes needs none).
   */
  cloudwatch?: CloudWatchClient | (() => CloudWatchClient) | undefined;
  /** At most this many probes of one Run all at once (default 20). */
  concurrency?: number;
  /** A running run's claim, by the database's clock (default 30 s), renewed every third of it. */
  leaseMs?: number;
  /** A probe's timeout when its template gives none (default 30 s; templates count in minutes, tests in milliseconds). */
  defaultTimeoutMs?: number;
}

export type RunTarget = { item: string } | { section: string } | { all: true };

export interface StartInput {
  promotionId: string;
  userId: string;
  target: RunTarget;
  /** A click's receipt: its redelivery starts nothing. */
  receiptKey?: string;
}

export interface StartReport {
  /** Item ids whose run started now. */
  started: string[];
  /** Item ids already running (here or on another replica): nothing started for them. */
  running: string[];
  /** Item ids not run, and why (not applicable). */
  skipped: Array<{ item: string; why: string }>;
}

/** A family's outcome, or what the runner says instead (an interruption is the runner's, never a family's). */
type RunOutcome = Omit<ProbeOutcome, 'status'> & { status: ProbeOutcome['status'] | 'interrupted' };

interface Claimed {
  runId: string;
  promotionId: string;
  itemId: string;
  by: string;
  /** As the start's change saw it (its template is frozen: what the probe runs). */
  promotion: Promotion;
}

/** How long one run of this process may be: the time it is claimed for, renewed while it runs. */
const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_CONCURRENCY = 20;
const SWEEP_BATCH = 50;

export class ProbeRunner {
  readonly id = `probes:${randomUUID()}`;
  private readonly deps: Deps;
  private readonly families: Partial<ProbeFamilies>;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  /** Runs this process is running: run id → its abort controller. */
  private readonly active = new Map<string, AbortController>();
  private readonly inflight = new Set<Promise<unknown>>();
  private heartbeat: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(private readonly opts: ProbeRunnerOptions) {
    this.deps = opts.deps;
    this.families = opts.families;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  }

  /**
   * Start the probes of an item, a section, or every section in play: claim them (one change, one `probe.started`
   * event), show them "running…", and run them in the background (`idle()` waits for them). Resolves once the claims are
   * committed and shown. Refuses an item without a probe, or one that cannot be worked at this stage.
   */
  async start(deps: Deps, input: StartInput): Promise<StartReport> {
    const report: StartReport = { started: [], running: [], skipped: [] };
    const claimed: Claimed[] = [];
    const result = await commitChange(deps, { promotionId: input.promotionId, actor: input.userId, ...(input.receiptKey ? { receiptKey: input.receiptKey } : {}) }, async (scope) => {
      report.started = [];
      report.running = [];
      report.skipped = [];
      claimed.length = 0;
      const items = targetItems(scope.promotion, input.target);
      const states = await getItemStates(scope.q, scope.promotion.id, items.map((i) => i.id));
      const wanted = items.filter((item) => {
        if (states.get(item.id)?.state !== 'na') return true;
        report.skipped.push({ item: item.id, why: 'marked not applicable' });
        return false;
      });
      const runs = wanted.map((item) => ({ id: randomUUID(), promotionId: scope.promotion.id, itemId: item.id, by: input.userId, startedAt: scope.now }));
      const won = new Set(await claimRuns(scope.q, runs, this.id, this.leaseMs));
      for (const run of runs) {
        if (!won.has(run.itemId)) {
          report.running.push(run.itemId);
          continue;
        }
        report.started.push(run.itemId);
        claimed.push({ runId: run.id, promotionId: scope.promotion.id, itemId: run.itemId, by: input.userId, promotion: scope.promotion });
      }
      if (claimed.length === 0) return null;
      await setItemsProbeStatus(scope.q, scope.promotion.id, report.started, 'running');
      return { action: 'probe.started', data: { runs: claimed.map((c) => ({ item: c.itemId, run: c.runId })) } };
    });
    if (!result.changed) return report;
    this.track(this.runAll(claimed));
    await showChange(deps, input.promotionId).catch((err: unknown) => deps.log.warn({ err }, 'probes started; the checklist shows it once the repair sweep catches up'));
    return report;
  }

  /** Resolves once every run this process started has been recorded. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Stop: every run still going ends `interrupted` (recorded now, not left to the sweep). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const controller of this.active.values()) controller.abort(new Interrupted());
    await this.idle();
    this.stopHeartbeat();
  }

  /**
   * Mark `interrupted` the runs whose claim lapsed (their process died), each in a change of its own with its
   * `probe.ran` event; a run of a promotion that has ended is only marked. Returns how many were marked.
   */
  async sweep(): Promise<number> {
    const lapsed = await lapsedRuns(this.deps.db, SWEEP_BATCH);
    let marked = 0;
    const shown = new Set<string>();
    for (const run of lapsed) {
      let did = false;
      try {
        await commitChange(this.deps, { promotionId: run.promotionId, actor: SYSTEM_ACTOR }, async (scope) => {
          did = await interruptRun(scope.q, run.id, scope.now);
          if (!did) return null;
          await setItemProbeStatus(scope.q, run.promotionId, run.itemId, 'interrupted');
          return {
            action: 'probe.ran',
            data: { item: run.itemId, run: run.id, status: 'interrupted', summary: 'interrupted: the bot stopped while it ran', duration_ms: 0, effect: 'none', records: {} },
          };
        });
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        // The promotion has ended: nothing to show, but the run must not stay running.
        did = await interruptRun(this.deps.db, run.id, this.deps.clock());
      }
      if (did) {
        marked++;
        shown.add(run.promotionId);
      }
    }
    for (const promotionId of shown) await showChange(this.deps, promotionId).catch(() => undefined);
    return marked;
  }

  private track(work: Promise<unknown>): void {
    const p = work.catch((err: unknown) => this.deps.log.error({ err: scrubError(err) }, 'probe run failed unexpectedly'));
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /** Run these claimed probes, at most `concurrency` at once. */
  private async runAll(runs: readonly Claimed[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < runs.length) {
        const run = runs[next++]!;
        await this.runOne(run);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, runs.length) }, worker));
  }

  private async runOne(run: Claimed): Promise<void> {
    const { clock, log } = this.deps;
    const controller = new AbortController();
    this.active.set(run.runId, controller);
    this.startHeartbeat();
    let startedMs = performance.now();
    let outcome: RunOutcome;
    let scrub: (text: string) => string = scrubber([]);
    const promotion = run.promotion;
    try {
      const found = findItem(promotion.template, run.itemId);
      const spec = found?.item.probe;
      if (!found || !spec) {
        outcome = failure('error', 'error: the item no longer has a probe');
      } else {
        const family = this.families[spec.type] as ProbeFamily<ProbeSpec['type']> | undefined;
        const timeoutMs = found.item.probe?.timeout ? probeTimeoutMs(found.item) : (this.opts.defaultTimeoutMs ?? probeTimeoutMs(found.item));
        const ctx: ProbeContext = {
          signal: controller.signal,
          timeoutMs,
          env: this.opts.env,
          github: this.opts.github,
          cloudwatch: spec.type.startsWith('cloudwatch') ? this.cloudwatch() : undefined,
          now: clock(),
          release: promotion.release,
          window: promotion.window ? { start: promotion.window.start, end: promotion.window.end } : null,
          log: log.child({ probe: spec.type, item: run.itemId, run: run.runId }),
        };
        if (!family) {
          outcome = failure('error', `error: this bot has no runner for ${spec.type} probes`);
        } else {
          scrub = scrubber(safeSecrets(family, spec, ctx));
          const placeholders = family.placeholders(spec as never);
          if (placeholders.length > 0) {
            const keys = placeholders.map((p) => `probe.${p.key} (now ${p.value})`).join(', ');
            outcome = failure('error', `not run: set ${keys} of item ${run.itemId} in template ${promotion.templateId}`);
          } else {
            startedMs = performance.now();
            outcome = await withTimeout(family.run(spec as never, ctx), controller, timeoutMs);
          }
        }
      }
    } catch (err) {
      if (err instanceof Interrupted || (this.stopping && controller.signal.aborted)) outcome = failure('interrupted', 'interrupted: the bot stopped while it ran');
      else if (err instanceof TimedOut) outcome = failure('error', `error: timed out after ${formatSeconds(err.ms)}`);
      else outcome = failure('error', `error: ${messageOf(err)}`);
    } finally {
      this.active.delete(run.runId);
      if (this.active.size === 0) this.stopHeartbeat();
    }
    const durationMs = performance.now() - startedMs;
    const clean = cleanOutcome(outcome, scrub);
    await this.finish(run, clean, durationMs);
  }

  /** Record a run's result: one change, then show it. */
  private async finish(run: Claimed, outcome: RunOutcome, durationMs: number): Promise<void> {
    const deps = this.deps;
    const status = outcome.status;
    const posts: string[] = [];
    try {
      // The evidence post and the refresh go on in the background (idle() waits for them): a worker of a Run all takes
      // its next probe as soon as the result is committed, not once Slack has taken the post (about one a second).
      await commitChange(deps, { promotionId: run.promotionId, actor: run.by }, async (scope) => {
        posts.length = 0;
        const recorded = await finishRun(scope.q, run.runId, this.id, { status, summary: outcome.summary, evidence: outcome.evidence, finishedAt: scope.now, durationMs });
        if (!recorded) return null;
        await setItemProbeStatus(scope.q, run.promotionId, run.itemId, status);
        return resultChange({ ...scope, sendAfterCommit: (key) => posts.push(key) }, run, outcome, status, durationMs);
      });
    } catch (err) {
      if (!(err instanceof UserError) || isDatabaseUnreachable(err)) throw err;
      // The promotion ended while the probe ran: keep the result, show nothing.
      await finishRun(deps.db, run.runId, this.id, { status, summary: outcome.summary, evidence: outcome.evidence, finishedAt: deps.clock(), durationMs });
      return;
    }
    this.track(
      (async () => {
        await showChange(deps, run.promotionId).catch((err: unknown) => deps.log.warn({ err }, 'probe result saved; the checklist shows it once the repair sweep catches up'));
        await sendPosts(deps, posts);
      })(),
    );
  }

  private cloudwatchClient: CloudWatchClient | undefined;
  private cloudwatch(): CloudWatchClient | undefined {
    const c = this.opts.cloudwatch;
    if (typeof c !== 'function') return c;
    this.cloudwatchClient ??= c();
    return this.cloudwatchClient;
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      void renewRuns(this.deps.db, [...this.active.keys()], this.leaseMs, this.id)
        .then((lost) => {
          // A claim lapsed and was marked interrupted elsewhere: its result is still recorded when it comes (finishRun).
          if (lost.length > 0) this.deps.log.warn({ runs: lost }, 'probe runs lost their claim while running');
        })
        .catch((err: unknown) => this.deps.log.warn({ err: scrubError(err) }, 'could not renew probe claims'));
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

/** The rest of a result's change: the records into fields, the tick, the evidence reply; returns its audit event. */
async function resultChange(scope: ChangeScope, run: Claimed, outcome: RunOutcome, status: 'pass' | 'fail' | 'error' | 'interrupted', durationMs: number): Promise<AuditEvent> {
  const { q, promotion, now } = scope;
  const found = findItem(promotion.template, run.itemId);
  const item = found?.item;
  const records: Record<string, string> = {};
  const notes: string[] = [];
  for (const [target, raw] of Object.entries(outcome.records ?? {})) {
    const spec = findItem(promotion.template, target)?.item.field;
    if (!spec) {
      notes.push(`not recorded: ${target} is not a field of this checklist`);
      continue;
    }
    const was = await getItemState(q, promotion.id, target);
    if (was?.state === 'na') continue;
    const checked = validateField(spec, raw);
    if (!checked.ok || checked.value === null) {
      notes.push(`not recorded in ${target}: ${checked.ok ? 'empty' : checked.error}`);
      continue;
    }
    if (was?.value === checked.value && was.state === 'done') continue;
    await writeItemState(q, promotion.id, { itemId: target, state: 'done', value: checked.value, note: null, by: run.by, at: now });
    await voidApprovalsBoundTo(scope, target, was?.value ?? null, checked.value);
    records[target] = checked.value;
  }
  // A pass ticks the item unless a person must confirm; a fail unticks a ticked item (the box must not say done while
  // the evidence says otherwise); an error or an interruption says nothing about the target, so the tick stays.
  let effect: 'ticked' | 'unticked' | 'none' = 'none';
  const open = found && item ? whyClosed(promotion.stage, found.section, item) === null && sectionMode(promotion.stage, found.section) === 'work' : false;
  if (open && item && status === 'pass' && !item.probe?.confirm) {
    if ((await transitionItems(q, promotion.id, [item.id], 'open', 'done', run.by, now)).length > 0) effect = 'ticked';
  } else if (open && item && status === 'fail') {
    if ((await transitionItems(q, promotion.id, [item.id], 'done', 'open', run.by, now)).length > 0) effect = 'unticked';
  }
  const evidence: Evidence = notes.length > 0 ? { ...outcome.evidence, lines: [...outcome.evidence.lines, ...notes] } : outcome.evidence;
  const key = `probe-evidence:${run.runId}`;
  const thread = await overviewTs(q, promotion.id);
  await enqueue(
    q,
    {
      key,
      promotionId: promotion.id,
      channelId: promotion.channelId,
      ...(thread ? { threadTs: thread } : {}),
      message: {
        kind: 'probe-evidence',
        release: promotion.release,
        item: item?.label ?? run.itemId,
        probe: item?.probe?.type ?? 'probe',
        status,
        summary: outcome.summary,
        durationMs: Math.round(durationMs),
        at: now.toISOString(),
        by: run.by,
        effect,
        lines: evidence.lines,
        ...(evidence.rows ? { rows: evidence.rows } : {}),
        ...(evidence.links ? { links: evidence.links } : {}),
        ...(evidence.metrics ? { metrics: evidence.metrics } : {}),
      },
    },
    now,
  );
  scope.sendAfterCommit(key);
  return { action: 'probe.ran', data: { item: run.itemId, run: run.runId, status, summary: outcome.summary, duration_ms: Math.round(durationMs), effect, records } };
}

/** The items a target names, each with a probe and in a section that is work now; refuses what cannot run. */
export function targetItems(promotion: Promotion, target: RunTarget): Item[] {
  const template = promotion.template;
  const inPlay = (section: (typeof template.sections)[number]) => sectionMode(promotion.stage, section) === 'work';
  if ('item' in target) {
    const found = findItem(template, target.item);
    if (!found) throw new UserError(`There is no item \`${escLiteral(target.item)}\` in this checklist.`, 'no_such_item');
    if (!found.item.probe) throw new UserError(`“${escLiteral(found.item.label)}” has no check to run: its template gives it no probe.`, 'no_probe');
    const closed = whyClosed(promotion.stage, found.section, found.item);
    if (closed) throw new UserError(closed, 'closed');
    return [found.item];
  }
  if ('section' in target) {
    const section = template.sections.find((s) => s.id === target.section);
    if (!section) throw new UserError(`There is no section \`${escLiteral(target.section)}\` in this checklist.`, 'no_such_section');
    if (!inPlay(section)) throw new UserError(`“${escLiteral(section.title)}” is not open for work at this stage: its checks cannot run now.`, 'closed');
    const items = section.items.filter((i) => i.probe);
    if (items.length === 0) throw new UserError(`“${escLiteral(section.title)}” has no checks to run.`, 'no_probe');
    return items;
  }
  const items = template.sections.filter(inPlay).flatMap((s) => s.items.filter((i) => i.probe));
  if (items.length === 0) throw new UserError('Nothing open for work in this checklist has a check to run.', 'no_probe');
  return items;
}

class TimedOut extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** The family's answer, or TimedOut once `ms` pass (the signal aborted, so a family that listens stops asking). */
function withTimeout<T>(work: Promise<T>, controller: AbortController, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const err = new TimedOut(ms);
      controller.abort(err);
      reject(err);
    }, ms);
    const onAbort = () => reject(controller.signal.reason instanceof Error ? controller.signal.reason : new Interrupted());
    controller.signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      controller.signal.removeEventListener('abort', onAbort);
    });
  });
}

function failure(status: 'error' | 'interrupted', summary: string): RunOutcome {
  return { status, summary, evidence: { lines: [summary] } };
}

function messageOf(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown } | null;
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  return typeof e?.code === 'string' && !message.includes(e.code) ? `${message} (${e.code})` : message;
}

/** What a log line may carry of an error: its scrubbed message, never the object (a driver's error holds its config). */
function scrubError(err: unknown): string {
  return scrubber([])(messageOf(err));
}

function safeSecrets(family: ProbeFamily<ProbeSpec['type']>, spec: ProbeSpec, ctx: ProbeContext): string[] {
  try {
    return family.secrets(spec as never, ctx).filter((s) => typeof s === 'string' && s.length > 0);
  } catch {
    return [];
  }
}

/** The outcome with every secret stripped, its summary one line, its rows kept to ROWS_KEPT. */
function cleanOutcome(outcome: RunOutcome, scrub: (text: string) => string): RunOutcome {
  const status: RunOutcome['status'] = (['pass', 'fail', 'error', 'interrupted'] as const).includes(outcome.status) ? outcome.status : 'error';
  const summary = scrub(String(outcome.summary ?? '')).replace(/\s+/g, ' ').trim().slice(0, PROBE_SUMMARY_MAX) || status;
  const evidence = scrubDeep(outcome.evidence ?? { lines: [] }, scrub);
  const rows = evidence.rows;
  const lines = Array.isArray(evidence.lines) ? evidence.lines.map(String) : [];
  if (rows && rows.length > ROWS_KEPT) lines.push(`${rows.length - ROWS_KEPT} more rows not kept`);
  return {
    status,
    summary,
    evidence: { ...evidence, lines, ...(rows ? { rows: rows.slice(0, ROWS_KEPT) } : {}) },
    ...(outcome.records ? { records: scrubDeep(outcome.records, scrub) } : {}),
  };
}

/** For the person's answer: what started, what was running already, what was skipped. */
export function describeStart(report: StartReport, label: (itemId: string) => string): string {
  const parts: string[] = [];
  const names = (ids: string[]) => ids.map((id) => `“${escLiteral(label(id))}”`).join(', ');
  if (report.started.length > 0) parts.push(`Running ${report.started.length === 1 ? 'the check of' : `${report.started.length} checks:`} ${names(report.started)}. The results show on the checklist, with the details in its thread.`);
  if (report.running.length > 0) parts.push(`Already running: ${names(report.running)}; nothing more was started for ${report.running.length === 1 ? 'it' : 'them'}.`);
  for (const s of report.skipped) parts.push(`Not run: “${escLiteral(label(s.item))}”, ${s.why}.`);
  return parts.join('\n') || 'Nothing to run.';
}

