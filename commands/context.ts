import type { RenderedMessage } from '../blocks/checklist.js';
import type { Deps } from '../src/services/deps.js';

/** A message a subcommand posts in the channel it was run in (a reply in a thread, perhaps broadcast). */
export interface ChannelPost extends RenderedMessage {
  /** Post it as a reply in this message's thread. */
  threadTs?: string;
  /** With `threadTs`: show the reply in the channel too, so the channel is notified. */
  broadcast?: boolean;
}

/** Who ran the command, and where. */
export interface CommandContext {
  deps: Deps;
  userId: string;
  channelId: string;
  teamId: string | null;
  /**
   * Posts once in the command's channel: never retried, since a retried post can land twice. Throws when Slack
   * refuses or fails; the caller decides what the person is told.
   */
  post(message: ChannelPost): Promise<void>;
}

/** A subcommand answers privately with a message, or with nothing when its effect is visible in the channel. */
export type CommandResult = RenderedMessage | undefined;
