import type { WebClient } from '@slack/web-api';
import { DatabaseUnavailable, newErrorId, unexpectedErrorText, UserError } from '../errors.js';
import type { Logger } from '../logger.js';
import { replyPrivately } from './reply.js';

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
  } else if (error instanceof UserError) {
    log.info({ code: error.code }, 'request refused: %s', error.message);
    text = `:no_entry_sign: ${error.message}`;
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
