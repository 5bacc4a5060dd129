/** Time is injected everywhere so tests and the simulator can move it. */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
}

/** The machine's wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that follows a base clock plus an offset that only moves forward. */
export interface OffsetClock extends Clock {
  /** Moves the clock forward by `ms` (negative values are refused). */
  advance(ms: number): void;
  /** Total offset from the base clock, in milliseconds. */
  offset(): number;
}

/** Creates a clock that runs with `base` but can jump forward. */
export function createOffsetClock(base: Clock = systemClock, initialOffsetMs = 0): OffsetClock {
  let offsetMs = initialOffsetMs;
  return {
    now: () => base.now() + offsetMs,
    advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`clock can only move forward (got ${ms} ms)`);
      offsetMs += ms;
    },
    offset: () => offsetMs,
  };
}

/** A clock that stands still until moved: for deterministic tests. */
export function createManualClock(startMs: number): OffsetClock & { set(ms: number): void } {
  let current = startMs;
  return {
    now: () => current,
    advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`clock can only move forward (got ${ms} ms)`);
      current += ms;
    },
    offset: () => current - startMs,
    set(ms: number) {
      current = ms;
    },
  };
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Formats epoch milliseconds as an ISO 8601 UTC string. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
