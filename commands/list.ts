import { listReply } from '../blocks/replies.js';
import { activePromotions } from '../src/services/promotions.js';
import type { CommandContext, CommandResult } from './context.js';

/** `/promote list`: active promotions in this channel. */
export async function list(ctx: CommandContext): Promise<CommandResult> {
  return listReply(await activePromotions(ctx.deps, ctx.channelId));
}
