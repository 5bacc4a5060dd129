import type { Context } from 'hono';
import type { SimContext, SimEnv } from './context.js';
import { SimulatedDrop, spapiError } from './http.js';
import type { SimFaultRule } from './state.js';

/**
 * Fault injection: rules in `ctx.state.faults` make a share of matching calls fail, slow down or
 * drop the connection. Shares are drawn from `ctx.random`, so a seeded simulator fails the same
 * calls every run.
 */

/** The fault kinds that answer with an error response (the caller maps them to its own body). */
export type ErrorFaultKind = '429' | '500' | '503';

/** What the rules decided for one call. */
export interface FaultOutcome {
  /** The error to answer with, or null to go on with the call. */
  error: ErrorFaultKind | null;
  /** Total latency that was injected (already waited). */
  latencyMs: number;
}

/** Whether a rule applies to an operation: `*` means every SP-API operation, not the LWA endpoint. */
export function faultMatches(rule: SimFaultRule, operation: string): boolean {
  return rule.operation === operation || (rule.operation === '*' && operation !== 'lwa');
}

/**
 * Applies the fault rules for one call of `operation` (an SP-API operationId, or `lwa` for the token
 * endpoint). Latency rules that hit are waited out; the first error rule that hits wins; a drop rule
 * throws `SimulatedDrop`. Each hit uses one of the rule's `remaining` injections.
 */
export async function applyFaults(ctx: SimContext, operation: string): Promise<FaultOutcome> {
  let latencyMs = 0;
  let error: ErrorFaultKind | null = null;
  for (const rule of [...ctx.state.faults]) {
    if (!faultMatches(rule, operation)) continue;
    if (rule.remaining !== undefined && rule.remaining <= 0) continue;
    if (!(ctx.random.float() < rule.share)) continue;
    useOnce(ctx, rule);
    if (rule.kind === 'latency') {
      const ms = rule.latencyMs ?? 0;
      latencyMs += ms;
      await ctx.sleep(ms);
      continue;
    }
    if (rule.kind === 'drop') throw new SimulatedDrop();
    error = rule.kind;
    break;
  }
  return { error, latencyMs };
}

/** Counts one injection; a rule whose `remaining` runs out is removed. */
function useOnce(ctx: SimContext, rule: SimFaultRule): void {
  if (rule.remaining === undefined) return;
  rule.remaining -= 1;
  if (rule.remaining <= 0) {
    const index = ctx.state.faults.indexOf(rule);
    if (index >= 0) ctx.state.faults.splice(index, 1);
  }
}

/** The SP-API error response for an injected fault (https://developer-docs.amazon.com/sp-api/docs/response-format error shape). */
export function spapiFaultResponse(c: Context<SimEnv>, kind: ErrorFaultKind): Response {
  switch (kind) {
    case '429':
      return spapiError(c, 429, 'QuotaExceeded', 'You exceeded your quota for the requested resource.');
    case '500':
      return spapiError(c, 500, 'InternalFailure', 'We encountered an internal error. Please try again.');
    case '503':
      return spapiError(c, 503, 'ServiceUnavailable', 'Service temporarily unavailable. Please try again.');
  }
}
