import { afterAll, describe, expect, it } from 'vitest';
import { HOUR } from '../../src/kernel/clock.js';
import { DEMO } from '../../src/simulator/seed.js';
import { addApp, issueAccessToken, revokeAuthorization } from '../../src/simulator/world.js';
import { createConformanceRecorder, type CheckedResponse } from '../support/spapi-schemas.js';
import { controlRequest } from '../support/sim-control.js';
import {
  createConformanceWorld,
  describeCall,
  implementedOperations,
  modelOperation,
  ROTATION_SCOPE,
  SELLERS,
  schemas,
  US,
  type ConformanceWorld,
} from './conformance-fixtures.js';

/**
 * Every SP-API response of the simulator validates against Amazon's model schema for its operation
 * and status. This file covers what every operation shares (403 variants, 429, 500, 503) and the
 * Sellers, Tokens and Application Management operations; conformance-orders,
 * conformance-listings and conformance-reports cover their APIs.
 */

const recorder = createConformanceRecorder(schemas);
const world = (config = {}) => createConformanceWorld(recorder, config);

/** The operations the simulator must implement (the task's list), by simulator operation id. */
const EXPECTED_OPERATIONS = [
  'getMarketplaceParticipations',
  'searchOrders',
  'getOrder',
  'getOrders',
  'getOrderV0',
  'getOrderItems',
  'getOrderAddress',
  'getOrderBuyerInfo',
  'getOrderItemsBuyerInfo',
  'getListingsItem',
  'putListingsItem',
  'patchListingsItem',
  'deleteListingsItem',
  'searchListingsItems',
  'createRestrictedDataToken',
  'rotateApplicationClientSecret',
  'getReports',
  'createReport',
  'getReport',
  'cancelReport',
  'getReportDocument',
  'getReportSchedules',
  'createReportSchedule',
  'getReportSchedule',
  'cancelReportSchedule',
];

const ITEM = `/listings/2021-08-01/items/${SELLERS.NA}/CONFORMANCE-1?marketplaceIds=${US}`;
const ORDER_ID = '111-0000000-0000000';

/**
 * A plausible call of each operation, for the checks every operation shares. `rdt`: the operation
 * answers only to a Restricted Data Token, so the sample's own token is one covering its path.
 */
const SAMPLES: Record<
  string,
  { method: string; path: string; body?: unknown; grantless?: true; rdt?: true }
> = {
  getMarketplaceParticipations: { method: 'GET', path: '/sellers/v1/marketplaceParticipations' },
  getAccount: { method: 'GET', path: '/sellers/v1/account' },
  searchOrders: {
    method: 'GET',
    path: `/orders/2026-01-01/orders?createdAfter=2026-11-01T00:00:00Z&marketplaceIds=${US}`,
  },
  getOrder: { method: 'GET', path: `/orders/2026-01-01/orders/${ORDER_ID}` },
  getOrders: {
    method: 'GET',
    path: `/orders/v0/orders?MarketplaceIds=${US}&CreatedAfter=2026-11-01T00:00:00Z`,
  },
  getOrderV0: { method: 'GET', path: `/orders/v0/orders/${ORDER_ID}` },
  getOrderItems: { method: 'GET', path: `/orders/v0/orders/${ORDER_ID}/orderItems` },
  getOrderAddress: { method: 'GET', path: `/orders/v0/orders/${ORDER_ID}/address`, rdt: true },
  getOrderBuyerInfo: { method: 'GET', path: `/orders/v0/orders/${ORDER_ID}/buyerInfo`, rdt: true },
  getOrderItemsBuyerInfo: {
    method: 'GET',
    path: `/orders/v0/orders/${ORDER_ID}/orderItems/buyerInfo`,
    rdt: true,
  },
  getListingsItem: { method: 'GET', path: ITEM },
  putListingsItem: {
    method: 'PUT',
    path: ITEM,
    body: { productType: 'HOME', attributes: { item_name: [{ value: 'Mug', language_tag: 'en_US' }] } },
  },
  patchListingsItem: {
    method: 'PATCH',
    path: ITEM,
    body: {
      productType: 'HOME',
      patches: [
        { op: 'replace', path: '/attributes/item_name', value: [{ value: 'Mug', language_tag: 'en_US' }] },
      ],
    },
  },
  deleteListingsItem: { method: 'DELETE', path: ITEM },
  searchListingsItems: {
    method: 'GET',
    path: `/listings/2021-08-01/items/${SELLERS.NA}?marketplaceIds=${US}`,
  },
  createRestrictedDataToken: {
    method: 'POST',
    path: '/tokens/2021-03-01/restrictedDataToken',
    body: { restrictedResources: [{ method: 'GET', path: '/orders/v0/orders/{orderId}/address' }] },
  },
  rotateApplicationClientSecret: {
    method: 'POST',
    path: '/applications/2023-11-30/clientSecret',
    grantless: true,
  },
  getReports: { method: 'GET', path: '/reports/2021-06-30/reports?reportTypes=GET_SALES_AND_TRAFFIC_REPORT' },
  createReport: {
    method: 'POST',
    path: '/reports/2021-06-30/reports',
    body: { reportType: 'GET_SALES_AND_TRAFFIC_REPORT', marketplaceIds: [US] },
  },
  getReport: { method: 'GET', path: '/reports/2021-06-30/reports/12345678901' },
  cancelReport: { method: 'DELETE', path: '/reports/2021-06-30/reports/12345678901' },
  getReportDocument: { method: 'GET', path: '/reports/2021-06-30/documents/amzn1.spdoc.1.4.na.unknown.1' },
  getReportSchedules: {
    method: 'GET',
    path: '/reports/2021-06-30/schedules?reportTypes=GET_SALES_AND_TRAFFIC_REPORT',
  },
  createReportSchedule: {
    method: 'POST',
    path: '/reports/2021-06-30/schedules',
    body: { reportType: 'GET_SALES_AND_TRAFFIC_REPORT', marketplaceIds: [US], period: 'P1D' },
  },
  getReportSchedule: { method: 'GET', path: '/reports/2021-06-30/schedules/12345678901' },
  cancelReportSchedule: { method: 'DELETE', path: '/reports/2021-06-30/schedules/12345678901' },
};

const implemented = implementedOperations();
const IMPLEMENTED = [...implemented].sort();

/** An RDT of the demo app for the region's seller, covering one method and path. */
function rdtFor(w: ConformanceWorld, method: string, path: string, region: 'NA' | 'EU' = 'NA'): string {
  const app = DEMO.publishedApp;
  return issueAccessToken(w.sim.ctx, {
    kind: 'rdt',
    clientId: app.clientId,
    appId: app.appId,
    authorizationId: w.authorizations[region].id,
    restrictedResources: [{ method, path: path.split('?')[0]! }],
  }).token;
}

function sample(w: ConformanceWorld, operationId: string, token?: string | null, region: 'NA' | 'EU' = 'NA') {
  const s = SAMPLES[operationId]!;
  const own = s.grantless ? w.tokens.grantless : s.rdt ? rdtFor(w, s.method, s.path, region) : w.tokens.NA;
  const auth = token !== undefined ? token : own;
  return w.call(s.method, s.path, { token: auth, region, ...(s.body === undefined ? {} : { body: s.body }) });
}

/** Asserts the status and that the body validates, with the call in the failure message. */
function expectConforms(r: CheckedResponse, status: number): void {
  expect(r.status, describeCall(r)).toBe(status);
  expect(r.errors, describeCall(r)).toEqual([]);
}

afterAll(() => {
  console.log(`conformance (shared statuses, sellers, tokens, applications):\n${recorder.summary()}`);
});

describe('conformance: the operations', () => {
  it('implements every operation of the task', () => {
    expect(EXPECTED_OPERATIONS.filter((id) => !implemented.has(id))).toEqual([]);
  });

  it('has a sample call and a model operation for every implemented operation', () => {
    expect(IMPLEMENTED.filter((id) => SAMPLES[id] === undefined)).toEqual([]);
    for (const id of IMPLEMENTED) expect(() => modelOperation(id)).not.toThrow();
  });
});

describe('conformance: 403 variants on every operation', () => {
  it.each(IMPLEMENTED)('%s', async (operationId) => {
    const w = world();
    const s = SAMPLES[operationId]!;
    const denied: CheckedResponse[] = [
      await sample(w, operationId, null),
      await sample(w, operationId, 'Atza|this-token-was-never-issued'),
      // A token of the wrong kind: user token for a grantless operation, grantless token otherwise.
      await sample(w, operationId, s.grantless ? w.tokens.NA : w.tokens.grantless),
    ];
    if (!s.grantless) {
      // Authorizations are regional (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow): the EU endpoint does not know an NA token.
      denied.push(await sample(w, operationId, w.tokens.NA, 'EU'));
      // An RDT that does not cover the call (a Merchant Fulfillment path the simulator does not serve).
      denied.push(await sample(w, operationId, rdtFor(w, 'GET', '/mfn/v0/shipments/{shipmentId}')));
      // The PII operations refuse the seller's regular access token (issue 18 D1).
      if (s.rdt) denied.push(await sample(w, operationId, w.tokens.NA));
      revokeAuthorization(w.sim.ctx, w.authorizations.NA.id);
      denied.push(await sample(w, operationId));
    }
    w.clock.advance(HOUR);
    denied.push(
      await sample(w, operationId, s.grantless ? w.tokens.grantless : w.tokens.EU, s.grantless ? 'NA' : 'EU'),
    );
    for (const r of denied) expectConforms(r, 403);
    expect(denied.every((r) => r.headers.get('x-amzn-RateLimit-Limit') === null)).toBe(true);
  });
});

describe('conformance: 429, 500 and 503 on every operation', () => {
  it.each(IMPLEMENTED)('%s', async (operationId) => {
    const w = world();
    let throttled: CheckedResponse | undefined;
    for (let i = 0; i < 40 && !throttled; i++) {
      const r = await sample(w, operationId);
      expect(r.errors, describeCall(r)).toEqual([]);
      if (r.status === 429) throttled = r;
    }
    expect(throttled, `${operationId} never answered 429`).toBeDefined();
    expectConforms(throttled!, 429);

    for (const kind of ['500', '503'] as const) {
      const rule = await w.sim.fetch(
        controlRequest(w.sim, 'http://sim.test/_sim/faults', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ operation: operationId, kind, share: 1, remaining: 1 }),
        }),
      );
      expect(rule.status).toBe(201);
      expectConforms(await sample(w, operationId), Number(kind));
    }
  });
});

describe('conformance: Sellers', () => {
  it.skipIf(!implemented.has('getMarketplaceParticipations'))(
    'getMarketplaceParticipations: 200 for the demo seller of each region',
    async () => {
      const w = world();
      for (const region of ['NA', 'EU', 'FE'] as const) {
        const r = await w.call('GET', '/sellers/v1/marketplaceParticipations', { region });
        expectConforms(r, 200);
        expect((r.body as { payload: unknown[] }).payload.length).toBeGreaterThan(0);
      }
    },
  );

  it.skipIf(!implemented.has('getAccount'))('getAccount: 200', async () => {
    expectConforms(await world().call('GET', '/sellers/v1/account'), 200);
  });
});

describe('conformance: Tokens createRestrictedDataToken', () => {
  const path = '/tokens/2021-03-01/restrictedDataToken';

  it.skipIf(!implemented.has('createRestrictedDataToken'))(
    '200 for generic and specific resources',
    async () => {
      const w = world();
      const resources = [
        [
          {
            method: 'GET',
            path: '/orders/v0/orders/{orderId}',
            dataElements: ['buyerInfo', 'shippingAddress'],
          },
        ],
        [{ method: 'GET', path: '/orders/v0/orders/111-2223334-4445556/address' }],
        [
          { method: 'GET', path: '/orders/v0/orders', dataElements: ['buyerInfo'] },
          { method: 'GET', path: '/orders/v0/orders/{orderId}/orderItems', dataElements: ['buyerInfo'] },
        ],
      ];
      for (const restrictedResources of resources) {
        const r = await w.call('POST', path, { body: { restrictedResources } });
        expectConforms(r, 200);
        const body = r.body as { restrictedDataToken: string; expiresIn: number };
        expect(body.restrictedDataToken).toMatch(/^Atz\.sprdt\|/);
        expect(body.expiresIn).toBe(3600);
      }
    },
  );

  it.skipIf(!implemented.has('createRestrictedDataToken'))('400 for bad requests', async () => {
    const w = world();
    const bodies: unknown[] = [
      '{not json',
      {},
      { restrictedResources: [] },
      { restrictedResources: [{ method: '', path: '/orders/v1/orders/902-1845936-5435065/address' }] },
      {
        restrictedResources: [
          { method: 'GET', path: '/orders/v0/orders/{orderId}', dataElements: ['email'] },
        ],
      },
      { restrictedResources: [{ method: 'GET', path: '/sellers/v1/account' }] },
    ];
    for (const body of bodies) expectConforms(await w.call('POST', path, { body }), 400);
  });
});

describe('conformance: Application Management rotateApplicationClientSecret', () => {
  const path = '/applications/2023-11-30/clientSecret';

  it.skipIf(!implemented.has('rotateApplicationClientSecret'))('204 with a grantless token', async () => {
    const w = world();
    const r = await w.call('POST', path, { token: w.tokens.grantless });
    expectConforms(r, 204);
    expect(r.body).toBeUndefined();
  });

  it.skipIf(!implemented.has('rotateApplicationClientSecret'))(
    '400 when the app has no destination for new-secret notifications',
    async () => {
      const w = world();
      const app = addApp(w.sim.ctx, {
        name: 'No notifications',
        status: 'published',
        redirectUris: ['https://x.example/cb'],
      });
      const token = issueAccessToken(w.sim.ctx, {
        kind: 'grantless',
        clientId: app.clientId,
        appId: app.appId,
        scope: ROTATION_SCOPE,
      }).token;
      expectConforms(await w.call('POST', path, { token }), 400);
    },
  );
});

describe('conformance: model properties', () => {
  it('sends no property the models do not declare (in any call of this file)', () => {
    const undeclared = recorder.calls.flatMap((c) =>
      c.undeclared.map((u) => `${c.operation} ${c.status} ${u}`),
    );
    expect([...new Set(undeclared)]).toEqual([]);
  });
});
