import type { Kysely } from 'kysely';
import type { SpApiClient, SpApiRequest } from '../amazon/client-types.js';
import { AmazonError } from '../amazon/errors.js';
import {
  getMarketplaceParticipationsRequest,
  processGetMarketplaceParticipations,
  processSearchListingsItems,
  searchListingsItemsRequest,
  type Participations,
} from '../amazon/operations.js';
import { marketplaceById, REGION_NAMES } from '../amazon/regions.js';
import { recordEvent } from '../events/events.js';
import type { Secret } from '../kernel/secret.js';
import type { Database, RegionCode } from '../store/schema.js';

/**
 * Checking a seller claim: the `selling_partner_id` of the OAuth callback (or of the
 * self-authorization import form) is the seller's word, carried in a URL anyone can edit. Before a
 * new authorization is stored, its access token is put to Amazon:
 *
 * 1. `getMarketplaceParticipations` at the endpoint of the region the flow was started for. A token
 *    of another region is refused there, and a list with none of the region's marketplaces means
 *    the seller consented elsewhere: the claim is refused.
 * 2. `searchListingsItems` with the claimed seller id in the path. Amazon refuses (403) a seller id
 *    that is not the token's seller, so an answer confirms the id and a 403 contradicts it: the
 *    claim is refused. (An app without the Product Listing role is refused too; Sellerlink's apps
 *    need that role to send listing changes.)
 *
 * When Amazon cannot answer (throttled, 5xx, network), the claim is stored as unconfirmed. Neither
 * Sellers API operation returns the seller id itself, and LWA does not say whose a token is.
 * @see https://developer-docs.amazon.com/sp-api/docs/sellers-api-v1-reference
 * @see https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference
 */

/** What a claim check found. `refused`: nothing may be stored. */
export type ClaimCheck =
  | {
      outcome: 'confirmed' | 'unconfirmed';
      /** The region's marketplaces Amazon lists for the token (null: Amazon did not answer). */
      participations: Participations | null;
      /** Why the seller id could not be confirmed (unconfirmed only). */
      note: string | null;
      /** What Amazon's answer contradicts among the seller's other connections (operator review). */
      mismatch: string | null;
    }
  | { outcome: 'refused'; reason: 'region' | 'seller'; message: string; amazon: string | null };

/** The claim to check and the token Amazon just issued for it. */
export interface SellerClaim {
  applicationId: string;
  region: RegionCode;
  sellingPartnerId: string;
  accessToken: Secret;
}

/**
 * searchListingsItems for one item of one marketplace: the cheapest call that names a seller id.
 * @see https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference#searchlistingsitems
 */
export function sellerIdProbeRequest(sellingPartnerId: string, marketplaceId: string): SpApiRequest {
  return searchListingsItemsRequest({ sellerId: sellingPartnerId, marketplaceId, pageSize: 1 });
}

/** Amazon refused the token or the seller id (as opposed to not answering). */
const refusedByAmazon = (err: unknown): err is AmazonError =>
  err instanceof AmazonError && err.code === 'SPAPI_UNAUTHORIZED';

const describe = (err: unknown): string =>
  err instanceof AmazonError ? err.code : err instanceof Error ? err.message : String(err);

/** Checks a claim against Amazon's answers for its new token, and against the seller's other connections. */
export async function checkSellerClaim(
  deps: { spApi: SpApiClient; db: Kysely<Database> },
  claim: SellerClaim,
): Promise<ClaimCheck> {
  const region = REGION_NAMES[claim.region];
  const grant = {
    accessToken: claim.accessToken,
    region: claim.region,
    bucket: `claim:${claim.applicationId}:${claim.sellingPartnerId}`,
  };
  const refuseRegion = (amazon: string | null): ClaimCheck => ({
    outcome: 'refused',
    reason: 'region',
    message: `Amazon's ${region} endpoint does not accept this authorization, or lists none of the region's marketplaces for it: it was granted for another region.`,
    amazon,
  });

  let participations: Participations;
  try {
    participations = await processGetMarketplaceParticipations(
      deps.spApi.callWithToken(grant, getMarketplaceParticipationsRequest()),
    );
  } catch (err) {
    if (refusedByAmazon(err)) return refuseRegion(describe(err));
    return {
      outcome: 'unconfirmed',
      participations: null,
      note: `Amazon did not answer getMarketplaceParticipations (${describe(err)}), so the seller id could not be checked.`,
      mismatch: null,
    };
  }
  // Keep the region's marketplaces, and ids Sellerlink does not know yet (Amazon adds marketplaces).
  const inRegion = participations.marketplaceIds.filter((id) => {
    const known = marketplaceById(id);
    return known === undefined || known.region === claim.region;
  });
  const firstKnown = inRegion.find((id) => marketplaceById(id) !== undefined);
  if (firstKnown === undefined) return refuseRegion(null);
  const regional: Participations = { ...participations, marketplaceIds: inRegion };

  let outcome: 'confirmed' | 'unconfirmed' = 'confirmed';
  let note: string | null = null;
  try {
    await processSearchListingsItems(
      deps.spApi.callWithToken(grant, sellerIdProbeRequest(claim.sellingPartnerId, firstKnown)),
    );
  } catch (err) {
    if (refusedByAmazon(err)) {
      return {
        outcome: 'refused',
        reason: 'seller',
        message: `Amazon says this authorization is not for seller ${claim.sellingPartnerId}: it refuses that seller id for the token it just issued. The seller id was changed on the way back from Amazon, or it was mistyped.`,
        amazon: describe(err),
      };
    }
    outcome = 'unconfirmed';
    note = `Amazon did not answer the seller-id check (${describe(err)}).`;
  }
  return {
    outcome,
    participations: regional,
    note,
    mismatch: await contradictions(deps.db, claim, regional),
  };
}

/**
 * What Amazon's answer contradicts among the confirmed connections of the same seller id and region
 * (any application, any account): another store name, or no marketplace in common.
 */
async function contradictions(
  db: Kysely<Database>,
  claim: SellerClaim,
  participations: Participations,
): Promise<string | null> {
  const others = await db
    .selectFrom('connections')
    .select(['store_name', 'marketplace_ids'])
    .where('api', '=', 'sp_api')
    .where('selling_partner_id', '=', claim.sellingPartnerId)
    .where('region', '=', claim.region)
    .where('claim_status', '=', 'confirmed')
    .where('state', '!=', 'disconnected')
    .execute();
  const found: string[] = [];
  const name = participations.storeName;
  const otherName = others.find((o) => o.store_name !== null && name !== null && o.store_name !== name);
  if (otherName) {
    found.push(
      `Amazon names the store "${name}", but another connection of seller ${claim.sellingPartnerId} has "${otherName.store_name}".`,
    );
  }
  const disjoint = others.find(
    (o) =>
      o.marketplace_ids.length > 0 &&
      !o.marketplace_ids.some((id) => participations.marketplaceIds.includes(id)),
  );
  if (disjoint) {
    found.push(
      `Amazon lists none of the marketplaces of another connection of seller ${claim.sellingPartnerId}.`,
    );
  }
  return found.length ? found.join(' ') : null;
}

/**
 * Tells the operators that a seller claim Amazon contradicts was refused (`connection.claim_review`
 * with `refused: true`; no account or connection on the event, so it goes to the operators only).
 */
export async function reportRefusedClaim(
  db: Kysely<Database>,
  at: Date,
  claim: Omit<SellerClaim, 'accessToken'> & { accountId: string; via: 'oauth' | 'self' },
  refusal: { message: string; amazon: string | null },
): Promise<void> {
  await recordEvent(db, {
    type: 'connection.claim_review',
    at,
    applicationId: claim.applicationId,
    payload: {
      refused: true,
      sellingPartnerId: claim.sellingPartnerId,
      region: claim.region,
      claimedByAccountId: claim.accountId,
      via: claim.via,
      reason: refusal.message,
      amazon: refusal.amazon,
    },
  });
}

/**
 * Checks a claim (checkSellerClaim) and, when Amazon contradicts its seller id, tells the operators
 * (reportRefusedClaim): the one entry point for the OAuth callback and the self-authorization import.
 */
export async function verifySellerClaim(
  deps: { spApi: SpApiClient; db: Kysely<Database>; clock: { now(): number } },
  claim: SellerClaim & { accountId: string; via: 'oauth' | 'self' },
): Promise<ClaimCheck> {
  const { accountId, via, ...checked } = claim;
  const check = await checkSellerClaim(deps, checked);
  if (check.outcome === 'refused' && check.reason === 'seller') {
    const { accessToken: _token, ...reported } = checked;
    await reportRefusedClaim(deps.db, new Date(deps.clock.now()), { ...reported, accountId, via }, check);
  }
  return check;
}
