import { z } from 'zod';
import { reportReply } from '../blocks/report.js';
import { releaseSchema } from '../src/domain/names.js';
import { reportByRelease } from '../src/services/report.js';
import { defineSubcommand } from './subcommand.js';

/**
 * `/promote report <release>`: the record of the latest promotion of that release here, active or ended, as Markdown
 * and JSON uploaded into its checklist's thread (src/services/report.ts). The answer, only to the asker, says where
 * they are, or why Slack did not take them and gives the Markdown instead.
 */
export const report = defineSubcommand({
  name: 'report',
  usage: '/promote report <release>',
  example: '/promote report v1.50',
  summary: "put a promotion's audit record (Markdown and JSON) in its checklist's thread, active or ended",
  args: z.tuple([releaseSchema]).transform(([release]) => ({ release })),
  async run(ctx, args) {
    return reportReply(await reportByRelease(ctx.deps, { channelId: ctx.channelId, release: args.release, userId: ctx.userId }));
  },
});
