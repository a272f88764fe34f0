import { auditHash, type AuditEventBody } from './audit.js';

/**
 * Verifying a promotion's audit trail: pure, over the rows as stored (`audit_events`, ordered by seq) and the head the
 * promotion row records (`promotions.audit_seq` / `audit_hash`, written with every append). Each event's hash covers
 * the previous hash and the event (src/domain/audit.ts `auditHash`), so the rows alone say when one was altered, and
 * the recorded head says when the last ones were removed. This module names which event and how, in the words the
 * `verify-audit` CLI prints (src/cli/verify-audit.ts); it reads no database.
 */

/** One stored row of the trail. */
export interface StoredAuditEvent extends AuditEventBody {
  prevHash: string;
  hash: string;
}

export interface AuditHead {
  seq: number;
  hash: string;
}

/** One thing wrong with a trail, with the events it names (their seq as stored). */
export type AuditProblem =
  /** The row's hash does not follow from its content (data, time, actor, kind, previous hash). */
  | { kind: 'altered'; seq: number; event: EventLabel }
  /** The row hashes right, but the next row does not follow from it: its hash was recomputed after a change. */
  | { kind: 'rehashed'; seq: number; next: number; event: EventLabel }
  /** Rows missing inside the trail (from..to, inclusive). */
  | { kind: 'missing'; from: number; to: number }
  /** Rows stored under another's seq (`seqs`, as stored), each written as the matching one of `writtenAs`. */
  | { kind: 'reordered'; seqs: number[]; writtenAs: number[] }
  /** The first row does not start the chain (its previous hash is not empty). */
  | { kind: 'no-start'; seq: number }
  /** The trail ends before the head the promotion records. */
  | { kind: 'truncated'; recorded: number; last: number }
  /** The trail goes on after the head the promotion records. */
  | { kind: 'extra'; recorded: number; last: number }
  /** Same length, but the last row's hash is not the recorded one: the trail was rewritten from some point on. */
  | { kind: 'head-mismatch'; seq: number; recorded: string; found: string; event: EventLabel };

/** What a message says about an event: its kind, time and actor as stored. */
export interface EventLabel {
  action: string;
  at: Date;
  actor: string;
}

export interface AuditVerdict {
  intact: boolean;
  /** How many rows the trail has. */
  events: number;
  /** The head the promotion records. */
  recorded: AuditHead;
  /** The head the trail computes to (its last row's seq and hash; seq 0 and '' for an empty trail). */
  computed: AuditHead;
  /** In the order of the trail; empty when intact. */
  problems: AuditProblem[];
}

/** `2026-11-24 02:03 UTC`: how the messages name an event's time (the audit trail's own format). */
function utcMinute(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function labelOf(e: StoredAuditEvent): EventLabel {
  return { action: e.action, at: e.at, actor: e.actor };
}

function hashesAt(e: StoredAuditEvent, seq: number): boolean {
  return auditHash(e.prevHash, { ...e, seq }) === e.hash;
}

/**
 * The seq a row was written under, when it is not the one it is stored under (it hashes right under that one), or
 * undefined. Only the seqs the trail and the head span are tried: a row moved further cannot be told from an altered one.
 */
function writtenAs(e: StoredAuditEvent, candidates: readonly number[]): number | undefined {
  return candidates.find((seq) => seq !== e.seq && hashesAt(e, seq));
}

/** Checks the trail against itself and the recorded head. `events` in any order: they are sorted by seq first. */
export function verifyAuditTrail(rows: readonly StoredAuditEvent[], recorded: AuditHead): AuditVerdict {
  const events = [...rows].sort((a, b) => a.seq - b.seq);
  const problems: AuditProblem[] = [];
  const last = events.at(-1);
  const computed: AuditHead = last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: '' };
  const span = Math.max(recorded.seq, last?.seq ?? 0);
  const candidates = Array.from({ length: span }, (_, i) => i + 1);

  // Each row against its own content; a row that hashes under another seq was moved there.
  const contentOk = events.map((e) => hashesAt(e, e.seq));
  const moved = new Map<number, number>();
  events.forEach((e, i) => {
    if (contentOk[i]) return;
    const was = writtenAs(e, candidates);
    if (was !== undefined) moved.set(e.seq, was);
  });

  // Rows moved among themselves: one problem per set whose seqs were exchanged (a swap is a set of two).
  const reported = new Set<number>();
  const reorderedAt = new Map<number, AuditProblem>();
  for (const [seq] of moved) {
    if (reported.has(seq)) continue;
    const set = new Set<number>([seq]);
    // Follow "stored at s, written as w" both ways through the rows that moved.
    let grew = true;
    while (grew) {
      grew = false;
      for (const [s, w] of moved) {
        if (set.has(s) && !set.has(w) && moved.has(w)) {
          set.add(w);
          grew = true;
        }
        if (set.has(w) && !set.has(s)) {
          set.add(s);
          grew = true;
        }
      }
    }
    const seqs = [...set].filter((s) => moved.has(s)).sort((a, b) => a - b);
    for (const s of seqs) reported.add(s);
    reorderedAt.set(seqs[0]!, { kind: 'reordered', seqs, writtenAs: seqs.map((s) => moved.get(s)!) });
  }

  // Links between rows that each hash right: a row whose successor does not follow from it had its hash recomputed
  // after a change (a row whose predecessor link breaks too was rewritten whole, previous hash included).
  const linked = (i: number): boolean => {
    const a = events[i - 1];
    const b = events[i];
    if (!a || !b) return true;
    // A gap explains a broken link (the missing rows were between them); so do rows already reported.
    if (a.seq !== b.seq - 1 || reported.has(a.seq) || reported.has(b.seq) || !contentOk[i - 1] || !contentOk[i]) return true;
    return b.prevHash === a.hash;
  };
  const blamed = new Map<number, AuditProblem>();
  for (let i = 1; i < events.length; i++) {
    if (linked(i)) continue;
    const a = events[i - 1]!;
    const b = events[i]!;
    if (i + 1 < events.length && !linked(i + 1)) {
      blamed.set(b.seq, { kind: 'rehashed', seq: b.seq, next: events[i + 1]!.seq, event: labelOf(b) });
      i++;
    } else if (!blamed.has(a.seq)) {
      blamed.set(a.seq, { kind: 'rehashed', seq: a.seq, next: b.seq, event: labelOf(a) });
    }
  }

  let expected = 1;
  events.forEach((e, i) => {
    if (e.seq > expected) problems.push({ kind: 'missing', from: expected, to: e.seq - 1 });
    expected = e.seq + 1;
    const reorder = reorderedAt.get(e.seq);
    if (reorder) problems.push(reorder);
    if (reported.has(e.seq)) return;
    if (!contentOk[i]) {
      problems.push({ kind: 'altered', seq: e.seq, event: labelOf(e) });
      return;
    }
    if (i === 0 && e.seq === 1 && e.prevHash !== '') problems.push({ kind: 'no-start', seq: e.seq });
    const blame = blamed.get(e.seq);
    if (blame) problems.push(blame);
  });

  const lastSeq = last?.seq ?? 0;
  if (lastSeq < recorded.seq) problems.push({ kind: 'truncated', recorded: recorded.seq, last: lastSeq });
  else if (lastSeq > recorded.seq) problems.push({ kind: 'extra', recorded: recorded.seq, last: lastSeq });
  else if (last && last.hash !== recorded.hash && problems.length === 0) {
    problems.push({ kind: 'head-mismatch', seq: last.seq, recorded: recorded.hash, found: last.hash, event: labelOf(last) });
  }
  return { intact: problems.length === 0, events: events.length, recorded, computed, problems };
}

function eventName(seq: number, e: EventLabel): string {
  return `event ${seq} (${e.action} at ${utcMinute(e.at)} by ${e.actor})`;
}

function andList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** One problem as a sentence: "event 37 (field.set at 2026-11-24 02:03 UTC by U0ALICE) was altered: …". */
export function describeProblem(p: AuditProblem): string {
  switch (p.kind) {
    case 'altered':
      return `${eventName(p.seq, p.event)} was altered: its hash does not match its content`;
    case 'rehashed':
      return `${eventName(p.seq, p.event)} was altered and its hash recomputed: event ${p.next} no longer follows from it`;
    case 'missing':
      return p.from === p.to ? `event ${p.from} is missing` : `events ${p.from} to ${p.to} are missing`;
    case 'reordered':
      // A set of one: a row renumbered into a gap (its own seq is then reported missing).
      return p.seqs.length === 1
        ? `event ${p.seqs[0]} is out of order: it was written as event ${p.writtenAs[0]}`
        : `events ${andList(p.seqs.map(String))} are out of order`;
    case 'no-start':
      return `event ${p.seq} does not start the chain: its previous hash should be empty`;
    case 'truncated': {
      const n = p.recorded - p.last;
      return `the last ${n === 1 ? 'event was' : `${n} events were`} removed: the promotion records ${p.recorded}, the trail ends at ${p.last}`;
    }
    case 'extra': {
      const n = p.last - p.recorded;
      return `${n === 1 ? 'an event was' : `${n} events were`} added after the recorded head: the promotion records ${p.recorded}, the trail ends at ${p.last}`;
    }
    case 'head-mismatch':
      return `the trail was rewritten: the promotion records hash ${p.recorded} for its last event, but ${eventName(p.seq, p.event)} has ${p.found} (that event, or events before it, were altered and their hashes recomputed)`;
  }
}

/** Every problem of a verdict, one sentence each (empty when intact). */
export function describeVerdict(v: AuditVerdict): string[] {
  return v.problems.map(describeProblem);
}
