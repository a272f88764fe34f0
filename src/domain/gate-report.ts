import { approvalStatuses } from './approvals.js';
import { goGate } from './gate.js';
import { percentSettled, promotionProgress, type PromotionView } from './promotion.js';
import { allItems } from './template.js';

/**
 * The status report Preflight posts to a GitHub job waiting at its gate (issue 13): GitHub shows it on the run, so
 * people looking there see the checklist's state. Markdown, within GitHub's 1,024 characters; names from the template
 * and GitHub's own text only (no Slack mrkdwn, no user ids), each line cut to fit.
 */
export const REPORT_MAX = 1024;

/** Markdown's special characters in template text, escaped so a label cannot turn into a link or a heading. */
function md(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+\-.!|<>~])/g, '\\$1');
}

export function gateStatusReport(view: PromotionView, now: Date, checklistUrl: string): string {
  const { promotion } = view;
  const progress = promotionProgress(view);
  const records = view.approvals ?? [];
  const missing = goGate(view, records, now);
  const lines: string[] = [];
  lines.push(`**Preflight: ${md(promotion.release)}** (${md(promotion.template.name)}): ${progress.done + progress.na} of ${progress.total} items settled (${percentSettled(progress)}%).`);
  const approvals = approvalStatuses(promotion.template, view.states, records, 'before-go');
  if (approvals.length) {
    lines.push(`Approvals: ${approvals.map((a) => `${md(a.spec.label)} ${a.approvedBy.length}/${a.spec.required}${a.rejectedBy.length ? ' (rejected)' : a.satisfied ? ' ✓' : ''}`).join(', ')}.`);
  }
  const probes = [...(view.probes?.values() ?? [])].map((p) => p.result).filter((r) => r !== null);
  if (probes.length) {
    const failed = probes.filter((r) => r.status !== 'pass');
    const names = new Map(allItems(promotion.template).map((i) => [i.id, i.label]));
    lines.push(
      `Checks: ${probes.length - failed.length} passed${failed.length ? `, ${failed.length} not passing (${failed.slice(0, 3).map((r) => md(names.get(r.itemId) ?? r.itemId)).join(', ')}${failed.length > 3 ? '…' : ''})` : ''}.`,
    );
  }
  lines.push(missing.length === 0 ? 'Every gate holds: waiting for the decider’s GO.' : `GO needs ${missing.length} more thing${missing.length === 1 ? '' : 's'}.`);
  const link = `[Open the checklist in Slack](${checklistUrl})`;
  const body = lines.map((l) => (l.length > 300 ? `${l.slice(0, 299)}…` : l)).join('\n');
  const room = REPORT_MAX - link.length - 1;
  return `${body.length > room ? `${body.slice(0, room - 1)}…` : body}\n${link}`;
}
