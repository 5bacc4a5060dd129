import type { SpApiRequest } from '../amazon/client-types.js';
import {
  deleteListingsItemRequest,
  patchListingsItemRequest,
  processListingsItemSubmission,
  putListingsItemRequest,
  type ListingsItemSubmission,
  type ListingsItemWrite,
} from '../amazon/operations.js';
import { nowOf, type DrainContext, type Row, type Step } from './drain-context.js';
import { onError } from './drain-outcomes.js';
import { claimForSending, finish, requeue, type ChangeResult } from './drain-rows.js';
import { listingShowsChange, readListing, type LiveAttributes } from './readback.js';
import type { PatchBody, PutBody } from './validate.js';

/** Sending one change: read back first when an earlier send may have landed, then claim, send and record. */

/** A change as its kind and body. */
type Change =
  { kind: 'put'; body: PutBody } | { kind: 'patch'; body: PatchBody } | { kind: 'delete'; body: null };

function changeOf(row: Row): Change {
  return { kind: row.kind, body: row.body } as Change;
}

/** The Listings Items request that sends a change (put, patch or delete; a preview only validates). */
export function changeRequest(sellerId: string, row: Row): SpApiRequest {
  const target: ListingsItemWrite = {
    sellerId,
    sku: row.sku,
    marketplaceId: row.marketplace_id,
    preview: row.preview,
  };
  const change = changeOf(row);
  switch (change.kind) {
    case 'put':
      return putListingsItemRequest(target, change.body);
    case 'patch':
      return patchListingsItemRequest(target, change.body);
    case 'delete':
      return deleteListingsItemRequest(target);
  }
}

/** Amazon's answer to a send as the change's final result. */
export function resultOf(submission: ListingsItemSubmission): ChangeResult {
  const { status, reportedStatus } = submission;
  const state =
    status === 'ACCEPTED'
      ? 'accepted'
      : status === 'INVALID'
        ? 'rejected'
        : status === 'VALID'
          ? 'valid'
          : null;
  return {
    state: state ?? 'failed',
    amazonStatus: reportedStatus,
    submissionId: submission.submissionId,
    issues: submission.issues,
    reason: state ? null : 'Amazon answered without a known status',
    ...(state ? {} : { error: { code: 'SPAPI_BAD_RESPONSE', message: `status ${String(reportedStatus)}` } }),
  };
}

/**
 * An uncertain change (an earlier send may have reached Amazon) before it goes again: it waits
 * until that send has surely landed or died, then is read back (readback.ts). Returns the step when
 * the change needs no send now, or null to send it.
 */
export async function settleUncertain(ctx: DrainContext, sellerId: string, row: Row): Promise<Step | null> {
  // The earlier send may still be inside Amazon: wait until it must have landed or died.
  const settled = row.sent_at ? new Date(row.sent_at.getTime() + ctx.inFlightSettleMs) : null;
  if (settled && settled > nowOf(ctx)) {
    await requeue(ctx, row, {
      uncertain: true,
      reason: 'an earlier send was interrupted; checked with Amazon once it has surely landed',
      nextAttemptAt: settled,
    });
    return { next: 'later' };
  }
  let live: LiveAttributes | null;
  try {
    live = await readListing(ctx.spApi, row.connection_id, sellerId, row.sku, row.marketplace_id);
  } catch (err) {
    return onError(ctx, row, err, false);
  }
  if (!listingShowsChange(changeOf(row), live)) return null;
  await finish(ctx, row, {
    state: 'accepted',
    amazonStatus: 'ACCEPTED',
    submissionId: null,
    issues: [],
    reason:
      'an earlier send was interrupted; the listing already shows this change, so it was not sent again',
  });
  return { next: 'done' };
}

/**
 * Delivers one due change: settles an uncertain one first, marks it `sending` in a committed write,
 * sends it once (an ambiguous failure comes back here and is settled by reading the item back) and
 * records Amazon's answer with its event.
 */
export async function deliver(ctx: DrainContext, sellerId: string, row: Row): Promise<Step> {
  if (row.uncertain && !row.preview) {
    const step = await settleUncertain(ctx, sellerId, row);
    if (step) return step;
  }
  const claimed = await claimForSending(ctx, row);
  if (!claimed) return { next: 'later' };
  let submission: ListingsItemSubmission;
  try {
    // Send once: an ambiguous failure comes back here and is settled by reading the item back.
    const request = { ...changeRequest(sellerId, claimed), retryAmbiguous: false };
    submission = await processListingsItemSubmission(ctx.spApi.call(claimed.connection_id, request));
  } catch (err) {
    return onError(ctx, claimed, err, true);
  }
  await finish(ctx, claimed, resultOf(submission));
  return { next: 'done' };
}
