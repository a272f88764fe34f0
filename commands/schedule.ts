import { z } from 'zod';
import { scheduledReply } from '../blocks/timeline.js';
import { releaseSchema } from '../src/domain/names.js';
import { readWindow, WHEN_EXAMPLE } from '../src/domain/when.js';
import { UserError } from '../src/errors.js';
import { scheduleByRelease } from '../src/services/schedule.js';
import { defineSubcommand } from './subcommand.js';

/**
 * `/promote schedule <release> <start> [duration | until <end>]`: schedules (or moves) the maintenance window, as the
 * overview's Schedule window button does. The start needs its time zone (or is relative: `in 2h`); the window is
 * announced in the channel and the stakeholder channels, and the template's reminders are planned from it.
 */
export const schedule = defineSubcommand({
  name: 'schedule',
  usage: '/promote schedule <release> <start> [duration | until <end>]',
  example: WHEN_EXAMPLE,
  note: 'the start with its time zone, e.g. 2026-11-24 02:00 UTC, or in 2h',
  summary: 'schedule or move the maintenance window; its T-minus reminders follow',
  args: z
    .tuple([releaseSchema, z.string()], z.string())
    .transform(([release, ...words]) => ({ release, words })),
  async run(ctx, args) {
    const reading = readWindow(args.words, ctx.deps.clock());
    if (!reading.ok) throw new UserError(`${reading.error}\nFor example: \`${WHEN_EXAMPLE}\``, 'bad_window');
    const { promotion, scheduled } = await scheduleByRelease(ctx.deps, {
      channelId: ctx.channelId,
      release: args.release,
      userId: ctx.userId,
      start: reading.start,
      end: reading.end,
      durationMs: reading.end ? null : reading.duration,
    });
    return scheduledReply(promotion, scheduled);
  },
});
