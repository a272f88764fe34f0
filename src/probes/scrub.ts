/**
 * Secrets out of everything a probe leaves behind (summary, evidence, errors, records, logs). A family names the secret
 * values it could meet (`ProbeFamily.secrets`: the connection string it read, a token); each is stripped, and so are the
 * parts of a connection string (password, user, host, also percent-decoded), since a driver's error message quotes them
 * one by one ("password authentication failed for user …", "getaddrinfo ENOTFOUND db.internal"). Token shapes that
 * are secrets whoever holds them (GitHub tokens, AWS keys, bearer headers, passwords in a URL) go too.
 */
export const REDACTED = '[redacted]';

/** Parts shorter than this are not stripped on their own (a user "pg" would mangle every line); whole secrets always are. */
const MIN_PART = 3;

const TOKEN_SHAPES: RegExp[] = [
  /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g,
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /\b(Bearer|token)\s+[A-Za-z0-9._~+/=-]{16,}/gi,
  // user:password@ in any URL
  /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi,
  /\b(password|passwd|pwd|secret|sslpassword)\s*=\s*('[^']*'|"[^"]*"|\S+)/gi,
];

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The values to strip for these secrets: each whole, and the parts of those that are connection strings. */
export function secretValues(secrets: readonly string[]): string[] {
  const values = new Set<string>();
  const part = (v: string | undefined, min = MIN_PART) => {
    if (!v) return;
    for (const x of [v, decode(v)]) if (x.length >= min) values.add(x);
  };
  for (const secret of secrets) {
    if (!secret) continue;
    values.add(secret);
    try {
      const url = new URL(secret);
      if (url.username || url.password || /^postgres(ql)?:$/.test(url.protocol)) {
        part(url.password, 2);
        part(url.username);
        part(url.hostname);
        // libpq-style ?password=... and ?host=... in the query string
        for (const key of ['password', 'user', 'host', 'hostaddr', 'sslpassword']) part(url.searchParams.get(key) ?? undefined, key.includes('password') ? 2 : MIN_PART);
      }
    } catch {
      // A key=value connection string: host=... user=... password=...
      for (const m of secret.matchAll(/\b(password|user|host|hostaddr|sslpassword)\s*=\s*('([^']*)'|(\S+))/gi)) {
        const key = m[1]!.toLowerCase();
        part(m[3] ?? m[4], key.includes('password') ? 2 : MIN_PART);
      }
    }
  }
  // Longest first: a host that contains the user name is replaced whole.
  return [...values].sort((a, b) => b.length - a.length);
}

/** A scrubber for these secrets. */
export function scrubber(secrets: readonly string[]): (text: string) => string {
  const values = secretValues(secrets);
  return (text: string) => {
    let out = text;
    for (const v of values) out = out.split(v).join(REDACTED);
    for (const shape of TOKEN_SHAPES) {
      out = out.replace(shape, (match, ...groups: unknown[]) => {
        const first = groups[0];
        if (typeof first === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(first)) return `${first}${REDACTED}@`;
        if (typeof first === 'string' && /^(bearer|token|password|passwd|pwd|secret|sslpassword)$/i.test(first)) {
          return match.includes('=') ? `${first}=${REDACTED}` : `${first} ${REDACTED}`;
        }
        return REDACTED;
      });
    }
    return out;
  };
}

/** Every string inside a JSON-like value scrubbed (object keys too). */
export function scrubDeep<T>(value: T, scrub: (text: string) => string): T {
  if (typeof value === 'string') return scrub(value) as T;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, scrub)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [scrub(k), scrubDeep(v, scrub)])) as T;
  }
  return value;
}
