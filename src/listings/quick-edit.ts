import { marketplaceById } from '../amazon/regions.js';
import { ValidationError } from '../kernel/errors.js';
import type { PatchBody } from './validate.js';

/** Each marketplace's currency (Amazon's defaultCurrencyCode), by country code. */
const CURRENCY_BY_COUNTRY: Readonly<Record<string, string>> = {
  US: 'USD',
  CA: 'CAD',
  MX: 'MXN',
  BR: 'BRL',
  GB: 'GBP',
  IE: 'EUR',
  ES: 'EUR',
  FR: 'EUR',
  BE: 'EUR',
  NL: 'EUR',
  DE: 'EUR',
  IT: 'EUR',
  SE: 'SEK',
  PL: 'PLN',
  EG: 'EGP',
  TR: 'TRY',
  SA: 'SAR',
  AE: 'AED',
  IN: 'INR',
  ZA: 'ZAR',
  JP: 'JPY',
  AU: 'AUD',
  SG: 'SGD',
};

/** The currency prices are given in for a marketplace (null when unknown). */
export function currencyOf(marketplaceId: string): string | null {
  const country = marketplaceById(marketplaceId)?.country;
  return country ? (CURRENCY_BY_COUNTRY[country] ?? null) : null;
}

function parseNumber(raw: unknown, field: string): number | undefined {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return undefined;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
  if (!Number.isFinite(n)) throw new ValidationError(`${field}: must be a number`, field);
  return n;
}

/**
 * A quick price and/or quantity edit as a Listings PATCH: `purchasable_offer` (our price in the
 * marketplace's currency) and `fulfillment_availability` (merchant-fulfilled quantity), both
 * `replace`. At least one of the two is needed.
 */
export function quickEditPatch(input: {
  productType: string;
  marketplaceId: string;
  price?: unknown;
  quantity?: unknown;
}): PatchBody {
  const price = parseNumber(input.price, 'price');
  const quantity = parseNumber(input.quantity, 'quantity');
  if (price === undefined && quantity === undefined)
    throw new ValidationError('price: give a price, a quantity or both', 'price');
  const patches: PatchBody['patches'] = [];
  if (price !== undefined) {
    if (price <= 0) throw new ValidationError('price: must be more than 0', 'price');
    const currency = currencyOf(input.marketplaceId);
    if (!currency)
      throw new ValidationError(
        `price: the currency of marketplace ${input.marketplaceId} is not known`,
        'price',
      );
    patches.push({
      op: 'replace',
      path: '/attributes/purchasable_offer',
      value: [
        {
          marketplace_id: input.marketplaceId,
          currency,
          our_price: [{ schedule: [{ value_with_tax: Math.round(price * 100) / 100 }] }],
        },
      ],
    });
  }
  if (quantity !== undefined) {
    if (!Number.isInteger(quantity) || quantity < 0)
      throw new ValidationError('quantity: must be a whole number, 0 or more', 'quantity');
    patches.push({
      op: 'replace',
      path: '/attributes/fulfillment_availability',
      value: [{ fulfillment_channel_code: 'DEFAULT', quantity }],
    });
  }
  return { productType: input.productType, patches };
}
