import type { RenderedMessage } from '../blocks/checklist.js';
import type { Deps } from '../src/services/deps.js';

/**
 * Who ran the command, and where. A subcommand that posts in the channel enqueues the post in the outbox with its
 * change (src/store/outbox.ts), never posts directly: a direct post is lost to a 429 or lands twice when retried.
 */
export interface CommandContext {
  deps: Deps;
  userId: string;
  channelId: string;
  teamId: string | null;
}

/** A subcommand answers privately with a message, or with nothing when its effect is visible in the channel. */
export type CommandResult = RenderedMessage | undefined;
