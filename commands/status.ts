import { statusReply } from '../blocks/replies.js';
import { promotionForStatus } from '../src/services/promotions.js';
import type { CommandContext, CommandResult } from './context.js';

/** `/promote status [release]`: progress, only to the asker. */
export async function status(ctx: CommandContext, args: { release?: string }): Promise<CommandResult> {
  const { view, overviewTs } = await promotionForStatus(ctx.deps, ctx.channelId, args.release);
  return statusReply(view, overviewTs);
}
