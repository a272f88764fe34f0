/** Small helpers shared by the fake's modules: argument coercion, ids, and the error a Web API method answers. */
import { randomBytes } from 'node:crypto';

export type Json = Record<string, unknown>;

/** Thrown by a method handler: answered as `{ ok: false, error: code }`, with `messages` as `response_metadata.messages`. */
export class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly messages: string[] = [],
  ) {
    super(code);
  }
}

/** The body Slack answers for an error a method threw: `{ ok: false, error }`, `fatal_error` for a bug of the fake. */
export function errorBody(err: unknown): Json {
  if (!(err instanceof SlackApiError)) return { ok: false, error: 'fatal_error' };
  return {
    ok: false,
    error: err.code,
    ...(err.messages.length > 0 ? { response_metadata: { messages: err.messages } } : {}),
  };
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === 1 || v === '1';
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

export function randomId(len: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'): string {
  const bytes = randomBytes(len);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}
