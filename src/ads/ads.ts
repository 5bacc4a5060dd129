import type { Kysely } from 'kysely';
import type { AdsAnswer, AdsClient, AdsForward } from '../amazon/ads-client.js';
import { AmazonError } from '../amazon/errors.js';
import { REGIONS } from '../amazon/regions.js';
import type { TokenBroker } from '../broker/broker.js';
import { getVisibleConnection, type Connection, type Viewer } from '../connections/repository.js';
import type { Clock } from '../kernel/clock.js';
import { AppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import type { Secret } from '../kernel/secret.js';
import type { Applications } from '../lifecycle/applications.js';
import type { ConnectionLifecycle } from '../lifecycle/connections.js';
import { connectionsDueForProbe, type ProbePass } from '../monitor/connections.js';
import type { Database } from '../store/schema.js';
import { AdsError } from './errors.js';
import {
  profileRegion,
  readProfiles,
  storeProfileListing,
  type HostListing,
  type ProfilesView,
} from './profiles.js';

/**
 * Amazon Ads connections after consent: their advertising profiles (listed on all three Ads hosts,
 * since `/v2/profiles` answers only the host's region), access tokens through the one token broker,
 * the Ads API proxy (the three headers added, paced per profile, 429 + Retry-After waited out), and
 * the daily probe that finds a revoked or expired consent before a caller does.
 * @see https://advertising.amazon.com/API/docs/en-us/reference/2/profiles
 */

export interface AdsDeps {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  tokens: TokenBroker;
  adsApi: AdsClient;
  applications: Applications;
  lifecycle: ConnectionLifecycle;
}

/** An Ads access token for the caller, with the client id the Ads API wants beside it. */
export interface AdsAccessToken {
  token: Secret;
  expiresAt: Date;
  clientId: string;
  connectionId: string;
  region: Connection['region'];
}

/** Lists the connection's profiles on the three hosts and stores them; returns what is stored now. */
export async function refreshProfiles(deps: AdsDeps, connectionId: string): Promise<ProfilesView> {
  const access = await deps.tokens.accessToken(connectionId);
  const app = await deps.applications.get(access.applicationId);
  const hosts: HostListing[] = [];
  for (const region of REGIONS) {
    try {
      hosts.push({
        region,
        profiles: await deps.adsApi.listProfiles(region, {
          accessToken: access.token,
          clientId: app.clientId,
        }),
      });
    } catch (err) {
      if (!(err instanceof AmazonError)) throw err;
      deps.logger.warn({ connectionId, region, code: err.code }, 'could not list Ads profiles');
      hosts.push({ region, profiles: null, error: err.message });
    }
  }
  await storeProfileListing(deps.db, connectionId, hosts, new Date(deps.clock.now()));
  if (hosts.every((h) => h.profiles === null)) {
    throw new AmazonError('ADS_ERROR', 'no Ads API host answered the profiles listing', { retryable: true });
  }
  return readProfiles(deps.db, connectionId);
}

/** A visible Ads connection's access token (the broker's cache, else one refresh for all callers). */
async function accessToken(deps: AdsDeps, viewer: Viewer, id: string): Promise<AdsAccessToken> {
  const connection = await getVisibleConnection(deps.db, viewer, id, deps.clock.now(), 'ads');
  const access = await deps.tokens.accessToken(connection.id);
  const app = await deps.applications.get(connection.applicationId);
  return {
    token: access.token,
    expiresAt: access.expiresAt,
    clientId: app.clientId,
    connectionId: connection.id,
    region: connection.region,
  };
}

/** A profile id as the Ads API takes it (digits), or a clear refusal. */
function checkProfileId(profileId: string | undefined | null): string {
  if (!profileId || !/^\d{1,20}$/.test(profileId)) {
    throw new AdsError(
      'ADS_REQUEST_INVALID',
      'name the advertising profile: the Amazon-Advertising-API-Scope header (or ?profileId=) with a profile id of this connection',
    );
  }
  return profileId;
}

/**
 * Forwards a request to the Ads API for one of the connection's profiles: the profile must be one
 * its last listing found (else ADS_PROFILE_UNKNOWN, nothing sent), on that profile's region host.
 */
async function forward(
  deps: AdsDeps,
  viewer: Viewer,
  id: string,
  profileId: string | null,
  req: AdsForward,
): Promise<AdsAnswer> {
  const connection = await getVisibleConnection(deps.db, viewer, id, deps.clock.now(), 'ads');
  const profile = checkProfileId(profileId);
  const region = await profileRegion(deps.db, connection.id, profile);
  if (!region) {
    throw new AdsError(
      'ADS_PROFILE_UNKNOWN',
      `profile ${profile} is not one of this connection's advertising profiles (list them at /api/v1/ads-connections/${connection.id}; refresh with POST …/profiles/refresh)`,
    );
  }
  const access = await accessToken(deps, viewer, id);
  return deps.adsApi.forward(region, req, {
    accessToken: access.token,
    clientId: access.clientId,
    profileId: profile,
  });
}

/**
 * The monitor's probe of Ads connections not probed or authorized within the interval: listing
 * the profiles refreshes the token, so a revoked or expired consent (invalid_grant) is recorded at
 * once by the broker, and the profiles stay current.
 */
export async function probeAdsConnections(
  deps: AdsDeps,
  options: { intervalMs?: number; limit?: number } = {},
): Promise<ProbePass> {
  const now = deps.clock.now();
  const rows = await connectionsDueForProbe(
    deps.db,
    now,
    now - (options.intervalMs ?? 86_400_000),
    options.limit ?? 1000,
    'ads',
  );
  const pass: ProbePass = { probed: 0, ok: 0, failed: 0 };
  for (const row of rows) {
    if (!(await deps.lifecycle.claimProbe(row.id, row.last_probe_at))) continue;
    pass.probed++;
    let outcome = 'ok';
    try {
      await refreshProfiles(deps, row.id);
      pass.ok++;
    } catch (err) {
      pass.failed++;
      outcome = err instanceof AppError ? (err as AppError<string>).code : 'INTERNAL';
      deps.logger.info({ connectionId: row.id, outcome }, 'Ads health probe failed');
    }
    await deps.lifecycle.finishProbe(row.id, outcome, null);
  }
  return pass;
}

/** The ads use cases (see the module comment). */
export function createAds(deps: AdsDeps) {
  return {
    /** A visible Ads connection (else CONNECTION_NOT_FOUND). */
    get: (viewer: Viewer, id: string): Promise<Connection> =>
      getVisibleConnection(deps.db, viewer, id, deps.clock.now(), 'ads'),

    /** The connection's stored profiles with their seller matches (visible connections only). */
    async profiles(viewer: Viewer, id: string): Promise<ProfilesView> {
      const connection = await getVisibleConnection(deps.db, viewer, id, deps.clock.now(), 'ads');
      return readProfiles(deps.db, connection.id);
    },

    /** Stored profiles of several connections the caller already may see (lists). */
    profilesOf: (connectionId: string): Promise<ProfilesView> => readProfiles(deps.db, connectionId),

    /** Lists the profiles again now (after consent, or on request). */
    async refreshProfiles(viewer: Viewer | null, id: string): Promise<ProfilesView> {
      if (viewer) await getVisibleConnection(deps.db, viewer, id, deps.clock.now(), 'ads');
      return refreshProfiles(deps, id);
    },

    /** A visible Ads connection's access token. */
    accessToken: (viewer: Viewer, id: string): Promise<AdsAccessToken> => accessToken(deps, viewer, id),

    /** Forwards a request for one profile; see `forward`. */
    forward: (viewer: Viewer, id: string, profileId: string | null, req: AdsForward): Promise<AdsAnswer> =>
      forward(deps, viewer, id, profileId, req),

    /** The monitor's Ads probe; see `probeAdsConnections`. */
    probe: (options?: { intervalMs?: number; limit?: number }): Promise<ProbePass> =>
      probeAdsConnections(deps, options),
  };
}

export type Ads = ReturnType<typeof createAds>;
