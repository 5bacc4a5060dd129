import { ACCESS_DENIED, spapiError } from '../http.js';
import { findMarketplace } from '../marketplaces.js';
import type { SpApiOperation } from './operation.js';

/**
 * Sellers API v1 (sellers.json). `getMarketplaceParticipations` lists the marketplaces of the calling
 * seller (https://developer-docs.amazon.com/sp-api/docs/marketplace-ids): the usual first call after an authorization, to learn where the seller sells.
 */
export const sellersOperations: SpApiOperation[] = [
  {
    operationId: 'getMarketplaceParticipations',
    method: 'GET',
    path: '/sellers/v1/marketplaceParticipations',
    auth: { kind: 'seller' },
    handle(c, call) {
      const seller = call.sellingPartnerId ? call.ctx.state.sellers.get(call.sellingPartnerId) : undefined;
      if (!seller) return spapiError(c, 403, 'Unauthorized', ACCESS_DENIED, '');
      const payload = seller.marketplaceIds.flatMap((id) => {
        const marketplace = findMarketplace(id);
        if (!marketplace) return [];
        const { region: _region, ...wire } = marketplace;
        return [
          {
            marketplace: wire,
            participation: { isParticipating: true, hasSuspendedListings: false },
            storeName: seller.name,
          },
        ];
      });
      return c.json({ payload });
    },
  },
];
