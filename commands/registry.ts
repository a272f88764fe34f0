import type { z } from 'zod';
import { code } from '../blocks/text.js';
import type { CommandContext, CommandResult } from './context.js';
import { HELP_INTRO, helpSubcommand } from './help.js';
import type { Subcommand } from './subcommand.js';

/** What a subcommand's words parse into: its name as `sub`, beside its arguments. */
export type CommandOf<S> = S extends Subcommand<infer Name, infer Args> ? { sub: Name } & Args : never;

export type ParseResult<Command> = { ok: true; command: Command } | { ok: false; message: string };

export interface Registry<Command extends { sub: string }> {
  /** Every subcommand, help last, in the order help lists them. */
  readonly subcommands: readonly Subcommand[];
  /** The whole help: what `/promote help` answers, and what an unknown subcommand gets. */
  readonly help: string;
  /** Parses the text after `/promote`; every wrong input gets a short answer naming what was wrong. */
  parse(text: string): ParseResult<Command>;
  /** Runs the subcommand a parsed command names, with its parsed arguments. */
  dispatch(ctx: CommandContext, command: Command): Promise<CommandResult>;
}

/** The usage line a wrong input of this subcommand is answered with (mrkdwn, placeholders escaped). */
export function usageLine(subcommand: Subcommand): string {
  const example = subcommand.example ? `, e.g. ${code(subcommand.example)}` : '';
  const note = subcommand.note ? ` (${subcommand.note})` : '';
  return `${code(subcommand.usage)}${example}${note}`;
}

/** One line of help: the form as code, then what it does. */
export function helpLine(subcommand: Subcommand): string {
  return `${code(subcommand.usage)} ${subcommand.summary}`;
}

// Marks an issue that needs no words of its own: a wrong number of words, which the usage line already shows.
const SAID_BY_USAGE = '';

/** Leaves zod's stock message for a wrong word count out of the answer; messages a schema gives stay. */
function wordCountSaidByUsage(issue: z.core.$ZodRawIssue): string | undefined {
  const aboutAllWords = issue.path === undefined || issue.path.length === 0;
  return aboutAllWords && (issue.code === 'too_small' || issue.code === 'too_big') ? SAID_BY_USAGE : undefined;
}

function usageAnswer(subcommand: Subcommand, problem: string | undefined): string {
  return `${problem ? `${problem}\n` : ''}Usage: ${usageLine(subcommand)}`;
}

/**
 * An unknown word is echoed back, so it must not carry mrkdwn, mentions or links into the answer, nor the bidi
 * controls that would reorder the text after it; cut to 30 characters, never inside one (a lone half of an emoji).
 */
function quotable(word: string): string {
  return [...word.replace(/[`<>&*_~\u202a-\u202e\u2066-\u2069]/g, '')].slice(0, 30).join('');
}

/**
 * Builds help, parsing and dispatch from one list of subcommands, adding `help` itself. Adding a subcommand
 * to the list is all it takes for it to be listed, understood and run.
 */
export function createRegistry<const List extends readonly Subcommand[]>(
  list: List,
): Registry<CommandOf<List[number] | ReturnType<typeof helpSubcommand>>> {
  type Command = CommandOf<List[number] | ReturnType<typeof helpSubcommand>>;
  const subcommands: readonly Subcommand[] = [...list, helpSubcommand(() => help)];
  const byName = new Map<string, Subcommand>();
  for (const subcommand of subcommands) {
    // Lookup is by the lower-cased word people type, so a name in another case, or a second one, is unreachable.
    if (subcommand.name !== subcommand.name.toLowerCase()) throw new Error(`subcommand ${subcommand.name} must be lower case`);
    if (byName.has(subcommand.name)) throw new Error(`two subcommands are called ${subcommand.name}`);
    byName.set(subcommand.name, subcommand);
  }
  const help = [HELP_INTRO, ...subcommands.map(helpLine)].join('\n');

  function parse(text: string): ParseResult<Command> {
    const [typed, ...words] = text.trim().split(/\s+/).filter(Boolean);
    if (typed === undefined) return parse('help'); // `/promote` alone asks for help
    const subcommand = byName.get(typed.toLowerCase());
    if (!subcommand) return { ok: false, message: `I don't know \`${quotable(typed)}\`.\n${help}` };
    const args = subcommand.args.safeParse(words, { error: wordCountSaidByUsage });
    if (!args.success) return { ok: false, message: usageAnswer(subcommand, args.error.issues[0]?.message) };
    // The arguments came from this subcommand's own schema, so together with its name they are its command.
    return { ok: true, command: { sub: subcommand.name, ...args.data } as Command };
  }

  async function dispatch(ctx: CommandContext, command: Command): Promise<CommandResult> {
    // Every command carries its subcommand's name in `sub`, which the generic `Command` does not show.
    const { sub, ...args }: { sub: string } = command;
    const subcommand = byName.get(sub);
    // Only a command this registry parsed gets here, and it parsed only the names it holds.
    if (!subcommand) throw new Error(`no subcommand ${sub}`);
    return subcommand.run(ctx, args);
  }

  return { subcommands, help, parse, dispatch };
}
