import type { FieldSpec } from '../src/domain/template.js';
import { bold, code, esc, escLiteral, mention, messageLink, slackDate } from '../src/domain/mrkdwn.js';

/** Slack's limits (see shared/docs/SLACK-FACTS.md), plus the total we allow ourselves per message. */
export const LIMITS = {
  blocksPerMessage: 50,
  blocksPerView: 100,
  optionsPerElement: 10,
  sectionText: 3000,
  fieldText: 2000,
  fieldsPerSection: 10,
  headerText: 150,
  optionText: 75,
  buttonText: 75,
  blockId: 255,
  modalTitle: 24,
  privateMetadata: 3000,
  /** Slack refuses around 12-13k characters of block text per message; stay well under. */
  messageText: 10_000,
  fallbackText: 4000,
} as const;

export { bold, code, esc, escLiteral, mention, messageLink, slackDate };

/** Cut back to a word boundary when one is this close to the limit; further back, a hard cut loses less. */
const WORD_BOUNDARY_WITHIN = 0.6;

/** The first `max - 1` characters or fewer, ending at a word boundary when one is near (room for the `…`). */
function cutBefore(text: string, max: number): string {
  const head = text.slice(0, max);
  // The last space within the first `max` characters: the word before it is whole, so cut there.
  const space = head.search(/\s\S*$/);
  const cut = space >= Math.floor(max * WORD_BOUNDARY_WITHIN) ? head.slice(0, space) : head.slice(0, max - 1);
  // A cut right after a comma or a separator reads as a dangling list; drop it (never into an entity's `;`).
  return cut.replace(/[\s,:·–-]+$/, '');
}

/**
 * At most `max` characters, ending in `…` when cut. The cut goes back to the last space if that keeps most of
 * the text, so a description never ends mid-word; one long word (a URL, a path) is cut where the limit falls.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 2) return text.slice(0, max);
  return `${cutBefore(text, max)}…`;
}

/**
 * Escape, then keep at most `max` characters without cutting an entity (`&amp;`) in half. Escaping can make
 * text up to five times longer, so every piece of user text is capped after escaping: that is what keeps a
 * message within Slack's limits whatever people type. `escape` may be `escLiteral` for text shown in bold.
 */
export function escCapped(text: string, max: number, escape: (text: string) => string = esc): string {
  const escaped = escape(text);
  if (escaped.length <= max) return escaped;
  let cut = cutBefore(escaped, max);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  return `${cut}…`;
}

/** How many characters of user-entered text a message shows at most, once escaped (values are kept whole). */
export const SHOWN_MAX = { reason: 260, value: 260, url: 510 } as const;


/** Short "who, when": fits a checkbox option description (75 characters) for user ids up to 13 characters. */
export function byLine(by: string | null, at: Date | null): string {
  const when = at ? `<!date^${Math.floor(at.getTime() / 1000)}^{date_short} {time}|${at.toISOString().slice(5, 16).replace('T', ' ')}Z>` : '';
  return [by ? mention(by) : '', when].filter(Boolean).join(' · ');
}

/** Show a stored field value the way its type reads best. */
export function formatFieldValue(spec: FieldSpec, value: string): string {
  switch (spec.type) {
    case 'sha':
    case 'path':
      return `\`${escCapped(value.replace(/`/g, "'"), SHOWN_MAX.value)}\``;
    case 'datetime':
      return slackDate(new Date(Number(value) * 1000));
    case 'user':
      return mention(value);
    case 'url':
      return `<${truncate(value.replace(/[<>|]/g, encodeURIComponent), SHOWN_MAX.url)}>`;
    case 'number':
      return spec.unit ? `${value} ${esc(spec.unit)}` : value;
    default:
      return escCapped(value, SHOWN_MAX.value);
  }
}

export function progressBar(settled: number, total: number, width = 10): string {
  const filled = total === 0 ? width : Math.round((settled / total) * width);
  return '▓'.repeat(filled) + '░'.repeat(width - filled);
}
