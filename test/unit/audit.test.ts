import { describe, expect, it } from 'vitest';
import { auditHash, canonicalJson, firstBrokenLink, type AuditEventBody } from '../../src/domain/audit.js';

type StoredEvent = AuditEventBody & { prevHash: string; hash: string };

/** A chain as the store writes it: each event hashed over the previous hash. */
function chain(bodies: AuditEventBody[]): StoredEvent[] {
  let prev = '';
  return bodies.map((body) => {
    const hash = auditHash(prev, body);
    const event = { ...body, prevHash: prev, hash };
    prev = hash;
    return event;
  });
}

const at = (minute: number) => new Date(Date.UTC(2024, 5, 10, 10, minute));

const BODIES: AuditEventBody[] = [
  { seq: 1, at: at(0), actor: 'U0ALICE', action: 'promotion.started', data: { release: 'v1.50', template: 'release-train' } },
  { seq: 2, at: at(1), actor: 'U0BOB', action: 'items.toggled', data: { ticked: ['ci-green'], unticked: [] } },
  { seq: 3, at: at(2), actor: 'U0CAROL', action: 'field.set', data: { item: 'commit-sha', before: null, after: 'abc1234' } },
  { seq: 4, at: at(3), actor: 'U0BOB', action: 'item.na', data: { item: 'smoke-tests', reason: 'no UI change' } },
];

describe('canonicalJson', () => {
  it('gives the same text whatever order the keys were written in, at every depth', () => {
    const a = { b: 1, a: { y: [{ q: 1, p: 2 }], x: null }, c: 'three' };
    const b = { c: 'three', a: { x: null, y: [{ p: 2, q: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"x":null,"y":[{"p":2,"q":1}]},"b":1,"c":"three"}');
  });

  it('keeps array order, which is meaningful', () => {
    expect(canonicalJson({ items: ['a', 'b'] })).not.toBe(canonicalJson({ items: ['b', 'a'] }));
  });

  it('writes dates as ISO strings', () => {
    expect(canonicalJson({ at: at(5) })).toBe('{"at":"2024-06-10T10:05:00.000Z"}');
  });
});

describe('auditHash', () => {
  it('does not depend on the key order of the event data', () => {
    const body = BODIES[2]!;
    const reordered = { ...body, data: { after: 'abc1234', before: null, item: 'commit-sha' } };
    expect(auditHash('prev', reordered)).toBe(auditHash('prev', body));
  });

  it('changes with the previous hash, the actor, the time and the data', () => {
    const body = BODIES[1]!;
    const base = auditHash('prev', body);
    expect(auditHash('other', body)).not.toBe(base);
    expect(auditHash('prev', { ...body, actor: 'U0MALLORY' })).not.toBe(base);
    expect(auditHash('prev', { ...body, at: at(59) })).not.toBe(base);
    expect(auditHash('prev', { ...body, data: { ticked: [], unticked: ['ci-green'] } })).not.toBe(base);
  });
});

describe('firstBrokenLink', () => {
  it('finds nothing wrong with an intact chain', () => {
    expect(firstBrokenLink(chain(BODIES))).toBeUndefined();
    expect(firstBrokenLink([])).toBeUndefined();
  });

  it('finds an event whose data was edited afterwards', () => {
    const events = chain(BODIES);
    events[2] = { ...events[2]!, data: { item: 'commit-sha', before: null, after: 'def5678' } };
    expect(firstBrokenLink(events)).toBe(3);
  });

  it('finds an event whose actor was edited afterwards', () => {
    const events = chain(BODIES);
    events[1] = { ...events[1]!, actor: 'U0ALICE' };
    expect(firstBrokenLink(events)).toBe(2);
  });

  it('finds an edit even when the edited event was re-hashed, at the event after it', () => {
    const events = chain(BODIES);
    const edited = { ...events[1]!, actor: 'U0ALICE' };
    events[1] = { ...edited, hash: auditHash(edited.prevHash, edited) };
    expect(firstBrokenLink(events)).toBe(3);
  });

  it('finds two events that were swapped', () => {
    const events = chain(BODIES);
    [events[1], events[2]] = [events[2]!, events[1]!];
    expect(firstBrokenLink(events)).toBe(3);
  });

  it('finds an event that was deleted from the middle, at the event after it', () => {
    const events = chain(BODIES);
    events.splice(1, 1);
    expect(firstBrokenLink(events)).toBe(3);
  });

  it('finds the first event deleted', () => {
    expect(firstBrokenLink(chain(BODIES).slice(1))).toBe(2);
  });
});
