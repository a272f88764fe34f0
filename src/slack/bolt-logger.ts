import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import { scrubSecrets, type Logger } from '../logger.js';

/** Bolt's own log lines, through pino (and scrubbed, in case a message quotes a token). */
export function boltLogger(log: Logger): SlackLogger {
  const line = (msg: unknown[]) => scrubSecrets(msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' '));
  return {
    debug: (...m) => log.debug(line(m)),
    info: (...m) => log.info(line(m)),
    warn: (...m) => log.warn(line(m)),
    error: (...m) => log.error(line(m)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}
