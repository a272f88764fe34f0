import type { KnownBlock } from '@slack/types';
import type { MessageOf } from '../src/domain/message-kinds.js';
import type { GateView } from '../src/domain/promotion.js';
import type { RenderedMessage } from './checklist.js';
import { urlLink } from './dispatch.js';
import { contextBlock, mentionAny, sectionBlock } from './posts.js';
import { code, esc, escCapped, LIMITS, SHOWN_MAX, truncate } from './text.js';

/**
 * What the GitHub deployment gate says in Slack (issue 13, src/services/github-gate.ts and src/github/gate-sender.ts,
 * through the outbox): a job waiting for GO, a job waiting for a promotion, GitHub's answer taken, or refused.
 */

type GateRef = MessageOf<'github-gate-waiting'>['gate'];

/** "run 123 of acme/platform (commit a1b2c3d on main, by octocat)", the run linked. */
export function gateLine(gate: GateRef): string {
  return (
    `${urlLink(gate.runUrl, `run ${gate.runId}`)} of ${code(truncate(gate.repo, 140))} ` +
    `(commit ${code(gate.sha.slice(0, 7))} on ${code(truncate(gate.ref, 100))}, triggered by ${esc(truncate(gate.triggeredBy, 100))})`
  );
}

function plainGate(gate: GateRef): string {
  return `run ${gate.runId} of ${gate.repo} (commit ${gate.sha.slice(0, 7)})`;
}

export function githubGateWaiting(m: MessageOf<'github-gate-waiting'>): RenderedMessage {
  const env = code(truncate(m.gate.environment, 100));
  const head =
    m.answer === 'approved'
      ? `:white_check_mark: GitHub job at ${env}: ${gateLine(m.gate)}. GO for *${esc(m.release)}* was given for this commit: approved.`
      : m.answer === 'rejected'
        ? `:no_entry: GitHub job at ${env}: ${gateLine(m.gate)}. Rejected: *${esc(m.release)}* is past its GO for another commit, or rolling back.`
        : `:hourglass_flowing_sand: *GitHub job waiting* at ${env} for the GO of *${esc(m.release)}*: ${gateLine(m.gate)}.`;
  const notes: string[] = [];
  if (m.previousCommit) notes.push(`The bound commit changed from ${code(m.previousCommit.slice(0, 7))} to ${code(m.gate.sha.slice(0, 7))}: approvals given for the old commit are void.`);
  if (m.superseded.length) notes.push(`Superseded and rejected: run${m.superseded.length === 1 ? '' : 's'} ${m.superseded.slice(0, 10).join(', ')}${m.superseded.length > 10 ? ` and ${m.superseded.length - 10} more` : ''}.`);
  if (m.answer === null) notes.push('GO releases it in GitHub; NO-GO, abort or rollback rejects it.');
  return {
    text: truncate(esc(`GitHub job waiting at ${m.gate.environment} for ${m.release}: ${plainGate(m.gate)}`), LIMITS.fallbackText),
    blocks: [sectionBlock(head), contextBlock(notes.join(' '))],
  };
}

export function githubGateUnattached(m: MessageOf<'github-gate-unattached'>): RenderedMessage {
  const line = `:hourglass_flowing_sand: *GitHub job waiting* at ${code(truncate(m.gate.environment, 100))}: ${gateLine(m.gate)}. No promotion of ${code(m.templateId)} is active in this channel: start one (\`/promote start <release> ${esc(m.templateId)}\`) and the job joins it.`;
  return {
    text: truncate(esc(`GitHub job waiting at ${m.gate.environment}: ${plainGate(m.gate)}; start a promotion of ${m.templateId}`), LIMITS.fallbackText),
    blocks: [sectionBlock(line)],
  };
}

export function githubGateAnswered(m: MessageOf<'github-gate-answered'>): RenderedMessage {
  const env = code(truncate(m.gate.environment, 100));
  const line =
    m.state === 'approved'
      ? `:rocket: GitHub took the GO of *${esc(m.release)}*: ${gateLine(m.gate)} is released to ${env}.`
      : `:no_entry: GitHub took the rejection: ${gateLine(m.gate)} will not deploy to ${env}.${m.why ? ` ${escCapped(m.why, SHOWN_MAX.reason)}` : ''}`;
  return {
    text: truncate(esc(`GitHub gate ${m.state}: ${plainGate(m.gate)} at ${m.gate.environment}`), LIMITS.fallbackText),
    blocks: [sectionBlock(line)],
  };
}

export function githubGateFailed(m: MessageOf<'github-gate-failed'>): RenderedMessage {
  const what = m.state === 'approved' ? 'release' : 'reject';
  const line =
    `:x: ${mentionAny(m.lead)} GitHub refused to ${what} ${gateLine(m.gate)} at ${code(truncate(m.gate.environment, 100))}` +
    `${m.status ? ` (${m.status})` : ''}: ${escCapped(m.error, 600)}`;
  const todo =
    m.status === 401 || m.status === 403
      ? "Check the App's id, private key and permissions (Actions: read, Deployments: read and write), then answer the job in GitHub by hand."
      : m.status === 404 || m.status === 422
        ? 'The job may no longer be waiting (cancelled, timed out, or answered in GitHub). Look at the run in GitHub.'
        : 'Answer the job in GitHub by hand (Review deployments), or re-run it.';
  return {
    text: truncate(esc(`GitHub refused to ${what} ${plainGate(m.gate)}: ${m.error}`), LIMITS.fallbackText),
    blocks: [sectionBlock(line), contextBlock(todo)],
  };
}

/** How many of a promotion's GitHub jobs the overview lists (the newest; the thread has every one). */
export const GATES_SHOWN = 3;

const GATE_STATUS: Record<GateView['state'], (sent: GateView['sent']) => string> = {
  waiting: () => ':hourglass_flowing_sand: *GitHub job waiting* for GO',
  approved: (sent) => (sent === 'sent' ? ':white_check_mark: *Released* in GitHub' : sent === 'failed' ? ':x: *GitHub refused the release*' : ':arrow_forward: *Approved*, being sent to GitHub'),
  rejected: (sent) => (sent === 'sent' ? ':no_entry: *Rejected* in GitHub' : sent === 'failed' ? ':x: *GitHub refused the rejection*' : ':no_entry: *Rejected*, being sent to GitHub'),
};

/**
 * The overview's GitHub lines (issue 13): each job at the gate, newest last, with its run's link, commit and who
 * triggered it, and where its answer is. Nothing for a template without `github`.
 */
export function gateBlocks(gates: readonly GateView[] | undefined): KnownBlock[] {
  if (!gates?.length) return [];
  const shown = gates.slice(-GATES_SHOWN);
  const lines = shown.map((g) => `${GATE_STATUS[g.state](g.sent)} at ${code(truncate(g.environment, 60))}: ${gateLine(g)}`);
  const more = gates.length - shown.length;
  if (more > 0) lines.unshift(`_${more} earlier job${more === 1 ? '' : 's'} in the thread_`);
  return [sectionBlock(lines.join('\n'))];
}
