import type { Selectable } from 'kysely';
import type { ListingChangesTable } from '../store/schema.js';
import type { ChangeKind } from './validate.js';

/**
 * A change's life: `queued` → `sending` → `accepted` | `rejected` | `valid` (preview) | `failed`;
 * `queued` again after a transient failure (until its next attempt); `waiting` while the connection
 * cannot call Amazon (shown as "waiting for the connection"). `superseded` is only found on changes
 * recorded before migration 0012, when a later change to the same SKU replaced unsent ones.
 */
export type ChangeState =
  'queued' | 'waiting' | 'sending' | 'accepted' | 'rejected' | 'valid' | 'failed' | 'superseded';

/** States after which nothing more happens to a change. */
export const FINAL_STATES: readonly ChangeState[] = ['accepted', 'rejected', 'valid', 'failed', 'superseded'];
/** States of changes still to be delivered. */
export const OPEN_STATES: readonly ChangeState[] = ['queued', 'waiting', 'sending'];

/** One of Amazon's issues on a submission (Listings Items `Issue`). */
export interface ListingIssue {
  code: string;
  message: string;
  severity: 'ERROR' | 'WARNING' | 'INFO';
  attributeNames: string[];
}

/** Who asked for a change and through what. */
export type ChangeSource = 'portal' | 'api' | 'cli';

/** A listing change as the rest of the service sees it. */
export interface ListingChange {
  id: string;
  seq: number;
  connectionId: string;
  accountId: string;
  sku: string;
  marketplaceId: string;
  kind: ChangeKind;
  body: Record<string, unknown> | null;
  preview: boolean;
  state: ChangeState;
  /** The state in words: "waiting for the connection", "superseded by <id>", … */
  stateLabel: string;
  stateReason: string | null;
  attempts: number;
  supersededBy: string | null;
  /** Amazon's status: ACCEPTED, INVALID or VALID (preview). */
  amazonStatus: string | null;
  submissionId: string | null;
  issues: ListingIssue[];
  error: { code: string; message: string } | null;
  source: string;
  createdBy: string;
  createdAt: Date;
  sentAt: Date | null;
  finishedAt: Date | null;
}

/** The state in the words the portal, API and CLI show. */
export function stateLabel(state: ChangeState, supersededBy: string | null): string {
  switch (state) {
    case 'waiting':
      return 'waiting for the connection';
    case 'superseded':
      return `superseded by ${supersededBy ?? 'a later change'}`;
    case 'valid':
      return 'valid (preview)';
    default:
      return state;
  }
}

/** Issues as stored: only the fields of Amazon's `Issue` that Sellerlink keeps. */
export function toIssues(value: unknown): ListingIssue[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((i): i is Record<string, unknown> => typeof i === 'object' && i !== null)
    .map((i) => ({
      code: typeof i.code === 'string' ? i.code : '',
      message: typeof i.message === 'string' ? i.message : '',
      severity: i.severity === 'WARNING' || i.severity === 'INFO' ? i.severity : 'ERROR',
      attributeNames: Array.isArray(i.attributeNames)
        ? i.attributeNames.filter((n): n is string => typeof n === 'string')
        : [],
    }));
}

export function toChange(r: Selectable<ListingChangesTable>): ListingChange {
  const state = r.state as ChangeState;
  return {
    id: r.id,
    seq: Number(r.seq),
    connectionId: r.connection_id,
    accountId: r.account_id,
    sku: r.sku,
    marketplaceId: r.marketplace_id,
    kind: r.kind,
    body: r.body,
    preview: r.preview,
    state,
    stateLabel: stateLabel(state, r.superseded_by),
    stateReason: r.state_reason,
    attempts: r.attempts,
    supersededBy: r.superseded_by,
    amazonStatus: r.amazon_status,
    submissionId: r.submission_id,
    issues: toIssues(r.issues),
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
    source: r.source,
    createdBy: r.created_by,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    finishedAt: r.finished_at,
  };
}
