/**
 * Offsets (`T-24h`, `T0`, `T+2m`) and durations (`15m`, `4h`, `1d`): the only way a template writes time, relative
 * to T0, the planned start of the deployment. Templates are written before anyone knows T0, so everything here is
 * arithmetic on a T0 the caller supplies; nothing reads the clock.
 */

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;
/** Largest first, so formatting picks the shortest text: `T-1h`, not `T-60m`. */
const UNITS_LARGEST_FIRST: readonly Unit[] = ['d', 'h', 'm'];
const MAX_DIGITS = 4;

export const OFFSET_PATTERN = /^T(?:0|[+-]\d{1,4}[mhd])$/;
export const DURATION_PATTERN = /^\d{1,4}[mhd]$/;

const OFFSET_RULE = 'must be an offset like T-24h, T-5m, T0, T+2m or T+1d';
const DURATION_RULE = 'must be a duration like 15m, 4h or 1d';

/** A repeat that would post more often than this is a typo (`every: 1m` for days), not a plan. */
export const MAX_OCCURRENCES = 1000;

export class OffsetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OffsetError';
  }
}

/** Non-throwing, for validators that collect every problem before reporting. */
export type Reading = { ok: true; ms: number } | { ok: false; error: string };

export interface Schedule {
  at: string;
  repeat?: { every: string; until: string } | undefined;
}

export function readOffset(text: string): Reading {
  const result = offsetMs(text);
  return typeof result === 'number' ? { ok: true, ms: result } : { ok: false, error: `${OFFSET_RULE} (${result})` };
}

export function readDuration(text: string): Reading {
  const result = /^[T+-]/.test(text) ? 'a duration is a length of time, with no T and no sign' : amountMs(text);
  return typeof result === 'number' ? { ok: true, ms: result } : { ok: false, error: `${DURATION_RULE} (${result})` };
}

/** Milliseconds from T0 (negative before it). Throws an OffsetError naming the text and what is wrong. */
export function parseOffset(text: string): number {
  return orThrow(text, readOffset(text));
}

export function parseDuration(text: string): number {
  return orThrow(text, readDuration(text));
}

/** The canonical text for an offset: the largest unit that divides it, so `T-60m` comes back as `T-1h`. */
export function formatOffset(ms: number): string {
  if (ms === 0) return 'T0';
  return `T${ms < 0 ? '-' : '+'}${formatAmount(Math.abs(ms))}`;
}

export function formatDuration(ms: number): string {
  if (ms < 0) throw new OffsetError(`a duration cannot be negative (${ms} ms)`);
  return ms === 0 ? '0m' : formatAmount(ms);
}

export function atOffset(t0: Date, offset: string): Date {
  return new Date(startOf(t0) + parseOffset(offset));
}

/**
 * How many times a schedule fires: once, or from `at` every `every` up to and including `until` when it lands
 * exactly. Not capped, so a validator can say how far over the cap a schedule is.
 */
export function countOccurrences(schedule: Schedule): number {
  return plan(schedule).count;
}

/** Every time a schedule fires after `t0`, in order. Refuses a schedule of more than MAX_OCCURRENCES times. */
export function occurrences(t0: Date, schedule: Schedule): Date[] {
  const start = startOf(t0);
  const { at, every, count } = plan(schedule);
  if (count > MAX_OCCURRENCES) {
    throw new OffsetError(
      `repeat every ${schedule.repeat?.every} from ${schedule.at} until ${schedule.repeat?.until} fires ${count} times; at most ${MAX_OCCURRENCES}`,
    );
  }
  return Array.from({ length: count }, (_, k) => new Date(start + at + k * every));
}

function plan(schedule: Schedule): { at: number; every: number; count: number } {
  const at = parseOffset(schedule.at);
  if (!schedule.repeat) return { at, every: 0, count: 1 };
  const every = parseDuration(schedule.repeat.every);
  const until = parseOffset(schedule.repeat.until);
  if (every === 0) throw new OffsetError('repeat every 0m would never end');
  if (until < at) throw new OffsetError(`repeat until ${schedule.repeat.until} is before at ${schedule.at}`);
  return { at, every, count: Math.floor((until - at) / every) + 1 };
}

/** Milliseconds, or why the text is not an offset (each reason names the fix, since authors type these by hand). */
function offsetMs(text: string): number | string {
  if (text === 'T0') return 0;
  if (text === '') return 'it is empty';
  if (text[0] === 't') return 'the T is a capital letter';
  if (text[0] !== 'T') return 'it starts with T, the planned start';
  if (text === 'T') return 'write T0 for the planned start itself';
  const sign = text[1];
  if (sign !== '+' && sign !== '-') return 'a + or - follows the T, e.g. T+5m or T-5m';
  const amount = amountMs(text.slice(2));
  if (typeof amount === 'string') return amount;
  // `+ 0` turns the -0 of `T-0m` into 0, so T-0m and T0 compare and print the same.
  return (sign === '-' ? -amount : amount) + 0;
}

/** `15m`, `4h`, `1d`: a whole number of at most four digits and one unit. */
function amountMs(text: string): number | string {
  const [, digits = '', unit = ''] = /^(\d*)(.*)$/s.exec(text) ?? [];
  if (digits === '') return 'a number comes first, e.g. 15m';
  if (/^[.,]\d/.test(unit)) return 'whole numbers only, e.g. 90m rather than 1.5h';
  if (digits.length > MAX_DIGITS) return `at most ${MAX_DIGITS} digits: use a larger unit`;
  if (unit === '') return 'the number needs a unit: m, h or d';
  if (!isUnit(unit)) return `the unit is m, h or d, not "${unit}"`;
  return Number(digits) * UNIT_MS[unit];
}

function isUnit(text: string): text is Unit {
  return text === 'm' || text === 'h' || text === 'd';
}

function formatAmount(ms: number): string {
  if (!Number.isInteger(ms / UNIT_MS.m)) throw new OffsetError(`${ms} ms is not a whole number of minutes`);
  for (const unit of UNITS_LARGEST_FIRST) {
    const n = ms / UNIT_MS[unit];
    if (Number.isInteger(n) && String(n).length <= MAX_DIGITS) return `${n}${unit}`;
  }
  throw new OffsetError(`${ms} ms is too long to write in at most ${MAX_DIGITS} digits`);
}

function startOf(t0: Date): number {
  const ms = t0.getTime();
  if (Number.isNaN(ms)) throw new OffsetError('T0 is not a valid date');
  return ms;
}

function orThrow(text: string, reading: Reading): number {
  if (!reading.ok) throw new OffsetError(`"${text}" ${reading.error}`);
  return reading.ms;
}
