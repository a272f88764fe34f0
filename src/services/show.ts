import { newErrorId, UserError } from '../errors.js';
import type { Deps } from './deps.js';

/**
 * Bring the checklist messages up to date after a saved change. If Slack fails, the change is still saved
 * and the repair sweep renders it shortly; the person is told exactly that, with an id for the log line,
 * rather than to try again (which would change nothing, or undo their change).
 */
export async function showChange(deps: Deps, promotionId: string): Promise<void> {
  try {
    await deps.publisher.refresh(promotionId);
  } catch (err) {
    const errorId = newErrorId();
    deps.log.error({ err, errorId, promotionId }, 'change saved, but the checklist messages could not be updated');
    throw new UserError(
      `Saved, but the checklist message could not be updated just now (error id \`${errorId}\`). It catches up by itself within a minute; no need to do it again.`,
      'display_behind',
    );
  }
}
