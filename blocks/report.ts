import type { KnownBlock } from '@slack/types';
import type { RenderedMessage } from './checklist.js';
import { code, esc, escLiteral, LIMITS, messageLink, truncate } from './text.js';

/**
 * The private answer to `/promote report <release>` (src/services/report.ts `reportByRelease`): where the two files
 * went, or why Slack did not take them, and then the Markdown itself, cut to fit one message.
 */

/** What the answer is about: `ReportOutcome` of src/services/report.ts. */
export interface ReportAnswer {
  release: string;
  promotionId: string;
  channelId: string;
  threadTs: string | null;
  files: readonly string[];
  head: { seq: number; hash: string };
  intact: boolean;
  uploaded: boolean;
  why?: 'not-allowed' | 'not-in-channel' | 'uploads-disabled' | 'failed' | 'no-thread' | 'unavailable';
  /** What Slack answered (its error code), when it refused. */
  detail?: string;
  markdown?: string;
}

/** How much of a section's 3000 characters a piece of the Markdown may take, fences included. */
const CHUNK_MAX = 2_900;
/** What the cut note and the lines above the Markdown may take of the message's block text. */
const RESERVED = 1_200;

const WHY: Record<NonNullable<ReportAnswer['why']>, string> = {
  'not-allowed':
    'this app is not allowed to upload files. It needs the `files:write` scope: add it under OAuth & Permissions on the app\'s page at api.slack.com/apps (manifest.yml lists it) and reinstall the app',
  'not-in-channel': 'the app is not a member of this channel. Invite it (`/invite @Preflight`) and ask again',
  'uploads-disabled': "this workspace's settings do not allow the app to upload files here. A Slack admin can allow it",
  failed: 'Slack did not take the files',
  'no-thread': 'the checklist was never posted, so it has no thread to put them in',
  unavailable: 'this bot cannot upload files',
};

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

function headLine(a: ReportAnswer): string {
  const head = a.head.seq === 0 ? "the trail is empty" : `event ${a.head.seq}, hash ${code(`${a.head.hash.slice(0, 16)}…`)}`;
  const intact = a.intact ? '' : '\n:warning: *The audit trail does not match the head the promotion records*: the report says which events. Run `npm run verify-audit` to check the database.';
  return `Audit chain head: ${head}. Verify it with ${code(`npm run verify-audit -- ${a.promotionId}`)}.${intact}`;
}

/**
 * The Markdown as mrkdwn code blocks (escaped: `&`, `<` and `>` would still be read inside one), at most `budget`
 * characters in all, whole lines, each block within a section's limit. `cut` when not all of it fit.
 */
export function markdownBlocks(markdown: string, budget: number): { blocks: KnownBlock[]; cut: boolean } {
  const lines = markdown.split('\n').map((l) => esc(l).replace(/```/g, "'''"));
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  let used = 0;
  let cut = false;
  const flush = (): void => {
    if (current.length === 0) return;
    chunks.push(`\`\`\`${current.join('\n')}\`\`\``);
    used += size + 6;
    current = [];
    size = 0;
  };
  for (const raw of lines) {
    // A line longer than a block (a wide table row) is cut to fit one, without splitting an entity.
    let line = raw;
    if (line.length > CHUNK_MAX - 8) {
      line = line.slice(0, CHUNK_MAX - 9);
      const amp = line.lastIndexOf('&');
      if (amp >= 0 && !line.slice(amp).includes(';')) line = line.slice(0, amp);
      line += '…';
    }
    if (current.length > 0 && size + 1 + line.length + 6 > CHUNK_MAX) flush();
    const add = (current.length > 0 ? 1 : 0) + line.length;
    // Fences are 6 characters a block.
    if (used + size + add + 6 > budget) {
      cut = true;
      break;
    }
    current.push(line);
    size += add;
  }
  flush();
  return { blocks: chunks.map(section), cut };
}

export function reportReply(a: ReportAnswer): RenderedMessage {
  const release = escLiteral(a.release);
  const files = a.files.map((f) => code(f)).join(' and ');
  if (a.uploaded) {
    const thread = a.threadTs ? `<${messageLink(a.channelId, a.threadTs)}|the checklist's thread>` : "the checklist's thread";
    const text = `:page_facing_up: The record of *${release}* is in ${thread}: ${files}.\n${headLine(a)}`;
    return { text: truncate(`The record of ${a.release} is in the checklist's thread: ${a.files.join(' and ')}.`, LIMITS.fallbackText), blocks: [section(text)] };
  }
  const why = WHY[a.why ?? 'failed'];
  const said = a.detail && a.why !== 'no-thread' && a.why !== 'unavailable' ? ` (Slack answered ${code(a.detail.slice(0, 80))})` : '';
  const intro = `:warning: I could not upload the record of *${release}* (${files}) to the checklist's thread: ${why}${said}.\nHere is the Markdown instead, as the file would hold it:`;
  const note = (cut: boolean): string =>
    cut
      ? `_The Markdown was cut here: the whole record is longer than one Slack message. Get all of it, and the JSON, with ${code(`npm run report -- ${a.promotionId}`)} (add ${code('--json')} for the JSON) where the bot's database is reachable._\n${headLine(a)}`
      : headLine(a);
  const { blocks, cut } = markdownBlocks(a.markdown ?? '', LIMITS.messageText - RESERVED - intro.length);
  return {
    text: truncate(`I could not upload the record of ${a.release} to the checklist's thread; here is its Markdown.`, LIMITS.fallbackText),
    blocks: [section(intro), ...blocks, section(note(cut))],
  };
}
