import type { Hono } from 'hono';
import type { SimContext, SimEnv } from './context.js';

/** Registers the LWA token endpoint. (Slot: being built.) */
export function registerLwa(_app: Hono<SimEnv>, _ctx: SimContext): void {}
