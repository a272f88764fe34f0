import type { KnownBlock } from '@slack/types';
import {
  percentSettled,
  promotionProgress,
  sectionProgress,
  sectionsInPlay,
  whatIsLeft,
  type Promotion,
  type PromotionView,
} from '../src/domain/promotion.js';
import type { MessageOf } from '../src/domain/message-kinds.js';
import { allItems, itemKind, type Template } from '../src/domain/template.js';
import { ACTION, templateChoiceValue } from '../src/ids.js';
import { KIND_EMOJI, type RenderedMessage } from './checklist.js';
import { code, esc, escCapped, escLiteral, LIMITS, mention, messageLink, progressBar, SHOWN_MAX, slackDate, truncate } from './text.js';

/**
 * A link to the checklist when it was posted; the label alone otherwise. Labels here carry a release, which
 * people copy into commands, so it is escaped but keeps its characters (a release has no `*`, `~` or backtick).
 */
function link(channelId: string, ts: string | null, label: string): string {
  return ts ? `<${messageLink(channelId, ts)}|${esc(label)}>` : esc(label);
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

function only(text: string): RenderedMessage {
  return { text: truncate(text, LIMITS.fallbackText), blocks: [section(text)] };
}

const MAX_OPEN_SHOWN = 15;

/** A template name or section title in a line of a reply: literal, and capped so many lines fit one message. */
function name(text: string): string {
  return escCapped(text, 80, escLiteral);
}

/** Who started it and with which template, after its name. */
function startedLine(p: Promotion): string {
  return `${name(p.template.name)} · started by ${mention(p.requestedBy)} ${slackDate(p.createdAt)}`;
}

function progressLine(view: PromotionView): string {
  const total = promotionProgress(view);
  return `\`${progressBar(total.done + total.na, total.total)}\` ${total.done + total.na} of ${total.total} items (${percentSettled(total)}%)`;
}

/**
 * `/promote status <release>` (or the only active one): progress per section and what is still open, counting
 * the sections in play as the overview does (before GO while preparing); the others are only counted as such.
 */
/** The maintenance window, or how to schedule it. */
function windowLine(p: PromotionView['promotion']): string {
  if (!p.window) return `_Window not scheduled: ${code(`/promote schedule ${p.release} …`)}_`;
  return `Window: ${slackDate(p.window.start)} to ${slackDate(p.window.end, '{time}')}`;
}

export function statusReply(view: PromotionView, overviewTs: string | null): RenderedMessage {
  const p = view.promotion;
  const total = promotionProgress(view);
  const inPlay = sectionsInPlay(view).map(({ section }) => section);
  const lines = inPlay
    .filter((s) => s.items.length > 0)
    .map((s) => {
      const sp = sectionProgress(s, view.states);
      return `${KIND_EMOJI[s.kind]} ${escLiteral(s.title)}: ${sp.done + sp.na}/${sp.total}${sp.open === 0 ? ' :white_check_mark:' : ''}`;
    });
  const later = p.template.sections.filter((s) => s.items.length > 0 && !inPlay.includes(s)).length;
  if (later > 0) lines.push(`_${later} more section${later === 1 ? '' : 's'} (after GO, plans, reference) not counted yet_`);
  const left = new Set(whatIsLeft(view).sections.flatMap(({ section }) => section.items.map((i) => i.id)));
  const open = allItems(p.template).filter((i) => left.has(i.id) && (view.states.get(i.id)?.state ?? 'open') === 'open');
  const openLines = open.slice(0, MAX_OPEN_SHOWN).map((i) => `• ${escLiteral(i.label)}${itemKind(i) === 'check' ? '' : ' _(to fill in)_'}`);
  if (open.length > MAX_OPEN_SHOWN) openLines.push(`…and ${open.length - MAX_OPEN_SHOWN} more`);
  const blocks: KnownBlock[] = [
    section(`*${link(p.channelId, overviewTs, `Promotion ${p.release}`)}* · ${startedLine(p)}\n${progressLine(view)}\n${windowLine(p)}`),
    section(lines.join('\n')),
  ];
  if (openLines.length > 0) blocks.push(section(`*Still open*\n${openLines.join('\n')}`));
  return { text: `Promotion ${p.release}: ${total.done + total.na} of ${total.total} items settled`, blocks };
}

/** The most promotions one status answer shows compactly: with names capped, well within a message's budget. */
const MAX_STATUSES_SHOWN = 20;

/**
 * `/promote status` with several active here: each one's progress in two lines, and where the open work is,
 * rather than a refusal. The detailed answer is one `/promote status <release>` away.
 */
export function statusesReply(active: ReadonlyArray<{ view: PromotionView; overviewTs: string | null }>): RenderedMessage {
  if (active.length === 1) return statusReply(active[0]!.view, active[0]!.overviewTs);
  const blocks: KnownBlock[] = [section(`*${active.length} promotions are active here*`)];
  for (const { view, overviewTs } of active.slice(0, MAX_STATUSES_SHOWN)) {
    const p = view.promotion;
    // What is next among the sections in play, as the overview says it.
    const next = whatIsLeft(view).sections[0]?.section;
    const where = next ? ` · next: ${name(next.title)}` : ' · all settled for now';
    blocks.push(section(`*${link(p.channelId, overviewTs, `Promotion ${p.release}`)}* · ${progressLine(view)}${where}\n${startedLine(p)}`));
  }
  const more = active.length > MAX_STATUSES_SHOWN ? `…and ${active.length - MAX_STATUSES_SHOWN} more (${code('/promote list')}). ` : '';
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${more}${code('/promote status <release>')} shows one in detail.` }] });
  const text = active.map(({ view }) => `${view.promotion.release} ${percentSettled(promotionProgress(view))}%`).join(', ');
  return { text: truncate(`${active.length} active promotions: ${text}`, LIMITS.fallbackText), blocks };
}

/** `/promote list`: the active promotions in this channel. */
export function listReply(active: ReadonlyArray<{ view: PromotionView; overviewTs: string | null }>): RenderedMessage {
  if (active.length === 0) return only(`No promotion is active in this channel. Start one with ${code('/promote start <release>')}.`);
  const lines = active.map(({ view, overviewTs }) => {
    const p = view.promotion;
    const t = promotionProgress(view);
    return `• *${link(p.channelId, overviewTs, p.release)}* · ${name(p.template.name)} · ${t.done + t.na}/${t.total} (${percentSettled(t)}%) · started by ${mention(p.requestedBy)} ${slackDate(p.createdAt)}`;
  });
  return { text: `${active.length} active promotion(s)`, blocks: [section(`*Active promotions here*\n${lines.join('\n')}`)] };
}

/** One template, as `templates` and the template choice describe it (at most about 350 characters). */
function templateLine(t: Template): string {
  const desc = t.description ? ` ${escCapped(t.description, 200, escLiteral)}` : '';
  return `\`${t.id}\` *${name(t.name)}* (${t.sections.length} sections, ${allItems(t).length} items).${desc}`;
}

/** `/promote templates`: what can be started. */
export function templatesReply(templates: Iterable<Template>): RenderedMessage {
  const lines = [...templates].map((t) => `• ${templateLine(t)}`);
  return {
    text: 'Checklist templates',
    blocks: [section(`*Checklist templates*\n${lines.join('\n')}\nStart one with ${code('/promote start <release> <template>')}.`)],
  };
}

/**
 * Templates offered as buttons: with each line capped, well within a message's block text budget. More are
 * counted in the footer; a longer choice would not be read anyway.
 */
const MAX_TEMPLATE_BUTTONS = 20;

/**
 * `/promote start <release>` with several templates: one "Start" button per template, each carrying the
 * release and the template id. The text says how to type it, for clients that cannot show buttons.
 */
export function templateChoiceReply(release: string, templates: readonly Template[]): RenderedMessage {
  const shown = templates.slice(0, MAX_TEMPLATE_BUTTONS);
  const blocks: KnownBlock[] = [section(`Which checklist for *${esc(release)}*? Pick one to start it in this channel.`)];
  for (const t of shown) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: templateLine(t) },
      accessory: {
        type: 'button',
        action_id: ACTION.startWithTemplate,
        text: { type: 'plain_text', text: 'Start', emoji: true },
        value: templateChoiceValue(release, t.id),
      },
    });
  }
  const typed = code(`/promote start ${release} <template>`);
  const rest = templates.length > shown.length ? ` (${templates.length - shown.length} more: ${code('/promote templates')})` : '';
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Or type ${typed}${rest}.` }] });
  const ids = templates.map((t) => t.id).join(', ');
  return { text: truncate(`Which checklist for ${release}? Type /promote start ${release} with one of: ${ids}`, LIMITS.fallbackText), blocks };
}

/** What replaces the template choice once a button was clicked, so it cannot be clicked again unnoticed. */
export function startingReply(release: string, template: Template): RenderedMessage {
  return only(`:hourglass_flowing_sand: Starting *${esc(release)}* with *${name(template.name)}*…`);
}

const NOTICE: Record<'posted' | 'pending' | 'failed', string> = {
  posted: 'The channel has been told.',
  pending: 'The notice in the channel is not confirmed posted yet: it is posted shortly, once (no need to tell the channel yourself).',
  failed: 'Its checklist shows it, but the notice in the channel could not be posted: tell the channel yourself.',
};

/** The private confirmation to whoever aborted it, saying whether the channel was told. */
export function abortedReply(p: Promotion, overviewTs: string | null, notice: keyof typeof NOTICE, displayProblem?: string): RenderedMessage {
  const told = NOTICE[notice];
  const display = displayProblem ? `\n:warning: ${displayProblem}` : '';
  return only(`:white_check_mark: Aborted ${link(p.channelId, overviewTs, `promotion ${p.release}`)} (${name(p.template.name)}). ${told}${display}`);
}

/**
 * The one post an abort makes (kind `abort-notice`, sent through the outbox): in the checklist's thread, broadcast to
 * the channel, so everyone following the promotion is notified, naming who aborted it and why.
 */
export function abortNotice(m: MessageOf<'abort-notice'>): RenderedMessage {
  const why = m.reason ? `: ${escCapped(m.reason, SHOWN_MAX.reason)}` : '';
  const by = m.abortedBy ? mention(m.abortedBy) : 'Someone';
  return only(`:no_entry: ${by} aborted promotion *${esc(m.release)}* (${name(m.templateName)})${why}`);
}

/** `/promote complete <release>`: the private confirmation; the channel is told by the announcement (outbox). */
export function completedReply(p: Promotion, overviewTs: string | null): RenderedMessage {
  const released = p.environment ? ` ${code(p.environment)} is free for the next promotion.` : '';
  return only(`:white_check_mark: Completed ${link(p.channelId, overviewTs, `promotion ${p.release}`)} (${name(p.template.name)}). The channel is told in its thread.${released}`);
}

/** How many locks `/promote locks` lists before saying how many more (each line is at most about 400 characters). */
const MAX_LOCKS_SHOWN = 7;

/** `/promote locks`: each locked environment, the release holding it with a link to its checklist, and since when. */
export function locksReply(
  locks: ReadonlyArray<{ environment: string; release: string; channelId: string; overviewTs: string | null; lockedAt: Date }>,
): RenderedMessage {
  if (locks.length === 0) return only('No environment is locked: no promotion in progress holds one.');
  const lines = locks
    .slice(0, MAX_LOCKS_SHOWN)
    .map((l) => `• ${code(l.environment)}: ${link(l.channelId, l.overviewTs, `promotion ${l.release}`)} in <#${l.channelId}>, since ${slackDate(l.lockedAt)}`);
  const more = locks.length > MAX_LOCKS_SHOWN ? `\n…and ${locks.length - MAX_LOCKS_SHOWN} more.` : '';
  return { text: `${locks.length} environment(s) locked`, blocks: [section(`*Locked environments*\n${lines.join('\n')}${more}`)] };
}
