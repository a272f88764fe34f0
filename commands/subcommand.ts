import { z } from 'zod';
import type { CommandContext, CommandResult } from './context.js';

/**
 * What a subcommand's arguments parse into. Never a `sub` key: the parsed command puts the subcommand's name
 * there, beside the arguments, and would lose that argument.
 */
export type SubcommandArgs = object & { sub?: never };

/** One `/promote` subcommand: how people type it, how its words parse, and what it does. */
export interface Subcommand<Name extends string = string, Args extends SubcommandArgs = SubcommandArgs> {
  /** The word after `/promote`, in lower case (people may type it in any case). */
  readonly name: Name;
  /**
   * Its form as people type it, plain text: '/promote start <release> [template]'. Help and usage answers show
   * it as code, escaped, so Slack does not take `<release>` for a link and drop it.
   */
  readonly usage: string;
  /** A filled-in form as typed, shown after `usage` in usage answers: '/promote start v1.50'. */
  readonly example?: string;
  /** What a usage answer adds in brackets when the form alone does not say it: 'it takes nothing after it'. */
  readonly note?: string;
  /** What it does, after the form in help, in mrkdwn (an example goes through `code()`): 'start a promotion'. */
  readonly summary: string;
  /**
   * Parses the words after the subcommand. A wrong number of words is answered with the usage line alone,
   * unless the schema gives that count a message of its own; any other issue's message is shown above it.
   */
  readonly args: z.ZodType<Args>;
  // A method, not a function property, so a list can hold subcommands with different arguments.
  run(ctx: CommandContext, args: Args): Promise<CommandResult>;
}

/**
 * Declares a subcommand with its handler's `args` typed from its schema, so a definition is checked end to
 * end: `defineSubcommand({ name: 'start', ..., args: z.tuple([...]).transform(...), run: (ctx, args) => ... })`.
 */
export function defineSubcommand<const Name extends string, Args extends SubcommandArgs>(
  definition: Subcommand<Name, Args>,
): Subcommand<Name, Args> {
  return definition;
}

/** The arguments of a subcommand that takes no words after it. */
export const nothingAfter = z.tuple([]).transform(() => ({}));
