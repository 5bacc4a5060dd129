import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE, createManualClock, createOffsetClock } from '../../src/kernel/clock.js';
import { createSimulator } from '../../src/simulator/app.js';
import type { SimulatorConfig } from '../../src/simulator/config.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import { authorize } from '../../src/simulator/world.js';

/**
 * Access tokens across jumps of the simulated clock (issue 18 D11, `accessTokenClock`). A client
 * caches an LWA token for its `expires_in` by its own clock; jumping the simulated clock must not
 * expire it under 'real', and does under the default 'simulated'. Real time (the base clock here)
 * expires tokens in both modes.
 */

const ORIGIN = 'http://sim.test';
const EXPIRED = 'The access token you provided has expired.';

function setup(config: Partial<SimulatorConfig> = {}) {
  const real = createManualClock(Date.UTC(2026, 10, 1, 12, 0, 0));
  const clock = createOffsetClock(real);
  const sim = createSimulator({ clock, realClock: real, config });
  seedDemo(sim.ctx, { redirectUris: ['https://vendor.example/cb'] });
  const seller = DEMO.sellers[0];
  const { refreshToken } = authorize(sim.ctx, {
    appId: DEMO.publishedApp.appId,
    sellingPartnerId: seller.sellingPartnerId,
    kind: 'self',
  });
  /** What a client does: refresh once, keep the access token. */
  const accessToken = async (): Promise<string> => {
    const res = await sim.fetch(
      new Request(`${ORIGIN}/auth/o2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: DEMO.publishedApp.clientId,
          client_secret: DEMO.publishedApp.clientSecret,
        }).toString(),
      }),
    );
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const call = async (token: string) => {
    const res = await sim.fetch(
      new Request(`${ORIGIN}/na/sellers/v1/marketplaceParticipations`, {
        headers: { 'x-amz-access-token': token },
      }),
    );
    const body = (await res.json()) as { errors?: { details?: string }[] };
    return { status: res.status, details: body.errors?.[0]?.details };
  };
  return { sim, real, clock, accessToken, call };
}

describe("accessTokenClock 'simulated' (default)", () => {
  it('a jump of the simulated clock past the hour expires a token the client still holds as fresh', async () => {
    const t = setup();
    const token = await t.accessToken();
    expect((await t.call(token)).status).toBe(200);
    t.clock.advance(2 * HOUR);
    expect(await t.call(token)).toEqual({ status: 403, details: EXPIRED });
  });
});

describe("accessTokenClock 'real'", () => {
  it('a token keeps its real-time lifetime across jumps of the simulated clock', async () => {
    const t = setup({ accessTokenClock: 'real' });
    const token = await t.accessToken();
    t.clock.advance(30 * 24 * HOUR);
    expect((await t.call(token)).status).toBe(200);
    t.real.advance(30 * MINUTE);
    t.clock.advance(2 * HOUR);
    expect((await t.call(token)).status).toBe(200);
  });

  it('still expires a token after an hour of real time', async () => {
    const t = setup({ accessTokenClock: 'real' });
    const token = await t.accessToken();
    t.clock.advance(5 * HOUR);
    t.real.advance(HOUR);
    expect(await t.call(token)).toEqual({ status: 403, details: EXPIRED });
  });
});
