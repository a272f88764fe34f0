import { createHash } from 'node:crypto';

/**
 * Audit events are hash-chained per promotion: each event's hash covers the previous hash and the event,
 * so editing or deleting a stored event breaks every hash after it.
 */
export interface AuditEventBody {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  data: unknown;
}

/** JSON with object keys sorted, so the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

export function auditHash(prevHash: string, e: AuditEventBody): string {
  const body = canonicalJson({ seq: e.seq, at: e.at.toISOString(), actor: e.actor, action: e.action, data: e.data });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

/**
 * The first seq whose hash does not follow from its predecessor, or undefined when the chain is intact.
 * With the head the promotion row records, events deleted from the end are caught too.
 */
export function firstBrokenLink(
  events: Array<AuditEventBody & { prevHash: string; hash: string }>,
  head?: { seq: number; hash: string },
): number | undefined {
  let prev = '';
  let expected = 1;
  for (const e of events) {
    if (e.seq !== expected || e.prevHash !== prev || auditHash(prev, e) !== e.hash) return e.seq;
    prev = e.hash;
    expected++;
  }
  if (head && (head.seq !== expected - 1 || head.hash !== prev)) return expected;
  return undefined;
}
