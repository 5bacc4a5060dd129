import type { Context } from 'hono';
import type { SimEnv } from '../context.js';
import { spapiError } from '../http.js';
import type { Region, SimApp } from '../state.js';
import { issueAccessToken } from '../world.js';
import type { SpApiOperation } from './operation.js';

/**
 * Tokens API 2021-03-01 `createRestrictedDataToken` (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide). A resource is the method and path of
 * a restricted operation, either specific (`/orders/v0/orders/902-…/address`) or generic
 * (`/orders/v0/orders/{orderId}/address`); `dataElements` belongs only to the three Orders operations
 * that take it. Error wordings are those seen from Amazon (issues in amzn/selling-partner-api-models).
 */

type Role = 'shipping' | 'tax';
interface RestrictedOperation {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Orders getOrders/getOrder/getOrderItems: dataElements required. */
  dataElements?: true;
  /** getReportDocument accepts only specific paths (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide). */
  specificOnly?: true;
  /** Restricted role the app needs (when `rdtRequiresRestrictedRoles`). */
  role?: Role;
}

const DF = '/vendor/directFulfillment';
const DF_PATHS = ['orders/v1/purchaseOrders', 'orders/2021-12-28/purchaseOrders'].concat(
  ['v1', '2021-12-28'].flatMap((v) =>
    ['shippingLabels', 'packingSlips', 'customerInvoices'].map((r) => `shipping/${v}/${r}`),
  ),
);

/** The restricted operations of the Tokens API use case guide (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide). */
export const RESTRICTED_OPERATIONS: readonly RestrictedOperation[] = [
  { method: 'GET', path: '/orders/v0/orders', dataElements: true },
  { method: 'GET', path: '/orders/v0/orders/{orderId}', dataElements: true },
  { method: 'GET', path: '/orders/v0/orders/{orderId}/orderItems', dataElements: true },
  { method: 'GET', path: '/orders/v0/orders/{orderId}/address', role: 'shipping' },
  { method: 'GET', path: '/orders/v0/orders/{orderId}/buyerInfo', role: 'tax' },
  { method: 'GET', path: '/orders/v0/orders/{orderId}/orderItems/buyerInfo', role: 'tax' },
  { method: 'GET', path: '/mfn/v0/shipments/{shipmentId}', role: 'shipping' },
  { method: 'POST', path: '/mfn/v0/shipments', role: 'shipping' },
  { method: 'DELETE', path: '/mfn/v0/shipments/{shipmentId}', role: 'shipping' },
  { method: 'PUT', path: '/mfn/v0/shipments/{shipmentId}/cancel', role: 'shipping' },
  { method: 'GET', path: '/shipping/v1/shipments/{shipmentId}', role: 'shipping' },
  { method: 'GET', path: '/fba/outbound/brazil/v0/shipments/{shipmentId}', role: 'tax' },
  ...DF_PATHS.flatMap((p): RestrictedOperation[] => [
    { method: 'GET', path: `${DF}/${p}`, role: 'shipping' },
    { method: 'GET', path: `${DF}/${p}/{purchaseOrderNumber}`, role: 'shipping' },
  ]),
  {
    method: 'GET',
    path: '/reports/2021-06-30/documents/{reportDocumentId}',
    specificOnly: true,
    role: 'tax',
  },
];

const DATA_ELEMENTS = ['buyerInfo', 'shippingAddress', 'buyerTaxInformation'];
const METHODS = ['GET', 'PUT', 'POST', 'DELETE'];
const MAX_RESOURCES = 50;

const NO_ACCESS = 'Application do not have access to some or all requested resource';

/**
 * Whether a requested path fits a template: `{x}` segments take `{x}` itself or one concrete value.
 * A trailing slash is ignored here: Amazon issues the RDT, which then covers no call (access.ts).
 */
function pathMatches(op: RestrictedOperation, path: string): 'generic' | 'specific' | null {
  const want = op.path.split('/');
  const got = path.replace(/\/+$/, '').split('/');
  if (want.length !== got.length) return null;
  let generic = false;
  for (const [i, w] of want.entries()) {
    const g = got[i]!;
    if (w.startsWith('{')) {
      if (g === w) generic = true;
      else if (g === '' || /[{}]/.test(g)) return null;
    } else if (w !== g) return null;
  }
  return generic ? 'generic' : 'specific';
}

const REGION_PREFIX: Record<Region, RegExp> = { NA: /^\/na(?=\/)/i, EU: /^\/eu(?=\/)/i, FE: /^\/fe(?=\/)/i };

/**
 * A resource path as Amazon would see it. The simulator serves every region on one origin under
 * `/na`, `/eu` and `/fe` (region.ts), and SDKs that build RDT resources from the request URL (Amazon's
 * JS SDK does) send that prefix along: the prefix of the caller's own region is not part of the
 * operation's path, so it is dropped. Host-header routing needs no prefix at all (docs/simulator.md).
 */
export function resourcePath(path: string, region: Region): string {
  return path.replace(REGION_PREFIX[region], '');
}

/** Whether the app holds the restricted role (role names as on the consent page). */
function hasRole(app: SimApp, role: Role): boolean {
  const names = role === 'shipping' ? ['Direct-to-Consumer Shipping'] : ['Tax Invoicing', 'Tax Remittance'];
  return app.roles.some((r) => names.some((n) => r.startsWith(n)));
}

interface Resource {
  method: string;
  path: string;
  dataElements?: string[];
}

/** Checks one resource; returns the 400 (message, details) or null when it is fine. */
function resourceProblem(
  raw: unknown,
  app: SimApp,
  checkRoles: boolean,
  region: Region,
): [string, string] | null {
  const r = raw as Partial<Record<keyof Resource, unknown>> | null;
  if (typeof r !== 'object' || r === null || typeof r.method !== 'string' || !METHODS.includes(r.method))
    return ['Request is missing or has invalid parameters', 'Resource not provided.'];
  if (typeof r.path !== 'string' || r.path === '')
    return ['Request is missing or has invalid parameters', 'Resource not provided.'];
  const path = resourcePath(r.path, region);
  const matched = RESTRICTED_OPERATIONS.flatMap((op) => {
    const how = op.method === r.method ? pathMatches(op, path) : null;
    return how ? [{ op, how }] : [];
  })[0];
  if (!matched) return [NO_ACCESS, ''];
  if (matched.op.specificOnly && matched.how === 'generic')
    return ['Invalid or unsupported document ID found', ''];
  const elements = r.dataElements;
  if (elements !== undefined && elements !== null) {
    if (!Array.isArray(elements) || elements.some((e) => typeof e !== 'string' || !DATA_ELEMENTS.includes(e)))
      return ['Invalid Input', `'dataElements' may hold only ${DATA_ELEMENTS.join(', ')}.`];
    if (!matched.op.dataElements && elements.length > 0)
      return ['Invalid Input', `'dataElements' is only accepted for getOrders, getOrder and getOrderItems.`];
  }
  const list = Array.isArray(elements) ? (elements as string[]) : [];
  // Without dataElements the Orders operations need no RDT, so Amazon refuses the resource.
  if (matched.op.dataElements && list.length === 0) return [NO_ACCESS, ''];
  if (checkRoles) {
    const roles: Role[] = matched.op.role ? [matched.op.role] : [];
    if (list.includes('shippingAddress')) roles.push('shipping');
    if (list.includes('buyerInfo') || list.includes('buyerTaxInformation')) roles.push('tax');
    if (roles.some((role) => !hasRole(app, role))) return [NO_ACCESS, ''];
  }
  return null;
}

function badRequest(c: Context<SimEnv>, message: string, details = ''): Response {
  return spapiError(c, 400, 'InvalidInput', message, details);
}

/** createRestrictedDataToken: seller-authorized, answers `{restrictedDataToken, expiresIn}`. */
export const tokensOperations: SpApiOperation[] = [
  {
    operationId: 'createRestrictedDataToken',
    method: 'POST',
    path: '/tokens/2021-03-01/restrictedDataToken',
    auth: { kind: 'seller' },
    async handle(c, call) {
      const { ctx } = call;
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        return badRequest(c, 'Invalid Input', 'The request body is not valid JSON.');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        return badRequest(c, 'Invalid Input', 'The request body must be a JSON object.');
      const { restrictedResources: resources, targetApplication } = body as Record<string, unknown>;
      if (resources !== undefined && !Array.isArray(resources))
        return badRequest(c, 'Invalid Input', "'restrictedResources' must be an array.");
      if (!resources || resources.length === 0) return badRequest(c, 'Empty target resource argument found');
      if (resources.length > MAX_RESOURCES)
        return badRequest(
          c,
          'Invalid Input',
          `'restrictedResources' may hold at most ${MAX_RESOURCES} resources.`,
        );
      let app = call.app;
      if (targetApplication !== undefined && targetApplication !== null) {
        const target =
          typeof targetApplication === 'string' ? ctx.state.apps.get(targetApplication) : undefined;
        if (!target) return badRequest(c, 'Invalid Input', `Unknown 'targetApplication'.`);
        app = target;
      }
      for (const resource of resources) {
        const problem = resourceProblem(resource, app, ctx.config.rdtRequiresRestrictedRoles, call.region);
        if (problem) return badRequest(c, problem[0], problem[1]);
      }
      const restrictedResources = (resources as Resource[]).map((r) => ({
        method: r.method,
        path: resourcePath(r.path, call.region),
        ...(Array.isArray(r.dataElements) && r.dataElements.length > 0
          ? { dataElements: [...r.dataElements] }
          : {}),
      }));
      const token = issueAccessToken(ctx, {
        kind: 'rdt',
        clientId: app.clientId,
        appId: app.appId,
        ...(call.authorization ? { authorizationId: call.authorization.id } : {}),
        restrictedResources,
      });
      return c.json({
        restrictedDataToken: token.token,
        expiresIn: Math.round((token.expiresAt - token.issuedAt) / 1000),
      });
    },
  },
];
