import type { SpApiOperation } from './operation.js';

/** (Slot: being built.) */
export const ordersV0Operations: SpApiOperation[] = [];
