import { z } from 'zod';
import { statusesReply } from '../blocks/replies.js';
import { releaseSchema } from '../src/domain/names.js';
import { promotionsForStatus } from '../src/services/promotions.js';
import { defineSubcommand } from './subcommand.js';

/** `/promote status [release]`: progress, only to the asker; every active one here when no release is named. */
export const status = defineSubcommand({
  name: 'status',
  usage: '/promote status [release]',
  summary: 'show progress (only to you): of one release, or of every active promotion here',
  args: z.tuple([releaseSchema.optional()]).transform(([release]): { release?: string } => (release === undefined ? {} : { release })),
  async run(ctx, args) {
    return statusesReply(await promotionsForStatus(ctx.deps, ctx.channelId, args.release));
  },
});
