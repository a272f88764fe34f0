import { randomUUID } from 'node:crypto';
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { readDuration } from '../../domain/offsets.js';
import { InputError } from '../../errors.js';
import { INPUT } from '../../ids.js';
import { scheduleWindow } from '../../services/schedule.js';
import { MODAL_METADATA, type ScheduleModalMetadata } from '../../slack/modal-metadata.js';
import type { SubmissionContext } from '../context.js';
import type { ModalSpec } from '../middleware.js';
import { inputValue, type Submission } from './submissions.js';
import { saveThenClose } from './submit.js';

export const SCHEDULE_MODAL: ModalSpec<ScheduleModalMetadata> = { metadata: MODAL_METADATA.schedule, mainInput: INPUT.windowStart };

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs<SubmissionContext<Submission<ScheduleModalMetadata>>>;

/** A UNIX time from a datetimepicker, or null when left empty. */
function epoch(values: Submission<ScheduleModalMetadata>['values'], blockId: string): Date | null {
  const raw = inputValue(values, blockId);
  if (raw === null) return null;
  const at = new Date(Number(raw) * 1000);
  // Not a number, or past what a date can hold (1e20 seconds): PostgreSQL would refuse it as an unexpected error.
  if (Number.isNaN(at.getTime())) throw new InputError(blockId, 'Pick a date and a time.', 'bad_date');
  return at;
}

/** "2h30m" as the modal takes it: whole minutes, hours and days, as templates write them. */
function duration(text: string | null): number | null {
  if (text === null || text.trim() === '') return null;
  let total = 0;
  const parts = text.trim().toLowerCase().match(/\d+[mhd]/g);
  if (!parts || parts.join('') !== text.trim().toLowerCase().replace(/\s+/g, '')) {
    throw new InputError(INPUT.windowDuration, 'Write a duration such as 30m, 4h or 2h30m.', 'bad_duration');
  }
  for (const part of parts) {
    const reading = readDuration(part);
    if (!reading.ok) throw new InputError(INPUT.windowDuration, 'Write a duration such as 30m, 4h or 2h30m.', 'bad_duration');
    total += reading.ms;
  }
  if (total <= 0) throw new InputError(INPUT.windowDuration, 'A window lasts longer than 0m.', 'bad_duration');
  return total;
}

/** Schedule (or move) the window; a refusal stays next to its input, nothing picked is lost. */
export async function onScheduleSubmit({ ack, context }: Args): Promise<void> {
  const { submission: s, deps } = context;
  await saveThenClose(context, ack, SCHEDULE_MODAL.mainInput, async () => {
    const start = epoch(s.values, INPUT.windowStart);
    if (!start) throw new InputError(INPUT.windowStart, 'Pick when the window opens.', 'required');
    const end = epoch(s.values, INPUT.windowEnd);
    const durationMs = end ? null : duration(inputValue(s.values, INPUT.windowDuration));
    await scheduleWindow(
      deps,
      { promotionId: s.metadata.promotion, userId: s.userId, start, end, durationMs, receiptKey: `schedule:${s.userId}:${s.viewId ?? randomUUID()}` },
      { refresh: false },
    );
    return { changed: true };
  });
}
