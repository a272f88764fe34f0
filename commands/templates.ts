import { templatesReply } from '../blocks/replies.js';
import type { CommandContext, CommandResult } from './context.js';

/** `/promote templates`: the checklists that can be started. */
export async function templates(ctx: CommandContext): Promise<CommandResult> {
  return templatesReply(ctx.deps.templates.values());
}
