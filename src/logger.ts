import { pino, type Logger, type DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger };

/**
 * Paths redacted wherever they appear in a log line: Slack tokens and secrets, database URLs (they can
 * embed passwords), request headers carrying signatures or bearer tokens.
 */
export const REDACT_PATHS = [
  'token',
  'password',
  'secret',
  'signingSecret',
  'botToken',
  'appToken',
  'databaseUrl',
  'connectionString',
  'apiKey',
  'authorization',
  'Authorization',
  '*.token',
  '*.password',
  '*.secret',
  '*.signingSecret',
  '*.botToken',
  '*.appToken',
  '*.databaseUrl',
  '*.connectionString',
  '*.apiKey',
  '*.*.apiKey',
  '*.authorization',
  '*.Authorization',
  '*.*.secret',
  '*.*.databaseUrl',
  '*.*.authorization',
  '*.*.Authorization',
  '*.*.token',
  '*.*.password',
  '*.*.botToken',
  '*.*.signingSecret',
  '*.*.appToken',
  'headers.authorization',
  'headers["x-slack-signature"]',
  'req.headers.authorization',
  'req.headers["x-slack-signature"]',
  'request.headers.authorization',
  // The GitHub App (issue 13): its key, the webhook secret, installation tokens, deliveries' signatures.
  'privateKey',
  'webhookSecret',
  '*.privateKey',
  '*.webhookSecret',
  '*.*.privateKey',
  '*.*.webhookSecret',
  'headers["x-hub-signature-256"]',
  'req.headers["x-hub-signature-256"]',
];

/** Slack tokens and credentials inside URLs, masked in free text (error messages) before they are logged. */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/xox[abposr]-[A-Za-z0-9-]+/g, 'xox?-[redacted]'],
  [/xapp-[A-Za-z0-9-]+/g, 'xapp-[redacted]'],
  // GitHub tokens (installation ghs_, personal ghp_/github_pat_, OAuth gho_...) and any PEM private key.
  [/\b(gh[pousr]_|github_pat_)[A-Za-z0-9_]{16,}/g, '$1[redacted]'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[private key redacted]'],
  // Greedy to the last '@' of the URL, so a password containing '@' is hidden whole.
  [/(\w+:\/\/[^:/\s@]+:)\S*@/g, '$1[redacted]@'],
];

export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((s, [re, by]) => s.replace(re, by), text);
}

/**
 * Whether logs should be readable lines rather than JSON: in a terminal, outside production. A process whose
 * output is collected (a container, a pipe, CI) keeps JSON lines for the log pipeline. The caller passes what it
 * knows (only src/config.ts reads the environment).
 */
export function prettyLogsWanted(opts: { stdoutIsTTY: boolean | undefined; nodeEnv: string | undefined }): boolean {
  return opts.stdoutIsTTY === true && opts.nodeEnv !== 'production';
}

/**
 * pino-pretty as a stream in this thread (not a worker transport), written synchronously so nothing logged just
 * before `process.exit` is lost. Redaction and scrubbing happen before it, in pino.
 */
function prettyStream(): DestinationStream {
  // Colours follow the terminal (pino-pretty's default honours NO_COLOR and FORCE_COLOR).
  return pinoPretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
}

/** `pretty` applies only when no destination is given (tests pass their own and read JSON back). */
export function createLogger(level: string, destination?: DestinationStream, opts: { pretty?: boolean } = {}): Logger {
  return pino(
    {
      level,
      base: { service: 'preflight' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        // Messages are free text: mask secrets in them too. An Error logged on its own would put its raw
        // message in `msg`; log it as { err } (scrubbed by the serializer) with a scrubbed message instead.
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          if (first instanceof Error) {
            return method.apply(this, [{ err: first }, scrubSecrets(typeof rest[0] === 'string' ? rest[0] : first.message)] as never);
          }
          return method.apply(this, args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a)) as never);
        },
      },
      serializers: {
        err: (err: unknown) => {
          const s = pino.stdSerializers.err(err as Error);
          return { ...s, message: scrubSecrets(s.message ?? ''), stack: s.stack ? scrubSecrets(s.stack) : s.stack };
        },
      },
    },
    destination ?? (opts.pretty ? prettyStream() : undefined),
  );
}
