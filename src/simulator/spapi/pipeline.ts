import type { Hono } from 'hono';
import type { SimContext, SimEnv } from '../context.js';
import type { SpApiOperation } from './operation.js';

/** Registers SP-API operations behind auth, faults and usage plans. (Slot: being built.) */
export function registerOperations(
  _app: Hono<SimEnv>,
  _ctx: SimContext,
  _operations: SpApiOperation[],
): void {}
