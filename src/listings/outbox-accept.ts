import type { Kysely } from 'kysely';
import { getVisibleConnection, type Connection, type Viewer } from '../connections/repository.js';
import type { Clock } from '../kernel/clock.js';
import { ValidationError } from '../kernel/errors.js';
import { randomUuid, type Random } from '../kernel/random.js';
import type { Database } from '../store/schema.js';
import { toChange, type ChangeSource, type ListingChange } from './model.js';
import { checkChange, checkMarketplaceId, type CheckedChange } from './validate.js';

/** A change as callers hand it in (bodies as in Listings Items 2021-08-01). */
export interface ChangeInput {
  sku: unknown;
  kind: unknown;
  body?: unknown;
  /** Send with `mode=VALIDATION_PREVIEW`: Amazon validates, nothing changes. */
  preview?: boolean;
  /** One of the connection's marketplaces; default its first. */
  marketplaceId?: unknown;
}

/** Who submits, for the history ("user:alice", "api:slk_ab12", "cli"). */
export interface SubmitMeta {
  source: ChangeSource;
  actor: string;
}

/** A change that passed every check, with its marketplace chosen. */
export type AcceptedChange = CheckedChange & { preview: boolean; marketplaceId: string };

/** Checked changes for one connection, ready to store. */
export interface PreparedChanges {
  connection: Connection;
  checked: AcceptedChange[];
  now: number;
  /** The connection cannot call Amazon now: the changes wait. */
  blocked: boolean;
}

/**
 * The marketplace a change goes to: the one named (which must be one of the connection's, when
 * those are known), else the connection's first.
 */
export function chooseMarketplace(
  connection: Pick<Connection, 'marketplaceIds'>,
  input: ChangeInput,
): string {
  if (input.marketplaceId === undefined || input.marketplaceId === null || input.marketplaceId === '') {
    const first = connection.marketplaceIds[0];
    if (!first)
      throw new ValidationError(
        'marketplaceId: the connection has no known marketplace yet; name one',
        'marketplaceId',
      );
    return first;
  }
  const marketplaceId = checkMarketplaceId(input.marketplaceId);
  if (connection.marketplaceIds.length > 0 && !connection.marketplaceIds.includes(marketplaceId))
    throw new ValidationError(
      `marketplaceId: the seller does not sell in ${marketplaceId} (marketplaces: ${connection.marketplaceIds.join(', ')})`,
      'marketplaceId',
    );
  return marketplaceId;
}

/** Checks one change for a connection (ValidationError naming the field). */
export function acceptChange(
  connection: Pick<Connection, 'marketplaceIds'>,
  input: ChangeInput,
): AcceptedChange {
  const change = checkChange(input);
  if (input.preview !== undefined && typeof input.preview !== 'boolean')
    throw new ValidationError('preview: must be true or false', 'preview');
  if (input.preview && change.kind === 'delete')
    throw new ValidationError(
      'preview: Amazon validates puts and patches only; a delete cannot be previewed',
      'preview',
    );
  return { ...change, preview: input.preview ?? false, marketplaceId: chooseMarketplace(connection, input) };
}

/** A batch's error names the change at fault: `changes[i].field`. */
function atIndex(err: unknown, i: number, batch: boolean): never {
  if (err instanceof ValidationError && batch && err.field !== undefined)
    throw new ValidationError(`changes[${i}].${err.message}`, `changes[${i}].${err.field}`);
  throw err;
}

/** Checks changes for a connection the viewer may see; nothing is stored. */
export async function prepareChanges(
  deps: { db: Kysely<Database>; clock: Clock },
  viewer: Viewer,
  connectionId: string,
  inputs: readonly ChangeInput[],
): Promise<PreparedChanges> {
  const now = deps.clock.now();
  const connection = await getVisibleConnection(deps.db, viewer, connectionId, now);
  const checked = inputs.map((input, i) => {
    try {
      return acceptChange(connection, input);
    } catch (e) {
      return atIndex(e, i, inputs.length > 1);
    }
  });
  return { connection, checked, now, blocked: !connection.health.canCallAmazon };
}

/** Stores prepared changes, queued (or waiting, when the connection cannot call Amazon); in order. */
export async function insertChanges(
  db: Kysely<Database>,
  random: Random,
  prepared: PreparedChanges,
  meta: SubmitMeta,
): Promise<ListingChange[]> {
  const { connection, checked, now, blocked } = prepared;
  if (checked.length === 0) return [];
  const rows = await db
    .insertInto('listing_changes')
    .values(
      checked.map((c) => ({
        id: randomUuid(random),
        connection_id: connection.id,
        account_id: connection.accountId,
        sku: c.sku,
        marketplace_id: c.marketplaceId,
        kind: c.kind,
        body: c.body === null ? null : JSON.stringify(c.body),
        preview: c.preview,
        state: blocked ? 'waiting' : 'queued',
        state_reason: blocked
          ? `waiting: ${connection.health.label.toLowerCase()}; sent when it works again`
          : null,
        source: meta.source,
        created_by: meta.actor,
        created_at: new Date(now),
        updated_at: new Date(now),
      })),
    )
    .returningAll()
    .execute();
  return rows.map(toChange).sort((a, b) => a.seq - b.seq);
}
