import type { KnownBlock, ModalView } from '@slack/types';
import { INPUT, VIEW } from '../src/ids.js';
import { scheduleModalMetadata, writeMetadata } from '../src/slack/modal-metadata.js';
import { modalTitle } from './modals.js';
import { escLiteral, slackDate, truncate } from './text.js';

/**
 * The modal the overview's Schedule window button opens: the start (Slack's datetimepicker, shown in each person's own
 * time zone and sent as a UNIX time), then how long, or an end. Submitted by src/listeners/views/schedule.ts.
 */
export function scheduleModal(args: {
  promotionId: string;
  release: string;
  channelId: string;
  templateName: string;
  /** The template's window.duration, the default length. */
  duration: string;
  /** The window as scheduled now, if it is. */
  current: { start: Date; end: Date } | null;
}): ModalView {
  const intro = args.current
    ? `The window of *${escLiteral(args.release)}* is ${slackDate(args.current.start)} to ${slackDate(args.current.end)}. Moving it replaces every reminder still to come, and the channel and the stakeholder channels are told.`
    : `When does the maintenance window of *${escLiteral(args.release)}* (${escLiteral(args.templateName)}) open? The template's reminders are planned from it, and the channel and the stakeholder channels are told.`;
  const blocks: KnownBlock[] = [
    { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(intro, 2000) }] },
    {
      type: 'input',
      block_id: INPUT.windowStart,
      label: { type: 'plain_text', text: 'Window opens' },
      hint: { type: 'plain_text', text: 'In your own time zone; everyone sees it in theirs.' },
      element: { type: 'datetimepicker', action_id: INPUT.value, ...(args.current ? { initial_date_time: Math.floor(args.current.start.getTime() / 1000) } : {}) },
    },
    {
      type: 'input',
      block_id: INPUT.windowDuration,
      optional: true,
      label: { type: 'plain_text', text: 'Lasts' },
      hint: { type: 'plain_text', text: 'A duration such as 30m, 4h or 2h30m. Ignored when an end is given.' },
      element: { type: 'plain_text_input', action_id: INPUT.value, initial_value: args.duration, max_length: 20 },
    },
    {
      type: 'input',
      block_id: INPUT.windowEnd,
      optional: true,
      label: { type: 'plain_text', text: 'Or ends' },
      element: { type: 'datetimepicker', action_id: INPUT.value },
    },
  ];
  return {
    type: 'modal',
    callback_id: VIEW.schedule,
    title: modalTitle(args.current ? 'Reschedule' : 'Schedule', args.release),
    submit: { type: 'plain_text', text: args.current ? 'Move window' : 'Schedule' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: writeMetadata(scheduleModalMetadata, { promotion: args.promotionId, channel: args.channelId }),
    blocks,
  };
}
