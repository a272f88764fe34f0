import type { RenderedMessage } from '../../blocks/checklist.js';
import { dispatchFailed, dispatchStarted } from '../../blocks/dispatch.js';
import { approvalsVoided, decisionAnnouncement, postFailed, promotionStarted } from '../../blocks/announcements.js';
import { abortNotice } from '../../blocks/replies.js';
import { probeEvidence } from '../../blocks/probes.js';
import { checkpoint, checkpointAnswered, reminder, windowScheduled } from '../../blocks/timeline.js';
import { rollbackBroadcast, rollbackComplete, rollbackSteps, rollbackUpdate, rollbackUpdateDue } from '../../blocks/rollback.js';
import { statuspageFailed } from '../../blocks/statuspage.js';
import { githubGateAnswered, githubGateFailed, githubGateUnattached, githubGateWaiting } from '../../blocks/github-gate.js';
import type { MessageKind, MessageOf, OutboxMessage } from '../domain/message-kinds.js';

/**
 * One renderer (a pure function in blocks/) per kind of one-off post. The mapped type makes this exhaustive: a kind
 * added to OUTBOX_MESSAGE (src/domain/message-kinds.ts) without a line here does not compile.
 */
export type MessageRenderers = { [K in MessageKind]: (message: MessageOf<K>) => RenderedMessage };

export const RENDER_MESSAGE: MessageRenderers = {
  'abort-notice': abortNotice,
  'dispatch-started': dispatchStarted,
  'dispatch-failed': dispatchFailed,
  'approvals-voided': approvalsVoided,
  'decision-announcement': decisionAnnouncement,
  'probe-evidence': probeEvidence,
  reminder,
  checkpoint,
  'checkpoint-answered': checkpointAnswered,
  'window-scheduled': windowScheduled,
  'rollback-broadcast': rollbackBroadcast,
  'rollback-steps': rollbackSteps,
  'rollback-update': rollbackUpdate,
  'rollback-update-due': rollbackUpdateDue,
  'rollback-complete': rollbackComplete,
  'promotion-started': promotionStarted,
  'post-failed': postFailed,
  'statuspage-failed': statuspageFailed,
  'github-gate-waiting': githubGateWaiting,
  'github-gate-unattached': githubGateUnattached,
  'github-gate-answered': githubGateAnswered,
  'github-gate-failed': githubGateFailed,
};

/**
 * What a post of each kind is, in words, for the lead's notice when Slack refuses it for good in another channel
 * (`post-failed`, src/slack/outbox.ts): "I could not post <the GO announcement> of v1.50 in #channel". Exhaustive
 * like RENDER_MESSAGE: a new kind says what it is here.
 */
export const WHAT_POST: { [K in MessageKind]: (message: MessageOf<K>) => string } = {
  'abort-notice': () => 'the abort notice',
  'dispatch-started': () => 'the notice of the workflow run',
  'dispatch-failed': () => 'the notice of the failed workflow dispatch',
  'approvals-voided': () => 'the notice of void approvals',
  'decision-announcement': (m) => (m.decision === 'go' ? 'the GO announcement' : m.decision === 'no-go' ? 'the NO-GO announcement' : 'the completion announcement'),
  'probe-evidence': () => 'the evidence of a check',
  reminder: (m) => `the ${m.offset} reminder`,
  checkpoint: (m) => `the ${m.offset} decision point`,
  'checkpoint-answered': () => 'the answer to a decision point',
  'window-scheduled': (m) => (m.previous ? 'the announcement of the moved window' : 'the window announcement'),
  'promotion-started': () => 'the start announcement',
  'post-failed': () => 'the notice of a failed post',
  'rollback-broadcast': () => 'the rollback broadcast',
  'rollback-steps': () => 'the rollback steps',
  'rollback-update': (m) => `rollback update ${m.number}`,
  'rollback-update-due': () => 'the reminder to post a rollback update',
  'rollback-complete': () => 'the rollback resolution',
  'statuspage-failed': () => 'the notice of a failed status page update',
  'github-gate-waiting': () => 'the notice of a GitHub job waiting',
  'github-gate-unattached': () => 'the notice of a GitHub job waiting for a promotion',
  'github-gate-answered': (m) => (m.state === 'approved' ? "the notice of GitHub's job released" : "the notice of GitHub's job rejected"),
  'github-gate-failed': () => "the notice of GitHub's refusal",
};

/** What a post is, in words (WHAT_POST). */
export function whatPost(message: OutboxMessage): string {
  const what = WHAT_POST[message.kind] as (message: OutboxMessage) => string;
  return what(message);
}

/** What a post shows, rendered from its kind and data when it is sent (src/slack/outbox.ts). */
export function renderMessage(message: OutboxMessage): RenderedMessage {
  const render = RENDER_MESSAGE[message.kind] as (message: OutboxMessage) => RenderedMessage;
  return render(message);
}
