import { buildSpApiRequest, processSpApiResponse } from '../amazon/spapi.js';
import type { Secret } from '../kernel/secret.js';

/** Marketplaces a seller participates in, and the store name (FACTS §9, Sellers API). */
export interface Participations {
  marketplaceIds: string[];
  storeName: string | null;
}

interface ParticipationsBody {
  payload?: {
    marketplace?: { id?: string };
    participation?: { isParticipating?: boolean };
    storeName?: string;
  }[];
}

/** Calls getMarketplaceParticipations with an access token. */
export async function fetchParticipations(input: {
  fetch: typeof fetch;
  endpoint: string;
  accessToken: Secret;
  userAgent: string;
  timeoutMs?: number;
}): Promise<Participations> {
  const request = buildSpApiRequest({
    endpoint: input.endpoint,
    call: { method: 'GET', path: '/sellers/v1/marketplaceParticipations' },
    accessToken: input.accessToken,
    userAgent: input.userAgent,
    signal: AbortSignal.timeout(input.timeoutMs ?? 15_000),
  });
  const { body } = await processSpApiResponse<ParticipationsBody>(await input.fetch(request));
  const entries = (body.payload ?? []).filter(
    (p) => p.participation?.isParticipating !== false && p.marketplace?.id,
  );
  return {
    marketplaceIds: [...new Set(entries.map((p) => p.marketplace!.id!))],
    storeName: entries.find((p) => p.storeName)?.storeName ?? null,
  };
}
