import type { Hono } from 'hono';
import type { SimContext, SimEnv } from './context.js';

/** Registers `/_sim/orders` controls. (Slot: being built.) */
export function registerOrderControls(_app: Hono<SimEnv>, _ctx: SimContext): void {}
