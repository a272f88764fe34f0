import type { RenderedMessage } from '../blocks/checklist.js';
import type { Deps } from '../src/services/deps.js';

/** Who ran the command, and where. */
export interface CommandContext {
  deps: Deps;
  userId: string;
  channelId: string;
  teamId: string | null;
}

/** A subcommand answers privately with a message, or with nothing when its effect is visible in the channel. */
export type CommandResult = RenderedMessage | undefined;
