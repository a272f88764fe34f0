import { abortPromotion } from '../src/services/promotions.js';
import type { CommandContext, CommandResult } from './context.js';

/** `/promote abort <release> <reason>`: the checklist shows who aborted it and why. */
export async function abort(ctx: CommandContext, args: { release: string; reason: string }): Promise<CommandResult> {
  await abortPromotion(ctx.deps, { channelId: ctx.channelId, release: args.release, userId: ctx.userId, reason: args.reason });
  return undefined;
}
