import type { Clock } from '../kernel/clock.js';
import type { Secret } from '../kernel/secret.js';
import { exchangeWithDeadline, isDeadlineError } from './deadline.js';
import { AmazonError } from './errors.js';
import {
  adsError,
  adsHeaders,
  listProfilesRequest,
  processListProfiles,
  retryAfterMs,
  type AdsProfile,
} from './operations/ads.js';
import type { RateLimiter } from './rate-limiter.js';
import type { Region } from './regions.js';

/**
 * The Amazon Ads API client: lists profiles on a region's host, and forwards a caller's request
 * for one profile at the pace Sellerlink keeps per profile (a shared token bucket, so every process
 * counts), honouring Amazon's `429` + `Retry-After` by waiting it out before the one retry.
 * @see https://advertising.amazon.com/API/docs/en-us/concepts/rate-limiting
 */

export interface AdsClientDeps {
  fetch: typeof fetch;
  /** The Ads API host per region. */
  hosts: Record<Region, string>;
  clock: Clock;
  limiter: RateLimiter;
  /** Sellerlink's own pace per profile, and the longest a forwarded call may wait in all. */
  pace: { ratePerSecond: number; burst: number; maxWaitMs: number };
  sleep?: (ms: number) => Promise<void>;
  /** Deadline of one call, body included (default 30 s). */
  timeoutMs?: number;
}

/** Who calls: the connection's access token, the security profile's client id, and the profile. */
export interface AdsCaller {
  accessToken: Secret;
  clientId: string;
  profileId: string;
}

/** A request to forward, as the caller sent it (path below the host, e.g. `/sp/campaigns/list`). */
export interface AdsForward {
  method: string;
  path: string;
  search: string;
  headers: Record<string, string>;
  body: ArrayBuffer | null;
}

/** What Amazon answered a forwarded request, read whole, with the waits it took. */
export interface AdsAnswer {
  status: number;
  headers: Headers;
  body: Uint8Array;
  /** How long the call waited for its turn and for Amazon's Retry-After (ms). */
  waitedMs: number;
  /** 429s Amazon answered before this answer. */
  throttled: number;
}

/** The bucket of one profile. */
export const adsBucketKey = (region: Region, profileId: string): string => `ads:${region}:${profileId}`;

const DEFAULT_TIMEOUT_MS = 30_000;

function unanswered(cause: unknown, timeoutMs: number): AmazonError {
  const timedOut = isDeadlineError(cause);
  return new AmazonError(
    timedOut ? 'AMAZON_TIMEOUT' : 'AMAZON_NETWORK',
    timedOut ? `the Ads API did not answer within ${timeoutMs / 1000} s` : 'could not reach the Ads API',
    { retryable: true },
  );
}

/** Sends one forwarded request and reads the answer whole. */
async function sendOnce(deps: AdsClientDeps, region: Region, req: AdsForward, caller: AdsCaller) {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const url = `${deps.hosts[region].replace(/\/$/, '')}${req.path}${req.search}`;
  const init: RequestInit = {
    method: req.method,
    headers: { ...req.headers, ...adsHeaders(caller) },
    ...(req.body && req.method !== 'GET' && req.method !== 'HEAD' ? { body: req.body } : {}),
  };
  try {
    return await exchangeWithDeadline(deps.fetch, { url, init }, timeoutMs, async (response) => ({
      status: response.status,
      headers: response.headers,
      body: new Uint8Array(await response.arrayBuffer()),
    }));
  } catch (cause) {
    throw unanswered(cause, timeoutMs);
  }
}

/** Forwards one request for a profile: paced, and a 429's Retry-After waited out before trying again. */
async function forward(
  deps: AdsClientDeps,
  blocked: Map<string, number>,
  region: Region,
  req: AdsForward,
  caller: AdsCaller,
): Promise<AdsAnswer> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const key = adsBucketKey(region, caller.profileId);
  const plan = { rate: deps.pace.ratePerSecond, burst: deps.pace.burst };
  let waitedMs = 0;
  let throttled = 0;
  for (;;) {
    // Amazon said when this profile may call again: nobody in this process calls before.
    const until = (blocked.get(key) ?? 0) - deps.clock.now();
    if (until > 0) {
      if (waitedMs + until > deps.pace.maxWaitMs) throw tooLong(until);
      await sleep(until);
      waitedMs += until;
    }
    waitedMs += await deps.limiter.acquire(key, plan, {
      maxWaitMs: Math.max(0, deps.pace.maxWaitMs - waitedMs),
    });
    const answer = await sendOnce(deps, region, req, caller);
    if (answer.status !== 429) return { ...answer, waitedMs, throttled };
    throttled++;
    await deps.limiter.drain(key);
    const retryAfter = retryAfterMs(answer.headers.get('retry-after'), deps.clock.now()) ?? 1000;
    blocked.set(key, deps.clock.now() + retryAfter);
    if (waitedMs + retryAfter > deps.pace.maxWaitMs) return { ...answer, waitedMs, throttled };
  }
}

function tooLong(waitMs: number): AmazonError {
  return new AmazonError(
    'ADS_WAIT_TOO_LONG',
    `the Ads API allows this profile's next call in ${Math.ceil(waitMs / 1000)} s`,
    {
      retryable: true,
      retryAfterMs: waitMs,
    },
  );
}

/** Builds the Ads API client (see the module comment). */
export function createAdsClient(deps: AdsClientDeps) {
  const blocked = new Map<string, number>();
  return {
    /** `GET /v2/profiles` on one region's host: that region's profiles of the token's advertiser. */
    async listProfiles(region: Region, caller: Omit<AdsCaller, 'profileId'>): Promise<AdsProfile[]> {
      const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const request = listProfilesRequest({ apiBase: deps.hosts[region], ...caller });
      try {
        return await exchangeWithDeadline(deps.fetch, request, timeoutMs, processListProfiles);
      } catch (cause) {
        if (cause instanceof AmazonError) throw cause;
        throw unanswered(cause, timeoutMs);
      }
    },

    /** Forwards a caller's request for one profile (see `AdsAnswer`); an error answer is returned, not thrown. */
    forward: (region: Region, req: AdsForward, caller: AdsCaller): Promise<AdsAnswer> =>
      forward(deps, blocked, region, req, caller),

    /** An Ads error answer as an AmazonError (for callers that want one). */
    errorOf: (status: number, body: Uint8Array): AmazonError =>
      adsError(new Response(null, { status }), new TextDecoder().decode(body)),
  };
}

export type AdsClient = ReturnType<typeof createAdsClient>;
