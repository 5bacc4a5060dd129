import type { Secret } from '../../kernel/secret.js';
import type { WireRequest } from '../deadline.js';
import { AmazonError } from '../errors.js';

/**
 * The Amazon Ads API operations Sellerlink uses itself: the consent URL, `GET /v2/profiles`, and
 * Amazon's error body. Plain data in and out; ../ads-client.ts sends them.
 * @see https://advertising.amazon.com/API/docs/en-us/guides/account-management/authorization/overview
 * @see https://advertising.amazon.com/API/docs/en-us/reference/2/profiles
 */

/** The scope for every sponsored-ads and DSP API (https://advertising.amazon.com/API/docs/en-us/guides/account-management/authorization/authorization-grants). */
export const ADS_SCOPE = 'advertising::campaign_management';

/** Consents given on or after this instant make refresh tokens that expire 365 days later. */
export const ADS_EXPIRING_CONSENTS_FROM = Date.UTC(2026, 5, 30);

/** Days an Ads refresh token lasts from the consent, or null (tokens of earlier consents never expire). */
export function adsAuthorizationDays(consentedAt: number): number | null {
  return consentedAt >= ADS_EXPIRING_CONSENTS_FROM ? 365 : null;
}

/**
 * The Login with Amazon consent URL for the Ads API:
 * `{consent}?client_id=…&scope=advertising::campaign_management&response_type=code&redirect_uri=…&state=…`
 * (https://advertising.amazon.com/API/docs/en-us/guides/account-management/authorization/authorization-grants).
 */
export function adsConsentUrl(input: {
  consentUrl: string;
  clientId: string;
  redirectUri: string;
  state: string;
}): string {
  const url = new URL(input.consentUrl);
  url.searchParams.set('client_id', input.clientId);
  url.searchParams.set('scope', ADS_SCOPE);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('state', input.state);
  return url.toString();
}

/** The headers every Ads API call carries; the scope (profile id) on all but the profiles listing. */
export function adsHeaders(input: {
  accessToken: Secret;
  clientId: string;
  profileId?: string | null;
}): Record<string, string> {
  return {
    authorization: `Bearer ${input.accessToken.reveal()}`,
    'amazon-advertising-api-clientid': input.clientId,
    ...(input.profileId ? { 'amazon-advertising-api-scope': input.profileId } : {}),
  };
}

/** `GET {host}/v2/profiles` (https://advertising.amazon.com/API/docs/en-us/reference/2/profiles). */
export function listProfilesRequest(input: {
  apiBase: string;
  accessToken: Secret;
  clientId: string;
}): WireRequest {
  return {
    url: `${input.apiBase.replace(/\/$/, '')}/v2/profiles`,
    init: {
      method: 'GET',
      headers: { ...adsHeaders(input), accept: 'application/json' },
    },
  };
}

/** An advertising profile as Sellerlink keeps it (profile ids are int64 at Amazon: kept as text). */
export interface AdsProfile {
  profileId: string;
  countryCode: string;
  currencyCode: string;
  timezone: string;
  marketplaceId: string | null;
  accountType: string;
  accountId: string;
  accountName: string | null;
  validPaymentMethod: boolean | null;
}

/**
 * Reads a profile id as a decimal string. Amazon sends a JSON number (int64, close to 2^53), so the
 * body is read as text and the ids are taken before JSON.parse could round them.
 */
function profileIdsExact(text: string): string[] {
  return [...text.matchAll(/"profileId"\s*:\s*"?(\d+)"?/g)].map((m) => m[1]!);
}

/** Processes `GET /v2/profiles`: the profiles, or an AmazonError (Amazon's code and details kept). */
export async function processListProfiles(response: Response): Promise<AdsProfile[]> {
  const text = await response.text();
  if (!response.ok) throw adsError(response, text);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AmazonError('ADS_BAD_RESPONSE', 'the Ads API answered profiles with a body that is not JSON', {
      status: response.status,
      retryable: true,
    });
  }
  if (!Array.isArray(body)) {
    throw new AmazonError('ADS_BAD_RESPONSE', 'the Ads API answered profiles with something not a list', {
      status: response.status,
      retryable: true,
    });
  }
  const ids = profileIdsExact(text);
  return body.map((raw, i) => toProfile(raw as Record<string, unknown>, ids[i]));
}

function toProfile(p: Record<string, unknown>, exactId: string | undefined): AdsProfile {
  const info = (p.accountInfo ?? {}) as Record<string, unknown>;
  const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  return {
    profileId: exactId ?? String(p.profileId),
    countryCode: str(p.countryCode) ?? '',
    currencyCode: str(p.currencyCode) ?? '',
    timezone: str(p.timezone) ?? '',
    marketplaceId: str(info.marketplaceStringId),
    accountType: str(info.type) ?? 'unknown',
    accountId: str(info.id) ?? '',
    accountName: str(info.name),
    validPaymentMethod: typeof info.validPaymentMethod === 'boolean' ? info.validPaymentMethod : null,
  };
}

/** Seconds in a `Retry-After` header (an integer or an HTTP date), or null. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * An Ads API error answer as an AmazonError: `{code, details, requestId}` (or `{message}` on a 429),
 * https://advertising.amazon.com/API/docs/en-us/concepts/errors.
 */
export function adsError(response: Response, text: string): AmazonError {
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the status speaks
  }
  const amazonCode = typeof body.code === 'string' ? body.code : undefined;
  const amazonMessage =
    typeof body.details === 'string'
      ? body.details
      : typeof body.message === 'string'
        ? body.message
        : undefined;
  const status = response.status;
  const code =
    status === 401 || status === 403 ? 'ADS_UNAUTHORIZED' : status === 429 ? 'ADS_THROTTLED' : 'ADS_ERROR';
  return new AmazonError(
    code,
    `the Ads API answered HTTP ${status}${amazonMessage ? `: ${amazonMessage}` : ''}`,
    {
      status,
      ...(amazonCode ? { amazonCode } : {}),
      ...(amazonMessage ? { amazonMessage } : {}),
      retryable: status === 429 || status >= 500,
      body,
      requestId:
        typeof body.requestId === 'string' ? body.requestId : response.headers.get('x-amz-request-id'),
    },
  );
}
