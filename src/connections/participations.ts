import type { SpApiClient } from '../amazon/client-types.js';
import {
  getMarketplaceParticipationsRequest,
  processGetMarketplaceParticipations,
} from '../amazon/operations.js';
import type { Logger } from '../kernel/log.js';
import type { ConnectionLifecycle, Participations } from '../lifecycle/connections.js';

/**
 * Asks Amazon which marketplaces the seller participates in (getMarketplaceParticipations, through
 * the one SP-API client) and stores them on the connection. Returns them, or null when the call
 * failed (logged; the monitor's health probe asks again). Never stores an empty list.
 * @see https://developer-docs.amazon.com/sp-api/docs/sellers-api-v1-reference
 */
export async function refreshParticipations(
  deps: { spApi: SpApiClient; lifecycle: ConnectionLifecycle; logger: Logger },
  connectionId: string,
): Promise<Participations | null> {
  try {
    const participations = await processGetMarketplaceParticipations(
      deps.spApi.call(connectionId, getMarketplaceParticipationsRequest()),
    );
    await deps.lifecycle.setMarketplaces(connectionId, participations);
    return participations;
  } catch (err) {
    deps.logger.warn(
      { connectionId, err: err instanceof Error ? err.message : String(err) },
      'could not fetch marketplace participations; the health probe retries',
    );
    return null;
  }
}
