/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   reply bodies are parsed JSON that the tests inspect freely. */
import { describe, expect, it } from 'vitest';
import { HOUR } from '../../src/kernel/clock.js';
import { addApp, issueAccessToken } from '../../src/simulator/world.js';
import { START, expectModelValid, setup, type World } from './listings-fixtures.js';

const PATH = '/tokens/2021-03-01/restrictedDataToken';

async function rdt(w: World, body: unknown, token?: string) {
  const reply = await w.call('POST', PATH, body, token);
  expectModelValid('createRestrictedDataToken', reply);
  return reply;
}

const resource = (method: string, path: string, dataElements?: string[]) => ({
  method,
  path,
  ...(dataElements ? { dataElements } : {}),
});

describe('createRestrictedDataToken', () => {
  it('issues an RDT for a generic path, valid for one hour and bound to the seller', async () => {
    const w = setup();
    const reply = await rdt(w, {
      restrictedResources: [resource('GET', '/orders/v0/orders/{orderId}/address')],
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      restrictedDataToken: expect.stringMatching(/^Atz\.sprdt\|/),
      expiresIn: 3600,
    });
    const stored = w.ctx.state.accessTokens.get(reply.body.restrictedDataToken)!;
    const caller = w.ctx.state.accessTokens.get(w.token)!;
    expect(stored).toMatchObject({
      kind: 'rdt',
      appId: w.app.appId,
      clientId: w.app.clientId,
      authorizationId: caller.authorizationId,
      issuedAt: START,
      expiresAt: START + HOUR,
      restrictedResources: [{ method: 'GET', path: '/orders/v0/orders/{orderId}/address' }],
    });
  });

  it('accepts specific paths, dataElements for the Orders operations, and up to 50 resources', async () => {
    const w = setup();
    const specific = await rdt(w, {
      restrictedResources: [
        resource('GET', '/orders/v0/orders/902-1845936-5435065/address'),
        resource('GET', '/orders/v0/orders', ['buyerInfo', 'shippingAddress']),
        resource('GET', '/orders/v0/orders/902-1845936-5435065/orderItems', ['buyerInfo']),
        resource('GET', '/mfn/v0/shipments/FBA1234ABC5D'),
        resource('GET', '/reports/2021-06-30/documents/amzn1.spdoc.1.4.na.abc'),
      ],
    });
    expect(specific.status).toBe(200);
    const token = w.ctx.state.accessTokens.get(specific.body.restrictedDataToken)!;
    expect(token.restrictedResources?.[1]).toEqual({
      method: 'GET',
      path: '/orders/v0/orders',
      dataElements: ['buyerInfo', 'shippingAddress'],
    });
    const fifty = Array.from({ length: 50 }, (_, i) =>
      resource('GET', `/orders/v0/orders/902-0000000-${String(i).padStart(7, '0')}/address`),
    );
    expect((await rdt(w, { restrictedResources: fifty })).status).toBe(200);
  });

  it.each([
    ['no resources', { restrictedResources: [] }, 'Empty target resource argument found', ''],
    ['a missing resource list', { targetApplication: null }, 'Empty target resource argument found', ''],
    [
      'a resource list that is not an array',
      { restrictedResources: 'GET /orders' },
      'Invalid Input',
      "'restrictedResources' must be an array.",
    ],
    [
      '51 resources',
      {
        restrictedResources: Array.from({ length: 51 }, () =>
          resource('GET', '/orders/v0/orders/{orderId}/address'),
        ),
      },
      'Invalid Input',
      "'restrictedResources' may hold at most 50 resources.",
    ],
    // The model's own 400 example.
    [
      'an empty method',
      { restrictedResources: [resource('', '/orders/v1/orders/902-1845936-5435065/address')] },
      'Request is missing or has invalid parameters',
      'Resource not provided.',
    ],
    [
      'an unknown method',
      { restrictedResources: [resource('PATCH', '/orders/v0/orders/{orderId}/address')] },
      'Request is missing or has invalid parameters',
      'Resource not provided.',
    ],
    [
      'a missing path',
      { restrictedResources: [{ method: 'GET' }] },
      'Request is missing or has invalid parameters',
      'Resource not provided.',
    ],
    [
      'a path that is not restricted',
      { restrictedResources: [resource('GET', '/listings/2021-08-01/items/A1/SKU')] },
      'Application do not have access to some or all requested resource',
      '',
    ],
    [
      'a method that does not fit the path',
      { restrictedResources: [resource('POST', '/orders/v0/orders/{orderId}/address')] },
      'Application do not have access to some or all requested resource',
      '',
    ],
    [
      'getOrders without dataElements',
      { restrictedResources: [resource('GET', '/orders/v0/orders')] },
      'Application do not have access to some or all requested resource',
      '',
    ],
    [
      'dataElements on an address path',
      { restrictedResources: [resource('GET', '/orders/v0/orders/{orderId}/address', ['shippingAddress'])] },
      'Invalid Input',
      "'dataElements' is only accepted for getOrders, getOrder and getOrderItems.",
    ],
    [
      'an unknown data element',
      { restrictedResources: [resource('GET', '/orders/v0/orders', ['buyerEmail'])] },
      'Invalid Input',
      "'dataElements' may hold only buyerInfo, shippingAddress, buyerTaxInformation.",
    ],
    [
      'a generic report document path',
      { restrictedResources: [resource('GET', '/reports/2021-06-30/documents/{reportDocumentId}')] },
      'Invalid or unsupported document ID found',
      '',
    ],
    [
      'an unknown targetApplication',
      {
        targetApplication: 'amzn1.sellerapps.app.nope',
        restrictedResources: [resource('GET', '/orders/v0/orders/{orderId}/address')],
      },
      'Invalid Input',
      "Unknown 'targetApplication'.",
    ],
    ['a body that is not an object', ['GET'], 'Invalid Input', 'The request body must be a JSON object.'],
  ])('answers 400 InvalidInput for %s', async (_what, body, message, details) => {
    const w = setup();
    const before = w.ctx.state.accessTokens.size;
    const reply = await rdt(w, body);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ errors: [{ code: 'InvalidInput', message, details }] });
    expect(w.ctx.state.accessTokens.size).toBe(before);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const w = setup();
    const reply = await rdt(w, '{"restrictedResources": [');
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0]).toMatchObject({ code: 'InvalidInput', message: 'Invalid Input' });
  });

  it('issues a delegated RDT for a targetApplication', async () => {
    const w = setup();
    const delegatee = addApp(w.ctx, {
      name: 'Shipping Partner',
      status: 'published',
      redirectUris: ['https://s.example/cb'],
    });
    const reply = await rdt(w, {
      targetApplication: delegatee.appId,
      restrictedResources: [resource('GET', '/orders/v0/orders/{orderId}/address')],
    });
    expect(reply.status).toBe(200);
    expect(w.ctx.state.accessTokens.get(reply.body.restrictedDataToken)).toMatchObject({
      appId: delegatee.appId,
      clientId: delegatee.clientId,
    });
  });

  it('checks restricted roles when rdtRequiresRestrictedRoles is on', async () => {
    const w = setup({ rdtRequiresRestrictedRoles: true });
    const address = { restrictedResources: [resource('GET', '/orders/v0/orders/{orderId}/address')] };
    const refused = await rdt(w, address);
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].message).toBe(
      'Application do not have access to some or all requested resource',
    );
    w.app.roles.push('Direct-to-Consumer Shipping (Restricted)');
    expect((await rdt(w, address)).status).toBe(200);
    const buyer = { restrictedResources: [resource('GET', '/orders/v0/orders', ['buyerInfo'])] };
    expect((await rdt(w, buyer)).status).toBe(400);
    w.app.roles.push('Tax Invoicing (Restricted)');
    expect((await rdt(w, buyer)).status).toBe(200);
  });

  it('refuses grantless tokens and RDTs as callers', async () => {
    const w = setup();
    const body = { restrictedResources: [resource('GET', '/orders/v0/orders/{orderId}/address')] };
    const grantless = issueAccessToken(w.ctx, {
      kind: 'grantless',
      clientId: w.app.clientId,
      appId: w.app.appId,
      scope: 'sellingpartnerapi::notifications',
    }).token;
    expect((await rdt(w, body, grantless)).status).toBe(403);
    const first = await rdt(w, body);
    expect((await rdt(w, body, first.body.restrictedDataToken)).status).toBe(403);
  });
});
