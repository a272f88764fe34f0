import { scrub as scrubGitHubTokens } from '../github/answers.js';
import { scrubSecrets } from '../logger.js';
import { placeholdersIn } from '../domain/template/probes/common.js';
import type { ProbeFamily, ProbeOutcome } from './types.js';

/**
 * GET a URL: the expected status, within `max_latency_ms` (time to the response headers, redirects included), with
 * `body_contains` / `body_matches` when given. ctx.signal ends a request that hangs (headers or body).
 *
 * Redirects: followed by hand, at most MAX_REDIRECTS, and only on the same host (the same scheme and port, or http to
 * https on the host's default port): a redirect to another host, or from https down to http, is not followed and
 * the probe fails saying where it pointed, so a health URL that has started answering from somewhere else is seen.
 * A template that expects a 3xx (`expect_status: 301`) gets it without following.
 */

const MAX_REDIRECTS = 5;
/** Read at most this much of a body (to match it); the rest is not downloaded. */
const BODY_READ = 64 * 1024;
/** Shown of a body that did not match. */
const BODY_SHOWN = 200;

/** Query keys whose values are credentials whatever they look like. */
const SECRET_KEY = /token|secret|passw|pwd|api[-_]?key|^key$|auth|sig(nature)?$|credential|session|code$/i;
/** A value that looks like a token: long, and letters with digits. */
const looksLikeToken = (v: string) => v.length >= 16 && /[A-Za-z]/.test(v) && /\d/.test(v) && /^[\w\-.~+/=%]+$/.test(v);

/** The URL fit to show: no user or password, token-like query values replaced, no fragment. */
export function safeUrl(raw: string | URL): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '(not a URL)';
  }
  const query = [...url.searchParams].map(([k, v]) => `${encodeURIComponent(k)}=${SECRET_KEY.test(k) || looksLikeToken(v) ? '[redacted]' : encodeURIComponent(v)}`);
  return `${url.protocol}//${url.host}${url.pathname}${query.length ? `?${query.join('&')}` : ''}`;
}

/** The secrets a URL carries: its user info and its credential-like query values. */
function urlSecrets(raw: string): string[] {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return [];
  }
  const out = [url.password, decodeURIComponent(url.password), url.username.length >= 4 ? url.username : ''];
  for (const [k, v] of url.searchParams) if (SECRET_KEY.test(k) || looksLikeToken(v)) out.push(v, encodeURIComponent(v));
  return [...new Set(out.filter((s) => s.length > 0))];
}

/** A body's first bytes, fit to show: credential-looking text removed, one line. */
function shownBody(text: string): string {
  const clean = scrubSecrets(scrubGitHubTokens(text))
    .replace(/eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]+/g, '[redacted]')
    .replace(/\b(bearer|token|access_token|api[-_]?key|secret|password|passwd)(["']?\s*[:=]\s*["']?|\s+)[^\s"'&,;}]+/gi, '$1$2[redacted]')
    .replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return clean.length > BODY_SHOWN ? `${clean.slice(0, BODY_SHOWN)}…` : clean;
}

/** Same host for a redirect: the same origin, or http upgraded to https on the host's default port. */
function sameHost(from: URL, to: URL): boolean {
  if (from.origin === to.origin) return true;
  return from.protocol === 'http:' && to.protocol === 'https:' && from.hostname === to.hostname && from.port === '' && to.port === '';
}

async function readSome(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < BODY_READ) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    if (size >= BODY_READ) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
  return Buffer.concat(chunks).subarray(0, BODY_READ).toString('utf8');
}

/** Why a request got no answer, from undici's error (its `cause` carries the system error's code). */
function noAnswer(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } } | null;
  const code = e?.cause?.code;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    ECONNRESET: 'connection reset',
    UND_ERR_SOCKET: 'connection closed',
    CERT_HAS_EXPIRED: 'TLS certificate expired',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
    ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not name the host',
  };
  return (code && words[code]) ?? code ?? e?.cause?.message ?? e?.message ?? String(err);
}

export const httpFamily: ProbeFamily<'http'> = {
  type: 'http',
  async run(spec, ctx) {
    const lines: string[] = [];
    let url = new URL(spec.url);
    if (url.username || url.password) {
      // fetch refuses such a URL, and its message would quote it: say so without it. Templates hold no credentials.
      return { status: 'error', summary: 'the URL holds a user name or password: remove it', evidence: { lines: [`${safeUrl(url)}: user info in the URL is not sent`] } };
    }
    const started = performance.now();
    let res: Response;
    let latency: number;
    let body: string | undefined;
    try {
      for (let hops = 0; ; hops++) {
        res = await fetch(url, { signal: ctx.signal, redirect: 'manual', headers: { 'user-agent': 'preflight-probe', accept: '*/*' } });
        latency = Math.round(performance.now() - started);
        const location = res.headers.get('location');
        if (res.status < 300 || res.status > 399 || res.status === spec.expect_status || !location) break;
        await res.body?.cancel().catch(() => {});
        const next = new URL(location, url);
        const where = `${res.status} to ${safeUrl(next)}`;
        if (!sameHost(url, next) || hops >= MAX_REDIRECTS) {
          const why = hops >= MAX_REDIRECTS ? `more than ${MAX_REDIRECTS} redirects` : 'another host: not followed';
          lines.push(`GET ${safeUrl(url)}: ${where} (${why})`);
          return {
            status: 'fail',
            summary: `redirected to ${next.host}${hops >= MAX_REDIRECTS ? ` (over ${MAX_REDIRECTS} redirects)` : ', not followed'}`,
            evidence: { lines, links: [{ label: 'endpoint', url: safeUrl(spec.url) }], metrics: [{ name: 'latency_ms', value: latency }] },
          };
        }
        lines.push(`GET ${safeUrl(url)}: ${where} (same host: followed)`);
        url = next;
      }
      if (spec.body_contains !== undefined || spec.body_matches !== undefined || res.status !== spec.expect_status) body = await readSome(res);
      else await res.body?.cancel().catch(() => {});
    } catch (err) {
      if (ctx.signal.aborted) throw new Error(`timed out after ${Math.round(ctx.timeoutMs / 1000)} s: no answer from ${safeUrl(url)}`);
      const why = noAnswer(err);
      return {
        status: 'error',
        summary: `no answer: ${why}`,
        evidence: { lines: [...lines, `GET ${safeUrl(url)}: ${why}`], links: [{ label: 'endpoint', url: safeUrl(spec.url) }] },
      };
    }

    const problems: string[] = [];
    if (res.status !== spec.expect_status) problems.push(`status ${res.status}, expected ${spec.expect_status}`);
    if (spec.max_latency_ms !== undefined && latency > spec.max_latency_ms) problems.push(`${latency} ms, over ${spec.max_latency_ms} ms`);
    if (spec.body_contains !== undefined && !(body ?? '').includes(spec.body_contains)) problems.push(`body does not contain "${shownBody(spec.body_contains)}"`);
    if (spec.body_matches !== undefined && !new RegExp(spec.body_matches).test(body ?? '')) problems.push(`body does not match /${spec.body_matches}/`);

    lines.push(`GET ${safeUrl(url)}: ${res.status} in ${latency} ms`);
    lines.push(...problems);
    const bodyMismatch = problems.some((p) => p.startsWith('body') || p.startsWith('status'));
    if (bodyMismatch && body !== undefined) lines.push(body.length ? `body (first bytes): ${shownBody(body)}` : 'body: empty');
    const outcome: ProbeOutcome = {
      status: problems.length === 0 ? 'pass' : 'fail',
      summary: problems.length === 0 ? `${res.status} in ${latency} ms` : problems.join('; '),
      evidence: {
        lines,
        links: [{ label: 'endpoint', url: safeUrl(spec.url) }],
        metrics: [{ name: 'latency_ms', value: latency, ...(spec.max_latency_ms !== undefined ? { threshold: `<= ${spec.max_latency_ms} ms` } : {}) }],
      },
    };
    return outcome;
  },
  placeholders: (spec) => placeholdersIn(spec, ['url']),
  secrets: (spec) => urlSecrets(spec.url),
};
