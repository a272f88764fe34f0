import { z } from 'zod';
import { checksStartedReply } from '../blocks/probes.js';
import { releaseSchema, slugSchema } from '../src/domain/names.js';
import { runChecksByRelease } from '../src/services/checks.js';
import { defineSubcommand } from './subcommand.js';

/**
 * `/promote check <release> [item|section]`: runs verification probes, as the checklist's Run check / Run all checks
 * buttons do: one item's, one section's, or every probe of the sections open for work. The results show on the
 * checklist, with the details in its thread; the answer (only to the asker) says what started.
 */
export const check = defineSubcommand({
  name: 'check',
  usage: '/promote check <release> [item|section]',
  example: '/promote check v1.50 no-active-locks',
  summary: 'run the checks (probes) of a promotion: one item, one section, or all that are open',
  args: z.tuple([releaseSchema, slugSchema.optional()]).transform(([release, what]): { release: string; what?: string } => (what === undefined ? { release } : { release, what })),
  async run(ctx, args) {
    return checksStartedReply(await runChecksByRelease(ctx.deps, { channelId: ctx.channelId, release: args.release, userId: ctx.userId, what: args.what }));
  },
});
