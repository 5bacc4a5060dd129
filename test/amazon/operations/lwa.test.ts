import { describe, expect, it } from 'vitest';
import {
  authorizationCodeRequest,
  clientCredentialsRequest,
  processLwaTokenResponse,
  refreshTokenRequest,
} from '../../../src/amazon/operations.js';
import { Secret } from '../../../src/kernel/secret.js';
import { json, text } from './responses.js';

const ENDPOINT = 'https://api.amazon.com/auth/o2/token';
const credentials = { clientId: 'amzn1.application-oa2-client.abc', clientSecret: new Secret('s3cret+/=') };
const NOW = Date.parse('2026-03-01T10:00:00Z');

describe('LWA token request builders', () => {
  it.each([
    [
      'authorization_code',
      authorizationCodeRequest(
        ENDPOINT,
        credentials,
        'ANdNAVhyhqirUelHGEHA',
        'https://app.example/callback?x=1',
      ),
      {
        grant_type: 'authorization_code',
        code: 'ANdNAVhyhqirUelHGEHA',
        redirect_uri: 'https://app.example/callback?x=1',
      },
    ],
    [
      'refresh_token',
      refreshTokenRequest(ENDPOINT, credentials, new Secret('Atzr|IwEB+refresh')),
      { grant_type: 'refresh_token', refresh_token: 'Atzr|IwEB+refresh' },
    ],
    [
      'client_credentials',
      clientCredentialsRequest(ENDPOINT, credentials, 'sellingpartnerapi::client_credential:rotation'),
      { grant_type: 'client_credentials', scope: 'sellingpartnerapi::client_credential:rotation' },
    ],
  ])('%s: a form POST to the token endpoint with the app’s credentials', (_name, request, fields) => {
    expect(request.url).toBe(ENDPOINT);
    expect(request.init.method).toBe('POST');
    expect(request.init.headers).toMatchObject({
      'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
      accept: 'application/json',
    });
    const body = new URLSearchParams(request.init.body as string);
    expect(Object.fromEntries(body)).toEqual({
      ...fields,
      client_id: 'amzn1.application-oa2-client.abc',
      client_secret: 's3cret+/=',
    });
    // Reserved characters are form-encoded, not sent raw.
    expect(request.init.body).toContain('client_secret=s3cret%2B%2F%3D');
  });
});

describe('processLwaTokenResponse', () => {
  it('reads an access token, its expiry by our clock and a refresh token, as secrets', async () => {
    const tokens = await processLwaTokenResponse(
      json(200, { access_token: 'Atza|a', token_type: 'bearer', expires_in: 3600, refresh_token: 'Atzr|r' }),
      NOW,
    );
    expect(tokens.accessToken.reveal()).toBe('Atza|a');
    expect(tokens.refreshToken?.reveal()).toBe('Atzr|r');
    expect(tokens).toMatchObject({ expiresIn: 3600, expiresAt: NOW + 3_600_000 });
    expect(JSON.stringify(tokens)).not.toContain('Atza|a');
  });

  it.each([
    ['a grantless token: no refresh token', { access_token: 'Atza|g', expires_in: 3600 }],
    ['an empty refresh token is none', { access_token: 'Atza|g', expires_in: '3600', refresh_token: '' }],
  ])('%s', async (_name, body) => {
    const tokens = await processLwaTokenResponse(json(200, body), NOW);
    expect(tokens.refreshToken).toBeUndefined();
    expect(tokens.expiresAt).toBe(NOW + 3_600_000);
  });

  it.each([
    ['no access token', () => json(200, { expires_in: 3600 })],
    ['an empty access token', () => json(200, { access_token: '', expires_in: 3600 })],
    ['no expiry', () => json(200, { access_token: 'Atza|a' })],
    ['a zero expiry', () => json(200, { access_token: 'Atza|a', expires_in: 0 })],
    ['a body that is not JSON', () => text(200, '<html>')],
    ['a list', () => json(200, ['Atza|a'])],
  ])('a success with %s is LWA_BAD_RESPONSE (retryable)', async (_name, response) => {
    await expect(processLwaTokenResponse(response(), NOW)).rejects.toMatchObject({
      code: 'LWA_BAD_RESPONSE',
      retryable: true,
    });
  });

  it.each([
    [400, 'invalid_grant', 'LWA_INVALID_GRANT', false],
    [401, 'invalid_client', 'LWA_INVALID_CLIENT', false],
    [400, 'unauthorized_client', 'LWA_UNAUTHORIZED_CLIENT', false],
    [400, 'invalid_request', 'LWA_INVALID_REQUEST', false],
    [400, 'invalid_scope', 'LWA_INVALID_SCOPE', false],
    [400, 'unsupported_grant_type', 'LWA_UNSUPPORTED_GRANT_TYPE', false],
    [400, 'access_denied', 'LWA_ACCESS_DENIED', false],
    [500, 'server_error', 'LWA_SERVER_ERROR', true],
    [503, 'temporarily_unavailable', 'LWA_UNAVAILABLE', true],
    [400, 'something_new', 'LWA_BAD_RESPONSE', false],
  ])('%i %s → %s', async (status, error, code, retryable) => {
    const err = await processLwaTokenResponse(
      json(status, { error, error_description: 'The request has an invalid grant parameter' }),
      NOW,
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code, retryable, info: { status, amazonCode: error } });
    if (code !== 'LWA_BAD_RESPONSE')
      expect(err).toMatchObject({ info: { amazonMessage: 'The request has an invalid grant parameter' } });
  });

  it.each([
    ['429 without a body', () => new Response(null, { status: 429 }), 'LWA_BAD_RESPONSE', true],
    ['500 with an HTML page', () => text(500, '<html>oops</html>'), 'LWA_SERVER_ERROR', true],
    ['502 without a body', () => new Response(null, { status: 502 }), 'LWA_SERVER_ERROR', true],
    ['503 without a body', () => new Response(null, { status: 503 }), 'LWA_UNAVAILABLE', true],
    ['404 with an HTML page', () => text(404, 'Not Found'), 'LWA_BAD_RESPONSE', false],
  ])('%s → %s', async (_name, response, code, retryable) => {
    await expect(processLwaTokenResponse(response(), NOW)).rejects.toMatchObject({ code, retryable });
  });
});
