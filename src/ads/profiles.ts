import type { Kysely } from 'kysely';
import type { AdsProfile } from '../amazon/operations/ads.js';
import type { Region } from '../amazon/regions.js';
import type { Database } from '../store/schema.js';

/**
 * The one writer of `ads_profiles` and `ads_profile_listings`: the advertising profiles an Ads
 * connection's `GET /v2/profiles` listed on each Ads host, and when (migration 0016).
 */

/** One host's answer: its profiles, or null when it did not answer. */
export type HostListing = { region: Region; profiles: AdsProfile[] | null; error?: string };

/**
 * Stores a listing: the profiles of each host that answered replace that host's previous ones; a
 * host that did not answer keeps what it listed before (and is named in `failed_regions`).
 */
export async function storeProfileListing(
  db: Kysely<Database>,
  connectionId: string,
  hosts: readonly HostListing[],
  at: Date,
): Promise<void> {
  const failed = hosts.filter((h) => h.profiles === null).map((h) => h.region);
  await db.transaction().execute(async (trx) => {
    for (const host of hosts) {
      if (host.profiles === null) continue;
      await trx
        .deleteFrom('ads_profiles')
        .where('connection_id', '=', connectionId)
        .where('api_region', '=', host.region)
        .execute();
      const seen = new Set<string>();
      const rows = host.profiles
        .filter((p) => /^\d{1,20}$/.test(p.profileId) && !seen.has(p.profileId) && seen.add(p.profileId))
        .map((p) => ({
          connection_id: connectionId,
          profile_id: p.profileId,
          api_region: host.region,
          country_code: p.countryCode.slice(0, 8),
          currency_code: p.currencyCode.slice(0, 8),
          timezone: p.timezone.slice(0, 64),
          marketplace_id: p.marketplaceId?.slice(0, 40) ?? null,
          account_type: p.accountType.slice(0, 20),
          account_id: p.accountId.slice(0, 80),
          account_name: p.accountName?.slice(0, 200) ?? null,
          valid_payment_method: p.validPaymentMethod,
          listed_at: at,
        }));
      if (rows.length > 0) {
        // A profile id listed by two hosts stays with the first (Amazon lists each in one region).
        await trx
          .insertInto('ads_profiles')
          .values(rows)
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
    }
    const note = hosts
      .filter((h) => h.profiles === null)
      .map((h) => `${h.region}: ${h.error ?? 'no answer'}`)
      .join('; ');
    const values = { listed_at: at, failed_regions: JSON.stringify(failed), note: note || null };
    await trx
      .insertInto('ads_profile_listings')
      .values({ connection_id: connectionId, ...values })
      .onConflict((oc) => oc.column('connection_id').doUpdateSet(values))
      .execute();
  });
}

/** A stored profile (as Amazon listed it, on which host) with the SP-API connection it matches, if any. */
export interface ProfileView extends AdsProfile {
  region: Region;
  /**
   * The seller connection of this account whose seller id equals the profile's account id in the
   * same region: shown as a match (Amazon does not guarantee the link), never assumed.
   */
  match: { connectionId: string; sellingPartnerId: string; storeName: string | null } | null;
}

/** What an Ads connection's profiles look like now. */
export interface ProfilesView {
  /** null: never listed yet. */
  listedAt: Date | null;
  failedRegions: Region[];
  note: string | null;
  profiles: ProfileView[];
}

/** The stored profiles of an Ads connection, each with its matching seller connection. */
export async function readProfiles(db: Kysely<Database>, connectionId: string): Promise<ProfilesView> {
  const listing = await db
    .selectFrom('ads_profile_listings')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .executeTakeFirst();
  const rows = await db
    .selectFrom('ads_profiles as p')
    .innerJoin('connections as ads', 'ads.id', 'p.connection_id')
    .leftJoin('connections as sp', (join) =>
      join
        .onRef('sp.account_id', '=', 'ads.account_id')
        .onRef('sp.selling_partner_id', '=', 'p.account_id')
        .onRef('sp.region', '=', 'p.api_region')
        .on('sp.api', '=', 'sp_api')
        .on('sp.state', '!=', 'disconnected'),
    )
    .selectAll('p')
    .select(['sp.id as sp_id', 'sp.selling_partner_id as sp_seller', 'sp.store_name as sp_store'])
    .where('p.connection_id', '=', connectionId)
    .orderBy('p.api_region')
    .orderBy('p.country_code')
    .orderBy('p.profile_id')
    .execute();
  const seen = new Set<string>();
  const profiles: ProfileView[] = [];
  for (const r of rows) {
    if (seen.has(r.profile_id)) continue;
    seen.add(r.profile_id);
    profiles.push({
      profileId: r.profile_id,
      region: r.api_region,
      countryCode: r.country_code,
      currencyCode: r.currency_code,
      timezone: r.timezone,
      marketplaceId: r.marketplace_id,
      accountType: r.account_type,
      accountId: r.account_id,
      accountName: r.account_name,
      validPaymentMethod: r.valid_payment_method,
      match: r.sp_id
        ? { connectionId: r.sp_id, sellingPartnerId: r.sp_seller!, storeName: r.sp_store }
        : null,
    });
  }
  return {
    listedAt: listing?.listed_at ?? null,
    failedRegions: listing ? (JSON.parse(listing.failed_regions) as Region[]) : [],
    note: listing?.note ?? null,
    profiles,
  };
}

/** The region a connection's profile was listed in, or null when the connection has no such profile. */
export async function profileRegion(
  db: Kysely<Database>,
  connectionId: string,
  profileId: string,
): Promise<Region | null> {
  const row = await db
    .selectFrom('ads_profiles')
    .select('api_region')
    .where('connection_id', '=', connectionId)
    .where('profile_id', '=', profileId)
    .executeTakeFirst();
  return row?.api_region ?? null;
}
