import type { Clock } from '../kernel/clock.js';
import type { Random } from '../kernel/random.js';
import { Secret } from '../kernel/secret.js';
import type { GrantlessGrant, SpApiClient, SpApiRequest, TokenGrant } from './client-types.js';
import { exchangeWithDeadline, isDeadlineError } from './deadline.js';
import { AmazonError } from './errors.js';
import {
  createRestrictedDataTokenRequest,
  processCreateRestrictedDataToken,
  type RestrictedDataToken,
  type RestrictedResource,
} from './operations/tokens.js';
import type { RateLimiter } from './rate-limiter.js';
import { buildSpApiRequest, processSpApiResponse, type SpApiResult } from './spapi.js';
import { operationFor, UNKNOWN_OPERATION_PLAN, USAGE_PLANS, type UsagePlan } from './usage-plans.js';

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
export interface Caller {
  /** Prefix of the rate-limit bucket key, `<bucket>:<operation>`. */
  bucket: string;
  /** The token to send and the region whose endpoint takes the call, fetched for every attempt. */
  token(): Promise<{ token: Secret; region: 'NA' | 'EU' | 'FE' }>;
  /** Drops a token Amazon called expired or invalid; without it (an RDT) there is no replay. */
  invalidate?: () => Promise<void> | void;
  /** Told the time the successful call was sent (a call's success belongs to when it was made). */
  onSuccess?: (sentAt: number) => void;
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
  /** Called after every successful call with when it was sent (the service records "last successful call"). */
  onSuccess?: (connectionId: string, sentAt: number) => void;
  /** Called when Amazon kept throttling or failing a call past its retries (the service records it). */
  onFailure?: (connectionId: string, err: AmazonError) => void;
}

const RDT_MARGIN_MS = 60_000;

/** The client's settings with their defaults applied. */
function settingsOf(deps: SpApiClientDeps) {
  return {
    sleep: deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    timeoutMs: deps.timeoutMs ?? 30_000,
    maxAttempts: deps.maxAttempts ?? 5,
    backoffBaseMs: deps.backoffBaseMs ?? 500,
    backoffCapMs: deps.backoffCapMs ?? 30_000,
  };
}

/** The usage-plan key of a request and its plan (the most conservative for an unknown operation). */
function planOf(request: Pick<SpApiRequest, 'operationId' | 'method' | 'path'>): {
  operation: string;
  plan: UsagePlan;
} {
  const operation = request.operationId ?? operationFor(request.method, request.path);
  return { operation, plan: USAGE_PLANS[operation] ?? UNKNOWN_OPERATION_PLAN };
}

/** Where one attempt goes: its bucket and operation, the token and the region whose endpoint takes it. */
interface Attempt {
  bucket: string;
  operation: string;
  /** The plan's burst: how the limiter adopts a reported rate (rate-limiter.ts, RATE_SAFETY). */
  burst: number;
  token: Secret;
  region: 'NA' | 'EU' | 'FE';
}

/**
 * One exchange under the deadline. The rate Amazon reports (x-amzn-RateLimit-Limit) is learned
 * whether the call succeeded or not, and a 429 empties the bucket. Failures of the exchange come
 * back as AmazonErrors; anything else (a bug, a failing database) is thrown as it is.
 * @see https://developer-docs.amazon.com/sp-api/docs/response-format
 */
export async function exchangeOnce<T>(
  deps: SpApiClientDeps,
  attempt: Attempt,
  request: SpApiRequest,
): Promise<SpApiResult<T>> {
  const { bucket, operation } = attempt;
  const { timeoutMs } = settingsOf(deps);
  // x-amzn-RateLimit-Limit, learned once whether the call succeeded or not.
  const seen: { limit: string | null } = { limit: null };
  const learnRate = async (): Promise<void> => {
    const limit = seen.limit;
    seen.limit = null;
    if (limit !== null) await deps.limiter.learnRate(bucket, Number(limit), attempt.burst);
  };
  try {
    const wire = buildSpApiRequest({
      endpoint: deps.endpoints[attempt.region],
      call: request,
      accessToken: attempt.token,
      userAgent: deps.userAgent,
    });
    // One deadline over the whole exchange, body included (deadline.ts).
    const result = await exchangeWithDeadline(deps.fetch, wire, timeoutMs, (response) => {
      seen.limit = response.headers.get('x-amzn-ratelimit-limit');
      return processSpApiResponse<T>(response);
    });
    await learnRate();
    deps.metrics?.call(operation, result.status);
    return result;
  } catch (raw) {
    await learnRate();
    const err = toAmazonError(raw, timeoutMs);
    deps.metrics?.call(operation, err.info.status ?? 'error');
    if (err.code === 'SPAPI_THROTTLED') {
      deps.metrics?.throttled(operation);
      await deps.limiter.drain(bucket);
    }
    throw err;
  }
}

/**
 * "Expired", or "revoked, malformed or invalid": the token is stale, and one refresh and one replay
 * may fix it. A revoked authorization then fails the refresh with invalid_grant, which the broker
 * records at once.
 * @see https://developer-docs.amazon.com/sp-api/docs/response-format
 */
function isStaleToken(err: AmazonError): boolean {
  return (
    err.code === 'SPAPI_ACCESS_TOKEN_EXPIRED' ||
    (err.code === 'SPAPI_UNAUTHORIZED' && /revoked, malformed or invalid/i.test(err.info.amazonMessage ?? ''))
  );
}

/** Whether a failed attempt is tried again: retryable, attempts left, and Amazon took nothing when the caller cannot repeat a call blindly. */
function mayRetry(err: AmazonError, attempt: number, maxAttempts: number, request: SpApiRequest): boolean {
  if (!err.retryable || err.code === 'SPAPI_ACCESS_TOKEN_EXPIRED' || attempt >= maxAttempts) return false;
  // Anything but a throttle may have been processed by Amazon: a caller that cannot repeat the call
  // blindly decides itself.
  return request.retryAmbiguous !== false || err.code === 'SPAPI_THROTTLED';
}

/**
 * Sends one call for a caller: per attempt its token, a token of the shared bucket (waiting for the
 * usage plan), one exchange (exchangeOnce); one refresh-and-replay of a stale token, and retries of
 * retryable failures with full-jitter backoff, min(cap, base × 2^attempt). A failure before the
 * exchange (the broker's TokenError, SPAPI_WAIT_TOO_LONG) goes to the caller as it is.
 */
export async function sendCall<T>(
  deps: SpApiClientDeps,
  caller: Caller,
  request: SpApiRequest,
): Promise<SpApiResult<T>> {
  const settings = settingsOf(deps);
  const { operation, plan } = planOf(request);
  const bucket = `${caller.bucket}:${operation}`;
  const wait = request.maxWaitMs === undefined ? {} : { maxWaitMs: request.maxWaitMs };
  let replayedStale = false;
  for (let attempt = 1; ; attempt++) {
    const { token, region } = await caller.token();
    const waited = await deps.limiter.acquire(bucket, plan, wait);
    if (waited > 0) deps.metrics?.waited(operation, waited);
    let result: SpApiResult<T>;
    const sentAt = deps.clock.now();
    try {
      result = await exchangeOnce<T>(deps, { bucket, operation, burst: plan.burst, token, region }, request);
    } catch (raw) {
      if (!(raw instanceof AmazonError)) throw raw;
      if (isStaleToken(raw) && !replayedStale && caller.invalidate) {
        replayedStale = true; // one refresh and one replay
        await caller.invalidate();
        attempt--;
        continue;
      }
      if (!mayRetry(raw, attempt, settings.maxAttempts, request)) {
        if (raw.retryable && raw.code !== 'SPAPI_WAIT_TOO_LONG') caller.onFailure?.(raw);
        throw raw;
      }
      const ceiling = Math.min(settings.backoffCapMs, settings.backoffBaseMs * 2 ** attempt);
      await settings.sleep(Math.floor(deps.random.float() * ceiling));
      continue;
    }
    caller.onSuccess?.(sentAt);
    return result;
  }
}

/** A connection's caller: the broker's access token, or a Restricted Data Token (no refresh). */
export function connectionCaller(deps: SpApiClientDeps, connectionId: string, rdt: Secret | null): Caller {
  return {
    bucket: connectionId,
    async token() {
      const minted = await deps.tokens.accessToken(connectionId);
      return rdt === null ? minted : { token: rdt, region: minted.region };
    },
    ...(rdt === null ? { invalidate: () => deps.tokens.invalidate(connectionId) } : {}),
    onSuccess: (sentAt) => deps.onSuccess?.(connectionId, sentAt),
    onFailure: (err) => deps.onFailure?.(connectionId, err),
  };
}

/**
 * A grantless caller: a client_credentials token for the application and scope, and a bucket per
 * application, never a seller's (grantless calls are limited per application).
 * @see https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits
 */
export function grantlessCaller(deps: SpApiClientDeps, grant: GrantlessGrant, request: SpApiRequest): Caller {
  const source = deps.grantless;
  const { operation } = planOf(request);
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
  return {
    bucket: `app:${grant.applicationId}`,
    async token() {
      const { token } = await source.grantlessToken(grant.applicationId, grant.scope);
      return { token, region: grant.region };
    },
    invalidate: () => source.invalidateGrantless(grant.applicationId, grant.scope),
  };
}

/**
 * Mints a Restricted Data Token for a connection (createRestrictedDataToken).
 * @see https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide
 */
export async function mintRestrictedDataToken(
  deps: SpApiClientDeps,
  connectionId: string,
  resources: readonly RestrictedResource[],
): Promise<RestrictedDataToken> {
  const caller = connectionCaller(deps, connectionId, null);
  const answer = await sendCall(deps, caller, createRestrictedDataTokenRequest(resources));
  // The token's life counts from when Amazon answered.
  return processCreateRestrictedDataToken(answer, deps.clock.now());
}

/** RDTs by connection, call and data elements, kept until a minute before they expire. */
type RdtCache = Map<string, { token: Secret; expiresAt: number }>;

/** A restricted call: with a cached Restricted Data Token for exactly this call, minted when needed. */
export async function callRestricted<T>(
  deps: SpApiClientDeps,
  rdts: RdtCache,
  connectionId: string,
  request: SpApiRequest & { restrictedDataElements: string[] },
): Promise<SpApiResult<T>> {
  const key = `${connectionId}|${request.method}|${request.path}|${[...request.restrictedDataElements].sort().join(',')}`;
  let rdt = rdts.get(key);
  if (!rdt || rdt.expiresAt - RDT_MARGIN_MS <= deps.clock.now()) {
    const minted = await mintRestrictedDataToken(deps, connectionId, [
      { method: request.method, path: request.path, dataElements: request.restrictedDataElements },
    ]);
    rdt = { token: new Secret(minted.token), expiresAt: minted.expiresAt.getTime() };
    rdts.set(key, rdt);
  }
  return sendCall<T>(deps, connectionCaller(deps, connectionId, rdt.token), request);
}

/**
 * Seconds the usage plan needs before `calls` more calls of an operation can go for a connection,
 * from its shared bucket (a bucket not used yet is full: its burst less the one held back).
 */
export async function planWaitSeconds(
  deps: SpApiClientDeps,
  connectionId: string,
  operationId: string,
  calls: number,
): Promise<number> {
  const plan = USAGE_PLANS[operationId] ?? UNKNOWN_OPERATION_PLAN;
  const bucket = await deps.limiter.peek(`${connectionId}:${operationId}`);
  const rate = bucket ? bucket.rate : plan.rate;
  const tokens = bucket ? Math.max(0, Math.floor(bucket.tokens)) : plan.burst - 1;
  return Math.max(0, calls - tokens) / rate;
}

/**
 * The SP-API client: access token from the broker (one refresh and one replay when Amazon says it
 * expired), a shared token bucket per (connection, operation) that waits instead of being
 * throttled, retries of 429/500/503/network failures with jittered exponential backoff and a cap,
 * a timeout on every attempt, and Restricted Data Tokens minted and cached for restricted calls.
 * Grantless calls (per application, not per seller) take the same path with a client_credentials
 * token and a bucket per (application, operation).
 */
export function createSpApiClient(deps: SpApiClientDeps): SpApiClient {
  const rdts: RdtCache = new Map();
  return {
    call<T>(connectionId: string, request: SpApiRequest): Promise<SpApiResult<T>> {
      const { restrictedDataElements } = request;
      return restrictedDataElements
        ? callRestricted<T>(deps, rdts, connectionId, { ...request, restrictedDataElements })
        : sendCall<T>(deps, connectionCaller(deps, connectionId, null), request);
    },
    async callGrantless<T>(grant: GrantlessGrant, request: SpApiRequest): Promise<SpApiResult<T>> {
      return sendCall<T>(deps, grantlessCaller(deps, grant, request), request);
    },
    callWithToken<T>(grant: TokenGrant, request: SpApiRequest): Promise<SpApiResult<T>> {
      // No refresh and no replay: a token Amazon refuses is the answer the caller wants to see.
      const token = () => Promise.resolve({ token: grant.accessToken, region: grant.region });
      return sendCall<T>(deps, { bucket: grant.bucket, token }, request);
    },
    restrictedDataToken: (connectionId, resources) => mintRestrictedDataToken(deps, connectionId, resources),
    planWaitSeconds: (connectionId, operationId, calls) =>
      planWaitSeconds(deps, connectionId, operationId, calls),
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
