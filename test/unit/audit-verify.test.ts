/**
 * verify-audit's judgement (src/domain/audit-verify.ts): a trail as the store writes it is intact; each way of
 * tampering with the stored rows (changing a row's data, deleting a row, swapping two rows' seq, deleting the last
 * rows, rewriting a row's hash) is caught and the sentence names the event, as the CLI prints it.
 */
import { describe, expect, it } from 'vitest';
import { auditHash, type AuditEventBody } from '../../src/domain/audit.js';
import { describeVerdict, verifyAuditTrail, type AuditHead, type StoredAuditEvent } from '../../src/domain/audit-verify.js';

const T0 = Date.UTC(2026, 10, 24, 2, 0);
const ACTORS = ['U0ALICE', 'U0BOB', 'U0CAROL'];

/** `n` events as appendAudit writes them, and the head the promotion then records. */
function trail(n: number): { events: StoredAuditEvent[]; head: AuditHead } {
  let prev = '';
  const events: StoredAuditEvent[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const body: AuditEventBody =
      seq === 1
        ? { seq, at: new Date(T0), actor: 'U0ALICE', action: 'promotion.started', data: { release: 'v1.50', template: 'release-train', channel: 'C0DEPLOYS' } }
        : seq % 2 === 0
          ? { seq, at: new Date(T0 + seq * 60_000), actor: ACTORS[seq % 3]!, action: 'field.set', data: { item: 'commit-sha', before: null, after: `abc${seq}` } }
          : { seq, at: new Date(T0 + seq * 60_000), actor: ACTORS[seq % 3]!, action: 'items.toggled', data: { ticked: [`item-${seq}`], unticked: [] } };
    const hash = auditHash(prev, body);
    events.push({ ...body, prevHash: prev, hash });
    prev = hash;
  }
  return { events, head: { seq: n, hash: prev } };
}

const lines = (events: StoredAuditEvent[], head: AuditHead) => describeVerdict(verifyAuditTrail(events, head));

describe('verifying an audit trail', () => {
  it('finds a trail as written intact, and computes the head the promotion records', () => {
    const { events, head } = trail(40);
    const verdict = verifyAuditTrail(events, head);
    expect(verdict).toMatchObject({ intact: true, events: 40, problems: [] });
    expect(verdict.computed).toEqual(head);
    expect(verifyAuditTrail([], { seq: 0, hash: '' }).intact).toBe(true);
    // The rows may come in any order: they are taken by seq.
    expect(verifyAuditTrail([...events].reverse(), head).intact).toBe(true);
  });

  it("names the event whose data was changed, with its kind, time and actor", () => {
    const { events, head } = trail(40);
    const e = events[36]!;
    events[36] = { ...e, data: { item: 'commit-sha', before: null, after: 'f00dbad' } };
    const verdict = verifyAuditTrail(events, head);
    expect(verdict.intact).toBe(false);
    expect(describeVerdict(verdict)).toEqual(['event 37 (items.toggled at 2026-11-24 02:37 UTC by U0BOB) was altered: its hash does not match its content']);
  });

  it('names an altered actor or time too, and an altered row whose hash was recomputed by the next row that no longer follows', () => {
    const { events, head } = trail(10);
    events[3] = { ...events[3]!, actor: 'U0MALLORY' };
    expect(lines(events, head)).toEqual(['event 4 (field.set at 2026-11-24 02:04 UTC by U0MALLORY) was altered: its hash does not match its content']);

    const fresh = trail(10);
    const forged = { ...fresh.events[5]!, data: { item: 'commit-sha', before: null, after: 'evil' } };
    forged.hash = auditHash(forged.prevHash, forged);
    fresh.events[5] = forged;
    expect(lines(fresh.events, fresh.head)).toEqual([
      'event 6 (field.set at 2026-11-24 02:06 UTC by U0ALICE) was altered and its hash recomputed: event 7 no longer follows from it',
    ]);
  });

  it('says which event was deleted from the middle, and which ones when several were', () => {
    const { events, head } = trail(40);
    expect(lines(events.filter((e) => e.seq !== 12), head)).toEqual(['event 12 is missing']);
    expect(lines(events.filter((e) => e.seq < 20 || e.seq > 22), head)).toEqual(['events 20 to 22 are missing']);
    expect(lines(events.filter((e) => e.seq !== 1), head)).toEqual(['event 1 is missing']);
  });

  it('says which two events were swapped (their seq exchanged), and nothing else', () => {
    const { events, head } = trail(40);
    const five = events[4]!;
    const six = events[5]!;
    events[4] = { ...six, seq: 5 };
    events[5] = { ...five, seq: 6 };
    expect(lines(events, head)).toEqual(['events 5 and 6 are out of order']);
  });

  it('says how many events were removed from the end, against the head the promotion records', () => {
    const { events, head } = trail(40);
    expect(lines(events.slice(0, 38), head)).toEqual(['the last 2 events were removed: the promotion records 40, the trail ends at 38']);
    expect(lines(events.slice(0, 39), head)).toEqual(['the last event was removed: the promotion records 40, the trail ends at 39']);
    expect(lines([], head)).toEqual(['the last 40 events were removed: the promotion records 40, the trail ends at 0']);
  });

  it('catches events added after the head, and a last event rewritten with a recomputed hash', () => {
    const { events, head } = trail(10);
    expect(lines(events, { seq: 9, hash: events[8]!.hash })).toEqual(['an event was added after the recorded head: the promotion records 9, the trail ends at 10']);
    const last = { ...events[9]!, actor: 'U0MALLORY' };
    last.hash = auditHash(last.prevHash, last);
    events[9] = last;
    const [line] = lines(events, head);
    expect(line).toContain('the trail was rewritten');
    expect(line).toContain('event 10 (field.set at 2026-11-24 02:10 UTC by U0MALLORY)');
  });

  it('reports each problem of a trail tampered with in several places, in order', () => {
    const { events, head } = trail(40);
    events[2] = { ...events[2]!, data: { ticked: ['nothing'], unticked: [] } };
    const kept = events.filter((e) => e.seq !== 20 && e.seq !== 40);
    expect(lines(kept, head)).toEqual([
      'event 3 (items.toggled at 2026-11-24 02:03 UTC by U0ALICE) was altered: its hash does not match its content',
      'event 20 is missing',
      'the last event was removed: the promotion records 40, the trail ends at 39',
    ]);
  });
});
