import { z } from 'zod';
import { completedReply } from '../blocks/replies.js';
import { releaseSchema } from '../src/domain/names.js';
import { completeRelease } from '../src/services/locks.js';
import { defineSubcommand } from './subcommand.js';

/**
 * `/promote complete <release>`: ends a promotion after its GO once the after-deploy sign-offs are in (the same as
 * the checklist's Complete button), and releases its environment. The channel is told once, through the outbox, in
 * the checklist's thread and broadcast (and in the stakeholder channels); the person who completed it gets a private
 * confirmation, and a refusal (no GO yet, sign-offs missing, with the list) is answered privately.
 */
export const complete = defineSubcommand({
  name: 'complete',
  usage: '/promote complete <release>',
  example: '/promote complete v1.50',
  summary: 'end a promotion after its GO, once the after-deploy sign-offs are in (the channel is told)',
  args: z.tuple([releaseSchema]).transform(([release]) => ({ release })),
  async run(ctx, args) {
    const { promotion, overviewTs } = await completeRelease(ctx.deps, { channelId: ctx.channelId, release: args.release, userId: ctx.userId });
    return completedReply(promotion, overviewTs);
  },
});
