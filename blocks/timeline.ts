import type { KnownBlock } from '@slack/types';
import { ACTION, refValue } from '../src/ids.js';
import type { MessageOf } from '../src/domain/message-kinds.js';
import type { RenderedMessage } from './checklist.js';
import { checklistLink, contextBlock, mentionAny, sectionBlock } from './posts.js';
import { esc, escLiteral, LIMITS, mention, messageLink, slackDate, truncate } from './text.js';

/**
 * The timeline's one-off posts (issue 11), sent through the outbox exactly once: reminders, decision points and
 * their answers, and the window's announcement. Times are `<!date^…>`, so each reader sees their own time zone.
 */

type Reminder = MessageOf<'reminder'>;
type ProbeLine = NonNullable<Reminder['hold']>['checks'][number];

function mentions(ids: readonly string[]): string {
  return ids.map(mentionAny).join(' ');
}

/** A button's words: plain text, which Slack shows as typed; angle brackets are dropped so no copy can read as a mention. */
function label(text: string): string {
  return truncate(text.replace(/[<>]/g, ''), LIMITS.buttonText);
}

function due(m: { dueAt: string; late: boolean }): string {
  return m.late ? ` _(due at ${slackDate(new Date(m.dueAt))}, sent late)_` : '';
}

const PROBE_EMOJI: Record<ProbeLine['status'], string> = {
  pass: ':white_check_mark:',
  fail: ':x:',
  error: ':warning:',
  interrupted: ':warning:',
  running: ':hourglass_flowing_sand:',
  never: ':grey_question:',
};

function probeLines(lines: readonly ProbeLine[]): string {
  return lines
    .map((p) => {
      const result = p.status === 'never' ? 'not run yet' : p.status === 'running' ? 'running…' : `${p.status}${p.summary ? `: ${esc(truncate(p.summary, 150))}` : ''}`;
      return `${PROBE_EMOJI[p.status]} ${escLiteral(p.label)}: ${result}${p.at ? ` (${slackDate(new Date(p.at))})` : ''}`;
    })
    .join('\n');
}

/** What is still open, section by section, each linked to its message in the thread. */
function openList(m: Pick<Reminder, 'open' | 'moreSections' | 'checklist'>): string {
  const lines = m.open.map((s) => {
    const title = s.ts ? `<${messageLink(m.checklist.channel, s.ts)}|${escLiteral(s.title)}>` : `*${escLiteral(s.title)}*`;
    // Labels read as the checklist shows them: template mrkdwn (`PGHOST_PROD set` keeps its code span).
    const items = s.items.map((i) => `• ${esc(i.label)}${i.due ? ` _(due ${i.due})_` : ''}${i.assignee ? ` · ${mention(i.assignee)}` : ''}`);
    if (s.more > 0) items.push(`• _and ${s.more} more_`);
    return [title, ...items].join('\n');
  });
  if (m.moreSections > 0) lines.push(`_and open items in ${m.moreSections} more section${m.moreSections === 1 ? '' : 's'}_`);
  return lines.join('\n');
}

export function reminder(m: Reminder): RenderedMessage {
  const nothingOpen = m.open.length === 0;
  const blocks: KnownBlock[] = [];
  if (m.variant === 'hold' && m.hold) {
    const h = m.hold;
    const moved = h.by ? ` (moved on by ${mention(h.by)}${h.at ? ` ${slackDate(new Date(h.at))}` : ''})` : '';
    blocks.push(sectionBlock(`:stopwatch: *${esc(m.release)}: the ${esc(h.holdFor)} hold after “${escLiteral(m.say)}” is over*${moved}${due(m)}`));
    const next = h.next ? `Before the next step, “${escLiteral(h.next)}”, check:` : 'Check before going on:';
    blocks.push(sectionBlock(h.checks.length > 0 ? `${next}\n${probeLines(h.checks)}` : `${h.next ? `Next step: “${escLiteral(h.next)}”.` : 'That was the last step.'}`));
    if (h.next && h.checks.length > 0) blocks.push(contextBlock(`Run the checks from the ${checklistLink(m.checklist)}, then tick “${escLiteral(h.next)}” to move the ramp on.`));
    else if (h.next) blocks.push(contextBlock(`Tick “${escLiteral(h.next)}” in the ${checklistLink(m.checklist)} to move the ramp on.`));
    if (m.mentions.length > 0) blocks.push(contextBlock(mentions(m.mentions)));
    return { text: truncate(`${esc(m.release)}: hold over after ${esc(m.say)}${h.next ? `; next: ${esc(h.next)}` : ''}`, LIMITS.fallbackText), blocks };
  }
  if (m.variant === 'item-due') {
    blocks.push(sectionBlock(`:alarm_clock: *${esc(m.release)} · ${m.offset}: still open past their due time*${due(m)}`));
    blocks.push(sectionBlock(openList(m)));
    if (m.mentions.length > 0) blocks.push(contextBlock(mentions(m.mentions)));
    return { text: truncate(`${esc(m.release)} ${m.offset}: items still open past their due time`, LIMITS.fallbackText), blocks };
  }
  blocks.push(sectionBlock(`:alarm_clock: *${esc(m.release)} · ${m.offset}*${due(m)}\n${esc(m.say)}`));
  if (nothingOpen) {
    blocks.push(contextBlock(':white_check_mark: Nothing open in what this step covers.'));
  } else {
    blocks.push(sectionBlock(`*Still open:*\n${openList(m)}`));
    if (m.mentions.length > 0) blocks.push(contextBlock(mentions(m.mentions)));
  }
  return { text: truncate(`${esc(m.release)} ${m.offset}: ${esc(m.say)}`, LIMITS.fallbackText), blocks };
}

export function checkpoint(m: MessageOf<'checkpoint'>): RenderedMessage {
  const blocks: KnownBlock[] = [];
  const head = m.escalation
    ? `:rotating_light: *${esc(m.release)} · ${m.offset}: decision point unanswered for ${esc(m.escalation.after)}*`
    : `:vertical_traffic_light: *${esc(m.release)} · ${m.offset}: decision point*${due(m)}`;
  blocks.push(sectionBlock(`${head}\n${esc(m.say)}`));
  if (m.probes.length > 0) blocks.push(sectionBlock(`*Latest checks:*\n${probeLines(m.probes)}`));
  blocks.push({
    type: 'actions',
    block_id: `checkpoint|${m.checkpointId}`,
    elements: [
      { type: 'button', action_id: ACTION.checkpointContinue, style: 'primary', text: { type: 'plain_text', text: label(m.continueLabel) }, value: refValue(m.promotionId, m.checkpointId) },
      {
        type: 'button',
        action_id: ACTION.checkpointRollback,
        style: 'danger',
        text: { type: 'plain_text', text: label(m.rollbackLabel) },
        value: refValue(m.promotionId, m.checkpointId),
        confirm: {
          title: { type: 'plain_text', text: 'Roll back?' },
          text: { type: 'mrkdwn', text: truncate(`Record “${escLiteral(m.rollbackLabel)}” for *${esc(m.release)}* and start the rollback plan.`, 300) },
          confirm: { type: 'plain_text', text: 'Roll back' },
          deny: { type: 'plain_text', text: 'Cancel' },
          style: 'danger',
        },
      },
    ],
  });
  const called = m.escalation ? [...m.deciders, ...m.escalation.contacts.filter((c) => !m.deciders.includes(c))] : m.deciders;
  const cc = (m.cc ?? []).filter((c) => !called.includes(c));
  blocks.push(contextBlock(`${mentions(called)}: ${m.escalation ? 'please decide now' : 'your call'}${cc.length > 0 ? ` · cc ${mentions(cc)}` : ''} · ${checklistLink(m.checklist)}`));
  const text = `${esc(m.release)} ${m.offset}: ${m.escalation ? 'unanswered decision point: ' : ''}${esc(m.say)}`;
  return { text: truncate(text, LIMITS.fallbackText), blocks };
}

export function checkpointAnswered(m: MessageOf<'checkpoint-answered'>): RenderedMessage {
  const icon = m.answer === 'continue' ? ':large_green_circle:' : ':rewind:';
  const lines = [`${icon} *${esc(m.release)} · ${m.offset}: “${escLiteral(m.label)}”*, decided by ${mention(m.by)} ${slackDate(new Date(m.at))}`];
  if (m.effect) lines.push(esc(m.effect));
  return { text: truncate(`${esc(m.release)} ${m.offset}: ${escLiteral(m.label)}`, LIMITS.fallbackText), blocks: [sectionBlock(lines.join('\n'))] };
}

export function windowScheduled(m: MessageOf<'window-scheduled'>): RenderedMessage {
  const start = new Date(m.start);
  const end = new Date(m.end);
  const verb = m.previous ? 'moved' : 'scheduled';
  const lines = [
    `:calendar: *${esc(m.release)}* (${escLiteral(m.templateName)}): maintenance window ${verb} by ${mention(m.by)}`,
    `*${slackDate(start)}* to *${slackDate(end, '{time}')}*${end.getTime() - start.getTime() > 86_400_000 ? ` (${slackDate(end, '{date_short}')})` : ''} · ${checklistLink(m.checklist)}`,
  ];
  if (m.previous) lines.push(`_Was ${slackDate(new Date(m.previous.start))} to ${slackDate(new Date(m.previous.end), '{time}')}_`);
  const blocks: KnownBlock[] = [sectionBlock(lines.join('\n'))];
  if (m.next.length > 0) blocks.push(contextBlock(`Next: ${m.next.map((n) => `${n.offset} ${slackDate(new Date(n.at), '{time}')} ${escLiteral(truncate(n.what, 60))}`).join(' · ')}`));
  const fallbackWhen = `${start.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return { text: truncate(`${esc(m.release)}: maintenance window ${verb}: ${fallbackWhen}`, LIMITS.fallbackText), blocks };
}

/** The private answer to whoever scheduled the window: when it is, and what the bot will remind, when. */
export function scheduledReply(
  promotion: { release: string; template: { timeline: ReadonlyArray<{ say: string }> } },
  s: { window: { start: Date; end: Date; t0: Date }; previous: { start: Date } | null; planned: ReadonlyArray<{ kind: string; ref: string; dueAt: Date }> },
): RenderedMessage {
  const { start, end, t0 } = s.window;
  const lines = [
    `:calendar: ${s.previous ? 'Moved' : 'Scheduled'} the window of *${esc(promotion.release)}*: ${slackDate(start)} to ${slackDate(end)}${
      t0.getTime() !== start.getTime() ? ` (T0 ${slackDate(t0)})` : ''
    }. The channel and the stakeholder channels are told.`,
  ];
  if (s.planned.length === 0) lines.push('The template plans no reminders ahead of now.');
  else {
    const shown = s.planned.slice(0, 8).map((r) => `• ${slackDate(r.dueAt)} ${r.kind === 'item-due' ? 'items due' : r.kind === 'checkpoint' ? 'decision point' : 'reminder'}`);
    lines.push(`${s.planned.length} reminder${s.planned.length === 1 ? '' : 's'} planned:`, ...shown);
    if (s.planned.length > shown.length) lines.push(`• _and ${s.planned.length - shown.length} more_`);
  }
  const text = lines.join('\n');
  return { text: truncate(`Window of ${esc(promotion.release)} ${s.previous ? 'moved' : 'scheduled'}`, LIMITS.fallbackText), blocks: [sectionBlock(text)] };
}
