import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import { scrubSecrets, type Logger } from '../logger.js';

/** Bolt's own log lines, through pino (and scrubbed, in case a message quotes a token). */
export function boltLogger(log: Logger): SlackLogger {
  const line = (msg: unknown[]) => scrubSecrets(msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' '));
  // Formatted and scrubbed only when the level is on: Bolt logs several debug lines for every request.
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (...m: unknown[]) => {
    if (log.isLevelEnabled(level)) log[level](line(m));
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}
