import { types } from 'node:util';
import { scrubSecrets, type Logger } from './logger.js';

/** What a guard needs of the process: where it listens (the real `process` outside tests). */
export interface GuardedProcess {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  on(event: 'uncaughtException', listener: (err: Error, origin: string) => void): unknown;
}

/** An Error goes to the `err` serializer (message and stack, scrubbed), which expects an Error; anything thrown else is `reason`. */
function fields(thrown: unknown): { err: Error } | { reason: unknown } {
  if (types.isNativeError(thrown) || thrown instanceof Error) return { err: thrown };
  return { reason: typeof thrown === 'string' ? scrubSecrets(thrown) : thrown };
}

/**
 * A rejection nobody handled (one request's or one job's failure that was not awaited): logged at error level with
 * its stack, and the process keeps serving, so one bad request never takes the bot down. Node's default would
 * end the process. The logger's `err` serializer scrubs tokens and URL passwords from the message and the stack;
 * a reason that is not an Error is logged as `reason` (a string scrubbed, an object through the redact paths).
 */
export function onUnhandledRejection(log: Logger, reason: unknown): void {
  log.error(fields(reason), 'unhandled promise rejection (the process keeps serving)');
}

/**
 * An exception nothing caught may have left state half-changed, so the process does not carry on: logged at fatal
 * level, then `shutdown` ends it through the normal graceful path (work in flight finished, database closed,
 * within the shutdown time limit) with exit code 1.
 */
export function onUncaughtException(log: Logger, shutdown: (reason: string, code: number) => void, err: unknown, origin?: string): void {
  log.fatal({ ...fields(err), origin }, 'uncaught exception: shutting down, since the state may be corrupt');
  shutdown('uncaughtException', 1);
}

/** The process-wide safety net (src/main.ts installs it as soon as it has a logger). */
export function installProcessGuards(log: Logger, shutdown: (reason: string, code: number) => void, target: GuardedProcess = process): void {
  target.on('unhandledRejection', (reason) => onUnhandledRejection(log, reason));
  target.on('uncaughtException', (err, origin) => onUncaughtException(log, shutdown, err, origin));
}
