import { z } from 'zod';
import { statusReply } from '../blocks/replies.js';
import { releaseSchema } from '../src/domain/names.js';
import { promotionForStatus } from '../src/services/promotions.js';
import { defineSubcommand } from './subcommand.js';

/** `/promote status [release]`: progress, only to the asker. */
export const status = defineSubcommand({
  name: 'status',
  usage: '`/promote status [release]`',
  summary: 'show its progress (only to you)',
  args: z.tuple([releaseSchema.optional()]).transform(([release]): { release?: string } => (release === undefined ? {} : { release })),
  async run(ctx, args) {
    const { view, overviewTs } = await promotionForStatus(ctx.deps, ctx.channelId, args.release);
    return statusReply(view, overviewTs);
  },
});
