import { describe, expect, it } from 'vitest';
import { readWindow, WHEN_EXAMPLE } from '../../src/domain/when.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** A Friday, days before the windows below. */
const NOW = new Date('2026-11-20T10:00:00Z');
/** Before both of 2026's daylight-saving changes, for windows in the summer. */
const JANUARY = new Date('2026-01-05T00:00:00Z');

const words = (text: string): string[] => (text === '' ? [] : text.split(/\s+/));

function accepted(text: string, now = NOW) {
  const reading = readWindow(words(text), now);
  if (!reading.ok) throw new Error(`refused "${text}": ${reading.error}`);
  return reading;
}

function refused(text: string | readonly string[], now = NOW): string {
  const reading = readWindow(typeof text === 'string' ? words(text) : text, now);
  if (reading.ok) throw new Error(`accepted "${String(text)}": ${reading.start.toISOString()}`);
  return reading.error;
}

const startOf = (text: string, now = NOW): string => accepted(text, now).start.toISOString();

describe('readWindow: the start', () => {
  it.each([
    ['2026-11-24 02:00 UTC', '2026-11-24T02:00:00.000Z'],
    ['2026-11-24 02:00 utc', '2026-11-24T02:00:00.000Z'],
    ['2026-11-24 02:00 GMT', '2026-11-24T02:00:00.000Z'],
    ['2026-11-24 02:00 Z', '2026-11-24T02:00:00.000Z'],
    ['2026-11-24 2:00 UTC', '2026-11-24T02:00:00.000Z'],
    ['2026-11-24 02:00:30 UTC', '2026-11-24T02:00:30.000Z'],
    ['2026-11-24 02:00 +02:00', '2026-11-24T00:00:00.000Z'],
    ['2026-11-24 02:00 +0200', '2026-11-24T00:00:00.000Z'],
    ['2026-11-24 02:00 -0530', '2026-11-24T07:30:00.000Z'],
    ['2026-11-24 02:00 UTC+2', '2026-11-24T00:00:00.000Z'],
    ['2026-11-24 02:00 UTC-05:30', '2026-11-24T07:30:00.000Z'],
    ['2026-11-24 02:00 gmt+1', '2026-11-24T01:00:00.000Z'],
    ['2026-11-24 02:00Z', '2026-11-24T02:00:00.000Z'],
    ['2026-11-24 02:00+01:00', '2026-11-24T01:00:00.000Z'],
  ])('reads %s with a fixed zone as %s', (text, iso) => {
    expect(startOf(text)).toBe(iso);
  });

  it.each([
    ['2026-11-24 02:00 Europe/Paris', '2026-11-24T01:00:00.000Z'],
    ['2026-11-24 02:00 europe/paris', '2026-11-24T01:00:00.000Z'],
    ['2026-11-24 02:00 America/New_York', '2026-11-24T07:00:00.000Z'],
    ['2026-11-24 02:00 Asia/Kolkata', '2026-11-23T20:30:00.000Z'],
    ['2026-11-24 02:00 Australia/Sydney', '2026-11-23T15:00:00.000Z'],
    ['2026-11-24 02:00 Etc/UTC', '2026-11-24T02:00:00.000Z'],
  ])('reads %s in its zone, in winter in the north, as %s', (text, iso) => {
    expect(startOf(text)).toBe(iso);
  });

  it.each([
    ['2026-07-01 02:00 America/New_York', '2026-07-01T06:00:00.000Z'],
    ['2026-07-01 02:00 Europe/Paris', '2026-07-01T00:00:00.000Z'],
    ['2026-07-01 02:00 Australia/Sydney', '2026-06-30T16:00:00.000Z'],
    // Either side of Paris's changes: 2026-03-29 02:00 → 03:00, 2026-10-25 03:00 → 02:00.
    ['2026-03-29 01:59 Europe/Paris', '2026-03-29T00:59:00.000Z'],
    ['2026-03-29 03:00 Europe/Paris', '2026-03-29T01:00:00.000Z'],
    ['2026-10-25 01:59 Europe/Paris', '2026-10-24T23:59:00.000Z'],
    ['2026-10-25 03:00 Europe/Paris', '2026-10-25T02:00:00.000Z'],
    ['2026-03-08 03:00 America/New_York', '2026-03-08T07:00:00.000Z'],
  ])('reads %s with daylight saving as %s', (text, iso) => {
    expect(startOf(text, JANUARY)).toBe(iso);
  });

  it('refuses a local time that the clocks skip, naming the zone and a time that exists', () => {
    expect(refused('2026-03-29 02:30 Europe/Paris', JANUARY)).toBe(
      '2026-03-29 02:30 does not exist in Europe/Paris (the clocks go forward that night): give a time that does, e.g. 2026-03-29 03:30 Europe/Paris',
    );
    expect(refused('2026-03-08 02:15 America/New_York', JANUARY)).toMatch(/does not exist in America\/New_York.*2026-03-08 03:15 America\/New_York$/);
  });

  it('refuses a local time that happens twice, offering both offsets, each of which reads', () => {
    const error = refused('2026-10-25 02:30 Europe/Paris', JANUARY);
    expect(error).toBe(
      '2026-10-25 02:30 happens twice in Europe/Paris (the clocks go back that night): say which with its offset, 2026-10-25 02:30 +02:00 or 2026-10-25 02:30 +01:00',
    );
    expect(startOf('2026-10-25 02:30 +02:00', JANUARY)).toBe('2026-10-25T00:30:00.000Z');
    expect(startOf('2026-10-25 02:30 +01:00', JANUARY)).toBe('2026-10-25T01:30:00.000Z');
  });

  it.each([
    ['2026-11-24T02:00Z', '2026-11-24T02:00:00.000Z'],
    ['2026-11-24t02:00z', '2026-11-24T02:00:00.000Z'],
    ['2026-11-24T02:00:00+01:00', '2026-11-24T01:00:00.000Z'],
    ['2026-11-24T02:00:00.000Z', '2026-11-24T02:00:00.000Z'],
    ['2026-11-24T02:00:00.25Z', '2026-11-24T02:00:00.250Z'],
    ['2026-11-24T02:00:00-0500', '2026-11-24T07:00:00.000Z'],
    ['2026-11-24T02:00 Europe/Paris', '2026-11-24T01:00:00.000Z'],
  ])('reads ISO 8601 %s as %s', (text, iso) => {
    expect(startOf(text)).toBe(iso);
  });

  it('reads `in` as exactly now plus the amount, seconds and milliseconds kept', () => {
    const now = new Date('2026-11-20T10:00:30.123Z');
    expect(startOf('in 2h', now)).toBe('2026-11-20T12:00:30.123Z');
    expect(startOf('in 90m', now)).toBe('2026-11-20T11:30:30.123Z');
    expect(startOf('in 1d', now)).toBe('2026-11-21T10:00:30.123Z');
    expect(startOf('in 2h30m', now)).toBe('2026-11-20T12:30:30.123Z');
    expect(startOf('IN 2H', now)).toBe('2026-11-20T12:00:30.123Z');
  });

  it('reads today and tomorrow as the date in the zone given, not in UTC', () => {
    expect(startOf('today 14:00 UTC')).toBe('2026-11-20T14:00:00.000Z');
    expect(startOf('Tomorrow 02:00 +02:00')).toBe('2026-11-21T00:00:00.000Z');
    // 23:30 UTC on the 24th is already the 25th in Paris and in Tokyo.
    const lateEvening = new Date('2026-11-24T23:30:00Z');
    expect(startOf('tomorrow 02:00 Europe/Paris', lateEvening)).toBe('2026-11-26T01:00:00.000Z');
    expect(startOf('tomorrow 02:00 UTC', lateEvening)).toBe('2026-11-25T02:00:00.000Z');
    expect(startOf('today 14:00 Asia/Tokyo', lateEvening)).toBe('2026-11-25T05:00:00.000Z');
  });

  it('accepts a start of exactly now and ignores empty words', () => {
    expect(startOf('today 10:00 UTC')).toBe(NOW.toISOString());
    const reading = readWindow(['', '2026-11-24', '', '02:00', 'UTC', ''], NOW);
    expect(reading).toEqual({ ok: true, start: new Date('2026-11-24T02:00:00Z'), end: null, duration: null });
  });

  it('reads the example it shows people', () => {
    const reading = accepted(WHEN_EXAMPLE.split(' ').slice(3).join(' '));
    expect(reading.start.toISOString()).toBe('2026-11-24T02:00:00.000Z');
    expect(reading.duration).toBe(4 * HOUR);
  });
});

describe('readWindow: the length', () => {
  it('leaves end and duration null when neither is given', () => {
    const reading = accepted('2026-11-24 02:00 UTC');
    expect(reading.end).toBeNull();
    expect(reading.duration).toBeNull();
  });

  it.each([
    ['4h', 4 * HOUR],
    ['90m', 90 * MIN],
    ['1d', DAY],
    ['2h30m', 2.5 * HOUR],
    ['1d12h', 36 * HOUR],
    ['4H', 4 * HOUR],
    ['for 4h', 4 * HOUR],
    ['FOR 90m', 90 * MIN],
    ['7d', 7 * DAY],
    ['168h', 7 * DAY],
  ])('reads the duration %s and ends that long after the start', (length, ms) => {
    const reading = accepted(`2026-11-24 02:00 UTC ${length}`);
    expect(reading.duration).toBe(ms);
    expect(reading.end?.getTime()).toBe(Date.parse('2026-11-24T02:00:00Z') + ms);
  });

  it('reads a duration after a relative start', () => {
    const reading = accepted('in 2h 4h');
    expect(reading.start.toISOString()).toBe('2026-11-20T12:00:00.000Z');
    expect(reading.end?.toISOString()).toBe('2026-11-20T16:00:00.000Z');
  });

  it.each([
    ['2026-11-24 02:00 UTC until 2026-11-24 06:00 UTC', '2026-11-24T06:00:00.000Z'],
    ['2026-11-24 02:00 UTC UNTIL 2026-11-24 06:00 UTC', '2026-11-24T06:00:00.000Z'],
    ['2026-11-24 02:00 UTC to 2026-11-24 06:00 UTC', '2026-11-24T06:00:00.000Z'],
    ['2026-11-24 02:00 UTC until 2026-11-24T06:00Z', '2026-11-24T06:00:00.000Z'],
    ['2026-11-24 02:00 UTC until 2026-11-24 07:00 Europe/Paris', '2026-11-24T06:00:00.000Z'],
    ['2026-11-24 02:00 UTC until 06:00', '2026-11-24T06:00:00.000Z'],
    ['2026-11-24 02:00 UTC until 6:00', '2026-11-24T06:00:00.000Z'],
    ['2026-11-24 02:00 UTC until 07:00 +01:00', '2026-11-24T06:00:00.000Z'],
    ['2026-11-24 22:00 UTC until 01:00', '2026-11-25T01:00:00.000Z'],
    ['2026-11-24 02:00 UTC to 02:00', '2026-11-25T02:00:00.000Z'],
    ['2026-11-24 02:00 Europe/Paris until 06:00', '2026-11-24T05:00:00.000Z'],
    ['2026-11-24 02:00 +05:30 until 06:00', '2026-11-24T00:30:00.000Z'],
    ['2026-11-24 23:00 +05:30 until 01:00', '2026-11-24T19:30:00.000Z'],
    ['in 2h until 14:00 UTC', '2026-11-20T14:00:00.000Z'],
    ['today 14:00 UTC until tomorrow 02:00 UTC', '2026-11-21T02:00:00.000Z'],
  ])('reads %s as ending at %s, the duration being the difference', (text, iso) => {
    const reading = accepted(text);
    expect(reading.end?.toISOString()).toBe(iso);
    expect(reading.duration).toBe(Date.parse(iso) - reading.start.getTime());
  });

  it('reads an end time alone in the start zone across a daylight-saving change', () => {
    // The night Paris goes back an hour: 22:00 to 06:00 on the clock is nine hours.
    const reading = accepted('2026-10-24 22:00 Europe/Paris until 06:00', JANUARY);
    expect(reading.start.toISOString()).toBe('2026-10-24T20:00:00.000Z');
    expect(reading.end?.toISOString()).toBe('2026-10-25T05:00:00.000Z');
    expect(reading.duration).toBe(9 * HOUR);
  });
});

describe('readWindow: refusals', () => {
  it('refuses nothing at all, showing the whole command', () => {
    expect(refused([])).toBe(`Say when the window starts, e.g. ${WHEN_EXAMPLE}`);
    expect(refused(['', ' '.trim()])).toBe(`Say when the window starts, e.g. ${WHEN_EXAMPLE}`);
  });

  it.each([
    ['2026-11-24 02:00', 'Say the time zone: 2026-11-24 02:00 UTC (or +01:00, or Europe/Paris)'],
    ['2026-11-24 02:00 4h', 'Say the time zone: 2026-11-24 02:00 UTC (or +01:00, or Europe/Paris)'],
    ['2026-11-24 02:00 until 06:00 UTC', 'Say the time zone: 2026-11-24 02:00 UTC (or +01:00, or Europe/Paris)'],
    ['2026-11-24T02:00', 'Say the time zone: 2026-11-24 02:00 UTC (or +01:00, or Europe/Paris)'],
    ['2026-11-24T02:00:00', 'Say the time zone: 2026-11-24 02:00 UTC (or +01:00, or Europe/Paris)'],
    ['today 14:00', 'Say the time zone: today 14:00 UTC (or +01:00, or Europe/Paris)'],
    ['in 2h until 14:00', 'Say the time zone: until 14:00 UTC (or +01:00, or Europe/Paris)'],
    ['2026-11-24 02:00 UTC until 2026-11-24 06:00', 'Say the time zone: until 2026-11-24 06:00 UTC (or +01:00, or Europe/Paris)'],
    ['2026-11-24 02:00 UTC to 2026-11-24T06:00', 'Say the time zone: to 2026-11-24 06:00 UTC (or +01:00, or Europe/Paris)'],
  ])('never guesses a zone: %s', (text, error) => {
    expect(refused(text)).toBe(error);
  });

  it.each(['2026-13-01', '2026-02-30', '24/11/2026', '2026-11-00', '11/24', '2026.11.24'])('refuses the date %s, asking for YYYY-MM-DD', (date) => {
    expect(refused(`${date} 02:00 UTC`)).toBe(`I can't read the date "${date}": write it as YYYY-MM-DD, e.g. 2026-11-24 02:00 UTC`);
  });

  it('reads 29 February only in a leap year', () => {
    expect(refused('2027-02-29 02:00 UTC')).toMatch(/^I can't read the date "2027-02-29"/);
    expect(startOf('2028-02-29 02:00 UTC')).toBe('2028-02-29T02:00:00.000Z');
  });

  it.each(['25:00', '24:00', '02:60', '2pm', '02:00pm', '2', '02:00:61'])('refuses the time %s, asking for HH:MM on a 24-hour clock', (time) => {
    expect(refused(`2026-11-24 ${time} UTC`)).toBe(
      `I can't read the time "${time}": write it as HH:MM on a 24-hour clock, e.g. 2026-11-24 02:00 UTC`,
    );
  });

  it('refuses a bad time inside ISO 8601 and after until', () => {
    expect(refused('2026-11-24T25:00Z')).toMatch(/^I can't read the time "25:00Z"/);
    expect(refused('2026-11-24 02:00 UTC until 25:00')).toBe(
      `I can't read the time "25:00": write it as HH:MM on a 24-hour clock, e.g. until 06:00`,
    );
  });

  it('refuses a date with no time, and a time with no date', () => {
    expect(refused('2026-11-24 UTC')).toBe('Say the time: 2026-11-24 02:00 UTC');
    expect(refused('2026-11-24')).toBe('Say the time: 2026-11-24 02:00 UTC');
    expect(refused('tomorrow')).toBe('Say the time: tomorrow 02:00 UTC');
    expect(refused('14:00 UTC')).toBe('Say the day too: today 14:00 UTC, tomorrow 14:00 UTC or 2026-11-24 14:00 UTC');
  });

  it.each(['Europe/Pariss', 'Mars/Olympus_Mons', 'EST', 'CET', 'paris', 'UTC+'])('refuses the unknown zone %s, naming it', (zone) => {
    expect(refused(`2026-11-24 02:00 ${zone}`)).toBe(
      `Unknown time zone "${zone}": write UTC, an offset such as -05:00, or a Region/City name such as America/New_York`,
    );
  });

  it.each(['+15:00', 'UTC+15', '-14:01', '+01:75'])('refuses the offset %s', (offset) => {
    expect(refused(`2026-11-24 02:00 ${offset}`)).toBe(`"${offset}" is not an offset: offsets run from -14:00 to +14:00, e.g. +01:00`);
  });

  it('reads a far-off relative start as a valid date', () => {
    expect(startOf('in 999999d')).toBe(new Date(NOW.getTime() + 999999 * DAY).toISOString());
  });

  it('refuses a start in the past, saying when it is now', () => {
    expect(refused('2026-11-01 02:00 UTC')).toBe(
      '2026-11-01 02:00 UTC is in the past (it is now 2026-11-20 10:00 UTC): give a time ahead, e.g. in 2h',
    );
    expect(refused('today 09:59 UTC 4h')).toBe(
      '2026-11-20 09:59 UTC is in the past (it is now 2026-11-20 10:00 UTC): give a time ahead, e.g. in 2h',
    );
    expect(refused('2026-07-01 02:00 America/New_York')).toMatch(/^2026-07-01 06:00 UTC is in the past/);
    expect(refused('today 10:00 UTC', new Date('2026-11-20T10:00:01Z'))).toMatch(/it is now 2026-11-20 10:00:01 UTC/);
  });

  it.each([
    ['2026-11-24 02:00 UTC until 2026-11-24 01:00 UTC', 'The end 2026-11-24 01:00 UTC is not after the start 2026-11-24 02:00 UTC: give a later end, e.g. until 2026-11-24 06:00 UTC'],
    ['2026-11-24 02:00 UTC to 2026-11-24 02:00 UTC', 'The end 2026-11-24 02:00 UTC is not after the start 2026-11-24 02:00 UTC: give a later end, e.g. until 2026-11-24 06:00 UTC'],
    ['2026-11-24 02:00 Europe/Paris until 2026-11-24 00:30 UTC', 'The end 2026-11-24 00:30 UTC is not after the start 2026-11-24 01:00 UTC: give a later end, e.g. until 2026-11-24 05:00 UTC'],
  ])('refuses an end not after the start: %s', (text, error) => {
    expect(refused(text)).toBe(error);
  });

  it.each(['0m', '0h', '0d0h0m', 'for 0m'])('refuses the empty duration %s', (length) => {
    expect(refused(`2026-11-24 02:00 UTC ${length}`)).toBe(
      `A window of "${length.replace('for ', '')}" is empty: say how long it lasts, e.g. 2026-11-24 02:00 UTC 4h`,
    );
  });

  it.each(['8d', '169h', '7d1m', 'for 10081m'])('refuses the duration %s, over 7 days', (length) => {
    expect(refused(`2026-11-24 02:00 UTC ${length}`)).toBe(
      `"${length.replace('for ', '')}" is longer than 7 days, the longest window: give at most 7d, e.g. 2026-11-24 02:00 UTC 4h`,
    );
  });

  it('refuses an end more than 7 days after the start', () => {
    expect(refused('2026-11-24 02:00 UTC until 2026-12-01 02:01 UTC')).toBe(
      'The end 2026-12-01 02:01 UTC is more than 7 days after the start 2026-11-24 02:00 UTC: give a nearer end, e.g. until 2026-11-24 06:00 UTC',
    );
    expect(accepted('2026-11-24 02:00 UTC until 2026-12-01 02:00 UTC').duration).toBe(7 * DAY);
  });

  it.each(['1.5h', '4hours', '4', '30s', '2m30h'])('refuses the unreadable duration %s', (length) => {
    expect(refused(`2026-11-24 02:00 UTC ${length}`)).toBe(`I can't read the duration "${length}": write it like 4h, 90m, 1d or 2h30m`);
  });

  it.each([
    ['2026-11-24 02:00 UTC 4h please', 'please'],
    ['2026-11-24 02:00 UTC maybe later', 'maybe later'],
    ['in 2h UTC', 'UTC'],
    ['2026-11-24 02:00 UTC 4h until 06:00', 'until 06:00'],
    ['2026-11-24 02:00 UTC until 06:00 4h', '4h'],
  ])('refuses words left over in %s, naming them', (text, rest) => {
    expect(refused(text)).toBe(
      `I don't know what "${rest}" means here: after the start give only a duration or an end, e.g. 2026-11-24 02:00 UTC 4h or 2026-11-24 02:00 UTC until 06:00`,
    );
  });

  it('refuses a start it cannot read, and keywords with nothing after them', () => {
    expect(refused('next tuesday')).toBe(`I can't read "next" as a start: write a date, time and zone, e.g. 2026-11-24 02:00 UTC, or in 2h`);
    expect(refused('4h')).toMatch(/^I can't read "4h" as a start: .*in 2h$/);
    expect(refused('in')).toBe('Say how long from now after in, e.g. in 2h');
    expect(refused('in 2 hours')).toBe(`I can't read "2" after in: write it like in 2h, in 90m, in 1d or in 2h30m`);
    expect(refused('2026-11-24 02:00 UTC for')).toBe('Say how long after for, e.g. for 4h');
    expect(refused('2026-11-24 02:00 UTC until')).toBe('Say when the window ends after until, e.g. until 06:00 or until 2026-11-24 06:00 UTC');
    expect(refused('2026-11-24 02:00 UTC to dawn')).toBe(`I can't read the end "dawn": write to 06:00 or to 2026-11-24 06:00 UTC`);
  });

  it.each([
    '2026-11-24 02:00 UTC 4h <!channel>',
    '2026-11-24 02:00 UTC 4h a&b',
    '2026-11-24 02:00 <@U123>',
    '2026-11-24 02:00 Europe/<b>',
    '<https://example.com|x> 02:00 UTC',
    '2026-11-24 02:00 UTC until <!here>',
    '2026-11-24 <02:00> UTC',
    'in <2h>',
    '2026-11-24 02:00 UTC <4h>',
  ])('never puts < > or & in a refusal, whatever was typed: %s', (text) => {
    const error = refused(text);
    expect(error).not.toMatch(/[<>&]/);
    expect(error.length).toBeLessThan(220);
  });

  it('shortens a long run of left-over words', () => {
    const error = refused(`2026-11-24 02:00 UTC 4h ${'word '.repeat(30)}`);
    expect(error).toMatch(/"word word word word word word word word…" means here/);
  });
});
