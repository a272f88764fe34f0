import { describe, expect, it } from 'vitest';
import {
  atOffset,
  countOccurrences,
  DURATION_PATTERN,
  formatDuration,
  formatOffset,
  MAX_OCCURRENCES,
  occurrences,
  OFFSET_PATTERN,
  OffsetError,
  parseDuration,
  parseOffset,
  readDuration,
  readOffset,
} from '../../src/domain/offsets.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = new Date('2030-03-10T14:00:00Z');
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('parseOffset', () => {
  it.each([
    ['T0', 0],
    ['T-24h', -24 * HOUR],
    ['T-5m', -5 * MIN],
    ['T+2m', 2 * MIN],
    ['T+1d', DAY],
    ['T+9999d', 9999 * DAY],
    ['T+0m', 0],
    ['T-0m', 0],
    ['T+0090m', 90 * MIN],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseOffset(text)).toBe(ms);
  });

  it.each([
    ['', 'it is empty'],
    ['5m before', 'it starts with T'],
    ['t-5m', 'capital'],
    ['T', 'write T0'],
    ['T5m', 'a + or - follows the T'],
    ['T00', 'a + or - follows the T'],
    ['T-m', 'a number comes first'],
    ['T-5', 'needs a unit'],
    ['T-5x', 'not "x"'],
    ['T-5min', 'not "min"'],
    ['T+1.5h', 'whole numbers only'],
    ['T+10000m', 'at most 4 digits'],
    [' T0', 'it starts with T'],
    ['T+5m ', 'not "m "'],
  ])('refuses %j, saying what a good one looks like and why', (text, why) => {
    const reading = readOffset(text);
    expect(reading.ok).toBe(false);
    if (reading.ok) return;
    expect(reading.error).toMatch(/^must be an offset like T-24h, T-5m, T0, T\+2m or T\+1d \(/);
    expect(reading.error).toContain(why);
    expect(() => parseOffset(text)).toThrow(OffsetError);
    expect(() => parseOffset(text)).toThrow(`"${text}" must be an offset like`);
  });

  it('accepts exactly what OFFSET_PATTERN accepts', () => {
    const pieces = ['', 'T', 't', '+', '-', '0', '1', '12', '1234', '12345', 'm', 'h', 'd', 'x', '.5', ' '];
    const candidates = pieces.flatMap((a) => pieces.flatMap((b) => pieces.flatMap((c) => pieces.map((d) => a + b + c + d))));
    expect(candidates.filter((text) => readOffset(text).ok !== OFFSET_PATTERN.test(text))).toEqual([]);
  });
});

describe('parseDuration', () => {
  it.each([
    ['15m', 15 * MIN],
    ['4h', 4 * HOUR],
    ['1d', DAY],
    ['0m', 0],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['T+5m', 'no T and no sign'],
    ['-5m', 'no T and no sign'],
    ['+5m', 'no T and no sign'],
    ['15', 'needs a unit'],
    ['15 m', 'not " m"'],
    ['15s', 'not "s"'],
    ['m', 'a number comes first'],
    ['99999m', 'at most 4 digits'],
  ])('refuses %j with the reason', (text, why) => {
    const reading = readDuration(text);
    expect(reading).toEqual({ ok: false, error: expect.stringMatching(/^must be a duration like 15m, 4h or 1d \(/) });
    expect(reading.ok || reading.error).toContain(why);
    expect(() => parseDuration(text)).toThrow(OffsetError);
  });

  it('accepts exactly what DURATION_PATTERN accepts', () => {
    const pieces = ['', 'T', '+', '-', '0', '15', '1234', '12345', 'm', 'h', 'd', 's', ' '];
    const candidates = pieces.flatMap((a) => pieces.flatMap((b) => pieces.map((c) => a + b + c)));
    expect(candidates.filter((text) => readDuration(text).ok !== DURATION_PATTERN.test(text))).toEqual([]);
  });
});

describe('formatOffset and formatDuration', () => {
  it.each([
    [0, 'T0'],
    [-0, 'T0'],
    [-24 * HOUR, 'T-1d'],
    [-60 * MIN, 'T-1h'],
    [-5 * MIN, 'T-5m'],
    [90 * MIN, 'T+90m'],
    [36 * HOUR, 'T+36h'],
    [9999 * MIN, 'T+9999m'],
  ])('writes %d ms as %s', (ms, text) => {
    expect(formatOffset(ms)).toBe(text);
  });

  it('gives back the canonical text for every offset it reads', () => {
    for (const text of ['T0', 'T-25h', 'T-5m', 'T+2m', 'T+1d', 'T+4h']) expect(formatOffset(parseOffset(text))).toBe(text);
    expect(formatOffset(parseOffset('T-60m'))).toBe('T-1h');
    expect(formatOffset(parseOffset('T-24h'))).toBe('T-1d');
    expect(formatOffset(parseOffset('T+0m'))).toBe('T0');
  });

  it('writes durations the same way', () => {
    expect([0, 15 * MIN, 4 * HOUR, DAY, 25 * HOUR].map(formatDuration)).toEqual(['0m', '15m', '4h', '1d', '25h']);
  });

  it('refuses what the syntax cannot write', () => {
    expect(() => formatOffset(30_000)).toThrow('not a whole number of minutes');
    expect(() => formatOffset(Number.NaN)).toThrow(OffsetError);
    expect(() => formatOffset(10_000 * MIN + MIN)).toThrow('too long');
    expect(() => formatDuration(-MIN)).toThrow('cannot be negative');
  });
});

describe('atOffset', () => {
  it('counts from T0, backwards for negative offsets', () => {
    expect(atOffset(T0, 'T0').toISOString()).toBe('2030-03-10T14:00:00.000Z');
    expect(atOffset(T0, 'T-24h').toISOString()).toBe('2030-03-09T14:00:00.000Z');
    expect(atOffset(T0, 'T-5m').toISOString()).toBe('2030-03-10T13:55:00.000Z');
    expect(atOffset(T0, 'T+2m').toISOString()).toBe('2030-03-10T14:02:00.000Z');
    expect(atOffset(T0, 'T+1d').toISOString()).toBe('2030-03-11T14:00:00.000Z');
  });

  it('does not change T0', () => {
    atOffset(T0, 'T+1d');
    expect(T0.toISOString()).toBe('2030-03-10T14:00:00.000Z');
  });

  it('refuses a bad offset or an invalid T0', () => {
    expect(() => atOffset(T0, 'T-5x')).toThrow(OffsetError);
    expect(() => atOffset(new Date('not a date'), 'T0')).toThrow('T0 is not a valid date');
  });
});

describe('occurrences', () => {
  it('fires once without a repeat', () => {
    expect(iso(occurrences(T0, { at: 'T-5m' }))).toEqual(['2030-03-10T13:55:00.000Z']);
  });

  it('repeats up to and including until when it lands exactly: T+1h every 15m until T+4h is 13 times', () => {
    const times = occurrences(T0, { at: 'T+1h', repeat: { every: '15m', until: 'T+4h' } });
    expect(times).toHaveLength(13);
    expect(times[0]!.toISOString()).toBe('2030-03-10T15:00:00.000Z');
    expect(times[1]!.toISOString()).toBe('2030-03-10T15:15:00.000Z');
    expect(times.at(-1)!.toISOString()).toBe('2030-03-10T18:00:00.000Z');
    expect(countOccurrences({ at: 'T+1h', repeat: { every: '15m', until: 'T+4h' } })).toBe(13);
  });

  it('fires once when until is at', () => {
    expect(iso(occurrences(T0, { at: 'T+1h', repeat: { every: '15m', until: 'T+1h' } }))).toEqual(['2030-03-10T15:00:00.000Z']);
  });

  it('stops at the last time before until when until is not a whole number of intervals away', () => {
    expect(iso(occurrences(T0, { at: 'T0', repeat: { every: '50m', until: 'T+2h' } }))).toEqual([
      '2030-03-10T14:00:00.000Z',
      '2030-03-10T14:50:00.000Z',
      '2030-03-10T15:40:00.000Z',
    ]);
    expect(occurrences(T0, { at: 'T0', repeat: { every: '1d', until: 'T+4h' } })).toHaveLength(1);
  });

  it('repeats across T0 from a negative offset', () => {
    expect(iso(occurrences(T0, { at: 'T-1h', repeat: { every: '30m', until: 'T+30m' } }))).toEqual([
      '2030-03-10T13:00:00.000Z',
      '2030-03-10T13:30:00.000Z',
      '2030-03-10T14:00:00.000Z',
      '2030-03-10T14:30:00.000Z',
    ]);
    expect(occurrences(T0, { at: 'T-24h', repeat: { every: '1h', until: 'T-1h' } })).toHaveLength(24);
  });

  it('refuses an until before at, and an interval of zero, rather than looping', () => {
    expect(() => occurrences(T0, { at: 'T+2h', repeat: { every: '15m', until: 'T+1h' } })).toThrow('repeat until T+1h is before at T+2h');
    expect(() => occurrences(T0, { at: 'T0', repeat: { every: '0m', until: 'T+1h' } })).toThrow('would never end');
  });

  it(`refuses more than ${MAX_OCCURRENCES} times, saying how many`, () => {
    const atCap = { at: 'T0', repeat: { every: '1m', until: `T+${MAX_OCCURRENCES - 1}m` } };
    expect(occurrences(T0, atCap)).toHaveLength(MAX_OCCURRENCES);
    const over = { at: 'T0', repeat: { every: '1m', until: 'T+9999d' } };
    expect(countOccurrences(over)).toBe(9999 * 24 * 60 + 1);
    expect(() => occurrences(T0, over)).toThrow(`fires ${9999 * 24 * 60 + 1} times; at most ${MAX_OCCURRENCES}`);
  });

  it('refuses bad text anywhere in the schedule, naming it', () => {
    expect(() => occurrences(T0, { at: 'T+1h', repeat: { every: '15x', until: 'T+4h' } })).toThrow('"15x" must be a duration');
    expect(() => occurrences(T0, { at: 'T+1h', repeat: { every: '15m', until: 'T+4' } })).toThrow('"T+4" must be an offset');
  });
});
