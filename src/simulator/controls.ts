import type { Hono } from 'hono';
import type { SimContext, SimEnv } from './context.js';

/** Registers the generic `/_sim/` controls. (Slot: being built.) */
export function registerControls(_app: Hono<SimEnv>, _ctx: SimContext): void {}
