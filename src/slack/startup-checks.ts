import type { Server } from 'node:http';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import { APP_TOKEN_HELP, BOT_TOKEN_HELP } from '../config.js';

/**
 * A reason the bot cannot start that the person running it can fix (a refused token, a port in use). Its
 * message is the whole story: main prints it on one line and exits 1, without a stack trace.
 */
export class StartupError extends Error {
  constructor(
    message: string,
    /** Structured fields for the log line (never a secret). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

type TokenVariable = 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN';
const HELP: Record<TokenVariable, string> = { SLACK_BOT_TOKEN: BOT_TOKEN_HELP, SLACK_APP_TOKEN: APP_TOKEN_HELP };

/** Platform errors that are Slack's trouble, not the token's: trying again later may work. */
const SLACK_SIDE = new Set(['fatal_error', 'internal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

/** What @slack/web-api errors carry (matched by code, so a second copy of the package cannot fool instanceof). */
interface WebApiError {
  code?: string;
  data?: { error?: string };
  original?: { message?: string; cause?: { code?: string; message?: string } };
  statusCode?: number;
}

/**
 * Turns the error of checking a token into a StartupError naming the variable, Slack's answer and where to get
 * a new token. An error that is not from the Web API is returned as it is.
 */
export function tokenProblem(err: unknown, variable: TokenVariable, method: string): unknown {
  const e = (err ?? {}) as WebApiError;
  switch (e.code) {
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'unknown_error';
      if (SLACK_SIDE.has(code)) return new StartupError(`Slack could not check ${variable} just now (${method} answered ${code}); try again in a minute`, { variable, error: code });
      return new StartupError(`Slack refused ${variable} (${code}). Set it to ${HELP[variable]}`, { variable, error: code });
    }
    case 'slack_webapi_rate_limited_error':
      return new StartupError(`Slack is rate-limiting ${method}, so ${variable} could not be checked; try again in a minute`, { variable, error: 'ratelimited' });
    case 'slack_webapi_http_error':
      return new StartupError(`Slack answered HTTP ${e.statusCode} to ${method}, so ${variable} could not be checked; is SLACK_API_URL right, if set?`, { variable, status: e.statusCode });
    case 'slack_webapi_request_error':
    {
      // fetch says only "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND…).
      const why = e.original?.cause?.code ?? e.original?.cause?.message ?? e.original?.message ?? 'request failed';
      return new StartupError(`Could not reach Slack to check ${variable} (${why}); check the network, or SLACK_API_URL if set`, { variable, error: why });
    }
    default:
      return err;
  }
}

/**
 * Checks the bot token with `auth.test` (what Bolt's `init` does when the App defers initialisation). Without
 * this, Bolt calls auth.test from its constructor and a refused token surfaced, after the start was announced,
 * as an unhandled rejection that killed the process with a stack trace.
 */
export async function checkBotToken(app: { init(): Promise<void> }): Promise<void> {
  try {
    await app.init();
  } catch (err) {
    throw tokenProblem(err, 'SLACK_BOT_TOKEN', 'auth.test');
  }
}

/**
 * Checks the app-level token with `apps.connections.open`, the call Socket Mode starts with. The Socket Mode
 * client gives up on only a few refusals (invalid_auth, not_authed…) and, for others such as token_revoked,
 * retries forever, logging; asking once first turns every refusal into one message. The URL it returns is
 * left unused; Slack lets it expire.
 */
export async function checkAppToken(appToken: string, clientOptions: WebClientOptions): Promise<void> {
  const client = new WebClient(undefined, { ...clientOptions, retryConfig: { retries: 0 } });
  try {
    await client.apps.connections.open({ token: appToken });
  } catch (err) {
    throw tokenProblem(err, 'SLACK_APP_TOKEN', 'apps.connections.open');
  }
}

/** The message both modes give when their port cannot be had (Bolt's own server in HTTP, the health server in Socket Mode). */
export function portProblem(err: unknown, port: number): unknown {
  const code = (err as { code?: string } | undefined)?.code;
  if (code === 'EADDRINUSE') return new StartupError(`port ${port} is in use: stop what is using it, or set PORT to a free port`, { port });
  if (code === 'EACCES') return new StartupError(`port ${port} needs privileges this process does not have: set PORT to 1024 or above`, { port });
  return err;
}

/** Listens on port, rejecting with portProblem's error (a server with no 'error' listener would crash the process). */
export function listenOn(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (err: Error) => reject(portProblem(err, port));
    server.once('error', failed);
    server.listen(port, () => {
      server.off('error', failed);
      resolve();
    });
  });
}
