import { describe, expect, it } from 'vitest';
import { DAY, MINUTE, SECOND, createManualClock, createOffsetClock } from '../../src/kernel/clock.js';
import { createSimulator, type Simulator } from '../../src/simulator/app.js';
import type { SimulatorConfig } from '../../src/simulator/config.js';
import { rotateSecretAndNotify } from '../../src/simulator/notifications.js';
import type { SimApp } from '../../src/simulator/state.js';
import {
  addApp,
  addSeller,
  authorize,
  issueAuthCode,
  revokeAuthorization,
  rotateClientSecret,
} from '../../src/simulator/world.js';

const START = Date.UTC(2026, 10, 1, 12, 0, 0);
const REDIRECT = 'https://vendor.example/callback';
const MSG = {
  code: 'The request has an invalid grant parameter : code',
  refresh:
    "The request has an invalid grant parameter : refresh_token. User may have revoked or didn't grant the permission.",
  client: 'Client authentication failed',
  grantType: 'The authorization grant type is not supported by the authorization server',
};

function setup(config: Partial<SimulatorConfig> = {}) {
  const clock = createManualClock(START);
  const sim = createSimulator({ clock, config });
  const ctx = sim.ctx;
  const app = addApp(ctx, { name: 'Vendor App', status: 'published', redirectUris: [REDIRECT] });
  const other = addApp(ctx, { name: 'Other App', status: 'published', redirectUris: [REDIRECT] });
  const seller = addSeller(ctx, { name: 'Seller', region: 'NA', marketplaceIds: ['ATVPDKIKX0DER'] });
  const secretOf = (a: SimApp) => a.clientSecrets[0]!.secret;
  const newCode = (target: SimApp = app, redirectUri = REDIRECT) => {
    const authorization = authorize(ctx, {
      appId: target.appId,
      sellingPartnerId: seller.sellingPartnerId,
      kind: 'oauth',
    });
    const code = issueAuthCode(ctx, {
      authorizationId: authorization.id,
      clientId: target.clientId,
      redirectUri,
    });
    return { authorization, code: code.code };
  };
  return { sim, ctx, clock, app, other, seller, secretOf, newCode };
}

function form(sim: Simulator, fields: Record<string, string>): Promise<Response> {
  return sim.fetch(
    new Request('http://sim.test/auth/o2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

function json(sim: Simulator, body: unknown): Promise<Response> {
  return sim.fetch(
    new Request('http://sim.test/auth/o2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

async function expectError(res: Response, status: number, error: string, description?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.error).toBe(error);
  if (description !== undefined) expect(body.error_description).toBe(description);
  return body;
}

describe('LWA authorization_code grant', () => {
  it('exchanges a code (form body) for the authorization refresh token with Amazon headers', async () => {
    const t = setup();
    const { code, authorization } = t.newCode();
    const res = await form(t.sim, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: t.app.clientId,
      client_secret: t.secretOf(t.app),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json;charset UTF-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      token_type: 'bearer',
      expires_in: 3600,
      refresh_token: authorization.refreshToken,
    });
    expect(String(body.access_token)).toMatch(/^Atza\|/);
    const stored = t.ctx.state.accessTokens.get(String(body.access_token));
    expect(stored).toMatchObject({ kind: 'user', appId: t.app.appId, authorizationId: authorization.id });
    expect(stored!.expiresAt).toBe(START + 3600 * SECOND);
  });

  it('accepts a JSON body, as Amazon SDKs send', async () => {
    const t = setup();
    const { code, authorization } = t.newCode();
    const res = await json(t.sim, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: t.app.clientId,
      client_secret: t.secretOf(t.app),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { refresh_token: string }).refresh_token).toBe(authorization.refreshToken);
  });

  it('takes expires_in from the configured access token life', async () => {
    const t = setup({ accessTokenTtlMs: 600 * SECOND });
    const { code } = t.newCode();
    const res = await form(t.sim, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: t.app.clientId,
      client_secret: t.secretOf(t.app),
    });
    expect(((await res.json()) as { expires_in: number }).expires_in).toBe(600);
  });

  it('refuses a reused code', async () => {
    const t = setup();
    const { code } = t.newCode();
    const fields = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: t.app.clientId,
      client_secret: t.secretOf(t.app),
    };
    expect((await form(t.sim, fields)).status).toBe(200);
    await expectError(await form(t.sim, fields), 400, 'invalid_grant', MSG.code);
  });

  it('expires a code after 5 simulated minutes', async () => {
    const t = setup();
    const early = t.newCode();
    const late = t.newCode();
    const fields = (code: string) => ({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: t.app.clientId,
      client_secret: t.secretOf(t.app),
    });
    t.clock.advance(5 * MINUTE - 1);
    expect((await form(t.sim, fields(early.code))).status).toBe(200);
    t.clock.advance(1);
    await expectError(await form(t.sim, fields(late.code)), 400, 'invalid_grant', MSG.code);
  });

  it('binds the code to its redirect_uri and client', async () => {
    const t = setup();
    const { code } = t.newCode();
    const base = { grant_type: 'authorization_code', code };
    await expectError(
      await form(t.sim, {
        ...base,
        redirect_uri: 'https://vendor.example/other',
        client_id: t.app.clientId,
        client_secret: t.secretOf(t.app),
      }),
      400,
      'invalid_grant',
      MSG.code,
    );
    await expectError(
      await form(t.sim, {
        ...base,
        redirect_uri: REDIRECT,
        client_id: t.other.clientId,
        client_secret: t.secretOf(t.other),
      }),
      400,
      'invalid_grant',
      MSG.code,
    );
    // A failed attempt does not burn the code for its rightful client.
    const ok = await form(t.sim, {
      ...base,
      redirect_uri: REDIRECT,
      client_id: t.app.clientId,
      client_secret: t.secretOf(t.app),
    });
    expect(ok.status).toBe(200);
  });

  it('refuses an unknown code', async () => {
    const t = setup();
    const res = await form(t.sim, {
      grant_type: 'authorization_code',
      code: 'ANnotacode',
      redirect_uri: REDIRECT,
      client_id: t.app.clientId,
      client_secret: t.secretOf(t.app),
    });
    await expectError(res, 400, 'invalid_grant', MSG.code);
  });

  it('answers invalid_request for a missing required parameter', async () => {
    const t = setup();
    const { code } = t.newCode();
    const body = await expectError(
      await form(t.sim, {
        grant_type: 'authorization_code',
        code,
        client_id: t.app.clientId,
        client_secret: t.secretOf(t.app),
      }),
      400,
      'invalid_request',
    );
    expect(body.error_description).toContain('redirect_uri');
  });
});

describe('LWA refresh_token grant', () => {
  const refresh = (t: ReturnType<typeof setup>, refreshToken: string, app = t.app, extra = {}) =>
    form(t.sim, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: app.clientId,
      client_secret: t.secretOf(app),
      ...extra,
    });

  it('returns a new access token and the same refresh token', async () => {
    const t = setup();
    const { authorization } = t.newCode();
    const first = (await (await refresh(t, authorization.refreshToken)).json()) as Record<string, string>;
    const second = (await (await refresh(t, authorization.refreshToken)).json()) as Record<string, string>;
    expect(first.refresh_token).toBe(authorization.refreshToken);
    expect(second.refresh_token).toBe(authorization.refreshToken);
    expect(first.access_token).not.toBe(second.access_token);
    expect(t.ctx.state.accessTokens.get(second.access_token!)?.authorizationId).toBe(authorization.id);
  });

  it('answers invalid_grant after the seller revokes', async () => {
    const t = setup();
    const { authorization } = t.newCode();
    revokeAuthorization(t.ctx, authorization.id);
    await expectError(await refresh(t, authorization.refreshToken), 400, 'invalid_grant', MSG.refresh);
  });

  it('answers invalid_grant once the authorization is 365 days old', async () => {
    // Secrets must be rotated every 180 days; keep this one alive so only the authorization ages.
    const t = setup({ clientSecretLifetimeMs: 1000 * DAY });
    const { authorization } = t.newCode();
    t.clock.advance(365 * DAY - 1);
    expect((await refresh(t, authorization.refreshToken)).status).toBe(200);
    t.clock.advance(1);
    await expectError(await refresh(t, authorization.refreshToken), 400, 'invalid_grant', MSG.refresh);
  });

  it("answers invalid_grant for an unknown token or another client's token", async () => {
    const t = setup();
    const { authorization } = t.newCode();
    await expectError(await refresh(t, 'Atzr|nope'), 400, 'invalid_grant', MSG.refresh);
    await expectError(
      await refresh(t, authorization.refreshToken, t.other),
      400,
      'invalid_grant',
      MSG.refresh,
    );
  });

  it('refuses a scope by default and ignores it when configured to', async () => {
    const strict = setup();
    const a = strict.newCode().authorization;
    const body = await expectError(
      await refresh(strict, a.refreshToken, strict.app, { scope: 'sellingpartnerapi::notifications' }),
      400,
      'invalid_request',
    );
    expect(body.error_description).toContain('scope');
    const lenient = setup({ lwaRefreshScope: 'ignore' });
    const b = lenient.newCode().authorization;
    const res = await refresh(lenient, b.refreshToken, lenient.app, { scope: 'whatever' });
    expect(res.status).toBe(200);
  });

  it('answers invalid_client for an unknown client id or a wrong secret', async () => {
    const t = setup();
    const { authorization } = t.newCode();
    const wrongId = await form(t.sim, {
      grant_type: 'refresh_token',
      refresh_token: authorization.refreshToken,
      client_id: 'amzn1.application-oa2-client.unknown',
      client_secret: t.secretOf(t.app),
    });
    await expectError(wrongId, 401, 'invalid_client', MSG.client);
    const wrongSecret = await form(t.sim, {
      grant_type: 'refresh_token',
      refresh_token: authorization.refreshToken,
      client_id: t.app.clientId,
      client_secret: 'amzn1.oa2-cs.v1.wrong',
    });
    await expectError(wrongSecret, 401, 'invalid_client', MSG.client);
  });

  it('keeps the old secret valid for the 7-day grace after a rotation, then answers invalid_client', async () => {
    const t = setup();
    const { authorization } = t.newCode();
    const oldSecret = t.secretOf(t.app);
    const { newSecret } = rotateClientSecret(t.ctx, t.app.appId);
    const withSecret = (secret: string) =>
      form(t.sim, {
        grant_type: 'refresh_token',
        refresh_token: authorization.refreshToken,
        client_id: t.app.clientId,
        client_secret: secret,
      });
    t.clock.advance(7 * DAY - 1);
    expect((await withSecret(oldSecret)).status).toBe(200);
    t.clock.advance(1);
    await expectError(await withSecret(oldSecret), 401, 'invalid_client', MSG.client);
    expect((await withSecret(newSecret)).status).toBe(200);
  });
});

describe('LWA client_credentials grant', () => {
  it.each([
    'sellingpartnerapi::notifications',
    'sellingpartnerapi::migration',
    'sellingpartnerapi::client_credential:rotation',
  ])('issues a grantless token for %s without a refresh token', async (scope) => {
    const t = setup();
    const res = await form(t.sim, {
      grant_type: 'client_credentials',
      scope,
      client_id: t.app.clientId,
      client_secret: t.secretOf(t.app),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('refresh_token');
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(t.ctx.state.accessTokens.get(String(body.access_token))).toMatchObject({
      kind: 'grantless',
      scope,
      appId: t.app.appId,
    });
  });

  it('accepts a JSON body carrying "refresh_token": null', async () => {
    const t = setup();
    const res = await json(t.sim, {
      grant_type: 'client_credentials',
      refresh_token: null,
      scope: 'sellingpartnerapi::notifications',
      client_id: t.app.clientId,
      client_secret: t.secretOf(t.app),
    });
    expect(res.status).toBe(200);
  });

  it('answers invalid_scope for an unknown scope', async () => {
    const t = setup();
    const res = await form(t.sim, {
      grant_type: 'client_credentials',
      scope: 'sellingpartnerapi::everything',
      client_id: t.app.clientId,
      client_secret: t.secretOf(t.app),
    });
    await expectError(res, 400, 'invalid_scope', 'The request has an invalid parameter : scope');
  });

  it('answers invalid_request when a refresh_token is sent too', async () => {
    const t = setup();
    const res = await form(t.sim, {
      grant_type: 'client_credentials',
      scope: 'sellingpartnerapi::notifications',
      refresh_token: 'Atzr|x',
      client_id: t.app.clientId,
      client_secret: t.secretOf(t.app),
    });
    await expectError(res, 400, 'invalid_request');
  });

  it('answers invalid_request when the scope is missing', async () => {
    const t = setup();
    const res = await form(t.sim, {
      grant_type: 'client_credentials',
      client_id: t.app.clientId,
      client_secret: t.secretOf(t.app),
    });
    const body = await expectError(res, 400, 'invalid_request');
    expect(body.error_description).toContain('scope');
  });
});

describe('LWA request errors', () => {
  it('answers unsupported_grant_type for a missing or unknown grant_type', async () => {
    const t = setup();
    await expectError(
      await form(t.sim, { client_id: t.app.clientId }),
      400,
      'unsupported_grant_type',
      MSG.grantType,
    );
    await expectError(
      await form(t.sim, { grant_type: 'password', client_id: t.app.clientId }),
      400,
      'unsupported_grant_type',
      MSG.grantType,
    );
  });

  it('answers unsupported_grant_type for a body it cannot parse', async () => {
    const t = setup();
    await expectError(
      await json(t.sim, '{"grant_type": "refresh_token",'),
      400,
      'unsupported_grant_type',
      MSG.grantType,
    );
    await expectError(await json(t.sim, '["refresh_token"]'), 400, 'unsupported_grant_type', MSG.grantType);
  });

  it('serves faults injected for the token endpoint and logs each request', async () => {
    const t = setup();
    t.ctx.state.faults.push({ id: 'f1', operation: 'lwa', kind: '503', share: 1, remaining: 1 });
    const fields = {
      grant_type: 'client_credentials',
      scope: 'sellingpartnerapi::notifications',
      client_id: t.app.clientId,
      client_secret: t.secretOf(t.app),
    };
    await expectError(await form(t.sim, fields), 503, 'temporarily_unavailable');
    expect((await form(t.sim, fields)).status).toBe(200);
    const log = t.ctx.state.requestLog.filter((e) => e.operation === 'lwa');
    expect(log.map((e) => e.status)).toEqual([503, 200]);
    expect(log[1]).toMatchObject({ path: '/auth/o2/token', appId: t.app.appId });
  });

  it('dates the new-secret message at the rotation itself, even on a clock that moves between reads', async () => {
    // A wall clock moves between two reads; this one moves 1 ms on every read, so a message dated
    // by a second read would put the old secret's expiry 1 ms short of the grace after eventTime.
    let tick = START;
    const sim = createSimulator({ clock: createOffsetClock({ now: () => tick++ }) });
    const app = addApp(sim.ctx, { name: 'Vendor App', status: 'published', redirectUris: [REDIRECT] });
    const { body } = await rotateSecretAndNotify(sim.ctx, app.appId);
    const message = body as {
      eventTime: string;
      payload: {
        applicationOAuthClientNewSecret: {
          newClientSecretExpiryTime: string;
          oldClientSecretExpiryTime: string;
        };
      };
    };
    const at = Date.parse(message.eventTime);
    const secret = message.payload.applicationOAuthClientNewSecret;
    expect(Date.parse(secret.oldClientSecretExpiryTime) - at).toBe(7 * DAY);
    expect(Date.parse(secret.newClientSecretExpiryTime) - at).toBe(sim.ctx.config.clientSecretLifetimeMs);
  });
});
