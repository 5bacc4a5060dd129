import { AmazonError } from '../amazon/errors.js';
import { TokenError, blocksConnection } from '../broker/errors.js';
import { MINUTE } from '../kernel/clock.js';
import type { DrainContext, Row, Step } from './drain-context.js';
import { failed, finish, requeue, setQueuedState, unclaim } from './drain-rows.js';
import { counted } from '../kernel/plural.js';

/** What a drain does when a call for a change fails: wait for the connection, back off, or fail the change. */

/** Amazon codes that concern the whole connection, where Amazon took nothing: the drain stops and comes back. */
const CONNECTION_WIDE_CODES = new Set([
  'SPAPI_THROTTLED',
  'SPAPI_WAIT_TOO_LONG',
  'SPAPI_ACCESS_TOKEN_EXPIRED',
  'SPAPI_CLIENT_SECRET_EXPIRED',
]);

/** The wait before a change's next attempt: doubling from `retryDelayMs`, at most `maxRetryDelayMs`, at least Amazon's Retry-After. */
export function retryDelay(
  ctx: Pick<DrainContext, 'retryDelayMs' | 'maxRetryDelayMs'>,
  row: Row,
  err: AmazonError,
): number {
  return Math.max(
    Math.min(ctx.maxRetryDelayMs, ctx.retryDelayMs * 2 ** Math.min(20, Math.max(0, row.attempts - 1))),
    err.info.retryAfterMs ?? 0,
  );
}

/**
 * Amazon failed this change transiently: it backs off (retryDelay), or fails for good once it has
 * been failing for the retry window.
 */
export async function backOff(
  ctx: DrainContext,
  row: Row,
  err: AmazonError,
  uncertain: boolean,
): Promise<Step> {
  const at = ctx.clock.now();
  const since = row.retrying_since?.getTime() ?? at;
  if (at - since >= ctx.retryWindowMs) {
    const reason = `Amazon kept failing for ${counted(Math.round((at - since) / MINUTE), 'minute')} (${counted(row.attempts, 'attempt')}); given up`;
    await finish(ctx, row, failed(reason, { code: err.code, message: err.message }));
    return { next: 'done' };
  }
  const delay = retryDelay(ctx, row, err);
  await requeue(ctx, row, {
    uncertain,
    reason: `Amazon failed (${err.code}); retried from ${new Date(at + delay).toISOString()}`,
    nextAttemptAt: new Date(at + delay),
    retryingSince: new Date(since),
  });
  ctx.logger.warn(
    { connectionId: row.connection_id, changeId: row.id, code: err.code, retryInMs: delay },
    'listing change not delivered; retrying later',
  );
  return { next: 'later' };
}

/** The broker refused a token for the change's call: nothing of it reached Amazon. */
export async function onTokenError(ctx: DrainContext, row: Row, err: TokenError): Promise<Step> {
  if (blocksConnection(err)) {
    await unclaim(ctx, row);
    await setQueuedState(
      ctx,
      row.connection_id,
      ['queued'],
      'waiting',
      `connection cannot call Amazon (${err.code}); sent when it works again`,
    );
    return { next: 'stop', report: { waiting: true } };
  }
  if (err.code === 'TOKEN_CONNECTION_NOT_FOUND') {
    await finish(
      ctx,
      row,
      failed('the connection no longer exists', { code: err.code, message: err.message }),
    );
    return { next: 'done' };
  }
  // LWA unreachable: nothing was sent, and every change of the connection would fail alike.
  await requeue(ctx, row, { uncertain: row.uncertain, reason: `token refresh failed: ${err.message}` });
  return { next: 'stop', report: { retryAfterMs: ctx.retryDelayMs } };
}

/** Amazon answered the change's call (`sent`: the change itself was on the wire) with an error. */
export async function onAmazonError(
  ctx: DrainContext,
  row: Row,
  err: AmazonError,
  sent: boolean,
): Promise<Step> {
  // Throttling and refused credentials concern the whole connection, and Amazon took nothing.
  if (CONNECTION_WIDE_CODES.has(err.code)) {
    await requeue(ctx, row, {
      uncertain: row.uncertain,
      reason: `Amazon failed (${err.code}); retried later`,
    });
    return { next: 'stop', report: { retryAfterMs: err.info.retryAfterMs ?? ctx.retryDelayMs } };
  }
  // A read-back that failed sent nothing; a send that failed transiently may have arrived.
  if (err.retryable || !sent) return backOff(ctx, row, err, row.uncertain || sent);
  // Amazon refused the request itself (400 InvalidInput, 403, 404): a final answer.
  const issue = {
    code: err.info.amazonCode ?? err.code,
    message: err.info.amazonMessage ?? err.message,
    severity: 'ERROR' as const,
    attributeNames: [],
  };
  await finish(
    ctx,
    row,
    failed(`Amazon refused the request (${err.code})`, { code: err.code, message: err.message }, [issue]),
  );
  return { next: 'done' };
}

/** Handles an error of a call for `row` (`sent`: the change itself was on the wire). */
export async function onError(ctx: DrainContext, row: Row, err: unknown, sent: boolean): Promise<Step> {
  if (err instanceof TokenError) return onTokenError(ctx, row, err);
  if (err instanceof AmazonError) return onAmazonError(ctx, row, err, sent);
  // Anything else is a bug or a crash: leave the row as it is (a `sending` row is read back later).
  throw err;
}
