import type { SpApiOperation } from './operation.js';

/** (Slot: being built.) */
export const tokensOperations: SpApiOperation[] = [];
