import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The only place that reads `process.env`. Every problem is reported at once; secret values are never echoed.
 */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** Where each token is issued, for the messages that refuse one. */
export const BOT_TOKEN_HELP = "the Bot User OAuth Token (xoxb-…) from your app's page at api.slack.com/apps → OAuth & Permissions";
export const APP_TOKEN_HELP = "an app-level token (xapp-…) with the connections:write scope, from your app's page at api.slack.com/apps → Basic Information → App-Level Tokens";

/** Other kinds of Slack token, by prefix (the only part of a token a message may repeat). */
const TOKEN_KINDS: Record<string, string> = {
  xoxb: 'a bot token (xoxb-…)',
  xoxp: 'a user token (xoxp-…)',
  xapp: 'an app-level token (xapp-…)',
  xoxe: 'a refresh token (xoxe-…)',
};

/**
 * A token of the expected prefix, or an issue naming what was given instead: a user token pasted as the bot
 * token is well-formed and Slack would accept it, but the bot would then act as that person.
 */
const token = (prefix: string, wanted: string, help: string) =>
  z.string().superRefine((value, ctx) => {
    if (new RegExp(`^${prefix}-\\S+$`).test(value)) return;
    const given = /^(x[a-z]{3})-/.exec(value)?.[1];
    const kind = given !== undefined && given !== prefix ? TOKEN_KINDS[given] : undefined;
    ctx.addIssue({ code: 'custom', message: kind ? `is ${kind}, not ${wanted}: use ${help}` : `must be ${wanted} starting with ${prefix}-: use ${help}` });
  });

const envSchema = z
  .object({
    SLACK_BOT_TOKEN: token('xoxb', 'a bot token', BOT_TOKEN_HELP),
    SLACK_SIGNING_SECRET: optionalString,
    SLACK_APP_TOKEN: optionalString.pipe(token('xapp', 'an app-level token', APP_TOKEN_HELP).optional()),
    SLACK_API_URL: optionalString.pipe(z.url('must be a URL such as http://127.0.0.1:4000/api/').optional()),
    /** chat.update calls a minute for the workspace (Slack's Tier 3, about 50), spent by every replica together (rate_budgets). */
    SLACK_UPDATES_PER_MINUTE: optionalString.pipe(
      z.coerce.number<string | undefined>({ error: 'must be a number above 0' }).positive('must be a number above 0').max(6000, 'must be at most 6000').default(50),
    ),
    /**
     * conversations.history/replies calls a minute (the outbox's look-ups of posts whose outcome is unknown): 1 for apps
     * outside the Slack Marketplace since 2025-05-29; an internal or Marketplace app may raise it (Tier 3, 50).
     */
    SLACK_HISTORY_READS_PER_MINUTE: optionalString.pipe(
      z.coerce.number<string | undefined>({ error: 'must be a number above 0' }).positive('must be a number above 0').max(600, 'must be at most 600').default(1),
    ),
    PORT: optionalString.pipe(
      z.coerce.number<string | undefined>({ error: 'must be a whole number from 0 to 65535' }).int('must be a whole number from 0 to 65535').min(0).max(65535).default(3000),
    ),
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
        .optional(),
    ),
    PREFLIGHT_DATA_DIR: z.string().min(1).default('./.data'),
    CHECKLISTS_DIR: z.string().min(1).default('./checklists'),
    GITHUB_TOKEN: optionalString,
    GITHUB_API_URL: z.url().default('https://api.github.com'),
    /** The GitHub App that gates deployments (issue 13): all three, or none. */
    GITHUB_APP_ID: optionalString.pipe(z.coerce.number<string | undefined>({ error: 'must be the App\'s numeric id' }).int('must be the App\'s numeric id').positive('must be the App\'s numeric id').optional()),
    GITHUB_APP_PRIVATE_KEY: optionalString,
    GITHUB_WEBHOOK_SECRET: optionalString,
    /** Statuspage (issue 12): the API key keeps the template's status page in step; unset, its items stay manual. */
    STATUSPAGE_API_KEY: optionalString,
    STATUSPAGE_API_URL: optionalString.pipe(z.url('must be a URL such as https://api.statuspage.io/v1').optional()).transform((v) => v ?? 'https://api.statuspage.io/v1'),
    AWS_REGION: optionalString,
    CLOUDWATCH_ENDPOINT: optionalString.pipe(z.url().optional()),
    AWS_ACCESS_KEY_ID: optionalString,
    AWS_SECRET_ACCESS_KEY: optionalString,
    AWS_SESSION_TOKEN: optionalString,
    PROBE_CONCURRENCY: optionalString.pipe(
      z.coerce.number<string | undefined>({ error: 'must be a whole number from 1 to 100' }).int('must be a whole number from 1 to 100').min(1).max(100).default(20),
    ),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    /** `production` keeps logs as JSON lines even in a terminal, as log collectors expect. */
    NODE_ENV: optionalString,
  });

export interface Config {
  slack: { botToken: string; signingSecret?: string; appToken?: string; apiUrl?: string; updatesPerMinute: number; historyReadsPerMinute: number };
  mode: 'http' | 'socket';
  port: number;
  databaseUrl?: string;
  dataDir: string;
  checklistsDir: string;
  github: { token?: string; apiUrl: string };
  /** The GitHub App that gates deployments (`POST /github/webhook`): set when GITHUB_APP_ID, its key and the webhook secret are. */
  githubApp?: GithubAppConfig;
  /** Statuspage's REST API: `apiKey` is a secret (never logged or shown); without it nothing is called. */
  statuspage: { apiKey?: string; apiUrl: string };
  /**
   * `credentials` when AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are both set (what the SDK's chain would take from
   * the environment first anyway; passed explicitly because the bot may be given an environment other than the
   * process's, as the playground gives its dummy keys); otherwise the SDK's standard chain.
   */
  aws: { region?: string; cloudwatchEndpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } };
  logLevel: (typeof LOG_LEVELS)[number];
  nodeEnv?: string;
  /**
   * Verification probes: how many of one Run all run at once, and the environment the config was read from (the env
   * family checks names in it; postgres reads connection strings from it by name). Never logged or shown.
   */
  probes?: { concurrency: number; env: Readonly<Record<string, string | undefined>> };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parse configuration from an environment (process.env by default). Throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  // Issue messages are written here and never include the offending value, so secrets stay out of the output.
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => {
        const name = String(i.path[0]);
        return `${name} ${env[name] === undefined ? 'is required' : i.message}`;
      });
  const blank = (v: string | undefined) => v === undefined || v.trim() === '';
  if (blank(env['SLACK_APP_TOKEN']) && blank(env['SLACK_SIGNING_SECRET'])) {
    problems.push('SLACK_SIGNING_SECRET is required in HTTP mode (set it, or set SLACK_APP_TOKEN for Socket Mode)');
  }
  const githubApp = readGithubApp(env, problems);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    slack: { botToken: e.SLACK_BOT_TOKEN, signingSecret: e.SLACK_SIGNING_SECRET, appToken: e.SLACK_APP_TOKEN, apiUrl: e.SLACK_API_URL, updatesPerMinute: e.SLACK_UPDATES_PER_MINUTE, historyReadsPerMinute: e.SLACK_HISTORY_READS_PER_MINUTE },
    mode: e.SLACK_APP_TOKEN ? 'socket' : 'http',
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.PREFLIGHT_DATA_DIR,
    checklistsDir: e.CHECKLISTS_DIR,
    github: { token: e.GITHUB_TOKEN, apiUrl: e.GITHUB_API_URL },
    ...(githubApp && e.GITHUB_APP_ID ? { githubApp: { ...githubApp, appId: e.GITHUB_APP_ID } } : {}),
    statuspage: { apiKey: e.STATUSPAGE_API_KEY, apiUrl: e.STATUSPAGE_API_URL },
    aws: {
      region: e.AWS_REGION,
      cloudwatchEndpoint: e.CLOUDWATCH_ENDPOINT,
      ...(e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
        ? { credentials: { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY, ...(e.AWS_SESSION_TOKEN ? { sessionToken: e.AWS_SESSION_TOKEN } : {}) } }
        : {}),
    },
    logLevel: e.LOG_LEVEL,
    nodeEnv: e.NODE_ENV,
    probes: { concurrency: e.PROBE_CONCURRENCY, env },
  };
}

export interface GithubAppConfig {
  appId: number;
  /** PKCS#8 PEM (what @octokit/auth-app signs with), whatever form it was given in. */
  privateKey: string;
  webhookSecret: string;
}

const GITHUB_APP_VARS = ['GITHUB_APP_ID', 'GITHUB_APP_PRIVATE_KEY', 'GITHUB_WEBHOOK_SECRET'] as const;

/**
 * The GitHub App's key and secret, or nothing when none of its variables is set. Some but not all set is a problem
 * (the gate would half work: deliveries verified but never answered, or the reverse). The key is the PEM GitHub gives
 * (its newlines may be written as \n, as environment files often hold it) or the path of the .pem file; it is checked
 * here, so a wrong one fails at start. Problems never repeat the value.
 */
function readGithubApp(env: Record<string, string | undefined>, problems: string[]): Omit<GithubAppConfig, 'appId'> | undefined {
  const set = GITHUB_APP_VARS.filter((name) => (env[name] ?? '').trim() !== '');
  if (set.length === 0) return undefined;
  if (set.length < GITHUB_APP_VARS.length) {
    const missing = GITHUB_APP_VARS.filter((name) => !set.includes(name));
    problems.push(`${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} required with ${set.join(' and ')}: the GitHub App that gates deployments needs its id, its private key and its webhook secret`);
    return undefined;
  }
  const given = env['GITHUB_APP_PRIVATE_KEY']!.trim();
  let pem = given;
  if (!given.includes('-----BEGIN')) {
    try {
      pem = readFileSync(given, 'utf8');
    } catch (err) {
      problems.push(`GITHUB_APP_PRIVATE_KEY is neither a PEM private key nor a readable file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}): paste the key GitHub gave when you generated it, or its path`);
      return undefined;
    }
  }
  pem = pem.replace(/\\n/g, '\n');
  try {
    const privateKey = createPrivateKey(pem).export({ type: 'pkcs8', format: 'pem' }).toString();
    return { privateKey, webhookSecret: env['GITHUB_WEBHOOK_SECRET']!.trim() };
  } catch {
    problems.push('GITHUB_APP_PRIVATE_KEY is not a PEM private key GitHub could have generated: generate one on the App\'s page (Private keys) and give its contents or its path');
    return undefined;
  }
}

/**
 * Only where the bot keeps its data (`DATABASE_URL`, else PGlite in `PREFLIGHT_DATA_DIR`), read as the bot reads it: for
 * the tools that open the bot's database without being the bot (`verify-audit`, `report`), which need no Slack token.
 */
export function loadStorageConfig(env: Record<string, string | undefined> = process.env): Pick<Config, 'databaseUrl' | 'dataDir'> {
  const parsed = envSchema.pick({ DATABASE_URL: true, PREFLIGHT_DATA_DIR: true }).safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${String(i.path[0])} ${i.message}`));
  return { databaseUrl: parsed.data.DATABASE_URL, dataDir: parsed.data.PREFLIGHT_DATA_DIR };
}
