/**
 * What GitHub answered, in words safe to store, log and show (never a token): shared by the workflow dispatch
 * (./dispatch.ts), the deployment gate (./gate-sender.ts) and the GitHub probes (src/probes/github.ts).
 */

/** Tokens GitHub issues (classic, fine-grained, OAuth, App), should one ever appear in a message. */
const GITHUB_TOKEN_TEXT = /\b(gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})\b/g;

/** Text safe to store, log and show: any token removed, capped. */
export function scrub(text: string): string {
  const clean = text.replace(GITHUB_TOKEN_TEXT, '[redacted]');
  return clean.length > 500 ? `${clean.slice(0, 499)}…` : clean;
}

/** GitHub's answer, when it gave one (an HTTP status with a body); undefined for a network error or a timeout. */
export function answerOf(err: unknown): { status: number; message: string; headers: Record<string, string | undefined> } | undefined {
  const e = err as { status?: unknown; response?: { status?: unknown; data?: unknown; headers?: Record<string, string | undefined> } } | null;
  if (!e?.response || typeof e.response.status !== 'number') return undefined;
  const data = e.response.data as { message?: unknown; errors?: unknown } | string | undefined;
  let message = typeof data === 'string' ? data : typeof data?.message === 'string' ? data.message : '';
  if (typeof data === 'object' && Array.isArray(data?.errors)) {
    const details = data.errors.map((x: unknown) => (typeof x === 'string' ? x : typeof (x as { message?: unknown })?.message === 'string' ? (x as { message: string }).message : '')).filter(Boolean);
    if (details.length) message += ` (${details.join('; ')})`;
  }
  return { status: e.response.status, message: message.trim(), headers: e.response.headers ?? {} };
}

/** Why a call's outcome is unknown, in words safe to store. */
export function unknownWhy(err: unknown): string {
  const answer = answerOf(err);
  if (answer) return scrub(`GitHub answered ${answer.status}${answer.message ? `: ${answer.message}` : ''}`);
  const e = err as { name?: unknown; message?: unknown; cause?: { name?: unknown } } | null;
  const timedOut = (name: unknown) => name === 'TimeoutError' || name === 'AbortError';
  if (timedOut(e?.name) || timedOut(e?.cause?.name)) return 'GitHub did not answer in time';
  return scrub(`no answer from GitHub (${typeof e?.message === 'string' ? e.message : String(err)})`);
}

/** A rate limit (429, or 403 with the rate-limit headers): how long GitHub asks to wait, in ms. */
export function rateLimitWait(answer: { status: number; message: string; headers: Record<string, string | undefined> }, now: number): number | undefined {
  const retryAfter = Number(answer.headers['retry-after']);
  const limited = answer.status === 429 || (answer.status === 403 && (answer.headers['x-ratelimit-remaining'] === '0' || !Number.isNaN(retryAfter) || /rate limit/i.test(answer.message)));
  if (!limited) return undefined;
  if (retryAfter > 0) return retryAfter * 1000;
  const reset = Number(answer.headers['x-ratelimit-reset']);
  if (reset > 0) return Math.max(1000, reset * 1000 - now);
  return 60_000;
}
