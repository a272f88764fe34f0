import { startPromotion } from '../src/services/promotions.js';
import type { CommandContext, CommandResult } from './context.js';

/** `/promote start <release> [template]`: the checklist itself appears in the channel. */
export async function start(ctx: CommandContext, args: { release: string; template?: string }): Promise<CommandResult> {
  await startPromotion(ctx.deps, {
    release: args.release,
    templateId: args.template,
    channelId: ctx.channelId,
    teamId: ctx.teamId,
    userId: ctx.userId,
  });
  return undefined;
}
