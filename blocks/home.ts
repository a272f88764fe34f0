import type { KnownBlock } from '@slack/types';
import type { Home, HomeAssignment, HomeDecision, HomeLink, HomePromotion, Part, PendingApproval } from '../src/domain/home.js';
import type { PromotionStage } from '../src/domain/promotion.js';
import { ACTION, refValue } from '../src/ids.js';
import { code, esc, escCapped, escLiteral, LIMITS, mention, messageLink, SHOWN_MAX, slackDate, truncate } from './text.js';

/**
 * One person's App Home tab (views.publish): the approvals waiting for them first, each with an Approve button that
 * is the checklist panel's own (ACTION.approve, value refValue(promotion, approval)), then the open items assigned to
 * them, then the active promotions they are part of, then recent decisions. A Home view holds at most 100 blocks: each
 * list is capped and says how many more there are, so the whole is at most 1 + 4 × 3 + the caps' sum (99) blocks.
 */
export const HOME_CAPS = { pending: 30, assigned: 12, active: 25, decisions: 20 } as const;

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) }] };
}

/** The release, linked to its checklist once posted, and the template's name. */
function title(l: HomeLink): string {
  const release = esc(l.release);
  const linked = l.overviewTs ? `<${messageLink(l.channelId, l.overviewTs)}|${release}>` : release;
  return `*${linked}* · ${escCapped(l.templateName, 80, escLiteral)} in <#${l.channelId}>`;
}

function pendingBlock(p: PendingApproval): KnownBlock {
  const count = p.required > 1 ? ` · ${p.approved} of ${p.required} approved` : '';
  const when = p.stage === 'after-deploy' ? ' · sign-off after the deployment' : '';
  const voided = p.voidReason ? `\n:warning: Your approval was made void: ${escCapped(p.voidReason, SHOWN_MAX.reason)}. Approve again if it still holds.` : '';
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(`${title(p)}\n${escCapped(`“${p.label}”`, 90, escLiteral)} as ${escCapped(p.roleLabel, 80, escLiteral)}${count}${when}${voided}`, LIMITS.sectionText) },
    accessory: { type: 'button', text: { type: 'plain_text', text: 'Approve' }, style: 'primary', action_id: ACTION.approve, value: refValue(p.promotionId, p.approvalId) },
  };
}

/** An item assigned to them: its label linked to its section's message in the thread (the overview until posted). */
function assignedBlock(a: HomeAssignment): KnownBlock {
  const label = escCapped(`“${a.label}”`, 120, escLiteral);
  const at = a.sectionTs && a.overviewTs ? `${messageLink(a.channelId, a.sectionTs)}?thread_ts=${a.overviewTs}&cid=${a.channelId}` : a.overviewTs ? messageLink(a.channelId, a.overviewTs) : null;
  return section(`${at ? `<${at}|${label}>` : label} · ${escCapped(a.sectionTitle, 80, escLiteral)}\n${title(a)}`);
}

const STAGE: Record<PromotionStage, string> = {
  preparing: 'preparing',
  go: ':white_check_mark: GO given',
  'no-go': ':no_entry: NO-GO, to be decided again',
  'rolling-back': ':rewind: rolling back',
};

const PART: Record<Part, string> = { started: 'you started it', approved: 'you approved', rejected: 'you rejected', decider: 'you decide GO' };

function activeBlock(p: HomePromotion): KnownBlock {
  const env = p.environment ? ` · ${code(p.environment)}` : '';
  return section(`${title(p)}\n${STAGE[p.stage]}${env} · ${p.parts.map((x) => PART[x]).join(', ')} · started by ${mention(p.startedBy)} ${slackDate(p.startedAt)}`);
}

const DECISION: Record<HomeDecision['decision'], string> = { go: ':white_check_mark: GO', 'no-go': ':no_entry: NO-GO', completed: ':checkered_flag: Completed' };

function decisionBlock(d: HomeDecision): KnownBlock {
  const why = d.reason ? `: ${escCapped(d.reason, SHOWN_MAX.reason)}` : '';
  const date = d.newDate ? ` (new date ${esc(d.newDate)})` : '';
  return context(`${DECISION[d.decision]} · ${title(d)} · ${mention(d.by)} ${slackDate(d.at)}${why}${date}`);
}

/** A capped list under its heading: the first `max` items, then how many more there are. */
function list<T>(heading: string, none: string, items: readonly T[], max: number, render: (t: T) => KnownBlock, more: (n: number) => string): KnownBlock[] {
  if (items.length === 0) return [section(`*${heading}*\n${none}`)];
  const blocks = [section(`*${heading}* (${items.length})`), ...items.slice(0, max).map(render)];
  if (items.length > max) blocks.push(context(more(items.length - max)));
  return blocks;
}

/** The Home tab's view, as views.publish takes it. */
export interface RenderedHome {
  type: 'home';
  blocks: KnownBlock[];
}

export function homeView(home: Home): RenderedHome {
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Preflight' } },
    ...list('Waiting for your approval', 'Nothing waits for your approval.', home.pending, HOME_CAPS.pending, pendingBlock, (n) => `…and ${n} more. Open the checklists to see them all.`),
    { type: 'divider' },
    ...list('Assigned to you', 'Nothing is assigned to you.', home.assigned, HOME_CAPS.assigned, assignedBlock, (n) => `…and ${n} more. Open the checklists to see them all.`),
    { type: 'divider' },
    ...list('Your active promotions', 'You are part of no active promotion.', home.active, HOME_CAPS.active, activeBlock, (n) => `…and ${n} more. \`/promote list\` in a channel lists its promotions.`),
    { type: 'divider' },
    ...list('Recent decisions', 'No GO, NO-GO or completion lately.', home.decisions, HOME_CAPS.decisions, decisionBlock, (n) => `…and ${n} more.`),
  ];
  return { type: 'home', blocks };
}
