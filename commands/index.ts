import type { SlashCommand } from '@slack/bolt';
import type { PreflightApp, RequestContext } from '../src/listeners/context.js';
import { replyPrivately } from '../src/slack/reply.js';
import { abort } from './abort.js';
import { assign } from './assign.js';
import { check } from './check.js';
import { complete } from './complete.js';
import type { CommandContext } from './context.js';
import { list } from './list.js';
import { locks } from './locks.js';
import { createRegistry, type ParseResult as ParseResultOf } from './registry.js';
import { start } from './start.js';
import { status } from './status.js';
import { templates } from './templates.js';
import { schedule } from './schedule.js';

export const COMMAND = '/promote';

/** Every `/promote` subcommand, in the order help lists them (`help` itself comes last). A new one goes here. */
export const SUBCOMMANDS = [start, status, schedule, check, assign, list, complete, abort, locks, templates] as const;

export const promote = createRegistry(SUBCOMMANDS);

export type PromoteCommand = ReturnType<typeof promote.parse> extends ParseResultOf<infer Command> ? Command : never;
export type ParseResult = ParseResultOf<PromoteCommand>;

/** The whole `/promote` help. */
export const USAGE = promote.help;

export function parsePromote(text: string): ParseResult {
  return promote.parse(text);
}

/**
 * Who ran the command, where, and what handlers use to act on it: the request's dependencies, whose logger
 * carries the request's ids. The one place the dependencies reach the subcommands.
 */
function commandContext(context: RequestContext, command: SlashCommand): CommandContext {
  return { deps: context.deps, userId: command.user_id, channelId: command.channel_id, teamId: command.team_id ?? null };
}

/**
 * `/promote`: wrong input is answered in the acknowledgement itself (parsing is pure and instant); valid
 * input is acknowledged at once and answered privately once done. Errors go to the app's error handler,
 * which tells the person.
 */
export function register(app: PreflightApp): void {
  app.command(COMMAND, async ({ command, ack, client, body, context }) => {
    const parsed = promote.parse(command.text ?? '');
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', text: parsed.message });
      return;
    }
    await ack();
    const result = await promote.dispatch(commandContext(context, command), parsed.command);
    if (result) await replyPrivately(client, body, result);
  });
}
