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
