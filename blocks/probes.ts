import type { ContextBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { MessageOf } from '../src/domain/message-kinds.js';
import { formatRunDuration, PROBE_SUMMARY_MAX, type ItemProbe, type ProbeRunStatus } from '../src/domain/probes.js';
import type { Item } from '../src/domain/template.js';
import { ACTION, refValue } from '../src/ids.js';
import type { RenderedMessage } from './checklist.js';
import { bold, byLine, code, esc, escCapped, LIMITS, mention, SHOWN_MAX, slackDate, truncate } from './text.js';

/**
 * Verification probes in the checklist (issue 10): the line under an item with a probe (its last result, or
 * "running…", with a Run check button), and the thread reply with a run's details (the `probe-evidence` kind).
 */

export const STATUS_MARK: Record<ProbeRunStatus, string> = {
  running: ':hourglass_flowing_sand:',
  pass: ':large_green_circle:',
  fail: ':red_circle:',
  error: ':warning:',
  interrupted: ':double_vertical_bar:',
};

/** How much of a summary the item's line shows (the thread reply has it whole, and the details). */
export const PROBE_LINE_SUMMARY = 150;

/** "pass · run 42 succeeded · <when> · 1.2 s", or "running…" (with the last status), or "not run yet". */
export function probeStatusText(probe: ItemProbe | undefined): string {
  if (!probe) return '_not run yet_';
  const shown = (r: NonNullable<ItemProbe['result']>) =>
    `${STATUS_MARK[r.status]} *${r.status}* · ${escCapped(r.summary ?? '', PROBE_LINE_SUMMARY)} · ${byLine(r.by, r.finishedAt ?? r.startedAt)}${
      r.durationMs === null ? '' : ` · ${formatRunDuration(r.durationMs)}`
    }`;
  if (probe.latest.status === 'running') {
    const before = probe.result ? ` · last: ${probe.result.status}` : '';
    return `${STATUS_MARK.running} _running…_ (${mention(probe.latest.by)}, ${byLine(null, probe.latest.startedAt)})${before}`;
  }
  return probe.result ? shown(probe.result) : '_not run yet_';
}

/** The block under a checkbox group for one of its items with a probe: the label, its result, and Run check. */
export function probeBlock(promotionId: string, item: Item, probe: ItemProbe | undefined, interactive: boolean): SectionBlock | ContextBlock {
  const text = truncate(`:test_tube: ${escCapped(item.label, LIMITS.optionText)} · ${probeStatusText(probe)}`, LIMITS.sectionText);
  if (!interactive) return { type: 'context', elements: [{ type: 'mrkdwn', text }] };
  return {
    type: 'section',
    text: { type: 'mrkdwn', text },
    accessory: {
      type: 'button',
      action_id: ACTION.runProbe,
      text: { type: 'plain_text', text: probe?.latest.status === 'running' ? 'Running…' : 'Run check' },
      value: refValue(promotionId, item.id),
    },
  };
}

/** The button beside "Not applicable…" under a section with probes. */
export function runAllButton(promotionId: string, sectionId: string) {
  return {
    type: 'button' as const,
    action_id: ACTION.runProbes,
    text: { type: 'plain_text' as const, text: 'Run all checks' },
    value: refValue(promotionId, sectionId),
  };
}

/** What each part of the reply may take, so the whole stays within a message's 10,000 characters. */
const BUDGET = { lines: 2_500, metrics: 1_500, links: 1_000 } as const;
const LINE_MAX = 300;
const ROWS_TEXT = 2_800;

/** Whole lines while they fit `budget` characters, then "and N more". */
function fitLines(lines: readonly string[], budget: number, what: string): string {
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    if (used + line.length + 1 > budget - 30) break;
    kept.push(line);
    used += line.length + 1;
  }
  const more = lines.length - kept.length;
  return [...kept, ...(more > 0 ? [`_and ${more} more ${what}_`] : [])].join('\n');
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

function urlLink(url: string, label: string): string {
  return `<${truncate(url.replace(/[<>|\s]/g, encodeURIComponent), SHOWN_MAX.url)}|${escCapped(label, 80)}>`;
}

/** Rows as a fixed-width table in a code block, cut to fit one section. */
function rowsTable(rows: ReadonlyArray<Record<string, string | number | boolean | null>>): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, 8);
  const cell = (v: unknown) => truncate(v === null || v === undefined ? '∅' : String(v), 40).replace(/`/g, "'");
  const widths = columns.map((c) => Math.max(cell(c).length, ...rows.map((r) => cell(r[c]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const lines = [line(columns.map(cell)), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))];
  let body = '';
  let shown = 0;
  for (const l of lines) {
    const next = esc(l);
    if (body.length + next.length + 1 > ROWS_TEXT) break;
    body += `${next}\n`;
    shown++;
  }
  const more = lines.length - shown > 0 ? `\n_and ${lines.length - shown} more row${lines.length - shown === 1 ? '' : 's'}_` : '';
  return `\`\`\`${body.trimEnd()}\`\`\`${more}`;
}

const EFFECT: Record<MessageOf<'probe-evidence'>['effect'], string> = {
  ticked: ' It ticked the item.',
  unticked: ' It unticked the item: it was ticked, and the check now fails.',
  none: '',
};

/** A probe run's details, in the checklist's thread. */
export function probeEvidence(m: MessageOf<'probe-evidence'>): RenderedMessage {
  const at = new Date(m.at);
  const when = Number.isNaN(at.getTime()) ? '' : ` · ${slackDate(at)}`;
  const head = `${STATUS_MARK[m.status]} Check of ${bold(truncate(m.item, 150))} for *${esc(m.release)}*: *${m.status}* · ${escCapped(m.summary, PROBE_SUMMARY_MAX)}`;
  const meta = `${code(truncate(m.probe, 40))} · run by ${mention(m.by)}${when} · took ${formatRunDuration(m.durationMs)}.${EFFECT[m.effect]}`;
  const blocks: KnownBlock[] = [section(head), { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(meta, LIMITS.fieldText) }] }];
  if (m.lines.length > 0) blocks.push(section(fitLines(m.lines.map((l) => escCapped(l, LINE_MAX)), BUDGET.lines, 'lines')));
  if (m.metrics && m.metrics.length > 0) {
    const shown = m.metrics.map((x) => `• ${escCapped(x.name, 100)}: *${x.value === null ? 'no data' : String(x.value)}*${x.threshold ? ` (threshold ${escCapped(x.threshold, 60)})` : ''}`);
    blocks.push(section(`*Metrics*\n${fitLines(shown, BUDGET.metrics, 'metrics')}`));
  }
  if (m.rows && m.rows.length > 0) blocks.push(section(`*Rows* (${m.rows.length})\n${rowsTable(m.rows)}`));
  if (m.links && m.links.length > 0) {
    blocks.push(section(fitLines(m.links.map((l) => urlLink(l.url.slice(0, 300), l.label)), BUDGET.links, 'links').replace(/\n/g, ' · ')));
  }
  return { text: truncate(esc(`Check of ${m.item} for ${m.release}: ${m.status}: ${m.summary}`), LIMITS.fallbackText), blocks };
}

/** The private answer to `/promote check`: what started, what was running already, what was skipped (mrkdwn). */
export function checksStartedReply(text: string): RenderedMessage {
  return { text: truncate(text, LIMITS.fallbackText), blocks: [section(text)] };
}
