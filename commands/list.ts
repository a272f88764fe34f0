import { listReply } from '../blocks/replies.js';
import { activePromotions } from '../src/services/promotions.js';
import { defineSubcommand, nothingAfter } from './subcommand.js';

/** `/promote list`: active promotions in this channel. */
export const list = defineSubcommand({
  name: 'list',
  usage: '/promote list',
  note: 'it takes nothing after it',
  summary: 'the active promotions in this channel',
  args: nothingAfter,
  async run(ctx) {
    return listReply(await activePromotions(ctx.deps, ctx.channelId));
  },
});
