import { readFileSync } from 'node:fs';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { SimContext, SimEnv } from './context.js';
import { ACCESS_DENIED, spapiError } from './http.js';
import { logRequest } from './request-log.js';
import { ACCESS_DETAILS } from './spapi/access.js';
import { bucketKey, formatRateLimit, takeToken, type UsagePlan } from './spapi/usage-plans.js';
import type { SimAccessToken } from './state.js';
import { accessTokenExpired } from './world.js';

/**
 * Amazon's static sandbox (https://developer-docs.amazon.com/sp-api/docs/sp-api-endpoints): on `sandbox.sellingpartnerapi-{na,eu,fe}.amazon.com` every
 * operation of the vendored models answers with the canned response of the `x-amzn-api-sandbox.static`
 * entry whose request parameters match, and with 400 "Could not match input arguments" otherwise. The
 * entries are read from `spapi-models/*.json` when the simulator starts, so they follow the models.
 */

/** The models whose operations the sandbox serves. */
export const SANDBOX_MODELS = [
  'orders_2026-01-01',
  'ordersV0',
  'listingsItems_2021-08-01',
  'sellers',
  'tokens_2021-03-01',
  'application_2023-11-30',
  'reports_2021-06-30',
] as const;

/** https://developer-docs.amazon.com/sp-api/docs/sp-api-endpoints: sandbox throttling is fixed at rate 5, burst 15 for every operation. */
const SANDBOX_PLAN: UsagePlan = { rate: 5, burst: 15 };
const SANDBOX_HOST = /^sandbox\.sellingpartnerapi-(na|eu|fe)\.amazon\.com(:\d+)?$/i;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const DELIMITERS: Record<string, string> = { csv: ',', ssv: ' ', tsv: '\t', pipes: '|' };

interface ModelParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'body' | 'formData';
  type?: string;
  collectionFormat?: string;
}

/** One static entry: the parameters it pins (name → value) and its canned answer. */
export interface SandboxCase {
  status: number;
  /** Parameters with a `value`; an entry's parameter without one matches anything. */
  values: [string, unknown][];
  /** Every parameter name the entry mentions, valued or not. */
  named: Set<string>;
  response: unknown;
}

/** An operation of a model with its static entries. */
export interface SandboxOperation {
  model: string;
  operationId: string;
  method: string;
  /** Path template split on '/', e.g. ['', 'orders', 'v0', 'orders', '{orderId}']. */
  segments: string[];
  parameters: ModelParameter[];
  cases: SandboxCase[];
}

/** What a request carries, in the terms the entries use. */
export interface SandboxRequest {
  pathParams: Record<string, string>;
  query: URLSearchParams;
  headers: Headers;
  /** Parsed JSON body, or undefined when there is none or it is not JSON. */
  body: unknown;
}

interface RawModel {
  paths: Record<
    string,
    Record<
      string,
      {
        operationId?: string;
        parameters?: ModelParameter[];
        responses?: Record<
          string,
          {
            'x-amzn-api-sandbox'?: {
              static?: { request?: { parameters?: Record<string, object> }; response?: unknown }[];
            };
          }
        >;
      }
    >
  >;
}

/** Reads every operation and static entry of the sandbox models (default: the repo's `spapi-models/`). */
export function loadStaticSandbox(
  dir: URL = new URL('../../spapi-models/', import.meta.url),
): SandboxOperation[] {
  const operations: SandboxOperation[] = [];
  for (const model of SANDBOX_MODELS) {
    const raw = JSON.parse(readFileSync(new URL(`${model}.json`, dir), 'utf8')) as RawModel;
    for (const [template, item] of Object.entries(raw.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!HTTP_METHODS.includes(method) || !op.operationId) continue;
        const cases: SandboxCase[] = [];
        for (const [status, response] of Object.entries(op.responses ?? {})) {
          for (const entry of response['x-amzn-api-sandbox']?.static ?? []) {
            const parameters = entry.request?.parameters ?? {};
            cases.push({
              status: Number(status),
              values: Object.entries(parameters)
                .filter(([, p]) => 'value' in p)
                .map(([name, p]) => [name, (p as { value: unknown }).value]),
              named: new Set(Object.keys(parameters)),
              response: entry.response,
            });
          }
        }
        operations.push({
          model,
          operationId: op.operationId,
          method: method.toUpperCase(),
          segments: template.split('/'),
          parameters: op.parameters ?? [],
          cases,
        });
      }
    }
  }
  return operations;
}

/** The operation a method and (raw) path belong to, with its decoded path parameters. */
export function findSandboxOperation(
  operations: SandboxOperation[],
  method: string,
  pathname: string,
): { operation: SandboxOperation; pathParams: Record<string, string> } | undefined {
  const parts = pathname.split('/');
  let best: { operation: SandboxOperation; pathParams: Record<string, string>; literals: number } | undefined;
  for (const operation of operations) {
    if (operation.method !== method.toUpperCase() || operation.segments.length !== parts.length) continue;
    const pathParams: Record<string, string> = {};
    let literals = 0;
    const matches = operation.segments.every((segment, i) => {
      const part = parts[i]!;
      const param = /^\{([^}]+)\}$/.exec(segment);
      if (!param) {
        literals += 1;
        return segment === part;
      }
      if (part === '') return false;
      pathParams[param[1]!] = safeDecode(part);
      return true;
    });
    // Literal segments beat parameters, as `/orders/v0/orders/{orderId}/orderItems` beats a template.
    if (matches && (!best || literals > best.literals)) best = { operation, pathParams, literals };
  }
  return best && { operation: best.operation, pathParams: best.pathParams };
}

/**
 * The entry a request matches: every valued parameter of the entry must equal the request's, and of
 * several matching entries the one pinning most parameters wins (a request with `NextToken` gets the
 * next-page entry, not the first-page one); ties go to the first in the model.
 */
export function matchStaticCase(
  operation: SandboxOperation,
  request: SandboxRequest,
  extraParameters: 'ignore' | 'reject' = 'ignore',
): SandboxCase | undefined {
  let best: SandboxCase | undefined;
  for (const candidate of operation.cases) {
    const matches = candidate.values.every(([name, expected]) =>
      parameterEquals(parameterNamed(operation, name), expected, request),
    );
    if (!matches) continue;
    if (extraParameters === 'reject' && hasExtraParameters(operation, candidate, request)) continue;
    if (!best || candidate.values.length > best.values.length) best = candidate;
  }
  return best;
}

/** Entries name the body parameter `body` even where the model calls it otherwise (Orders v0 `payload`). */
function parameterNamed(operation: SandboxOperation, name: string): ModelParameter {
  const declared = operation.parameters.find((p) => p.name === name);
  if (declared) return declared;
  if (name === 'body') return operation.parameters.find((p) => p.in === 'body') ?? { name, in: 'body' };
  return { name, in: 'query' };
}

function parameterEquals(param: ModelParameter, expected: unknown, request: SandboxRequest): boolean {
  switch (param.in) {
    case 'path':
      return request.pathParams[param.name] === String(expected);
    case 'header':
      return request.headers.get(param.name) === String(expected);
    case 'body':
    case 'formData':
      return jsonEquals(request.body, expected);
    case 'query': {
      const raw = request.query.getAll(param.name);
      if (raw.length === 0) return false;
      if (param.type !== 'array') return raw[0] === String(expected);
      const delimiter = DELIMITERS[param.collectionFormat ?? 'csv'];
      const actual = delimiter === undefined ? raw : raw.flatMap((v) => v.split(delimiter));
      const wanted = Array.isArray(expected) ? expected.map(String) : [String(expected)];
      return actual.length === wanted.length && actual.every((v, i) => v === wanted[i]);
    }
  }
}

function hasExtraParameters(
  operation: SandboxOperation,
  candidate: SandboxCase,
  request: SandboxRequest,
): boolean {
  for (const name of new Set(request.query.keys())) if (!candidate.named.has(name)) return true;
  const bodyName = operation.parameters.find((p) => p.in === 'body')?.name ?? 'body';
  return request.body !== undefined && !candidate.named.has(bodyName) && !candidate.named.has('body');
}

/** Structural JSON equality; key order does not matter. */
function jsonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => jsonEquals(v, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) =>
        Object.hasOwn(b, k) &&
        jsonEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** True for the sandbox hosts of https://developer-docs.amazon.com/sp-api/docs/sp-api-endpoints (port ignored). */
export function isSandboxHost(host: string | null | undefined): boolean {
  return host !== null && host !== undefined && SANDBOX_HOST.test(host);
}

/**
 * Serves the static sandbox on the sandbox hosts; other hosts, and paths no model declares, go on to
 * the rest of the simulator. Must be registered before the SP-API operations (app.ts), because Hono
 * runs handlers in registration order.
 */
export function registerStaticSandbox(app: Hono<SimEnv>, ctx: SimContext): void {
  const operations = loadStaticSandbox();
  const sandbox: MiddlewareHandler<SimEnv> = async (c, next) => {
    const url = new URL(c.req.url);
    if (!isSandboxHost(c.req.header('host') ?? url.host)) return next();
    const found = findSandboxOperation(operations, c.req.method, url.pathname);
    if (!found) return next();
    return serveSandboxCall(c, ctx, found.operation, found.pathParams, url);
  };
  app.use('*', sandbox);
}

async function serveSandboxCall(
  c: Context<SimEnv>,
  ctx: SimContext,
  operation: SandboxOperation,
  pathParams: Record<string, string>,
  url: URL,
): Promise<Response> {
  const log = (status: number, token: SimAccessToken | undefined, note: string) =>
    logSandboxCall(c, ctx, operation, status, token, note);

  // https://developer-docs.amazon.com/sp-api/docs/sp-api-endpoints: sandbox calls still need a real LWA access token; §5.3 gives the 403 wording.
  const presented = c.req.header('x-amz-access-token');
  const token = presented ? ctx.state.accessTokens.get(presented) : undefined;
  if (!presented || !token || accessTokenExpired(ctx, token)) {
    const details = !presented
      ? ACCESS_DETAILS.missing
      : !token
        ? ACCESS_DETAILS.invalid
        : ACCESS_DETAILS.expired;
    const status = presented ? 403 : ctx.config.missingTokenStatus;
    log(status, token, 'sandbox:unauthorized');
    return spapiError(c, status, 'Unauthorized', ACCESS_DENIED, details);
  }

  // https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits: per operation and per selling-partner + app pair; grantless calls count per app.
  const owner = sellingPartnerOf(ctx, token) ?? token.appId;
  const key = bucketKey(owner, token.appId, `sandbox:${operation.model}:${operation.operationId}`);
  if (!takeToken(ctx, key, SANDBOX_PLAN)) {
    log(429, token, 'sandbox:throttled');
    return spapiError(c, 429, 'QuotaExceeded', 'You exceeded your quota for the requested resource.');
  }

  const text = c.req.method === 'GET' ? '' : await c.req.text();
  const request: SandboxRequest = {
    pathParams,
    query: url.searchParams,
    headers: c.req.raw.headers,
    body: parseJson(text),
  };
  const matched = matchStaticCase(operation, request, ctx.config.sandboxExtraParameters);
  const status = matched?.status ?? 400;
  c.header('x-amzn-RequestId', c.env.requestId);
  // https://developer-docs.amazon.com/sp-api/docs/response-format: the rate header goes only on 20x, 400 and 404.
  if ((status >= 200 && status < 300) || status === 400 || status === 404) {
    const rate = SANDBOX_PLAN.rate * (ctx.config.rateLimitHeaderScaled ? ctx.config.speed : 1);
    c.header('x-amzn-RateLimit-Limit', formatRateLimit(rate));
  }
  log(status, token, matched ? 'sandbox' : 'sandbox:no-match');
  if (!matched) {
    // The real sandbox's answer to unmatched parameters [OBSERVED in SDK issue threads].
    return spapiError(c, 400, 'InvalidInput', 'Could not match input arguments', '');
  }
  if (matched.status === 204 || matched.response === undefined) return c.body(null, matched.status as 204);
  return c.json(matched.response, matched.status as ContentfulStatusCode);
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function sellingPartnerOf(ctx: SimContext, token: SimAccessToken): string | undefined {
  return token.authorizationId === undefined
    ? undefined
    : ctx.state.authorizations.get(token.authorizationId)?.sellingPartnerId;
}

function logSandboxCall(
  c: Context<SimEnv>,
  ctx: SimContext,
  operation: SandboxOperation,
  status: number,
  token: SimAccessToken | undefined,
  note: string,
): void {
  const sellingPartnerId = token && sellingPartnerOf(ctx, token);
  logRequest(ctx, {
    requestId: c.env.requestId,
    method: c.req.method,
    path: c.req.path,
    region: c.env.region,
    operation: simulatorOperationId(operation),
    status,
    ...(token ? { appId: token.appId } : {}),
    ...(sellingPartnerId ? { sellingPartnerId } : {}),
    note,
  });
}

/** The simulator calls Orders v0 getOrder `getOrderV0` (spapi/usage-plans.ts); the rest keep Amazon's ids. */
function simulatorOperationId(operation: SandboxOperation): string {
  return operation.model === 'ordersV0' && operation.operationId === 'getOrder'
    ? 'getOrderV0'
    : operation.operationId;
}
