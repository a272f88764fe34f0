import type { WebClient } from '@slack/web-api';
import { DatabaseUnavailable, newErrorId, unexpectedErrorText, UserError } from '../errors.js';
import type { Logger } from '../logger.js';
import { ModalNotOpened } from './open-modal.js';
import { replyPrivately } from './reply.js';

/** The codes of a UserError saying the change was kept and will show (src/services/show.ts, intake.ts). */
const SAVED_NOT_SHOWN = new Set(['display_behind', 'stored_not_applied']);

/**
 * Where every error ends: the person always hears back, privately. A UserError says what to do instead;
 * the database being away (a restart, a failover) is one too, "try again in a moment", logged as a warning
 * with its cause; anything else is logged with an id, and the person is given that id.
 */
export async function answerError(client: WebClient, error: unknown, body: unknown, log: Logger): Promise<void> {
  let text: string;
  if (error instanceof DatabaseUnavailable) {
    log.warn({ err: error.cause, code: error.code }, 'request failed: the database is not answering');
    text = `:hourglass: ${error.message}`;
  } else if (error instanceof ModalNotOpened) {
    log.warn({ err: error.cause, code: error.code }, 'request failed: Slack did not open the form');
    text = `:hourglass: ${error.message}`;
  } else if (error instanceof UserError) {
    log.info({ code: error.code }, 'request refused: %s', error.message);
    // Saved, only not shown (or not applied) yet: not a refusal, so not the refusal's sign.
    text = `${SAVED_NOT_SHOWN.has(error.code) ? ':hourglass:' : ':no_entry_sign:'} ${error.message}`;
  } else {
    const errorId = newErrorId();
    log.error({ err: error, errorId }, 'request failed');
    text = unexpectedErrorText(errorId);
  }
  try {
    await replyPrivately(client, body, { text });
  } catch (replyErr) {
    log.error({ err: replyErr }, 'could not tell the person about an error');
  }
}
