import { DAY } from '../kernel/clock.js';
import { ValidationError } from '../kernel/errors.js';

/**
 * Calendar days as `YYYY-MM-DD` strings (UTC): how the sales and traffic report names its days, how
 * they are stored, and what the portal, the API and the CSV take and give.
 */

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day of an instant (UTC). */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Midnight UTC at the start of a day, in epoch ms; NaN when it is not a real day. */
export function dayStart(day: string): number {
  const match = DAY_PATTERN.exec(day);
  if (!match) return NaN;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  // Date.UTC rolls 2026-02-30 over to March: a real day reads back the same.
  return dayOf(ms) === day ? ms : NaN;
}

/** Whether the text is a real calendar day written `YYYY-MM-DD` (years 1000–9999). */
export function isDay(value: string): boolean {
  return !Number.isNaN(dayStart(value)) && value >= '1000-01-01';
}

/** The day `n` days after (or before, n < 0) `day`. */
export function addDays(day: string, n: number): string {
  return dayOf(dayStart(day) + n * DAY);
}

/** Days from `from` to `to`, both included (0 when to < from). */
export function daysBetween(from: string, to: string): number {
  return Math.max(0, Math.round((dayStart(to) - dayStart(from)) / DAY) + 1);
}

/** Every day from `from` to `to`, both included. */
export function eachDay(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  return days;
}

/** Longest range a read may ask for (Amazon keeps sales and traffic for two years). */
export const MAX_RANGE_DAYS = 731;

/** A range asked for by a person or a program: both ends optional until checked. */
export interface RangeInput {
  from?: string | undefined;
  to?: string | undefined;
}

/**
 * Checks a requested range and fills what is missing: `to` defaults to `defaultTo`, `from` to 30
 * days before `to`. Throws VALIDATION_FAILED naming the field (a bad date, from after to, too long).
 */
export function checkRange(input: RangeInput, defaultTo: string): { from: string; to: string } {
  for (const field of ['from', 'to'] as const) {
    const value = input[field];
    if (value !== undefined && value !== '' && !isDay(value))
      throw new ValidationError(`${field}: enter a date as YYYY-MM-DD (e.g. 2026-03-01)`, field);
  }
  const to = input.to || defaultTo;
  const from = input.from || addDays(to, -29);
  if (from > to) throw new ValidationError(`from: ${from} is after to (${to})`, 'from');
  if (daysBetween(from, to) > MAX_RANGE_DAYS)
    throw new ValidationError(`from: a range covers at most ${MAX_RANGE_DAYS} days`, 'from');
  return { from, to };
}
