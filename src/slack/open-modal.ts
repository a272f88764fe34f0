import { ErrorCode, LogLevel, WebClient, type ViewsOpenArguments } from '@slack/web-api';
import { UserError } from '../errors.js';

/**
 * Slack did not open a form (modal) just now: it rate-limited views.open (HTTP 429, `ratelimited`), failed on its side
 * (a 5xx, `internal_error`), did not answer in time, or the click's trigger_id ran out meanwhile (it lasts 3 seconds).
 * Nothing was changed, and clicking again in a moment is the remedy: the person is told so (src/slack/answer-error.ts),
 * not shown an unexpected error with an id.
 */
export class ModalNotOpened extends UserError {
  constructor(cause: unknown) {
    super('Slack did not open the form just now (it is busy or did not answer in time), so nothing was changed. Please click again in a moment.', 'modal_not_opened');
    this.name = 'ModalNotOpened';
    this.cause = cause;
  }
}

/** Slack's answers to views.open that say "not now" rather than "never": see ModalNotOpened. */
const NOT_NOW = new Set(['ratelimited', 'rate_limited', 'expired_trigger_id', 'exchanged_trigger_id', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

function notNow(err: unknown): boolean {
  const e = err as { code?: unknown; data?: { error?: unknown } } | null;
  // Rate limited (rejected, or still limited after the client's retries, which end as a request error), timed out,
  // the connection lost, or a 5xx.
  if (e?.code === ErrorCode.RateLimitedError || e?.code === ErrorCode.RequestError || e?.code === ErrorCode.HTTPError) return true;
  return e?.code === ErrorCode.PlatformError && typeof e.data?.error === 'string' && NOT_NOW.has(e.data.error);
}

/**
 * A trigger_id lives 3 seconds, so views.open is asked once: the listeners' client would wait out a 429's Retry-After
 * and retry up to three times, and the person would hear, seconds later, what was already true after the first
 * answer. This client (one per listener client: same token and API URL) neither retries nor waits, and gives up after
 * 5 s (a call Slack took within the trigger's life has answered by then).
 */
const single = new WeakMap<WebClient, WebClient>();
function once(client: WebClient): WebClient {
  let c = single.get(client);
  if (!c) {
    c = new WebClient(client.token, { slackApiUrl: client.slackApiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 5_000, logLevel: LogLevel.ERROR });
    single.set(client, c);
  }
  return c;
}

/**
 * views.open for a listener or a command: a refusal that only means "not now" becomes ModalNotOpened, so the person
 * hears that the form could not open and to click again; anything else (a modal Slack finds invalid: our bug) is
 * thrown as it came, and reported as unexpected.
 */
export async function openModal(client: WebClient, args: ViewsOpenArguments): Promise<void> {
  try {
    await once(client).views.open(args);
  } catch (err) {
    throw notNow(err) ? new ModalNotOpened(err) : err;
  }
}
