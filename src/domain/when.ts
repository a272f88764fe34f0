/**
 * When a maintenance window is: what a person types after `/promote schedule <release>`, read into a start and,
 * if given, an end or a duration. Pure: the caller passes the clock's time in, nothing here reads it, and the
 * only time-zone data is Node's Intl.
 *
 * Time zones confuse people, so a date or time is never read without one (the one exception: `until 06:00`
 * takes the start's zone), a zone abbreviation such as EST is refused rather than guessed, and a local time that
 * a daylight-saving change skips or repeats is refused with the choices spelled out.
 *
 * Refusals are one sentence, in text that Slack's mrkdwn shows as written: no `<`, `>` or `&`, even when they
 * repeat what the person typed.
 */

export type WindowReading = { ok: true; start: Date; end: Date | null; duration: number | null } | { ok: false; error: string };

export const WHEN_EXAMPLE = '/promote schedule v1.50 2026-11-24 02:00 UTC 4h';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The longest window: a longer one is a typo (`40h` for `4h`, the wrong month), not a plan. */
const MAX_WINDOW = 7 * DAY;
const MAX_OFFSET = 14 * HOUR;

const START_EXAMPLE = '2026-11-24 02:00 UTC';
const WHEN_FRAGMENT = '2026-11-24 02:00 UTC 4h';
const ZONE_CHOICES = '(or +01:00, or Europe/Paris)';
const ZONE_RULE = 'write UTC, an offset such as -05:00, or a Region/City name such as America/New_York';
const DURATION_RULE = 'write it like 4h, 90m, 1d or 2h30m';

type Zone = { kind: 'fixed'; offset: number } | { kind: 'iana'; name: string };
type Day = { y: number; m: number; d: number };
type Clock = { h: number; mi: number; s: number; ms: number };
/** An instant, and the zone it was written in (none for `in 2h`), which `until 06:00` reuses. */
type Moment = { at: number; zone: Zone | null };
type Length = { end: number | null; duration: number | null };

/** words: the words after the release, as split on whitespace; now: the injected clock's time. */
export function readWindow(words: readonly string[], now: Date): WindowReading {
  try {
    const { start, end, duration } = read(new Cursor(words.filter((w) => w !== '')), now.getTime());
    return { ok: true, start: new Date(start), end: end === null ? null : new Date(end), duration };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, error: err.message };
    throw err;
  }
}

class Refusal extends Error {}

function refuse(message: string): never {
  throw new Refusal(message);
}

class Cursor {
  private i = 0;
  constructor(private readonly words: readonly string[]) {}
  get done(): boolean {
    return this.i >= this.words.length;
  }
  peek(): string | undefined {
    return this.words[this.i];
  }
  next(): string | undefined {
    return this.words[this.i++];
  }
  rest(): string[] {
    return this.words.slice(this.i);
  }
}

function read(words: Cursor, now: number): { start: number; end: number | null; duration: number | null } {
  if (words.done) refuse(`Say when the window starts, e.g. ${WHEN_EXAMPLE}`);
  const start = readStart(words, now);
  const length = readLength(words, start, now);
  if (!words.done) {
    refuse(
      `I don't know what ${quote(words.rest().join(' '))} means here: after the start give only a duration or an end, e.g. ${WHEN_FRAGMENT} or ${START_EXAMPLE} until 06:00`,
    );
  }
  if (start.at < now) refuse(`${utc(start.at)} is in the past (it is now ${utc(now)}): give a time ahead, e.g. in 2h`);
  if (length.duration !== null) {
    const end = start.at + length.duration;
    return { start: start.at, end, duration: length.duration };
  }
  if (length.end !== null) {
    const duration = length.end - start.at;
    if (duration <= 0) {
      refuse(`The end ${utc(length.end)} is not after the start ${utc(start.at)}: give a later end, e.g. until ${utc(start.at + 4 * HOUR)}`);
    }
    if (duration > MAX_WINDOW) {
      refuse(
        `The end ${utc(length.end)} is more than 7 days after the start ${utc(start.at)}: give a nearer end, e.g. until ${utc(start.at + 4 * HOUR)}`,
      );
    }
    return { start: start.at, end: length.end, duration };
  }
  return { start: start.at, end: null, duration: null };
}

// ---------------------------------------------------------------------------------------------------------------
// The start, and the end after `until`: one grammar of dates, times and zones

function readStart(words: Cursor, now: number): Moment {
  if (words.peek()!.toLowerCase() !== 'in') return readMoment(words, now, null);
  words.next();
  const amount = words.next();
  if (amount === undefined) refuse('Say how long from now after in, e.g. in 2h');
  const ms = amountMs(amount);
  if (ms === null) refuse(`I can't read ${quote(amount)} after in: write it like in 2h, in 90m, in 1d or in 2h30m`);
  return { at: now + ms, zone: null };
}

/** After the start: nothing, `4h`, `for 4h`, `until …` or `to …`. Anything else is left for the caller to name. */
function readLength(words: Cursor, start: Moment, now: number): Length {
  const word = words.peek();
  if (word === undefined) return { end: null, duration: null };
  const keyword = word.toLowerCase();
  if (keyword === 'for') {
    words.next();
    const amount = words.next();
    if (amount === undefined) refuse('Say how long after for, e.g. for 4h');
    return { end: null, duration: readDuration(amount) };
  }
  if (keyword === 'until' || keyword === 'to') {
    words.next();
    if (words.done) refuse(`Say when the window ends after ${keyword}, e.g. ${keyword} 06:00 or ${keyword} 2026-11-24 06:00 UTC`);
    return { end: readMoment(words, now, { keyword, start }).at, duration: null };
  }
  if (/^\d/.test(word)) {
    words.next();
    return { end: null, duration: readDuration(word) };
  }
  return { end: null, duration: null };
}

function readDuration(text: string): number {
  const ms = amountMs(text);
  if (ms === null) refuse(`I can't read the duration ${quote(text)}: ${DURATION_RULE}`);
  if (ms === 0) refuse(`A window of ${quote(text)} is empty: say how long it lasts, e.g. ${WHEN_FRAGMENT}`);
  if (ms > MAX_WINDOW) refuse(`${quote(text)} is longer than 7 days, the longest window: give at most 7d, e.g. ${WHEN_FRAGMENT}`);
  return ms;
}

/** `2h`, `90m`, `1d`, `2h30m`, `1d12h`: whole numbers (short enough to stay a valid date), units largest first. */
function amountMs(text: string): number | null {
  const match = /^(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,6})m)?$/i.exec(text);
  if (!match || text === '') return null;
  const [, d = '0', h = '0', m = '0'] = match;
  return Number(d) * DAY + Number(h) * HOUR + Number(m) * MINUTE;
}

/**
 * A date, time and zone: `2026-11-24 02:00 UTC`, `2026-11-24T02:00Z`, `today 14:00 Europe/Paris`; for an end
 * (`end` given) also a time alone, `06:00`, in the start's zone, the next time the clock shows it after the start.
 */
function readMoment(words: Cursor, now: number, end: { keyword: string; start: Moment } | null): Moment {
  const word = words.next()!;
  const prefix = end ? `${end.keyword} ` : '';
  const lower = word.toLowerCase();

  if (lower === 'today' || lower === 'tomorrow') {
    const time = readTime(words.next(), `${prefix}${lower} 02:00 UTC`);
    const zone = readZone(words, time.suffix) ?? refuse(`Say the time zone: ${prefix}${lower} ${clockText(time)} UTC ${ZONE_CHOICES}`);
    const today = dayAt(now, zone);
    return { at: resolve(lower === 'today' ? today : addDays(today, 1), time, zone), zone };
  }

  if (/^\d{1,4}[-/.]\d{1,2}(?:[-/.]\d{1,4})?(?:t.*)?$/i.test(word)) {
    const t = word.search(/t/i);
    const day = readDate(t < 0 ? word : word.slice(0, t));
    const timeText = t < 0 ? words.next() : word.slice(t + 1);
    const time = readTime(timeText, `${prefix}${dayText(day)} 02:00 UTC`);
    const written = `${dayText(day)} ${clockText(time)}`;
    const zone = readZone(words, time.suffix) ?? refuse(`Say the time zone: ${prefix}${written} UTC ${ZONE_CHOICES}`);
    return { at: resolve(day, time, zone), zone };
  }

  if (/^\d{1,2}:\d/.test(word)) {
    const time = readTime(word, end ? `${prefix}06:00` : 'today 02:00 UTC');
    if (!end) {
      const at = `${clockText(time)} UTC`;
      refuse(`Say the day too: today ${at}, tomorrow ${at} or 2026-11-24 ${at}`);
    }
    const zone = readZone(words, time.suffix) ?? end.start.zone ?? refuse(`Say the time zone: ${prefix}${clockText(time)} UTC ${ZONE_CHOICES}`);
    const first = dayAt(end.start.at, zone);
    const sameDay = resolve(first, time, zone);
    return { at: sameDay > end.start.at ? sameDay : resolve(addDays(first, 1), time, zone), zone };
  }

  if (end) refuse(`I can't read the end ${quote(word)}: write ${end.keyword} 06:00 or ${end.keyword} 2026-11-24 06:00 UTC`);
  refuse(`I can't read ${quote(word)} as a start: write a date, time and zone, e.g. ${START_EXAMPLE}, or in 2h`);
}

function readDate(text: string): Day {
  const match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  const [y, m, d] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  if (!match || m < 1 || m > 12 || d < 1 || d > daysIn(y, m)) {
    refuse(`I can't read the date ${quote(text)}: write it as YYYY-MM-DD, e.g. ${START_EXAMPLE}`);
  }
  return { y, m, d };
}

/** `02:00`, `2:00`, `02:00:30`, `02:00:00.000`, with any zone written against it (`02:00Z`) as the suffix. */
function readTime(text: string | undefined, example: string): Clock & { suffix: string } {
  if (text === undefined || !/^\d/.test(text)) refuse(`Say the time: ${example}`);
  const match = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(.*)$/.exec(text);
  const [h, mi, s] = match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : [0, 0, 0];
  if (!match || h > 23 || mi > 59 || s > 59 || /^\.|^[ap]\.?m\.?$/i.test(match[5]!)) {
    refuse(`I can't read the time ${quote(text)}: write it as HH:MM on a 24-hour clock, e.g. ${example}`);
  }
  return { h, mi, s, ms: Number((match[4] ?? '').padEnd(3, '0').slice(0, 3)), suffix: match[5]! };
}

/**
 * The zone written against the time, or else the next word unless that is plainly something else (a duration,
 * `for`, `until`, `to`): null when none is written.
 */
function readZone(words: Cursor, suffix: string): Zone | null {
  if (suffix !== '') return parseZone(suffix);
  const next = words.peek();
  if (next === undefined || /^\d/.test(next) || /^(?:for|until|to)$/i.test(next)) return null;
  words.next();
  return parseZone(next);
}

function parseZone(text: string): Zone {
  if (/^(?:z|utc|gmt)$/i.test(text)) return { kind: 'fixed', offset: 0 };
  const offset = /^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(text);
  if (offset) {
    const ms = Number(offset[2]) * HOUR + Number(offset[3] ?? 0) * MINUTE;
    if (ms > MAX_OFFSET || Number(offset[3] ?? 0) > 59) refuse(`${quote(text)} is not an offset: offsets run from -14:00 to +14:00, e.g. +01:00`);
    return { kind: 'fixed', offset: offset[1] === '-' ? -ms : ms };
  }
  // Only Region/City names: abbreviations (EST, CET, IST) mean different things to different people, and Intl
  // reads some of them in ways few expect (EST is America/Panama, with no daylight saving).
  const name = text.includes('/') ? ianaName(text) : null;
  if (name === null) refuse(`Unknown time zone ${quote(text)}: ${ZONE_RULE}`);
  return { kind: 'iana', name };
}

function ianaName(text: string): string | null {
  try {
    return formatter(text).resolvedOptions().timeZone;
  } catch (err) {
    if (err instanceof RangeError) return null;
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Local time in a zone ↔ instants

/** The instant a zone's clocks show `day time`; refuses a time that daylight saving skips or repeats there. */
function resolve(day: Day, time: Clock, zone: Zone): number {
  const local = utcMs(day, time);
  if (zone.kind === 'fixed') return local - zone.offset;
  // Offsets change at most once in two days, so the offsets either side are the only candidates.
  const candidates = [...new Set([offsetAt(zone.name, local - DAY), offsetAt(zone.name, local + DAY)])].sort((a, b) => b - a);
  const fits = candidates.filter((offset) => offsetAt(zone.name, local - offset) === offset);
  const written = `${dayText(day)} ${clockText(time)}`;
  if (fits.length === 1) return local - fits[0]!;
  if (fits.length === 0) {
    // In the gap: the offset before the change reads the same clock time as a time just after it.
    const before = Math.min(...candidates);
    const after = Math.max(...candidates);
    const moved = local + (after - before);
    refuse(
      `${written} does not exist in ${zone.name} (the clocks go forward that night): give a time that does, e.g. ${dayText(dayOf(moved))} ${clockText(clockOf(moved))} ${zone.name}`,
    );
  }
  refuse(
    `${written} happens twice in ${zone.name} (the clocks go back that night): say which with its offset, ${written} ${offsetText(fits[0]!)} or ${written} ${offsetText(fits[1]!)}`,
  );
}

/** The date a zone's clocks show at an instant. */
function dayAt(at: number, zone: Zone): Day {
  return dayOf(at + (zone.kind === 'fixed' ? zone.offset : offsetAt(zone.name, at)));
}

/** How far ahead of UTC the zone's clocks are at an instant, in ms. */
function offsetAt(zone: string, at: number): number {
  const whole = Math.floor(at / 1000) * 1000;
  const parts = formatter(zone).formatToParts(new Date(whole));
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  const local = utcMs(
    { y: part('year'), m: part('month'), d: part('day') },
    { h: part('hour'), mi: part('minute'), s: part('second'), ms: 0 },
  );
  return local - whole;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws a RangeError for a zone Intl does not know. */
function formatter(zone: string): Intl.DateTimeFormat {
  let found = formatters.get(zone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, found);
  }
  return found;
}

/** A date and time read as UTC, with years below 100 kept as written (Date.UTC would add 1900). */
function utcMs(day: Day, time: Clock): number {
  const date = new Date(0);
  date.setUTCFullYear(day.y, day.m - 1, day.d);
  date.setUTCHours(time.h, time.mi, time.s, time.ms);
  return date.getTime();
}

function daysIn(y: number, m: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, m, 0);
  return date.getUTCDate();
}

function addDays(day: Day, n: number): Day {
  return dayOf(utcMs(day, { h: 0, mi: 0, s: 0, ms: 0 }) + n * DAY);
}

function dayOf(ms: number): Day {
  const date = new Date(ms);
  return { y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate() };
}

function clockOf(ms: number): Clock {
  const date = new Date(ms);
  return { h: date.getUTCHours(), mi: date.getUTCMinutes(), s: date.getUTCSeconds(), ms: date.getUTCMilliseconds() };
}

// ---------------------------------------------------------------------------------------------------------------
// Words of the refusals

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function dayText(day: Day): string {
  return `${pad(day.y, 4)}-${pad(day.m)}-${pad(day.d)}`;
}

function clockText(time: Clock): string {
  return `${pad(time.h)}:${pad(time.mi)}${time.s === 0 ? '' : `:${pad(time.s)}`}`;
}

/** An instant as people read it in a refusal: `2026-11-24 02:00 UTC` (seconds only when there are some). */
function utc(ms: number): string {
  return `${dayText(dayOf(ms))} ${clockText(clockOf(ms))} UTC`;
}

function offsetText(ms: number): string {
  const abs = Math.abs(ms);
  return `${ms < 0 ? '-' : '+'}${pad(Math.floor(abs / HOUR))}:${pad(Math.floor((abs % HOUR) / MINUTE))}`;
}

/**
 * What the person typed, repeated in a refusal: quoted, cut short, and with mrkdwn's control characters replaced by
 * look-alikes, so it can neither break the message nor become a link or a mention.
 */
function quote(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 39)}…` : text;
  return `"${short.replace(/</g, '‹').replace(/>/g, '›').replace(/&/g, '＆')}"`;
}
