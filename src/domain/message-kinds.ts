import { z } from 'zod';

/**
 * Every kind of one-off post the bot makes through the outbox (src/store/outbox.ts), with the data it is rendered
 * from: a zod-checked discriminated union on `kind`. A use case enqueues `{ kind, ...data }`; src/slack/message-kinds.ts
 * maps each kind to its renderer in blocks/ and renders it when the row is sent, so services never see Block Kit.
 *
 * The data is all a renderer gets: a snapshot taken inside the change that causes the post (the abort's release,
 * who, why), not ids to read again at send time. A row can wait in the outbox across a deploy, so never change a
 * kind's shape in a way the rows already written would fail: add a kind, or an optional key.
 */

/** A promotion was aborted: said once, in its checklist's thread and broadcast to the channel. */
const abortNotice = z
  .object({
    kind: z.literal('abort-notice'),
    release: z.string().min(1),
    templateName: z.string(),
    /** Who aborted it (a user id, or the bot's own name for an abort it made itself); null when unknown. */
    abortedBy: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .strict();

/** GO dispatched the template's workflow (on_go.dispatch): said in the checklist's thread, with the run's link. */
const dispatchStarted = z
  .object({
    kind: z.literal('dispatch-started'),
    release: z.string().min(1),
    repo: z.string().min(1),
    workflow: z.string().min(1),
    ref: z.string().min(1),
    /** The run's page on GitHub (`html_url`), or null when the run could not be linked (`note` says why). */
    runUrl: z.string().nullable(),
    note: z.string().nullable(),
  })
  .strict();

/** GitHub refused the dispatch GO asked for: shown, not hidden, with a Retry button carrying the dispatch's key. */
const dispatchFailed = z
  .object({
    kind: z.literal('dispatch-failed'),
    release: z.string().min(1),
    repo: z.string().min(1),
    workflow: z.string().min(1),
    ref: z.string().min(1),
    /** GitHub's status and message (never a token). */
    error: z.string(),
    /** The workflow_dispatches row's key, for the Retry button. */
    dispatchKey: z.string().min(1),
  })
  .strict();

/** A bound value changed: the approvals given for the old value are void; their approvers are mentioned once. */
const approvalsVoided = z
  .object({
    kind: z.literal('approvals-voided'),
    release: z.string().min(1),
    /** The approval's label. */
    approval: z.string(),
    users: z.array(z.string()).min(1),
    /** What changed, as mrkdwn the domain wrote (src/domain/approvals.ts voidReason). */
    reason: z.string(),
  })
  .strict();

/** GO, NO-GO or completion, announced in the checklist's thread (broadcast) and in each stakeholder channel. */
const decisionAnnouncement = z
  .object({
    kind: z.literal('decision-announcement'),
    release: z.string().min(1),
    templateName: z.string(),
    decision: z.enum(['go', 'no-go', 'completed']),
    by: z.string(),
    reason: z.string().nullable(),
    /** A NO-GO's new date (YYYY-MM-DD). */
    newDate: z.string().nullable(),
    /** The checklist, for announcements in other channels: its channel and the overview's ts. */
    checklist: z.object({ channel: z.string(), ts: z.string().nullable() }).strict(),
  })
  .strict();

/**
 * A probe's details (issue 10), as a reply in the checklist's thread: what it asked and found, rows, links, metric
 * values against their threshold. Keyed per run (`probe-evidence:<run id>`), so it is posted once. Scrubbed of secrets
 * by the runner before it is enqueued.
 */
const probeEvidence = z
  .object({
    kind: z.literal('probe-evidence'),
    release: z.string().min(1),
    item: z.string(),
    /** The probe's type (http, postgres...). */
    probe: z.string(),
    status: z.enum(['pass', 'fail', 'error', 'interrupted']),
    summary: z.string(),
    durationMs: z.number().min(0),
    /** When it finished (ISO 8601) and who ran it. */
    at: z.string(),
    by: z.string(),
    /** What the item shows now because of it. */
    effect: z.enum(['ticked', 'unticked', 'none']),
    lines: z.array(z.string()),
    rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))).optional(),
    links: z.array(z.object({ label: z.string(), url: z.string() }).strict()).optional(),
    metrics: z.array(z.object({ name: z.string(), value: z.number().nullable(), threshold: z.string().optional() }).strict()).optional(),
  })
  .strict();

/** Where the checklist is, for a post elsewhere to link to: its channel and the overview's ts. */
const checklistRef = z.object({ channel: z.string(), ts: z.string().nullable() }).strict();

/** Open items of one section, as a reminder lists them (src/domain/timeline.ts openInSections). */
const openSection = z
  .object({
    title: z.string(),
    /** The thread message that shows the section, to link to; null when not posted. */
    ts: z.string().nullable(),
    items: z.array(z.object({ label: z.string(), assignee: z.string().nullable(), due: z.string().nullable() }).strict()),
    more: z.number().int().min(0),
  })
  .strict();

/** A probe's latest result, as a decision point or a hold's end shows it. */
const probeLine = z
  .object({ label: z.string(), status: z.enum(['pass', 'fail', 'error', 'interrupted', 'running', 'never']), summary: z.string().nullable(), at: z.string().nullable() })
  .strict();

/**
 * Issue 11. A reminder in the checklist's thread: a timeline entry (`T-5m`: what that moment asks, what is still open
 * in the sections it concerns, the people who must act), items still open at their due time, or a ramp step's hold
 * that is over. Sent late (the bot was down), it says when it was due.
 */
const reminder = z
  .object({
    kind: z.literal('reminder'),
    variant: z.enum(['timeline', 'item-due', 'hold']),
    release: z.string().min(1),
    /** Where in the timeline: `T-5m`. */
    offset: z.string(),
    /** What the moment asks, as the template says it (plain text); for a hold, the step that was held. */
    say: z.string(),
    dueAt: z.string(),
    late: z.boolean(),
    open: z.array(openSection),
    /** Sections with open items not listed. */
    moreSections: z.number().int().min(0),
    /** Users (U…) and user groups (S…) mentioned: the roles that must act and the assignees of what is listed. */
    mentions: z.array(z.string()),
    /** A hold's end: who ticked the step and when, the next step, and what to check first. */
    hold: z
      .object({ by: z.string().nullable(), at: z.string().nullable(), holdFor: z.string(), next: z.string().nullable(), checks: z.array(probeLine) })
      .strict()
      .optional(),
    checklist: checklistRef,
  })
  .strict();

/**
 * A decision point (`T+2m: are canary metrics healthy?`): the question, the probes' latest results, and Continue /
 * Roll back buttons for the decider (values: the promotion and the checkpoint reminder's id). Escalated (posted again,
 * mentioning the escalation contacts) when unanswered after the template's delay.
 */
const checkpoint = z
  .object({
    kind: z.literal('checkpoint'),
    release: z.string().min(1),
    promotionId: z.string(),
    /** The checkpoint reminder the buttons answer. */
    checkpointId: z.string(),
    offset: z.string(),
    say: z.string(),
    dueAt: z.string(),
    late: z.boolean(),
    continueLabel: z.string(),
    rollbackLabel: z.string(),
    deciders: z.array(z.string()),
    /** The entry's `mention` roles: told, not asked (users and groups). */
    cc: z.array(z.string()).optional(),
    probes: z.array(probeLine),
    /** Set on the escalation: how long it went unanswered, and who else is called. */
    escalation: z.object({ after: z.string(), contacts: z.array(z.string()) }).strict().optional(),
    checklist: checklistRef,
  })
  .strict();

/** A decision point's answer, in the thread (broadcast: the channel sees the call). */
const checkpointAnswered = z
  .object({
    kind: z.literal('checkpoint-answered'),
    release: z.string().min(1),
    offset: z.string(),
    answer: z.enum(['continue', 'rollback']),
    /** The button's words, as the template named them. */
    label: z.string(),
    by: z.string(),
    at: z.string(),
    /** What it did: the rollback stage started, reminders cancelled... (plain text). */
    effect: z.string().nullable(),
  })
  .strict();

/** The window was scheduled or moved: in the thread (broadcast) and in each stakeholder channel. */
const windowScheduled = z
  .object({
    kind: z.literal('window-scheduled'),
    release: z.string().min(1),
    templateName: z.string(),
    by: z.string(),
    start: z.string(),
    end: z.string(),
    t0: z.string(),
    /** The window it replaces, when it was moved. */
    previous: z.object({ start: z.string(), end: z.string() }).strict().nullable(),
    /** The first reminders ahead: offset and when. */
    next: z.array(z.object({ offset: z.string(), at: z.string(), what: z.string() }).strict()),
    checklist: checklistRef,
  })
  .strict();

/**
 * Issue 12. The promotion started: said once in each stakeholder channel (`announce.channels`), linking to the
 * checklist. Enqueued when the overview is first posted (its ts is the link), keyed `started:<promotion>:<channel>`.
 */
const promotionStarted = z
  .object({
    kind: z.literal('promotion-started'),
    release: z.string().min(1),
    templateName: z.string(),
    /** Who started it. */
    by: z.string(),
    /** The environment it deploys to (and locks), if any. */
    environment: z.string().nullable(),
    checklist: checklistRef,
  })
  .strict();

/**
 * Issue 12. Slack refused for good a post of the promotion's meant for another channel (a stakeholder announcement, a
 * broadcast): said once in the checklist's thread, to the promotion's requester, keyed `post-failed:<failed key>`.
 */
const postFailed = z
  .object({
    kind: z.literal('post-failed'),
    release: z.string().min(1),
    /** Who is told: the promotion's requester. */
    requester: z.string(),
    /** The channel Slack refused the post in. */
    channel: z.string(),
    /** What the post was, in words ("the GO announcement"): src/slack/message-kinds.ts `WHAT_POST`. */
    what: z.string(),
    /** Slack's error code (`not_in_channel`...), said in plain words with what to do by the renderer. */
    error: z.string(),
  })
  .strict();

/**
 * Issue 12. The rollback's communication, as the template wrote it and the lead filled it in: broadcast once in the
 * deployment channel (in the checklist's thread, also shown in the channel) and in each stakeholder channel, where it
 * carries an Acknowledge button (value: the promotion id).
 */
const rollbackBroadcast = z
  .object({
    kind: z.literal('rollback-broadcast'),
    release: z.string().min(1),
    promotionId: z.string(),
    subject: z.string(),
    /** The communication's body, filled in (plain text as the template and the lead wrote it). */
    message: z.string(),
    by: z.string(),
    /** The rollback path chosen, by its label. */
    path: z.string().nullable(),
    /** On-call and escalation contacts mentioned (users U…, groups S…). */
    contacts: z.array(z.string()),
    /** Show the Acknowledge button (stakeholder channels). */
    acknowledge: z.boolean(),
    checklist: checklistRef,
  })
  .strict();

/** The chosen path's steps, in the checklist's thread: what to do, linked to the section message where they are ticked. */
const rollbackSteps = z
  .object({
    kind: z.literal('rollback-steps'),
    release: z.string().min(1),
    path: z.string().nullable(),
    sections: z.array(z.object({ title: z.string(), ts: z.string().nullable(), steps: z.array(z.string()) }).strict()),
    checklist: checklistRef,
  })
  .strict();

/** A rollback update, threaded under the broadcast in each channel. */
const rollbackUpdate = z
  .object({
    kind: z.literal('rollback-update'),
    release: z.string().min(1),
    number: z.number().int().min(1),
    text: z.string(),
    by: z.string(),
    at: z.string(),
    checklist: checklistRef,
  })
  .strict();

/** The lead's reminder to post an update (every `rollback.update_every` until the rollback is complete), with the button. */
const rollbackUpdateDue = z
  .object({
    kind: z.literal('rollback-update-due'),
    release: z.string().min(1),
    promotionId: z.string(),
    lead: z.string(),
    every: z.string(),
    /** When the last update (or the broadcast) went out. */
    since: z.string(),
  })
  .strict();

/** The rollback is complete: the resolution, broadcast where the rollback was. */
const rollbackComplete = z
  .object({
    kind: z.literal('rollback-complete'),
    release: z.string().min(1),
    resolution: z.string(),
    by: z.string(),
    startedAt: z.string(),
    at: z.string(),
    checklist: checklistRef,
  })
  .strict();

/**
 * Issue 12. A call to Statuspage failed for good (refused, or never answered): said in the checklist's thread,
 * mentioning the promotion's lead (who started it), once per failed call, so the status page is updated by hand.
 */
const statuspageFailed = z
  .object({
    kind: z.literal('statuspage-failed'),
    release: z.string().min(1),
    /** Who started the promotion: mentioned. */
    lead: z.string(),
    /** What the bot was doing, in words (`schedule the maintenance for …`). */
    what: z.string(),
    /** Statuspage's HTTP status, or null when it never answered. */
    status: z.number().int().nullable(),
    /** Statuspage's message (never the API key). */
    error: z.string(),
    pageId: z.string(),
  })
  .strict();

/** Issue 13. A GitHub job waiting at a gated environment: its run, commit and who triggered it. */
const gateRef = z
  .object({
    repo: z.string().min(1),
    environment: z.string().min(1),
    runId: z.number().int(),
    runUrl: z.string().min(1),
    sha: z.string().min(1),
    ref: z.string(),
    triggeredBy: z.string(),
  })
  .strict();

/**
 * A GitHub job waits for the promotion's GO: said in the checklist's thread with the run's link, the commit (and the
 * commit it replaced as the bound one, whose approvals are void), the jobs it superseded, or the answer it got at
 * once (it arrived after GO, or during a rollback).
 */
const githubGateWaiting = z
  .object({
    kind: z.literal('github-gate-waiting'),
    release: z.string().min(1),
    gate: gateRef,
    answer: z.enum(['approved', 'rejected']).nullable(),
    previousCommit: z.string().nullable(),
    superseded: z.array(z.number().int()),
  })
  .strict();

/** A GitHub job waits and no promotion is active to take it (template `github.promotion: join`): said in the channel once. */
const githubGateUnattached = z
  .object({
    kind: z.literal('github-gate-unattached'),
    gate: gateRef,
    templateId: z.string().min(1),
  })
  .strict();

/** GitHub took the gate's answer: the job was released (approved) or stopped (rejected). */
const githubGateAnswered = z
  .object({
    kind: z.literal('github-gate-answered'),
    release: z.string().min(1),
    gate: gateRef,
    state: z.enum(['approved', 'rejected']),
    /** Why, for a rejection (the reason given); null for an approval. */
    why: z.string().nullable(),
  })
  .strict();

/** GitHub refused the gate's answer for good: shown with GitHub's words and what to do, mentioning the lead. */
const githubGateFailed = z
  .object({
    kind: z.literal('github-gate-failed'),
    release: z.string().min(1),
    gate: gateRef,
    state: z.enum(['approved', 'rejected']),
    lead: z.string(),
    status: z.number().int().nullable(),
    error: z.string(),
  })
  .strict();

/** Every kind: one member per kind (and one renderer per kind in src/slack/message-kinds.ts, or the build fails). */
export const OUTBOX_MESSAGE = z.discriminatedUnion('kind', [abortNotice, dispatchStarted, dispatchFailed, approvalsVoided, decisionAnnouncement, probeEvidence, reminder, checkpoint, checkpointAnswered, windowScheduled, promotionStarted, postFailed, rollbackBroadcast, rollbackSteps, rollbackUpdate, rollbackUpdateDue, rollbackComplete, statuspageFailed, githubGateWaiting, githubGateUnattached, githubGateAnswered, githubGateFailed]);

/** One post: its kind and that kind's data, e.g. `{ kind: 'abort-notice', release: 'v1.50', ... }`. */
export type OutboxMessage = z.infer<typeof OUTBOX_MESSAGE>;
export type MessageKind = OutboxMessage['kind'];
/** The post of one kind. */
export type MessageOf<K extends MessageKind> = Extract<OutboxMessage, { kind: K }>;

/** A post as stored (or about to be), checked against its kind's schema; throws naming what is wrong. */
export function parseOutboxMessage(message: unknown): OutboxMessage {
  const parsed = OUTBOX_MESSAGE.safeParse(message);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const kind = (message as { kind?: unknown } | null)?.kind;
    throw new Error(`outbox message ${typeof kind === 'string' ? kind : '(no kind)'}: ${issue.path.join('.') || '(data)'}: ${issue.message}`);
  }
  return parsed.data;
}
