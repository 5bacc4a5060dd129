import { describe, expect, it } from 'vitest';
import { createManualClock, SECOND } from '../../src/kernel/clock.js';
import { createSimulator } from '../../src/simulator/app.js';
import type { SimulatorConfig } from '../../src/simulator/config.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import { authorize, issueAccessToken } from '../../src/simulator/world.js';
import {
  loadSpApiSchemas,
  staticCaseRequest,
  type OperationInfo,
  type StaticCase,
} from '../support/spapi-schemas.js';

/**
 * The static sandbox (https://developer-docs.amazon.com/sp-api/docs/sp-api-endpoints) replays every `x-amzn-api-sandbox.static` case of the vendored models
 * on the sandbox hosts, and every canned body validates against the model's schema for its status.
 */

const schemas = loadSpApiSchemas();
const SANDBOX_NA = 'https://sandbox.sellingpartnerapi-na.amazon.com';
const START = Date.UTC(2026, 10, 22, 12, 0, 0);

/**
 * Amazon's own canned bodies that do not validate against Amazon's own schema, with the exact errors.
 * The sandbox returns them byte for byte (that is what Amazon's sandbox answers); listing the errors
 * here keeps the validation strict and makes any change in the models visible.
 */
const AMAZON_EXAMPLE_ERRORS: Record<string, string[]> = {
  'sellers getAccount #0': [
    "/payload/marketplaceParticipationList/0/marketplace: must have required property 'defaultCurrencyCode'",
    "/payload/marketplaceParticipationList/0/marketplace: must have required property 'defaultLanguageCode'",
  ],
};

/**
 * Cases whose request is identical to an earlier case's, so a client can never reach them: the
 * earlier case answers. Amazon's getAccount lists a 200 and a 400 case, both with no parameters.
 */
const SHADOWED: Record<string, string> = { 'sellers getAccount #1': 'sellers getAccount #0' };

const caseName = (op: OperationInfo, c: StaticCase) => `${op.model} ${op.operationId} #${c.index}`;

function requestKey(op: OperationInfo, c: StaticCase): string {
  const r = staticCaseRequest(op, c);
  return `${r.method} ${r.url} ${r.body ?? ''}`;
}

/** Every case, with the case that must answer it (itself unless an earlier case has the same request). */
const CASES = schemas.operations().flatMap((op) =>
  op.staticCases.map((c) => {
    const first = op.staticCases.find((other) => requestKey(op, other) === requestKey(op, c))!;
    return { name: caseName(op, c), op, staticCase: c, answeredBy: first };
  }),
);

function world(config: Partial<SimulatorConfig> = {}) {
  const clock = createManualClock(START);
  const realClock = createManualClock(1_000_000);
  const sim = createSimulator({ clock, realClock, config });
  seedDemo(sim.ctx, { redirectUris: ['https://app.example.com/callback'] });
  const app = DEMO.publishedApp;
  const authorization = authorize(sim.ctx, {
    appId: app.appId,
    sellingPartnerId: 'A1DEMOSELLERNA',
    kind: 'oauth',
  });
  const userToken = issueAccessToken(sim.ctx, {
    kind: 'user',
    clientId: app.clientId,
    appId: app.appId,
    authorizationId: authorization.id,
  }).token;
  const grantlessToken = issueAccessToken(sim.ctx, {
    kind: 'grantless',
    clientId: app.clientId,
    appId: app.appId,
    scope: 'sellingpartnerapi::client_credential:rotation',
  }).token;
  const send = (url: string, init: RequestInit & { token?: string | null } = {}) => {
    const { token = userToken, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token !== null) headers.set('x-amz-access-token', token);
    return sim.fetch(new Request(url, { ...rest, headers }));
  };
  return { sim, clock, realClock, userToken, grantlessToken, send };
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

describe('static sandbox: wiring', () => {
  it('is served by createSimulator (registerStaticSandbox registered in app.ts before the operations)', async () => {
    const { sim, send } = world();
    await send(`${SANDBOX_NA}/sellers/v1/marketplaceParticipations`);
    expect(
      sim.ctx.state.requestLog.at(-1)?.note,
      'app.ts must call registerStaticSandbox(app, ctx) before registerOperations(...)',
    ).toBe('sandbox');
  });
});

describe('static sandbox: every static case of the vendored models', () => {
  it('lists the cases of all vendored models, including every operation the simulator implements', () => {
    const names = new Set(CASES.map((c) => `${c.op.model} ${c.op.operationId}`));
    for (const expected of [
      'sellers getMarketplaceParticipations',
      'sellers getAccount',
      'orders_2026-01-01 searchOrders',
      'orders_2026-01-01 getOrder',
      'ordersV0 getOrders',
      'ordersV0 getOrder',
      'ordersV0 getOrderItems',
      'listingsItems_2021-08-01 getListingsItem',
      'listingsItems_2021-08-01 putListingsItem',
      'listingsItems_2021-08-01 patchListingsItem',
      'listingsItems_2021-08-01 deleteListingsItem',
      'listingsItems_2021-08-01 searchListingsItems',
      'tokens_2021-03-01 createRestrictedDataToken',
      'application_2023-11-30 rotateApplicationClientSecret',
      'reports_2021-06-30 getReports',
      'reports_2021-06-30 createReport',
      'reports_2021-06-30 getReport',
      'reports_2021-06-30 cancelReport',
      'reports_2021-06-30 getReportSchedules',
      'reports_2021-06-30 createReportSchedule',
      'reports_2021-06-30 getReportSchedule',
      'reports_2021-06-30 cancelReportSchedule',
      'reports_2021-06-30 getReportDocument',
    ]) {
      expect(names).toContain(expected);
    }
    const shadowed = Object.fromEntries(
      CASES.filter((c) => c.answeredBy !== c.staticCase).map((c) => [c.name, caseName(c.op, c.answeredBy)]),
    );
    expect(shadowed).toEqual(SHADOWED);
  });

  it.each(CASES)('$name', async ({ name, op, answeredBy }) => {
    const { send } = world();
    const request = staticCaseRequest(op, answeredBy);
    const res = await send(`${SANDBOX_NA}${request.url}`, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    const body = await readBody(res);

    expect(res.status).toBe(answeredBy.status);
    if (answeredBy.status === 204) expect(body).toBeUndefined();
    else expect(body).toEqual(answeredBy.response);
    expect(res.headers.get('x-amzn-RateLimit-Limit')).toBe('5.0');
    expect(res.headers.get('x-amzn-RequestId')).toBeTruthy();

    const result = schemas.validateResponse(
      { model: op.model, operationId: op.operationId },
      res.status,
      body,
    );
    const answeredName = caseName(op, answeredBy);
    expect(result.errors, `${name} answered by ${answeredName}`).toEqual(
      AMAZON_EXAMPLE_ERRORS[answeredName] ?? [],
    );
  });
});

describe('static sandbox: matching', () => {
  it('answers unmatched parameters with 400 InvalidInput "Could not match input arguments"', async () => {
    const { send } = world();
    const res = await send(
      `${SANDBOX_NA}/orders/v0/orders?CreatedAfter=2026-01-01T00:00:00Z&MarketplaceIds=ATVPDKIKX0DER`,
    );
    const body = await readBody(res);
    expect(res.status).toBe(400);
    expect(body).toEqual({
      errors: [{ code: 'InvalidInput', message: 'Could not match input arguments', details: '' }],
    });
    expect(
      schemas.validateResponse({ model: 'ordersV0', operationId: 'getOrders' }, 400, body).errors,
    ).toEqual([]);
  });

  it('compares array parameters element by element, in order', async () => {
    const { send } = world();
    const exact = await send(
      `${SANDBOX_NA}/orders/v0/orders?CreatedAfter=TEST_CASE_200&MarketplaceIds=ATVPDKIKX0DER`,
    );
    expect(exact.status).toBe(200);
    const extraId = await send(
      `${SANDBOX_NA}/orders/v0/orders?CreatedAfter=TEST_CASE_200&MarketplaceIds=ATVPDKIKX0DER,A2EUQ1WTGCTBG2`,
    );
    expect(extraId.status).toBe(400);
  });

  it('picks the entry that pins the most parameters (the next page when NextToken is sent)', async () => {
    const { send } = world();
    const base = `${SANDBOX_NA}/orders/v0/orders?CreatedAfter=TEST_CASE_200_NEXT_TOKEN&MarketplaceIds=ATVPDKIKX0DER`;
    const first = (await readBody(await send(base))) as { payload: { NextToken?: string } };
    expect(first.payload.NextToken).toBe('2YgYW55IGNhcm5hbCBwbGVhc3VyZS4');
    const second = (await readBody(await send(`${base}&NextToken=${first.payload.NextToken}`))) as {
      payload: { NextToken?: string };
    };
    expect(second.payload.NextToken).toBeUndefined();
  });

  it('matches a JSON body structurally, whatever the key order', async () => {
    const { send } = world();
    const res = await send(`${SANDBOX_NA}/tokens/2021-03-01/restrictedDataToken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        restrictedResources: [{ path: '/orders/v0/orders/{orderId}/address', method: 'GET' }],
        targetApplication: 'amzn1.sellerapps.app.target-application',
      }),
    });
    expect(res.status).toBe(200);
    const body = (await readBody(res)) as { restrictedDataToken: string };
    expect(body.restrictedDataToken).toMatch(/^Atz\.sprdt\|/);
  });

  it('ignores parameters an entry does not name by default, and refuses them when configured to', async () => {
    const url = `${SANDBOX_NA}/orders/v0/orders?CreatedAfter=TEST_CASE_200&MarketplaceIds=ATVPDKIKX0DER&MaxResultsPerPage=10`;
    expect((await world().send(url)).status).toBe(200);
    expect((await world({ sandboxExtraParameters: 'reject' }).send(url)).status).toBe(400);
  });

  it('serves the EU and FE sandbox hosts too, also when named only by the Host header', async () => {
    const { send } = world();
    const eu = await send('https://sandbox.sellingpartnerapi-eu.amazon.com/orders/v0/orders/TEST_CASE_200');
    expect(eu.status).toBe(200);
    const fe = await send('http://127.0.0.1:4000/orders/v0/orders/TEST_CASE_200', {
      headers: { host: 'sandbox.sellingpartnerapi-fe.amazon.com:443' },
    });
    expect(fe.status).toBe(200);
    expect(await readBody(fe)).toMatchObject({ payload: { AmazonOrderId: '902-1845936-5435065' } });
  });

  it('leaves production hosts and paths the models do not declare to the rest of the simulator', async () => {
    const { sim, send } = world();
    const canned = schemas.operation({ model: 'ordersV0', operationId: 'getOrder' }).staticCases[0]!.response;
    const production = await send('https://sellingpartnerapi-na.amazon.com/orders/v0/orders/TEST_CASE_200');
    expect(await readBody(production)).not.toEqual(canned);
    const unknownPath = await send(`${SANDBOX_NA}/feeds/2021-06-30/feeds`);
    expect(unknownPath.status).toBe(404);
    expect(sim.ctx.state.requestLog.filter((e) => e.note?.startsWith('sandbox'))).toEqual([]);
  });

  it('logs sandbox calls with the simulator operation id', async () => {
    const { sim, send } = world();
    await send(`${SANDBOX_NA}/orders/v0/orders/TEST_CASE_200`);
    expect(sim.ctx.state.requestLog.at(-1)).toMatchObject({
      operation: 'getOrderV0',
      status: 200,
      note: 'sandbox',
      sellingPartnerId: 'A1DEMOSELLERNA',
      appId: DEMO.publishedApp.appId,
    });
  });
});

describe('static sandbox: access tokens and throttling', () => {
  const url = `${SANDBOX_NA}/sellers/v1/marketplaceParticipations`;
  const ref = { model: 'sellers', operationId: 'getMarketplaceParticipations' } as const;

  it('needs a valid access token, with the 403 wording of https://developer-docs.amazon.com/sp-api/docs/response-format', async () => {
    const { clock, send } = world();
    const cases: [string | null, string][] = [
      [null, 'Access token is missing in the request header.'],
      [
        'Atza|not-issued-by-this-simulator',
        'The access token you provided is revoked, malformed or invalid.',
      ],
    ];
    for (const [token, details] of cases) {
      const res = await send(url, { token });
      const body = await readBody(res);
      expect(res.status).toBe(403);
      expect(res.headers.get('x-amzn-RateLimit-Limit')).toBeNull();
      expect(body).toEqual({
        errors: [{ code: 'Unauthorized', message: 'Access to requested resource is denied.', details }],
      });
      expect(schemas.validateResponse(ref, 403, body).errors).toEqual([]);
    }
    clock.advance(3600 * SECOND);
    const expired = await send(url);
    expect(expired.status).toBe(403);
    expect(await readBody(expired)).toMatchObject({
      errors: [{ details: 'The access token you provided has expired.' }],
    });
  });

  it('accepts a grantless token as well as a seller token', async () => {
    const { grantlessToken, send } = world();
    const res = await send(url, { token: grantlessToken });
    expect(res.status).toBe(200);
  });

  it('throttles at rate 5, burst 15 per operation (https://developer-docs.amazon.com/sp-api/docs/sp-api-endpoints), refilling with real time', async () => {
    const { realClock, send } = world();
    for (let i = 0; i < 15; i++) expect((await send(url)).status).toBe(200);
    const throttled = await send(url);
    const body = await readBody(throttled);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('x-amzn-RateLimit-Limit')).toBeNull();
    expect(body).toEqual({
      errors: [{ code: 'QuotaExceeded', message: 'You exceeded your quota for the requested resource.' }],
    });
    expect(schemas.validateResponse(ref, 429, body).errors).toEqual([]);
    // Another operation has its own bucket.
    expect((await send(`${SANDBOX_NA}/sellers/v1/account`)).status).toBe(200);
    realClock.advance(200);
    expect((await send(url)).status).toBe(200);
    expect((await send(url)).status).toBe(429);
  });
});
