import type { KnownBlock } from '@slack/types';
import type { MessageOf } from '../src/domain/message-kinds.js';
import { ACTION } from '../src/ids.js';
import type { RenderedMessage } from './checklist.js';
import { code, esc, escCapped, LIMITS, SHOWN_MAX, truncate } from './text.js';

/**
 * What GO's workflow dispatch says in the checklist's thread (src/github/dispatch.ts, through the outbox): the run's
 * link once GitHub started it, or GitHub's refusal with a Retry button.
 */

/** Repository, workflow and ref as one line: literal, each capped so the line always fits. */
function what(m: { repo: string; workflow: string; ref: string }): string {
  return `${code(truncate(m.workflow, 120))} in ${code(truncate(m.repo, 140))} on ${code(truncate(m.ref, 120))}`;
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

/** A URL GitHub gave, as a link: the characters that would end a Slack link escaped. */
export function urlLink(url: string, label: string): string {
  return `<${truncate(url.replace(/[<>|]/g, encodeURIComponent), SHOWN_MAX.url)}|${esc(label)}>`;
}

export function dispatchStarted(m: MessageOf<'dispatch-started'>): RenderedMessage {
  const run = m.runUrl ? `: ${urlLink(m.runUrl, 'the run on GitHub')}` : '';
  const note = m.note ? `\n${escCapped(m.note, SHOWN_MAX.reason)}` : '';
  const line = `:rocket: GO for *${esc(m.release)}* started ${what(m)}${run}${note}`;
  return { text: truncate(esc(`GO for ${m.release} started ${m.workflow} in ${m.repo}${m.runUrl ? `: ${m.runUrl}` : ''}`), LIMITS.fallbackText), blocks: [section(line)] };
}

export function dispatchFailed(m: MessageOf<'dispatch-failed'>): RenderedMessage {
  const line = `:x: GO for *${esc(m.release)}* could not start ${what(m)}: ${escCapped(m.error, 600)}`;
  return {
    text: truncate(esc(`GO for ${m.release} could not start ${m.workflow} in ${m.repo}: ${m.error}`), LIMITS.fallbackText),
    blocks: [
      section(line),
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: ACTION.retryDispatch,
            text: { type: 'plain_text', text: 'Retry', emoji: true },
            value: m.dispatchKey,
          },
        ],
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'Fix what GitHub says (the workflow, its inputs, the token), then Retry: it never starts the workflow twice.' }],
      },
    ],
  };
}
