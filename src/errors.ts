import { randomBytes } from 'node:crypto';

/**
 * Something the person did that can't be done as asked. Its message is shown to them (ephemerally) as it is,
 * so it must be plainly worded and say what to do instead.
 */
export class UserError extends Error {
  constructor(message: string, readonly code = 'user_error') {
    super(message);
    this.name = 'UserError';
  }
}

/** A short id logged with an unexpected error and shown to the person, so support can find the log line. */
export function newErrorId(): string {
  return `E-${randomBytes(4).toString('hex')}`;
}

export function unexpectedErrorText(errorId: string): string {
  return `:warning: Something went wrong on our side (error id \`${errorId}\`). Please try again; if it keeps happening, give this id to whoever runs Preflight.`;
}

/**
 * A refusal that belongs to one input of a modal (a value that does not parse, a reason left empty): the view
 * listener shows it next to that input (`response_action: errors`), so nothing the person typed is lost.
 * Anywhere else it is an ordinary UserError.
 */
export class InputError extends UserError {
  constructor(
    /** The block_id of the input to show it beside. */
    readonly input: string,
    message: string,
    code = 'invalid_input',
  ) {
    super(message, code);
    this.name = 'InputError';
  }
}

/** A payload that does not have the shape Slack sends: refused, and nothing is written. */
export class BadPayload extends UserError {
  constructor(what: string) {
    super(`Slack sent something I could not read (${what}); nothing was changed. Please try again.`, 'bad_payload');
  }
}

/**
 * The database could not be reached, or dropped the connection mid-request (a restart, a failover, every
 * connection in use). Nothing is wrong with what the person asked: it is worth asking again in a moment. A
 * UserError, so a modal keeps what was typed and shows this beside its main input.
 */
export class DatabaseUnavailable extends UserError {
  constructor(cause: unknown) {
    super(
      "Preflight's database is not answering just now, so this may not have been saved. Please try again in a moment.",
      'database_unavailable',
    );
    this.name = 'DatabaseUnavailable';
    this.cause = cause;
  }
}

const NOT_ACKNOWLEDGED = new WeakSet<object>();

/**
 * Marks an error thrown, on purpose, before its request was acknowledged: a click that could not be stored. The app's
 * error handler answers the person privately as usual and then lets Bolt answer Slack with an error status, so Slack
 * shows the click did not go through (an answer of 200 would say it had).
 */
export function notAcknowledged<E>(err: E): E {
  if (typeof err === 'object' && err !== null) NOT_ACKNOWLEDGED.add(err);
  return err;
}

export function wasNotAcknowledged(err: unknown): boolean {
  return typeof err === 'object' && err !== null && NOT_ACKNOWLEDGED.has(err);
}
