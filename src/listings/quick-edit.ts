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

/**
 * Each marketplace's site locale (the `defaultLanguageCode` getMarketplaceParticipations gives),
 * by country code: it decides whether a price is written with a decimal comma (`12,50` on
 * amazon.de) or a decimal point (`12.50` on amazon.com).
 * @see https://developer-docs.amazon.com/sp-api/docs/sellers-api-v1-reference#marketplace
 */
const LOCALE_BY_COUNTRY: Readonly<Record<string, string>> = {
  US: 'en-US',
  CA: 'en-CA',
  MX: 'es-MX',
  BR: 'pt-BR',
  GB: 'en-GB',
  IE: 'en-IE',
  ES: 'es-ES',
  FR: 'fr-FR',
  BE: 'fr-BE',
  NL: 'nl-NL',
  DE: 'de-DE',
  IT: 'it-IT',
  SE: 'sv-SE',
  PL: 'pl-PL',
  EG: 'en-EG',
  TR: 'tr-TR',
  SA: 'en-SA',
  AE: 'en-AE',
  IN: 'en-IN',
  ZA: 'en-ZA',
  JP: 'ja-JP',
  AU: 'en-AU',
  SG: 'en-SG',
};

/** The decimal separator of a marketplace's locale (`,` or `.`; `.` when unknown). */
export function decimalSeparatorOf(marketplaceId: string): ',' | '.' {
  const country = marketplaceById(marketplaceId)?.country;
  const locale = country ? LOCALE_BY_COUNTRY[country] : undefined;
  if (!locale) return '.';
  const part = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal');
  return part?.value === ',' ? ',' : '.';
}

/** One problem with a form field. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * Bad input with several problems at once, each by its field (a ValidationError whose message
 * lists them all and whose `field` is the first).
 */
export class FieldErrors extends ValidationError {
  constructor(readonly errors: readonly FieldError[]) {
    super(errors.map((e) => e.message).join('; '), errors[0]?.field);
  }
}

const blank = (raw: unknown): boolean =>
  raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');

/**
 * A price as the seller types it in the marketplace's locale: `12,50` where the locale writes a
 * decimal comma (Germany, France, …), `12.50` everywhere (a point is always taken). Thousands
 * separators are refused (`1.250,00` is ambiguous between locales). Returns the number or the error.
 */
export function parseLocalPrice(raw: unknown, marketplaceId: string): number | FieldError | undefined {
  if (blank(raw)) return undefined;
  if (typeof raw === 'number') return raw;
  const text = typeof raw === 'string' ? raw.trim() : '';
  const comma = decimalSeparatorOf(marketplaceId) === ',';
  const example = comma ? '12,50' : '12.50';
  const pattern = comma ? /^-?\d+(?:[.,]\d+)?$/ : /^-?\d+(?:\.\d+)?$/;
  if (!pattern.test(text)) {
    const usedComma = !comma && /^-?\d+,\d+$/.test(text);
    return {
      field: 'price',
      message: usedComma
        ? `price: write the decimals with a point in this marketplace, e.g. ${example}`
        : `price: must be a number without thousands separators, e.g. ${example}`,
    };
  }
  return Number(text.replace(',', '.'));
}

function parseQuantity(raw: unknown): number | FieldError | undefined {
  if (blank(raw)) return undefined;
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^\d+$/.test(text))
    return { field: 'quantity', message: 'quantity: must be a whole number, 0 or more' };
  return Number(text);
}

const isError = (v: unknown): v is FieldError => typeof v === 'object' && v !== null;

/**
 * A quick price and/or quantity edit as a Listings PATCH: `purchasable_offer` (our price in the
 * marketplace's currency, a JSON number such as 12.5 whatever the seller's locale) and
 * `fulfillment_availability` (merchant-fulfilled quantity), both `replace`. At least one of the two
 * is needed. Every problem is reported at once (FieldErrors), each by its field.
 */
export function quickEditPatch(input: {
  productType: string;
  marketplaceId: string;
  price?: unknown;
  quantity?: unknown;
  /** Problems found before (e.g. the SKU), reported with these. */
  errors?: readonly FieldError[];
}): PatchBody {
  const errors: FieldError[] = [...(input.errors ?? [])];
  const price = parseLocalPrice(input.price, input.marketplaceId);
  const quantity = parseQuantity(input.quantity);
  if (isError(price)) errors.push(price);
  else if (price !== undefined && !(price > 0))
    errors.push({ field: 'price', message: 'price: must be more than 0' });
  if (isError(quantity)) errors.push(quantity);
  if (price === undefined && quantity === undefined)
    errors.push({ field: 'price', message: 'price: give a price, a quantity or both' });
  const currency = currencyOf(input.marketplaceId);
  if (price !== undefined && !isError(price) && !currency)
    errors.push({
      field: 'price',
      message: `price: the currency of marketplace ${input.marketplaceId} is not known`,
    });
  if (errors.length > 0) throw new FieldErrors(errors);
  const patches: PatchBody['patches'] = [];
  if (typeof price === 'number')
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
  if (typeof quantity === 'number')
    patches.push({
      op: 'replace',
      path: '/attributes/fulfillment_availability',
      value: [{ fulfillment_channel_code: 'DEFAULT', quantity }],
    });
  return { productType: input.productType, patches };
}

/** A price as the marketplace's locale writes it for the seller to edit (`12,50` in Germany). */
export function formatLocalPrice(value: number, marketplaceId: string): string {
  const digits = currencyOf(marketplaceId) === 'JPY' && Number.isInteger(value) ? 0 : 2;
  return value.toFixed(digits).replace('.', decimalSeparatorOf(marketplaceId));
}
