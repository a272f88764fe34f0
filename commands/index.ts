import type { SlashCommand } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { PreflightApp, RequestContext } from '../src/listeners/context.js';
import { replyPrivately } from '../src/slack/reply.js';
import { abort } from './abort.js';
import type { ChannelPost, CommandContext } from './context.js';
import { list } from './list.js';
import { createRegistry, type ParseResult as ParseResultOf } from './registry.js';
import { start } from './start.js';
import { status } from './status.js';
import { templates } from './templates.js';

export const COMMAND = '/promote';

/** Every `/promote` subcommand, in the order help lists them (`help` itself comes last). A new one goes here. */
export const SUBCOMMANDS = [start, status, list, abort, templates] as const;

export const promote = createRegistry(SUBCOMMANDS);

export type PromoteCommand = ReturnType<typeof promote.parse> extends ParseResultOf<infer Command> ? Command : never;
export type ParseResult = ParseResultOf<PromoteCommand>;

/** The whole `/promote` help. */
export const USAGE = promote.help;

export function parsePromote(text: string): ParseResult {
  return promote.parse(text);
}

/**
 * A client for the posts subcommands make, never retried: the app's client retries failures, and a post that
 * timed out may have landed, so a retry could post twice. Same token, API address and timeout as the app's.
 */
function noRetryPoster(client: WebClient): WebClient {
  return new WebClient(client.token, { slackApiUrl: client.slackApiUrl, retryConfig: { retries: 0 }, timeout: 15_000 });
}

/**
 * Who ran the command, where, and what handlers use to act on it: the request's dependencies, whose logger
 * carries the request's ids. The one place the dependencies reach the subcommands.
 */
function commandContext(context: RequestContext, command: SlashCommand, poster: WebClient): CommandContext {
  const post = async (m: ChannelPost): Promise<void> => {
    const thread = m.threadTs ? { thread_ts: m.threadTs, reply_broadcast: m.broadcast ?? false } : {};
    await poster.chat.postMessage({ channel: command.channel_id, text: m.text, blocks: m.blocks, ...thread });
  };
  return { deps: context.deps, userId: command.user_id, channelId: command.channel_id, teamId: command.team_id ?? null, post };
}

/**
 * `/promote`: wrong input is answered in the acknowledgement itself (parsing is pure and instant); valid
 * input is acknowledged at once and answered privately once done. Errors go to the app's error handler,
 * which tells the person.
 */
export function register(app: PreflightApp): void {
  const poster = noRetryPoster(app.client);
  app.command(COMMAND, async ({ command, ack, client, body, context }) => {
    const parsed = promote.parse(command.text ?? '');
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', text: parsed.message });
      return;
    }
    await ack();
    const result = await promote.dispatch(commandContext(context, command, poster), parsed.command);
    if (result) await replyPrivately(client, body, result);
  });
}
