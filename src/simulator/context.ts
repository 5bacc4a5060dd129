import type { Clock, OffsetClock } from '../kernel/clock.js';
import type { Random } from '../kernel/random.js';
import type { SimulatorConfig } from './config.js';
import type { Region, SimState } from './state.js';

/** What every simulator module is given. */
export interface SimContext {
  state: SimState;
  config: SimulatorConfig;
  /** Simulated time: follows the real clock and can jump forward (controls). */
  clock: OffsetClock;
  /** Real time, for token buckets and latency (a clock jump refills buckets only with `bucketsRefillOnClockJump`). */
  realClock: Clock;
  random: Random;
  /** Outgoing HTTP (notification deliveries). */
  fetch: typeof fetch;
  /** Waits `ms` real milliseconds. */
  sleep(ms: number): Promise<void>;
  /** Registers cleanup (timers, generators) run by `Simulator.stop()`. */
  onStop(hook: () => void): void;
}

/** Per-request bindings set by the simulator's front door (app.ts). */
export interface SimBindings {
  region: Region;
  /** '' or '/na' | '/eu' | '/fe': the prefix the request came in with, for building links. */
  prefix: string;
  requestId: string;
}

export type SimEnv = { Bindings: SimBindings };
