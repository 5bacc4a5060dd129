import type { Context } from 'hono';
import type { SimContext, SimEnv } from '../context.js';
import type { Region, SimAccessToken, SimApp, SimAuthorization } from '../state.js';

/** How an operation is authorized. */
export type OperationAuth =
  /**
   * A user (refresh-token) access token, or an RDT where `restricted` allows it. `rdtOnly`: only an
   * RDT covering the call will do, as for getOrderAddress (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide).
   */
  | { kind: 'seller'; restricted?: boolean; rdtOnly?: boolean }
  /** A grantless (client_credentials) token with this scope (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api). */
  | { kind: 'grantless'; scope: string };

/** What the pipeline found out about the caller before the handler runs. */
export interface SpApiCall {
  region: Region;
  operationId: string;
  token: SimAccessToken;
  app: SimApp;
  /** Present for seller calls. */
  authorization?: SimAuthorization;
  sellingPartnerId?: string;
  /** The simulator's world, so handlers (static arrays) can reach state, clock and config. */
  ctx: SimContext;
}

/**
 * One SP-API operation. Operation modules export arrays of these; the pipeline (spapi/pipeline.ts)
 * wraps each with request logging, faults, token checks and the usage-plan bucket.
 */
export interface SpApiOperation {
  operationId: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Hono path, e.g. `/orders/2026-01-01/orders/:orderId`. */
  path: string;
  auth: OperationAuth;
  /** Overrides the usage plan from spapi/usage-plans.ts (needed for ids the table lacks). */
  usagePlan?: { rate: number; burst: number };
  handle(c: Context<SimEnv>, call: SpApiCall): Response | Promise<Response>;
}
