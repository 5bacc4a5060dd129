import { describe, expect, it } from 'vitest';
import {
  FieldErrors,
  decimalSeparatorOf,
  formatLocalPrice,
  quickEditPatch,
} from '../../src/listings/quick-edit.js';

/**
 * The quick edit's price in the marketplace's locale (issue 18 item 7): `12,50` where the site
 * writes a decimal comma (Germany), sent to Amazon as the number 12.5; and every problem of the form
 * reported at once, each by its field.
 */

const GERMANY = 'A1PA6795UKMFR9';
const FRANCE = 'A13V1IB3VIYZZH';
const US = 'ATVPDKIKX0DER';
const UK = 'A1F83G8C2ARO7P';

const priceOf = (marketplaceId: string, price: string) =>
  quickEditPatch({ productType: 'SHIRT', marketplaceId, price }).patches[0]!.value![0];

const errorsOf = (input: Parameters<typeof quickEditPatch>[0]) => {
  try {
    quickEditPatch(input);
  } catch (err) {
    if (err instanceof FieldErrors) return err.errors.map((e) => e.field);
    throw err;
  }
  throw new Error('accepted');
};

describe('quick edit prices in the marketplace locale', () => {
  it.each([
    [GERMANY, '12,50', 12.5],
    [GERMANY, '12.50', 12.5],
    [FRANCE, '7,9', 7.9],
    [US, '12.50', 12.5],
    [UK, '3', 3],
  ])('%s takes %s as %d, in its currency', (marketplaceId, typed, amount) => {
    const offer = priceOf(marketplaceId, typed) as {
      our_price: { schedule: { value_with_tax: number }[] }[];
    };
    expect(offer.our_price[0]!.schedule[0]!.value_with_tax).toBe(amount);
  });

  it('sends EUR for Germany and a JSON number, never the typed text', () => {
    const body = JSON.stringify(priceOf(GERMANY, '12,50'));
    expect(body).toContain('"currency":"EUR"');
    expect(body).toContain('"value_with_tax":12.5');
  });

  it.each([
    [US, '12,50', 'write the decimals with a point'],
    [GERMANY, '1.250,00', 'without thousands separators'],
    [GERMANY, '12,5,0', 'without thousands separators'],
    [GERMANY, 'abc', 'without thousands separators'],
  ])('%s refuses %s', (marketplaceId, typed, words) => {
    expect(() => quickEditPatch({ productType: 'SHIRT', marketplaceId, price: typed })).toThrow(words);
  });

  it('knows which locales write a decimal comma and formats prices their way', () => {
    expect([GERMANY, FRANCE, US, UK].map(decimalSeparatorOf)).toEqual([',', ',', '.', '.']);
    expect(formatLocalPrice(11.5, GERMANY)).toBe('11,50');
    expect(formatLocalPrice(11.5, US)).toBe('11.50');
    expect(formatLocalPrice(24800, 'A1VC38T7YXB528')).toBe('24800');
  });
});

describe('quick edit errors', () => {
  it('reports every problem at once, each by its field', () => {
    expect(
      errorsOf({ productType: 'SHIRT', marketplaceId: GERMANY, price: 'zwölf', quantity: '-2' }),
    ).toEqual(['price', 'quantity']);
    expect(
      errorsOf({
        productType: 'SHIRT',
        marketplaceId: US,
        price: '0',
        quantity: '1.5',
        errors: [{ field: 'sku', message: 'sku: is required' }],
      }),
    ).toEqual(['sku', 'price', 'quantity']);
    expect(errorsOf({ productType: 'SHIRT', marketplaceId: US })).toEqual(['price']);
  });
});
