import type { SlashCommand } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { PreflightApp, RequestContext } from '../src/listeners/context.js';
import { replyPrivately } from '../src/slack/reply.js';
import { abort } from './abort.js';
import { assign } from './assign.js';
import { check } from './check.js';
import { complete } from './complete.js';
import type { CommandContext } from './context.js';
import { list } from './list.js';
import { report } from './report.js';
import { locks } from './locks.js';
import { createRegistry, type ParseResult as ParseResultOf } from './registry.js';
import { start } from './start.js';
import { status } from './status.js';
import { templates } from './templates.js';
import { schedule } from './schedule.js';
import { rollback } from './rollback.js';
import { openModal } from '../src/slack/open-modal.js';

export const COMMAND = '/promote';

/** Every `/promote` subcommand, in the order help lists them (`help` itself comes last). A new one goes here. */
export const SUBCOMMANDS = [start, status, schedule, rollback, check, assign, list, complete, abort, report, locks, templates] as const;

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
function commandContext(context: RequestContext, command: SlashCommand, client: WebClient): CommandContext {
  return {
    deps: context.deps,
    userId: command.user_id,
    channelId: command.channel_id,
    teamId: command.team_id ?? null,
    openModal: async (view) => {
      await openModal(client, { trigger_id: command.trigger_id, view });
    },
  };
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
    const result = await promote.dispatch(commandContext(context, command, client), parsed.command);
    if (result) await replyPrivately(client, body, result);
  });
}
