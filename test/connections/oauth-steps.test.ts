import { describe, expect, it } from 'vitest';
import { AmazonError } from '../../src/amazon/errors.js';
import { exchangeRefusal, readCallbackParams, stateRefusal } from '../../src/connections/oauth-callback.js';
import { amazonCallbackTarget } from '../../src/connections/oauth-start.js';
import type { FlowOrigin } from '../../src/connections/oauth.js';

/** The callback's checks that need no database, Amazon or browser. */

const query = (pairs: [string, string][]): URLSearchParams => new URLSearchParams(pairs);
const valid: [string, string][] = [
  ['state', 's'.repeat(43)],
  ['selling_partner_id', 'A1B2C3D4E5F6G7'],
  ['spapi_oauth_code', 'ANcode'],
];

describe('readCallbackParams', () => {
  it('takes the three values of a valid callback (mws_auth_token allowed)', () => {
    expect(readCallbackParams(query([...valid, ['mws_auth_token', 'x']]))).toEqual({
      ok: true,
      params: { state: 's'.repeat(43), sellingPartnerId: 'A1B2C3D4E5F6G7', code: 'ANcode' },
    });
  });

  it("reports Amazon's error parameters as a denied consent, before any other check", () => {
    const read = readCallbackParams(
      query([
        ['error', 'access_denied'],
        ['bogus', '1'],
      ]),
    );
    expect(read).toMatchObject({
      ok: false,
      refusal: { code: 'OAUTH_CONSENT_DENIED', detail: { amazonError: 'access_denied' } },
    });
  });

  it('refuses an empty query, and names what is missing, unexpected or repeated', () => {
    expect(readCallbackParams(query([]))).toMatchObject({
      ok: false,
      refusal: { code: 'OAUTH_CALLBACK_INVALID' },
    });
    const read = readCallbackParams(query([valid[0]!, valid[0]!, valid[1]!, ['extra', '1']]));
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.refusal.message).toContain('missing spapi_oauth_code; unexpected extra; repeated state');
  });

  it('refuses over-long values', () => {
    const read = readCallbackParams(query([valid[0]!, valid[1]!, ['spapi_oauth_code', 'x'.repeat(501)]]));
    expect(read.ok ? null : read.refusal.message).toContain('a value is too long');
  });
});

describe('stateRefusal', () => {
  const origin: FlowOrigin = {
    viewer: { userId: 'u', username: 'alice', role: 'owner', accountId: 'a' },
    sessionHash: 'session-1',
    ip: null,
  };
  const now = Date.parse('2027-01-01T00:00:00Z');
  const state = { session_hash: 'session-1', used_at: null, expires_at: new Date(now + 1000) };

  it('lets a fresh, unused state of this session through', () => {
    expect(stateRefusal(state, origin, now)).toBeNull();
  });

  it('refuses another session first, then a used state, then an expired one', () => {
    expect(stateRefusal({ ...state, used_at: new Date(now) }, null, now)?.code).toBe(
      'OAUTH_STATE_OTHER_SESSION',
    );
    expect(stateRefusal({ ...state, session_hash: 'other' }, origin, now)?.code).toBe(
      'OAUTH_STATE_OTHER_SESSION',
    );
    expect(
      stateRefusal({ ...state, used_at: new Date(now), expires_at: new Date(now) }, origin, now)?.code,
    ).toBe('OAUTH_STATE_REPLAYED');
    expect(stateRefusal({ ...state, expires_at: new Date(now) }, origin, now)?.code).toBe(
      'OAUTH_STATE_EXPIRED',
    );
  });
});

describe('exchangeRefusal', () => {
  const amazon = (code: ConstructorParameters<typeof AmazonError>[0]) =>
    new AmazonError(code, code, { retryable: false });

  it("an expired or reused code is the user's to retry; the rest is Amazon's side", () => {
    expect(exchangeRefusal(amazon('LWA_INVALID_GRANT')).code).toBe('OAUTH_CODE_REJECTED');
    const client = exchangeRefusal(amazon('LWA_INVALID_CLIENT'));
    expect(client.code).toBe('OAUTH_EXCHANGE_FAILED');
    expect(client.message).toContain("update the app's secret");
    expect(exchangeRefusal(amazon('AMAZON_TIMEOUT')).message).toContain('could not reach Amazon');
    expect(exchangeRefusal(new Error('boom'))).toMatchObject({
      code: 'OAUTH_EXCHANGE_FAILED',
      message: 'Amazon did not complete the authorization. Nothing was connected; please try again.',
    });
  });
});

describe('amazonCallbackTarget', () => {
  const sellerCentral = {
    NA: 'https://sellercentral.amazon.com',
    EU: 'https://sellercentral-europe.amazon.com/',
    FE: 'https://sellercentral.amazon.co.jp',
  };

  it("finds the region and app id of a configured Seller Central's confirm page", () => {
    expect(
      amazonCallbackTarget(
        sellerCentral,
        'https://sellercentral-europe.amazon.com/apps/authorize/confirm/amzn1.sp.solution.x?y=1',
      ),
    ).toEqual({ region: 'EU', appId: 'amzn1.sp.solution.x' });
  });

  it('refuses any other address, and a confirm page without an app id', () => {
    expect(
      amazonCallbackTarget(sellerCentral, 'https://evil.example/apps/authorize/confirm/amzn1.sp.solution.x'),
    ).toBeNull();
    expect(
      amazonCallbackTarget(sellerCentral, 'https://sellercentral.amazon.com/apps/authorize/confirm/'),
    ).toBeNull();
  });
});
