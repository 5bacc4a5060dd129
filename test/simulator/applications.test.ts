/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   reply bodies are parsed JSON that the tests inspect freely. */
import { describe, expect, it } from 'vitest';
import { DAY } from '../../src/kernel/clock.js';
import { NOT_ENROLLED } from '../../src/simulator/spapi/applications.js';
import { START, expectModelValid, send, setup, type World } from './listings-fixtures.js';

const ROTATE = '/applications/2023-11-30/clientSecret';
const SCOPE = 'sellingpartnerapi::client_credential:rotation';
const DESTINATION = 'https://queue.example/app-client-secret';

/** A destination stub standing in for the SQS queue: records deliveries and answers `status`. */
function destination(status: number | 'network-error' = 200) {
  const deliveries: { url: string; method: string; contentType: string | null; body: any }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  const stub: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    deliveries.push({
      url: request.url,
      method: request.method,
      contentType: request.headers.get('content-type'),
      body: JSON.parse(await request.text()),
    });
    if (status === 'network-error') throw new TypeError('fetch failed');
    return new Response('ok', { status });
  };
  return { stub, deliveries };
}

/** Asks LWA for a grantless rotation token with a client secret; null when LWA refuses the secret. */
async function grantlessToken(w: World, secret: string): Promise<{ status: number; token: string | null }> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    scope: SCOPE,
    client_id: w.app.clientId,
    client_secret: secret,
  });
  const res = await w.sim.fetch(
    new Request('http://sim.test/auth/o2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
      body: form.toString(),
    }),
  );
  const body = (await res.json()) as { access_token?: string };
  return { status: res.status, token: body.access_token ?? null };
}

async function rotate(w: World, secret: string) {
  const { token } = await grantlessToken(w, secret);
  expect(token).not.toBeNull();
  const reply = await w.call('POST', ROTATE, undefined, token!);
  expectModelValid('rotateApplicationClientSecret', reply);
  return reply;
}

describe('rotateApplicationClientSecret', () => {
  it('answers 400 when the app has no destination for new secrets, and rotates nothing', async () => {
    const { stub, deliveries } = destination();
    const w = setup({ speed: 1e6 }, stub);
    const original = w.app.clientSecrets[0]!.secret;
    const reply = await rotate(w, original);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ errors: [{ code: 'InvalidInput', message: NOT_ENROLLED, details: '' }] });
    expect(w.app.clientSecrets).toHaveLength(1);
    expect(deliveries).toEqual([]);
    expect(w.ctx.state.notifications).toEqual([]);
  });

  it('rotates, answers 204 and POSTs APPLICATION_OAUTH_CLIENT_NEW_SECRET to the destination', async () => {
    const { stub, deliveries } = destination();
    const w = setup({ speed: 1e6 }, stub);
    const original = w.app.clientSecrets[0]!.secret;
    const enrolled = await send(w.sim, 'PUT', `/_sim/apps/${w.app.appId}/notification-destination`, {
      url: DESTINATION,
    });
    expect(enrolled.body).toEqual({ appId: w.app.appId, notificationDestinationUrl: DESTINATION });

    const reply = await rotate(w, original);
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');
    expect(reply.headers.get('x-amzn-RequestId')).toBeTruthy();

    expect(deliveries).toHaveLength(1);
    const delivery = deliveries[0]!;
    expect(delivery).toMatchObject({ url: DESTINATION, method: 'POST', contentType: 'application/json' });
    const newSecret = w.app.clientSecrets[1]!.secret;
    expect(newSecret).toMatch(/^amzn1\.oa2-cs\.v1\.[0-9a-f]{64}$/);
    expect(delivery.body).toEqual({
      notificationVersion: '1.0',
      notificationType: 'APPLICATION_OAUTH_CLIENT_NEW_SECRET',
      payloadVersion: '2023-11-30',
      eventTime: new Date(START).toISOString(),
      payload: {
        applicationOAuthClientNewSecret: {
          clientId: w.app.clientId,
          newClientSecret: newSecret,
          newClientSecretExpiryTime: new Date(START + 180 * DAY).toISOString(),
          oldClientSecretExpiryTime: new Date(START + 7 * DAY).toISOString(),
        },
      },
      notificationMetadata: {
        applicationId: w.app.appId,
        subscriptionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        publishTime: new Date(START).toISOString(),
        notificationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    });

    const read = await send(w.sim, 'GET', `/_sim/notifications?appId=${w.app.appId}`);
    expect(read.body.notifications).toHaveLength(1);
    expect(read.body.notifications[0]).toMatchObject({
      notificationType: 'APPLICATION_OAUTH_CLIENT_NEW_SECRET',
      appId: w.app.appId,
      destinationUrl: DESTINATION,
      delivery: { status: 'delivered', httpStatus: 200 },
      body: delivery.body,
    });
  });

  it('keeps the old secret working at LWA for 7 days, the new one for 180', async () => {
    const { stub } = destination();
    const w = setup({ speed: 1e6 }, stub);
    w.app.notificationDestinationUrl = DESTINATION;
    const original = w.app.clientSecrets[0]!.secret;
    expect((await rotate(w, original)).status).toBe(204);
    const newSecret = w.app.clientSecrets[1]!.secret;

    w.clock.advance(7 * DAY - 1);
    expect((await grantlessToken(w, original)).status).toBe(200);
    w.clock.advance(1);
    expect(await grantlessToken(w, original)).toEqual({ status: 401, token: null });
    expect((await grantlessToken(w, newSecret)).status).toBe(200);
    w.clock.advance(173 * DAY);
    expect((await grantlessToken(w, newSecret)).status).toBe(401);
  });

  it.each([
    ['answers 500', 500, { status: 'failed', httpStatus: 500 }],
    ['cannot be reached', 'network-error' as const, { status: 'failed', error: 'fetch failed' }],
  ])('keeps the message readable when the destination %s', async (_what, status, delivery) => {
    const { stub, deliveries } = destination(status);
    const w = setup({ speed: 1e6 }, stub);
    w.app.notificationDestinationUrl = DESTINATION;
    const reply = await rotate(w, w.app.clientSecrets[0]!.secret);
    // The rotation happened; only the delivery failed.
    expect(reply.status).toBe(204);
    expect(deliveries).toHaveLength(1);
    const read = await send(w.sim, 'GET', `/_sim/notifications?type=APPLICATION_OAUTH_CLIENT_NEW_SECRET`);
    expect(read.body.notifications).toHaveLength(1);
    expect(read.body.notifications[0].delivery).toEqual(delivery);
    expect(read.body.notifications[0].body.payload.applicationOAuthClientNewSecret.newClientSecret).toBe(
      w.app.clientSecrets[1]!.secret,
    );
  });

  it('needs a grantless token with the rotation scope', async () => {
    const w = setup({ speed: 1e6 });
    w.app.notificationDestinationUrl = DESTINATION;
    const user = await w.call('POST', ROTATE);
    expect(user.status).toBe(403);
    expectModelValid('rotateApplicationClientSecret', user);
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'sellingpartnerapi::notifications',
      client_id: w.app.clientId,
      client_secret: w.app.clientSecrets[0]!.secret,
    });
    const lwa = await w.sim.fetch(
      new Request('http://sim.test/auth/o2/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      }),
    );
    const otherScope = ((await lwa.json()) as { access_token: string }).access_token;
    expect((await w.call('POST', ROTATE, undefined, otherScope)).status).toBe(403);
    expect(w.app.clientSecrets).toHaveLength(1);
  });
});

describe('notification controls', () => {
  it('sets and clears the destination, refusing bad input', async () => {
    const w = setup();
    const path = `/_sim/apps/${w.app.appId}/notification-destination`;
    expect((await send(w.sim, 'PUT', path, { url: 'ftp://queue.example' })).status).toBe(400);
    expect((await send(w.sim, 'PUT', path, 'not json')).status).toBe(400);
    expect(
      (
        await send(w.sim, 'PUT', '/_sim/apps/amzn1.sp.solution.nope/notification-destination', {
          url: DESTINATION,
        })
      ).status,
    ).toBe(404);
    expect(w.app.notificationDestinationUrl).toBeUndefined();
    await send(w.sim, 'PUT', path, { url: DESTINATION });
    expect(w.app.notificationDestinationUrl).toBe(DESTINATION);
    const cleared = await send(w.sim, 'PUT', path, { url: null });
    expect(cleared.body.notificationDestinationUrl).toBeNull();
    expect(w.app.notificationDestinationUrl).toBeUndefined();
  });

  it('filters notifications by app and type', async () => {
    const { stub } = destination();
    const w = setup({ speed: 1e6 }, stub);
    w.app.notificationDestinationUrl = DESTINATION;
    await rotate(w, w.app.clientSecrets[0]!.secret);
    expect((await send(w.sim, 'GET', '/_sim/notifications?appId=other')).body.notifications).toEqual([]);
    expect((await send(w.sim, 'GET', '/_sim/notifications?type=OTHER')).body.notifications).toEqual([]);
    expect((await send(w.sim, 'GET', '/_sim/notifications')).body.notifications).toHaveLength(1);
  });
});
