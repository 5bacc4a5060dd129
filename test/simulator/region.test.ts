import { describe, expect, it } from 'vitest';
import { routeRegion } from '../../src/simulator/region.js';

describe('simulator region routing', () => {
  it('takes the region from an Amazon host first', () => {
    expect(routeRegion('sellingpartnerapi-eu.amazon.com', '/orders/2026-01-01/orders')).toEqual({
      region: 'EU',
      prefix: '',
      path: '/orders/2026-01-01/orders',
    });
    expect(routeRegion('sellercentral.amazon.co.jp:443', '/apps/authorize/consent').region).toBe('FE');
  });

  it('falls back to a path prefix, stripping it', () => {
    expect(routeRegion('127.0.0.1:4000', '/eu/orders/2026-01-01/orders')).toEqual({
      region: 'EU',
      prefix: '/eu',
      path: '/orders/2026-01-01/orders',
    });
    expect(routeRegion('localhost', '/fe')).toEqual({ region: 'FE', prefix: '/fe', path: '/' });
  });

  it('defaults to NA and leaves look-alike prefixes alone', () => {
    expect(routeRegion('localhost:4000', '/europe/x')).toEqual({
      region: 'NA',
      prefix: '',
      path: '/europe/x',
    });
  });
});
