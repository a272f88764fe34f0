/**
 * Text in Slack's mrkdwn that is not meant as markup: pure functions, used by blocks/ to render and by the domain
 * and services to word the refusals people read (a UserError's message is mrkdwn too).
 */

/**
 * Escape the three characters Slack's mrkdwn reads as control characters (`<@U…>`, `<url|label>`, `&amp;`), so
 * text that is not meant as markup, a typed reason or a `<release>` placeholder in a usage line, shows as written.
 */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * mrkdwn has no escape for its formatting characters, so a title such as `Gates (eng_*)` inside `*…*` ends the
 * bold early. Text that must never format gets look-alike characters instead: it reads the same and cannot
 * open or close a span.
 */
const FORMATTING_LOOKALIKES: Record<string, string> = { '*': '\u2217', _: '\u02cd', '~': '\u223c', '`': '\u02cb' };

/** `esc`, plus the formatting characters `* _ ~ \`` made inert: for names shown inside `*bold*` or `_italic_`. */
export function escLiteral(text: string): string {
  return esc(text).replace(/[*_~`]/g, (c) => FORMATTING_LOOKALIKES[c]!);
}

/** Template or user text shown in bold, whatever characters it holds. */
export function bold(text: string): string {
  return `*${escLiteral(text)}*`;
}

/** Usage forms and commands shown as code: `<release>` is escaped so Slack does not read it as a link. */
export function code(text: string): string {
  return `\`${esc(text.replace(/`/g, "'"))}\``;
}

/** A person, as Slack shows them; the bot's own actions (recorded as a name, not a user id) show as Preflight. */
export function mention(userId: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(userId) ? `<@${userId}>` : 'Preflight';
}

/** Where a message can be found: Slack redirects this to the workspace's own address. */
export function messageLink(channelId: string, ts: string): string {
  return `https://slack.com/archives/${channelId}/p${ts.replace('.', '')}`;
}

/**
 * A message written in mrkdwn, for a surface that shows plain text (a modal's input errors): the escaped
 * characters read as themselves again. Refusals are worded once, in mrkdwn, whichever surface shows them.
 */
export function plainText(mrkdwn: string): string {
  return mrkdwn.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** A time shown in each reader's own time zone (`<!date^…>`), with a UTC fallback for clients that cannot. */
export function slackDate(at: Date, format = '{date_short_pretty} {time}'): string {
  const fallback = at.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  return `<!date^${Math.floor(at.getTime() / 1000)}^${format}|${fallback}>`;
}
