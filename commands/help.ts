import { z } from 'zod';
import type { CommandResult } from './context.js';
import { defineSubcommand } from './subcommand.js';

/** The first line of the help, above one line per subcommand. */
export const HELP_INTRO = '*Preflight* runs a promotion as a live checklist in this channel.';

/**
 * `/promote help`, which every registry adds after its own subcommands. It is given the help text, not the
 * list, so it never imports the registry that builds it.
 */
export function helpSubcommand(helpText: () => string) {
  return defineSubcommand({
    name: 'help',
    usage: '/promote help',
    summary: 'this help',
    // Whatever follows `help` is ignored: asking for help should never be refused.
    args: z.array(z.string()).transform(() => ({})),
    async run(): Promise<CommandResult> {
      const text = helpText();
      return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
    },
  });
}
