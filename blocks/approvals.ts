import { rollbackPanel } from './rollback.js';
import type { ActionsBlock, Button, KnownBlock, Overflow } from '@slack/types';
import { approvalStatuses, howToConfigure, roleConfigured, whoCan, type ApprovalRecord, type ApprovalStatus } from '../src/domain/approvals.js';
import { completeGate, goGate } from '../src/domain/gate.js';
import type { Decision, PromotionStage, PromotionView } from '../src/domain/promotion.js';
import type { ApprovalSpec, Template } from '../src/domain/template.js';
import { ACTION, approvalBlockId, decisionBlockId, refValue } from '../src/ids.js';
import { byLine, esc, escCapped, escLiteral, LIMITS, mention, SHOWN_MAX, truncate } from './text.js';

/**
 * The approvals panel and the decider's buttons, at the foot of the overview: for each approval of the stage in play
 * (before GO while preparing or after a NO-GO, after the deployment once GO is decided) what it needs, who gave it,
 * who rejected it and why, which approvals a changed value made void, who may give it, and its buttons; then the
 * GO / NO-GO decision (or Complete, after GO). Block Kit has no disabled buttons: the services check everything on
 * the click, so what is shown here is information, never the authorisation.
 *
 * Sizes are bounded whatever people do (blocks/layout.ts renders the worst case): two blocks per approval, four more,
 * and each approval's text within `approvalChars(n)`: its lines are added whole, most important first, and a list
 * that does not fit says how many more there are.
 */

/** How many characters the approvals of one stage share at most (the rest of the overview keeps the other ~5,000). */
export const PANEL_CHARS = 4_500;
/** The longest reason a rejection or a NO-GO takes (the modals' max_length). */
export const REASON_MAX = 500;
/** How much of a void approval's reason is shown (it names the item and both values). */
const VOID_REASON_SHOWN = 300;
/** How many rejections, and how many void approvals, an approval lists before "and N more". */
const SHOWN_RECORDS = 3;

/** Which approvals a stage works on: after-deploy sign-offs once GO is decided, the before-GO ones otherwise. */
export function panelStage(stage: PromotionStage): ApprovalSpec['stage'] {
  return stage === 'go' || stage === 'rolling-back' ? 'after-deploy' : 'before-go';
}

/** The characters each of `n` approvals' text may take. */
export function approvalChars(n: number): number {
  return Math.min(LIMITS.sectionText, Math.floor(PANEL_CHARS / Math.max(1, n)));
}

/** "<@U1> <date>, <@U2> <date> and 3 more": as many entries as fit in `room` (at least one). */
function listWithin(prefix: string, entries: readonly string[], room: number): string {
  let line = `${prefix}${entries[0] ?? ''}`;
  let shown = entries.length > 0 ? 1 : 0;
  for (; shown < entries.length; shown++) {
    const more = entries.length - shown - 1;
    const next = `${line}, ${entries[shown]}`;
    if (next.length + (more > 0 ? ` and ${more} more`.length : 0) > room) break;
    line = next;
  }
  return shown < entries.length ? `${line} and ${entries.length - shown} more` : line;
}

/** Lines added whole while they fit in `max` characters; the first always (it is bounded on its own). */
function fitLines(lines: readonly string[], max: number): string {
  let text = lines[0] ?? '';
  for (const line of lines.slice(1)) {
    if (text.length + 1 + line.length <= max) text += `\n${line}`;
  }
  return truncate(text, max);
}

/** Who may act for a role, the way a panel shows it: at most a few names, then how many more. */
function people(template: Template, role: string): string[] {
  const spec = template.roles[role];
  return [...(spec?.users ?? []).map(mention), ...(spec?.groups ?? []).map((g) => `<!subteam^${g}>`)];
}

function approvalLines(template: Template, status: ApprovalStatus, max: number): string {
  const { spec, approvedBy, rejectedBy, voided } = status;
  const have = approvedBy.length;
  const emoji = rejectedBy.length > 0 ? ':no_entry:' : status.satisfied ? ':white_check_mark:' : ':hourglass_flowing_sand:';
  const count = `${have} of ${spec.required} approval${spec.required === 1 ? '' : 's'}`;
  const lines = [`${emoji} *${escCapped(spec.label, 200, escLiteral)}* · ${count}${rejectedBy.length > 0 ? ' · *rejected*' : ''}`];
  // What blocks first: rejections, then approvals a changed value made void, then who approved, then who can.
  const room = max - lines[0]!.length - 1;
  for (const r of rejectedBy.slice(0, SHOWN_RECORDS)) lines.push(`:no_entry: Rejected by ${byLine(r.userId, r.at)}: ${escCapped(r.comment ?? '', SHOWN_MAX.reason)}`);
  if (rejectedBy.length > SHOWN_RECORDS) lines.push(`:no_entry: and ${rejectedBy.length - SHOWN_RECORDS} more rejections`);
  for (const r of voided.slice(0, SHOWN_RECORDS)) {
    // The reason is the domain's mrkdwn (the label escaped, the values in code spans): capped, not escaped again.
    lines.push(`:warning: Void: ${byLine(r.userId, r.at)}, ${escCapped(r.voidReason ?? 'a bound value changed', VOID_REASON_SHOWN, (s) => s)}: approve again`);
  }
  if (voided.length > SHOWN_RECORDS) lines.push(`:warning: and ${voided.length - SHOWN_RECORDS} more made void`);
  if (have > 0) lines.push(listWithin('Approved by ', approvedBy.map((r) => byLine(r.userId, r.at)), room));
  if (roleConfigured(template, spec.role)) {
    lines.push(listWithin(`_${spec.required > 1 ? `${spec.required} different people of` : 'Any of'}:_ `, people(template, spec.role), room));
  } else {
    lines.push(`:gear: ${howToConfigure(template, spec.role)}.`);
  }
  return fitLines(lines, max);
}

function approvalActions(promotionId: string, approvalId: string): ActionsBlock {
  const value = refValue(promotionId, approvalId);
  const withdraw: Overflow = {
    type: 'overflow',
    action_id: ACTION.withdraw,
    options: [{ text: { type: 'plain_text', text: 'Withdraw my decision' }, value: approvalId }],
  };
  return {
    type: 'actions',
    block_id: approvalBlockId(promotionId, approvalId),
    elements: [
      { type: 'button', action_id: ACTION.approve, text: { type: 'plain_text', text: 'Approve' }, style: 'primary', value },
      { type: 'button', action_id: ACTION.reject, text: { type: 'plain_text', text: 'Reject…' }, value },
      withdraw,
    ],
  };
}

/** The panel of the approvals of the stage in play: a title, then per approval its text and (while running) its buttons. */
export function approvalsPanel(view: PromotionView): KnownBlock[] {
  const p = view.promotion;
  const t = p.template;
  const stage = panelStage(p.stage);
  const statuses = approvalStatuses(t, view.states, view.approvals ?? [], stage);
  if (statuses.length === 0) return [];
  const done = statuses.filter((s) => s.satisfied).length;
  const title = stage === 'before-go' ? 'Approvals before GO' : 'Sign-offs after the deployment';
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*${title}* · ${done} of ${statuses.length} complete` } }];
  const max = approvalChars(statuses.length);
  for (const status of statuses) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: approvalLines(t, status, max) } });
    if (p.status === 'active' && roleConfigured(t, status.spec.role)) blocks.push(approvalActions(p.id, status.spec.id));
  }
  return blocks;
}

function lastDecision(view: PromotionView, kind: Decision['decision']): Decision | undefined {
  return [...(view.decisions ?? [])].reverse().find((d) => d.decision === kind);
}

function decisionLine(d: Decision): string {
  if (d.decision === 'go') return `:large_green_circle: *GO* by ${byLine(d.by, d.at)}`;
  const date = d.newDate ? ` · *New date:* ${esc(d.newDate)}` : '';
  return `:red_circle: *NO-GO* by ${byLine(d.by, d.at)}: ${escCapped(d.reason ?? '', SHOWN_MAX.reason)}${date}`;
}

function who(view: PromotionView): { text: string; configured: boolean } {
  const t = view.promotion.template;
  const role = t.decider && t.roles[t.decider] ? t.decider : undefined;
  if (!role) return { text: `${mention(view.promotion.requestedBy)}, who started it`, configured: true };
  if (!roleConfigured(t, role)) return { text: `nobody yet: ${howToConfigure(t, role)}`, configured: false };
  return { text: truncate(whoCan(t, role), 600), configured: true };
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** What GO (or Complete) still needs, counted: the list itself is given to whoever presses the button. */
function stillNeeded(missing: ReturnType<typeof goGate>, what: 'GO' | 'Complete'): string {
  if (missing.length === 0) return `:white_check_mark: Everything ${what} needs is in.`;
  const items = missing.filter((m) => m.kind === 'item' || m.kind === 'blocking-choice').length;
  const approvals = missing.filter((m) => m.kind === 'approval').reduce((n, m) => n + (m.kind === 'approval' ? m.status.missing : 0), 0);
  const rejections = missing.filter((m) => m.kind === 'rejected').length;
  const parts = [items > 0 ? plural(items, 'item') : '', approvals > 0 ? plural(approvals, 'approval') : '', rejections > 0 ? plural(rejections, 'rejection') + ' standing' : ''];
  return `_${what} still needs:_ ${parts.filter(Boolean).join(', ')}`;
}

const button = (action: string, text: string, value: string, style?: 'primary' | 'danger'): Button => ({
  type: 'button',
  action_id: action,
  text: { type: 'plain_text', text },
  value,
  ...(style ? { style } : {}),
});

/**
 * The decision: GO and NO-GO for the decider while the promotion is preparing or had a NO-GO (with the last NO-GO's
 * reason and new date), then after GO the decision and Complete. Once the promotion ended, the decision only.
 */
export function decisionBlocks(view: PromotionView): KnownBlock[] {
  const p = view.promotion;
  const active = p.status === 'active';
  const records: readonly ApprovalRecord[] = view.approvals ?? [];
  const lines: string[] = [];
  const blocks: KnownBlock[] = [];
  if (p.stage === 'go' || p.stage === 'rolling-back') {
    const go = lastDecision(view, 'go');
    if (go) lines.push(decisionLine(go));
    if (active && p.stage === 'go') lines.push(stillNeeded(completeGate(view, records), 'Complete'));
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: fitLines(lines, LIMITS.sectionText) } });
    if (active && p.stage === 'go') {
      // Roll back… opens the form prefilled from the template's communication (blocks/rollback-modal.ts).
      blocks.push({ type: 'actions', block_id: decisionBlockId(p.id), elements: [button(ACTION.complete, 'Complete', p.id, 'primary'), button(ACTION.rollback, 'Roll back…', p.id, 'danger')] });
    }
    blocks.push(...rollbackPanel(view));
    return blocks;
  }
  const noGo = p.stage === 'no-go' ? lastDecision(view, 'no-go') : undefined;
  if (noGo) lines.push(decisionLine(noGo));
  if (!active) {
    if (lines.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: fitLines(lines, LIMITS.sectionText) } });
    return blocks;
  }
  const decider = who(view);
  lines.push(`*GO / NO-GO* · decided by ${decider.text}`);
  lines.push(stillNeeded(goGate(view, records), 'GO'));
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: fitLines(lines, LIMITS.sectionText) } });
  if (decider.configured) {
    blocks.push({
      type: 'actions',
      block_id: decisionBlockId(p.id),
      elements: [button(ACTION.go, 'GO', p.id, 'primary'), button(ACTION.noGo, 'NO-GO…', p.id, 'danger')],
    });
  }
  return blocks;
}
