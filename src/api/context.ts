import type { SpApiClient } from '../amazon/client-types.js';
import type { ConnectionManager } from '../connections/manage.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { RegionCode } from '../store/schema.js';
import type { AccessToken } from '../tokens/broker.js';
import type { ApiKeys, ApiPrincipal } from './keys.js';

/** What the REST API is given: use cases only, never the database. */
export interface ApiDeps {
  keys: ApiKeys;
  connections: ConnectionManager;
  /** The token broker (or anything that mints access tokens the same way). */
  tokens: { accessToken(connectionId: string): Promise<AccessToken> };
  spApi: SpApiClient;
  clock: Clock;
  logger: Logger;
  /** The portal's public origin: renew links and the OpenAPI document's server. */
  publicUrl: string;
  /** SP-API endpoint per region, returned with access tokens. */
  spApiEndpoints: Record<RegionCode, string>;
  /** Largest request body accepted, in bytes (default 1 MiB). */
  bodyLimitBytes?: number;
}

/** Per-request variables of the API. */
export type ApiEnv = {
  Variables: {
    principal: ApiPrincipal;
  };
};
