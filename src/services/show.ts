import { DatabaseUnavailable, newErrorId, UserError } from '../errors.js';
import { DisplayBroken, type Deps } from './deps.js';

/**
 * Bring the checklist messages up to date after a saved change. If Slack fails, the change is still saved:
 * the person is told exactly that, with an id for the log line, rather than to try again (which would change
 * nothing, or undo their change). A passing failure is retried by the repair sweep; a message Slack will
 * never accept again (deleted, say) is not, and they are told where the state can still be seen. The database
 * going away after the change was committed is the same: saved, and the sweep catches up once it is back.
 */
export async function showChange(deps: Deps, promotionId: string, opts: { first?: string } = {}): Promise<void> {
  try {
    await deps.slack.refresh(promotionId, opts);
  } catch (err) {
    if (err instanceof DatabaseUnavailable) {
      deps.log.warn({ err: err.cause, promotionId }, 'change saved, but the database stopped answering before the checklist messages were updated');
      throw new UserError(
        'Saved, but the database stopped answering before the checklist message was updated. It catches up by itself once the database is back; no need to do it again.',
        'display_behind',
      );
    }
    const errorId = newErrorId();
    deps.log.error({ err: (err as Error).cause ?? err, errorId, promotionId }, 'change saved, but the checklist messages could not be updated');
    if (err instanceof DisplayBroken) {
      throw new UserError(
        `Saved, but Slack no longer accepts updates to part of this checklist (\`${err.slackCode}\`, error id \`${errorId}\`). \`/promote status\` shows the current state.`,
        'display_broken',
      );
    }
    throw new UserError(
      `Saved, but the checklist message could not be updated just now (error id \`${errorId}\`). It catches up by itself shortly; no need to do it again.`,
      'display_behind',
    );
  }
}
