import { describeAction } from '../src/domain/audit-text.js';
import { whatIsLeft, type PromotionView } from '../src/domain/promotion.js';
import { findItem, type Section } from '../src/domain/template.js';
import { esc, escCapped, mention, messageLink, slackDate } from './text.js';

/** How many open sections and blockers the overview names before "and N more". */
export const MAX_NAMED = 6;
/** The last activity is one line: what it says is capped (a reason or a list of items can be long). */
export const ACTIVITY_MAX = 400;

/** A section's title, linking to its message in the thread once that message is posted. */
export function sectionLink(view: PromotionView, section: Section): string {
  const ts = view.links?.sectionTs.get(section.id);
  const thread = view.links?.threadTs;
  const channel = view.promotion.channelId;
  if (!ts || !thread) return esc(section.title);
  // A reply's permalink names its thread, or Slack opens the channel instead of the thread.
  return `<${messageLink(channel, ts)}?thread_ts=${thread}&cid=${channel}|${esc(section.title)}>`;
}

function named<T>(all: readonly T[], show: (x: T) => string): string {
  const shown = all.slice(0, MAX_NAMED).map(show).join(', ');
  return all.length > MAX_NAMED ? `${shown} and ${all.length - MAX_NAMED} more` : shown;
}

/** Who works a section: its owner role, with the people the template names for it. */
function owners(view: PromotionView, section: Section): string {
  const role = section.owner ? view.promotion.template.roles[section.owner] : undefined;
  if (!role) return '';
  const people = [...role.users.map(mention), ...role.groups.map((g) => `<!subteam^${g}>`)];
  return ` · ${esc(role.label)}${people.length > 0 ? `: ${people.join(' ')}` : ''}`;
}

/**
 * What is next and what is left, in the phases in play: the first open section (linked, with who is on it), the open
 * sections with their counts, the choices blocking GO. When nothing is left before GO it says so: the decision (GO or
 * NO-GO, under the approvals panel) is next.
 */
export function nextLines(view: PromotionView): string[] {
  const { promotion: p } = view;
  const left = whatIsLeft(view);
  const preparing = p.stage === 'preparing';
  const lines: string[] = [];
  const first = left.sections[0];
  if (first) {
    lines.push(`*Next:* ${sectionLink(view, first.section)} · ${first.progress.open} open${owners(view, first.section)}`);
    const n = left.sections.length;
    lines.push(
      `*${preparing ? 'Before GO' : 'Still open'}:* ${left.open} open in ${n} section${n === 1 ? '' : 's'}: ${named(left.sections, (s) => `${sectionLink(view, s.section)} (${s.progress.open})`)}`,
    );
  }
  if (left.blockers.length > 0) {
    lines.push(
      `:no_entry: *Blocks GO:* ${named(left.blockers, (b) => `${esc(b.item.label)}: ${esc(b.option.label)} (${sectionLink(view, b.section)})`)}`,
    );
  }
  if (!first) {
    if (!preparing) return ['*Everything is settled.*'];
    lines.push(':white_check_mark: *Everything before GO is settled.* The decision is the decider\'s, below, once the approvals are in.');
  }
  return lines;
}

/** The latest change, as "who did what, when", with the template's labels; null when there is none to show. */
export function activityLine(view: PromotionView): string | null {
  const last = view.lastEvent;
  if (!last) return null;
  const t = view.promotion.template;
  const what = describeAction(last.event, {
    itemLabel: (id) => `“${findItem(t, id)?.item.label ?? id}”`,
    sectionLabel: (id) => `“${t.sections.find((s) => s.id === id)?.title ?? id}”`,
    optionLabel: (itemId, optionId) => findItem(t, itemId)?.item.choice?.options.find((o) => o.id === optionId)?.label ?? optionId,
  });
  return `*Last:* ${mention(last.actor)} ${escCapped(what, ACTIVITY_MAX)} · ${slackDate(last.at)}`;
}
