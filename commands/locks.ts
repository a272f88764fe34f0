import { locksReply } from '../blocks/replies.js';
import { environmentLocks } from '../src/services/locks.js';
import { defineSubcommand, nothingAfter } from './subcommand.js';

/** `/promote locks`: which environments of this workspace a promotion holds, with its checklist and since when. */
export const locks = defineSubcommand({
  name: 'locks',
  usage: '/promote locks',
  note: 'it takes nothing after it',
  summary: 'the environments locked by a promotion in progress, in this workspace',
  args: nothingAfter,
  async run(ctx) {
    return locksReply(await environmentLocks(ctx.deps, ctx.teamId));
  },
});
