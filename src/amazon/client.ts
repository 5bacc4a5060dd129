import type { Clock } from '../kernel/clock.js';
import type { Random } from '../kernel/random.js';
import { Secret } from '../kernel/secret.js';
import type { GrantlessGrant, SpApiClient, SpApiRequest, TokenGrant } from './client-types.js';
import { exchangeWithDeadline, isDeadlineError } from './deadline.js';
import { AmazonError } from './errors.js';
import type { RateLimiter } from './rate-limiter.js';
import { buildSpApiRequest, processSpApiResponse, type SpApiResult } from './spapi.js';
import { operationFor, UNKNOWN_OPERATION_PLAN, USAGE_PLANS } from './usage-plans.js';

/** Where access tokens come from (the token broker): the client never sees refresh tokens. */
export interface AccessTokenSource {
  accessToken(connectionId: string): Promise<{ token: Secret; region: 'NA' | 'EU' | 'FE' }>;
  invalidate(connectionId: string): Promise<void>;
}

/**
 * Where grantless (client_credentials) access tokens come from, per application and scope
 * (createGrantlessTokens in grantless.ts caches them in memory).
 */
export interface GrantlessTokenSource {
  grantlessToken(applicationId: string, scope: string): Promise<{ token: Secret }>;
  /** Drops the cached token Amazon refused, so the next call mints a new one. */
  invalidateGrantless(applicationId: string, scope: string): void;
}

/** Whose call `send` makes: where its tokens come from, its usage-plan buckets, what success records. */
interface Caller {
  /** Prefix of the rate-limit bucket key, `<bucket>:<operation>`. */
  bucket: string;
  /** The token to send and the region whose endpoint takes the call, fetched for every attempt. */
  token(): Promise<{ token: Secret; region: 'NA' | 'EU' | 'FE' }>;
  /** Drops a token Amazon called expired or invalid; without it (an RDT) there is no replay. */
  invalidate?: () => Promise<void> | void;
  onSuccess?: () => void;
  /** A transient failure (throttling, 5xx, network) the retries did not overcome. */
  onFailure?: (err: AmazonError) => void;
}

/** Counters the client reports (Prometheus in production, nothing in tests unless given). */
export interface SpApiMetrics {
  call(operation: string, status: number | 'error'): void;
  throttled(operation: string): void;
  waited(operation: string, ms: number): void;
}

export interface SpApiClientDeps {
  tokens: AccessTokenSource;
  /** Tokens for grantless calls (`callGrantless`); without it, grantless calls are refused. */
  grantless?: GrantlessTokenSource;
  limiter: RateLimiter;
  fetch: typeof fetch;
  endpoints: Record<'NA' | 'EU' | 'FE', string>;
  userAgent: string;
  clock: Clock;
  random: Random;
  sleep?: (ms: number) => Promise<void>;
  metrics?: SpApiMetrics;
  /** Per-attempt deadline over the whole exchange, response body included (default 30 s). */
  timeoutMs?: number;
  /** Attempts for retryable failures (429, 500, 503, network), including the first. */
  maxAttempts?: number;
  /** Backoff: full jitter over min(cap, base × 2^attempt). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Called after every successful call (the service records "last successful call"). */
  onSuccess?: (connectionId: string) => void;
  /** Called when Amazon kept throttling or failing a call past its retries (the service records it). */
  onFailure?: (connectionId: string, err: AmazonError) => void;
}

const RDT_MARGIN_MS = 60_000;

/**
 * The SP-API client: access token from the broker (one refresh and one replay when Amazon says it
 * expired), a shared token bucket per (connection, operation) that waits instead of being
 * throttled, retries of 429/500/503/network failures with jittered exponential backoff and a cap,
 * a timeout on every attempt, and Restricted Data Tokens minted and cached for restricted calls.
 * Grantless calls (per application, not per seller) take the same path with a client_credentials
 * token and a bucket per (application, operation).
 */
export function createSpApiClient(deps: SpApiClientDeps): SpApiClient {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const timeoutMs = deps.timeoutMs ?? 30_000;
  const maxAttempts = deps.maxAttempts ?? 5;
  const base = deps.backoffBaseMs ?? 500;
  const cap = deps.backoffCapMs ?? 30_000;
  const rdts = new Map<string, { token: Secret; expiresAt: number }>();

  const send = async <T>(caller: Caller, request: SpApiRequest): Promise<SpApiResult<T>> => {
    const operation = request.operationId ?? operationFor(request.method, request.path);
    const plan = USAGE_PLANS[operation] ?? UNKNOWN_OPERATION_PLAN;
    const bucket = `${caller.bucket}:${operation}`;
    let replayedExpired = false;
    for (let attempt = 1; ; attempt++) {
      const { token, region } = await caller.token();
      const waited = await deps.limiter.acquire(
        bucket,
        plan,
        request.maxWaitMs === undefined ? {} : { maxWaitMs: request.maxWaitMs },
      );
      if (waited > 0) deps.metrics?.waited(operation, waited);
      let result: SpApiResult<T>;
      // x-amzn-RateLimit-Limit, learned once whether the call succeeded or not.
      const seen: { limit: string | null } = { limit: null };
      const learnRate = async (): Promise<void> => {
        const limit = seen.limit;
        seen.limit = null;
        if (limit !== null) await deps.limiter.learnRate(bucket, Number(limit));
      };
      try {
        // One deadline over the whole exchange, body included (deadline.ts).
        result = await exchangeWithDeadline(
          deps.fetch,
          buildSpApiRequest({
            endpoint: deps.endpoints[region],
            call: request,
            accessToken: token,
            userAgent: deps.userAgent,
          }),
          timeoutMs,
          (response) => {
            seen.limit = response.headers.get('x-amzn-ratelimit-limit');
            return processSpApiResponse<T>(response);
          },
        );
        await learnRate();
        deps.metrics?.call(operation, result.status);
      } catch (raw) {
        await learnRate();
        const err = toAmazonError(raw, timeoutMs);
        deps.metrics?.call(operation, err.info.status ?? 'error');
        if (err.code === 'SPAPI_THROTTLED') {
          deps.metrics?.throttled(operation);
          await deps.limiter.drain(bucket);
        }
        // "Expired", or "revoked, malformed or invalid" (https://developer-docs.amazon.com/sp-api/docs/response-format): drop the cached token and refresh
        // once. A revoked authorization then fails the refresh with invalid_grant, which the broker
        // records at once; otherwise the call is replayed with the new token.
        const staleToken =
          err.code === 'SPAPI_ACCESS_TOKEN_EXPIRED' ||
          (err.code === 'SPAPI_UNAUTHORIZED' &&
            /revoked, malformed or invalid/i.test(err.info.amazonMessage ?? ''));
        if (staleToken && !replayedExpired && caller.invalidate) {
          replayedExpired = true; // one refresh and one replay
          await caller.invalidate();
          attempt--;
          continue;
        }
        const giveUp = (): AmazonError => {
          if (err.retryable && err.code !== 'SPAPI_WAIT_TOO_LONG') caller.onFailure?.(err);
          return err;
        };
        if (!err.retryable || err.code === 'SPAPI_ACCESS_TOKEN_EXPIRED' || attempt >= maxAttempts)
          throw giveUp();
        // Anything but a throttle may have been processed by Amazon: a caller that cannot repeat
        // the call blindly decides itself.
        if (request.retryAmbiguous === false && err.code !== 'SPAPI_THROTTLED') throw giveUp();
        await sleep(Math.floor(deps.random.float() * Math.min(cap, base * 2 ** attempt)));
        continue;
      }
      caller.onSuccess?.();
      return result;
    }
  };

  /** A connection's call: the broker's access token, or a Restricted Data Token (no refresh). */
  const forConnection = (connectionId: string, rdt: Secret | null): Caller => ({
    bucket: connectionId,
    async token() {
      const minted = await deps.tokens.accessToken(connectionId);
      return rdt === null ? minted : { token: rdt, region: minted.region };
    },
    ...(rdt === null ? { invalidate: () => deps.tokens.invalidate(connectionId) } : {}),
    onSuccess: () => deps.onSuccess?.(connectionId),
    onFailure: (err) => deps.onFailure?.(connectionId, err),
  });

  const restrictedDataToken = async (
    connectionId: string,
    resources: { method: string; path: string; dataElements?: string[] }[],
  ): Promise<{ token: string; expiresAt: Date }> => {
    const { body } = await send<{ restrictedDataToken?: unknown; expiresIn?: unknown }>(
      forConnection(connectionId, null),
      {
        operationId: 'createRestrictedDataToken',
        method: 'POST',
        path: '/tokens/2021-03-01/restrictedDataToken',
        body: { restrictedResources: resources },
      },
    );
    if (typeof body.restrictedDataToken !== 'string' || typeof body.expiresIn !== 'number') {
      throw new AmazonError('SPAPI_BAD_RESPONSE', 'createRestrictedDataToken answered without a token', {
        retryable: false,
      });
    }
    return { token: body.restrictedDataToken, expiresAt: new Date(deps.clock.now() + body.expiresIn * 1000) };
  };

  return {
    async call<T>(connectionId: string, request: SpApiRequest): Promise<SpApiResult<T>> {
      if (!request.restrictedDataElements) return send<T>(forConnection(connectionId, null), request);
      const key = `${connectionId}|${request.method}|${request.path}|${[...request.restrictedDataElements].sort().join(',')}`;
      let rdt = rdts.get(key);
      if (!rdt || rdt.expiresAt - RDT_MARGIN_MS <= deps.clock.now()) {
        const minted = await restrictedDataToken(connectionId, [
          { method: request.method, path: request.path, dataElements: request.restrictedDataElements },
        ]);
        rdt = { token: new Secret(minted.token), expiresAt: minted.expiresAt.getTime() };
        rdts.set(key, rdt);
      }
      return send<T>(forConnection(connectionId, rdt.token), request);
    },
    async callGrantless<T>(grant: GrantlessGrant, request: SpApiRequest): Promise<SpApiResult<T>> {
      const source = deps.grantless;
      const operation = request.operationId ?? operationFor(request.method, request.path);
      if (!source) {
        throw new AmazonError(
          'SPAPI_ERROR',
          `${operation} is a grantless call, and this SP-API client has no grantless token source (deps.grantless)`,
          { retryable: false },
        );
      }
      if (request.restrictedDataElements) {
        throw new AmazonError(
          'SPAPI_ERROR',
          `${operation}: a grantless call has no seller, so it cannot carry a Restricted Data Token`,
          { retryable: false },
        );
      }
      return send<T>(
        {
          // Grantless calls are limited per application (https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits): their own bucket, never a seller's.
          bucket: `app:${grant.applicationId}`,
          async token() {
            const { token } = await source.grantlessToken(grant.applicationId, grant.scope);
            return { token, region: grant.region };
          },
          invalidate: () => source.invalidateGrantless(grant.applicationId, grant.scope),
        },
        request,
      );
    },
    callWithToken<T>(grant: TokenGrant, request: SpApiRequest): Promise<SpApiResult<T>> {
      // No refresh and no replay: a token Amazon refuses is the answer the caller wants to see.
      return send<T>(
        {
          bucket: grant.bucket,
          token: () => Promise.resolve({ token: grant.accessToken, region: grant.region }),
        },
        request,
      );
    },
    restrictedDataToken,
  };
}

function toAmazonError(raw: unknown, timeoutMs: number): AmazonError {
  if (raw instanceof AmazonError) return raw;
  if (isDeadlineError(raw))
    return new AmazonError('AMAZON_TIMEOUT', `SP-API did not answer within ${timeoutMs / 1000} s`, {
      retryable: true,
    });
  if (raw instanceof TypeError)
    return new AmazonError('AMAZON_NETWORK', `could not reach SP-API (${raw.message})`, { retryable: true });
  throw raw;
}
