import type { App } from '@slack/bolt';
import type { Deps } from '../src/services/deps.js';
import { replyPrivately } from '../src/slack/reply.js';
import { abort } from './abort.js';
import type { CommandContext, CommandResult } from './context.js';
import { help } from './help.js';
import { list } from './list.js';
import { parsePromote, type PromoteCommand } from './parse.js';
import { start } from './start.js';
import { status } from './status.js';
import { templates } from './templates.js';

export const COMMAND = '/promote';

export function dispatch(ctx: CommandContext, cmd: PromoteCommand): Promise<CommandResult> {
  switch (cmd.sub) {
    case 'help':
      return help();
    case 'start':
      return start(ctx, cmd);
    case 'status':
      return status(ctx, cmd);
    case 'list':
      return list(ctx);
    case 'abort':
      return abort(ctx, cmd);
    case 'templates':
      return templates(ctx);
  }
}

/**
 * `/promote`: wrong input is answered in the acknowledgement itself (parsing is pure and instant); valid
 * input is acknowledged at once and answered privately once done. Errors go to the app's error handler,
 * which tells the person.
 */
export function register(app: App, deps: Deps): void {
  app.command(COMMAND, async ({ command, ack, client, body }) => {
    const parsed = parsePromote(command.text ?? '');
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', text: parsed.message });
      return;
    }
    await ack();
    const result = await dispatch(
      { deps, userId: command.user_id, channelId: command.channel_id, teamId: command.team_id ?? null },
      parsed.command,
    );
    if (result) await replyPrivately(client, body, result);
  });
}
