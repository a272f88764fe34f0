import type { ModalView } from '@slack/types';
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
  /**
   * Open a modal for the person who typed the command (its trigger_id lives 3 seconds, so only right after the ack).
   * Absent where a command runs without Slack's trigger (tests of the registry).
   */
  openModal?: (view: ModalView) => Promise<void>;
}

/** A subcommand answers privately with a message, or with nothing when its effect is visible in the channel. */
export type CommandResult = RenderedMessage | undefined;
