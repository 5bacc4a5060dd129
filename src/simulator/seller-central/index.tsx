import type { Hono } from 'hono';
import type { SimContext, SimEnv } from '../context.js';

/** Registers the Seller Central pages. (Slot: being built.) */
export function registerSellerCentral(_app: Hono<SimEnv>, _ctx: SimContext): void {}
