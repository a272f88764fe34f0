import type { KnownBlock, ModalView } from '@slack/types';
import { communicationHints } from '../src/domain/rollback.js';
import type { Template } from '../src/domain/template.js';
import { INPUT, VIEW } from '../src/ids.js';
import { rollbackModalMetadata, writeMetadata } from '../src/slack/modal-metadata.js';
import { modalTitle } from './modals.js';
import { escLiteral, truncate } from './text.js';

/**
 * The rollback's forms (issue 12): Roll back (the template's communication: issue, impact, ETA, action required, and
 * the path), Post update, and Rollback complete. Submitted by src/listeners/views/rollback.ts.
 */

/** The longest text each of the rollback forms' inputs takes (their max_length). */
export const TEXT_MAX = 1500;

function input(blockId: string, label: string, opts: { hint?: string | null; optional?: boolean; multiline?: boolean; initial?: string } = {}): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    optional: opts.optional ?? false,
    label: { type: 'plain_text', text: label },
    ...(opts.hint ? { hint: { type: 'plain_text', text: truncate(opts.hint, 150) } } : {}),
    element: {
      type: 'plain_text_input',
      action_id: INPUT.value,
      multiline: opts.multiline ?? false,
      max_length: TEXT_MAX,
      ...(opts.hint ? { placeholder: { type: 'plain_text', text: truncate(opts.hint, 150) } } : {}),
      ...(opts.initial ? { initial_value: opts.initial } : {}),
    },
  };
}

interface Target {
  promotionId: string;
  release: string;
  channelId: string;
  template: Pick<Template, 'rollback' | 'announce' | 'name'>;
}

export function rollbackModal(args: Target & { issue?: string; checkpointId?: string | null }): ModalView {
  const rollback = args.template.rollback;
  const hints = communicationHints(rollback?.communication.body ?? '');
  const stakeholders = (args.template.announce?.channels ?? []).filter((c) => c !== args.channelId);
  const where = stakeholders.length > 0 ? `this channel and ${stakeholders.map((c) => `<#${c}>`).join(', ')}` : 'this channel';
  const blocks: KnownBlock[] = [
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(
            `*${escLiteral(rollback?.communication.subject ?? `[ROLLBACK INITIATED] ${args.release}`)}* is broadcast to ${where} with what you write here, and the rollback steps open in the checklist. Everyone is told once.`,
            2000,
          ),
        },
      ],
    },
    input(INPUT.rollbackIssue, 'What went wrong', { hint: 'The issue, e.g. error rate over 5% for 5 minutes', ...(args.issue ? { initial: args.issue.slice(0, TEXT_MAX) } : {}) }),
    input(INPUT.rollbackImpact, 'Impact', { hint: hints.impact, optional: true, multiline: true }),
    input(INPUT.rollbackEta, 'ETA', { hint: hints.eta, optional: true }),
    input(INPUT.rollbackAction, 'Action required', { hint: hints.action, optional: true }),
  ];
  const paths = rollback?.paths ?? [];
  if (paths.length > 0) {
    blocks.push({
      type: 'input',
      block_id: INPUT.rollbackPath,
      label: { type: 'plain_text', text: 'Rollback path' },
      element: {
        type: 'radio_buttons',
        action_id: INPUT.value,
        options: paths.map((p) => ({ text: { type: 'plain_text', text: truncate(p.label, 75) }, value: p.id })),
        ...(paths.length === 1 ? { initial_option: { text: { type: 'plain_text', text: truncate(paths[0]!.label, 75) }, value: paths[0]!.id } } : {}),
      },
    } as KnownBlock);
  }
  return {
    type: 'modal',
    callback_id: VIEW.rollback,
    title: modalTitle('Roll back', args.release),
    submit: { type: 'plain_text', text: 'Broadcast' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: writeMetadata(rollbackModalMetadata, { promotion: args.promotionId, channel: args.channelId, checkpoint: args.checkpointId ?? null }),
    blocks,
  };
}

export function rollbackUpdateModal(args: Target & { number: number }): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.rollbackUpdate,
    title: modalTitle('Update', args.release),
    submit: { type: 'plain_text', text: 'Post update' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: writeMetadata(rollbackModalMetadata, { promotion: args.promotionId, channel: args.channelId, checkpoint: null }),
    blocks: [
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Update ${args.number} goes to every channel that had the broadcast, in its thread.` }] },
      input(INPUT.rollbackText, 'Where the rollback stands', { hint: 'What is done, what is next, the new ETA', multiline: true }),
    ],
  };
}

export function rollbackCompleteModal(args: Target): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.rollbackComplete,
    title: modalTitle('Rolled back', args.release),
    submit: { type: 'plain_text', text: 'Declare complete' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: writeMetadata(rollbackModalMetadata, { promotion: args.promotionId, channel: args.channelId, checkpoint: null }),
    blocks: [
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'The resolution goes to every channel that had the broadcast; the promotion ends as rolled back and its environment is released.' }],
      },
      input(INPUT.rollbackText, 'Resolution', { hint: 'What is running now, and what follows', multiline: true }),
    ],
  };
}
