import type { Context, Hono } from 'hono';
import type { SimContext, SimEnv } from '../context.js';
import { applyFaults, spapiFaultResponse } from '../faults.js';
import { ACCESS_DENIED, SimulatedDrop, spapiError } from '../http.js';
import { logRequest, type NewRequestLogEntry } from '../request-log.js';
import { checkAccess, describeToken } from './access.js';
import type { SpApiOperation } from './operation.js';
import { bucketKey, formatRateLimit, takeToken, usagePlanFor, type UsagePlan } from './usage-plans.js';

/**
 * The SP-API front of every operation: request log → faults → access token → usage plan → handler.
 * Every response carries `x-amzn-RequestId`; `x-amzn-RateLimit-Limit` only on 2xx, 400 and 404
 * (https://developer-docs.amazon.com/sp-api/docs/response-format), never on throttled or unauthorized answers.
 */

/** Registers SP-API operations behind request logging, faults, token checks and usage plans. */
export function registerOperations(app: Hono<SimEnv>, ctx: SimContext, operations: SpApiOperation[]): void {
  for (const op of operations) {
    const plan = op.usagePlan ?? usagePlanFor(op.operationId);
    if (!plan) throw new Error(`SP-API operation ${op.operationId} has no usage plan (spapi/usage-plans.ts)`);
    app.on(op.method, op.path, (c) => runOperation(c, ctx, op, plan));
  }
}

/** Statuses on which Amazon sends `x-amzn-RateLimit-Limit` (https://developer-docs.amazon.com/sp-api/docs/response-format). */
function carriesRateLimit(status: number): boolean {
  return (status >= 200 && status < 300) || status === 400 || status === 404;
}

async function runOperation(
  c: Context<SimEnv>,
  ctx: SimContext,
  op: SpApiOperation,
  plan: UsagePlan,
): Promise<Response> {
  const presented = c.req.header('x-amz-access-token');
  const query = new URL(c.req.url).search.slice(1);
  const entry: NewRequestLogEntry = {
    requestId: c.env.requestId,
    method: c.req.method,
    path: c.req.path,
    ...(query ? { query } : {}),
    region: c.env.region,
    operation: op.operationId,
    status: 0,
    at: ctx.clock.now(),
    ...describeToken(ctx, presented),
  };
  const notes: string[] = [];
  let response: Response;
  try {
    response = await pipeline(c, ctx, op, plan, presented, notes);
  } catch (err) {
    if (err instanceof SimulatedDrop) {
      logRequest(ctx, { ...entry, status: 0, note: [...notes, 'fault:drop'].join(' ') });
      throw err;
    }
    console.error(`simulator: ${op.operationId} failed`, err);
    notes.push('error');
    response = spapiError(c, 500, 'InternalFailure', 'We encountered an internal error. Please try again.');
  }
  const rate = plan.rate * (ctx.config.rateLimitHeaderScaled ? ctx.config.speed : 1);
  const headers = new Headers(response.headers);
  headers.set('x-amzn-RequestId', c.env.requestId);
  if (carriesRateLimit(response.status)) headers.set('x-amzn-RateLimit-Limit', formatRateLimit(rate));
  else headers.delete('x-amzn-RateLimit-Limit');
  const final = new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
  logRequest(ctx, {
    ...entry,
    status: final.status,
    ...(notes.length > 0 ? { note: notes.join(' ') } : {}),
  });
  return final;
}

/** Faults, access token, usage plan, then the handler. Appends log notes to `notes`. */
async function pipeline(
  c: Context<SimEnv>,
  ctx: SimContext,
  op: SpApiOperation,
  plan: UsagePlan,
  presented: string | undefined,
  notes: string[],
): Promise<Response> {
  const fault = await applyFaults(ctx, op.operationId);
  if (fault.latencyMs > 0) notes.push(`fault:latency:${fault.latencyMs}`);
  if (fault.error) {
    notes.push(`fault:${fault.error}`);
    return spapiFaultResponse(c, fault.error);
  }

  const access = checkAccess(ctx, op, {
    token: presented,
    region: c.env.region,
    method: c.req.method,
    path: c.req.path,
  });
  if (!access.ok) {
    notes.push(`auth:${access.reason}`);
    const status =
      access.reason === 'missing'
        ? ctx.config.missingTokenStatus
        : access.reason === 'secret-expired'
          ? ctx.config.secretExpiredStatus
          : 403;
    return spapiError(c, status, 'Unauthorized', ACCESS_DENIED, access.details);
  }

  const { call } = access;
  const holder = call.sellingPartnerId ?? call.app.appId;
  const owner = ctx.config.bucketsPerRegion ? `${holder}@${call.region}` : holder;
  if (!takeToken(ctx, bucketKey(owner, call.app.appId, op.operationId), plan)) {
    notes.push('throttled');
    return spapiError(c, 429, 'QuotaExceeded', 'You exceeded your quota for the requested resource.');
  }
  return op.handle(c, call);
}
