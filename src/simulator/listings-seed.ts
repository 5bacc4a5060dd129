import type { SimContext } from './context.js';
import { applyToListing, ensureListingRecord } from './listings-store.js';

/**
 * The demo sellers' catalogs: a few live listings per demo seller, so that a new user sees a
 * catalog (searchListingsItems) before making any change. One NA listing lacks a required
 * attribute (Amazon reports it as an issue and the item is not discoverable), one is out of stock.
 */

interface SeedItem {
  sku: string;
  productType: string;
  name: string;
  brand: string;
  price: number;
  quantity: number;
  extra?: Record<string, string>;
  /** Leave this required attribute out (the listing then carries an issue). */
  omit?: string;
}

const CATALOGS: readonly {
  sellingPartnerId: string;
  marketplaceId: string;
  languageTag: string;
  currency: string;
  upcBase: string;
  items: readonly SeedItem[];
}[] = [
  {
    sellingPartnerId: 'A1DEMOSELLERNA',
    marketplaceId: 'ATVPDKIKX0DER',
    languageTag: 'en_US',
    currency: 'USD',
    upcBase: '03600029145',
    items: [
      {
        sku: 'DEMO-TENT-2P',
        productType: 'HOME',
        name: 'Two-person trail tent',
        brand: 'Demo Outdoor',
        price: 189.0,
        quantity: 14,
      },
      {
        sku: 'DEMO-PACK-30L',
        productType: 'BACKPACK',
        name: 'Daypack 30 L',
        brand: 'Demo Outdoor',
        price: 79.5,
        quantity: 40,
        extra: { color: 'Green', material: 'Nylon' },
      },
      {
        sku: 'DEMO-MUG-STEEL',
        productType: 'KITCHEN',
        name: 'Steel camp mug',
        brand: 'Demo Outdoor',
        price: 12.99,
        quantity: 0,
        extra: { material: 'Stainless steel' },
      },
      {
        sku: 'DEMO-SHIRT-M',
        productType: 'SHIRT',
        name: 'Merino trail shirt',
        brand: 'Demo Outdoor',
        price: 49.0,
        quantity: 25,
        extra: { color: 'Blue', size: 'M', department: 'mens', target_gender: 'male' },
      },
      {
        sku: 'DEMO-SHIRT-L',
        productType: 'SHIRT',
        name: 'Merino trail shirt',
        brand: 'Demo Outdoor',
        price: 49.0,
        quantity: 8,
        extra: { color: 'Blue', size: 'L', department: 'mens' },
        omit: 'target_gender',
      },
    ],
  },
  {
    sellingPartnerId: 'A1DEMOSELLEREU',
    marketplaceId: 'A1PA6795UKMFR9',
    languageTag: 'de_DE',
    currency: 'EUR',
    upcBase: '40123456789',
    items: [
      {
        sku: 'DEMO-ZELT-2P',
        productType: 'HOME',
        name: 'Trekkingzelt für zwei',
        brand: 'Demo Outdoor',
        price: 179.0,
        quantity: 9,
      },
      {
        sku: 'DEMO-RUCKSACK-30L',
        productType: 'BACKPACK',
        name: 'Tagesrucksack 30 L',
        brand: 'Demo Outdoor',
        price: 74.9,
        quantity: 22,
        extra: { color: 'Grün', material: 'Nylon' },
      },
      {
        sku: 'DEMO-BECHER',
        productType: 'KITCHEN',
        name: 'Campingbecher aus Stahl',
        brand: 'Demo Outdoor',
        price: 11.5,
        quantity: 60,
        extra: { material: 'Edelstahl' },
      },
    ],
  },
  {
    sellingPartnerId: 'A1DEMOSELLERFE',
    marketplaceId: 'A1VC38T7YXB528',
    languageTag: 'ja_JP',
    currency: 'JPY',
    upcBase: '49123456789',
    items: [
      {
        sku: 'DEMO-TENT-JP',
        productType: 'HOME',
        name: 'Two-person trail tent',
        brand: 'Demo Outdoor',
        price: 24800,
        quantity: 5,
      },
    ],
  },
];

/** A GS1 check digit (mod 10) for the first 11 or 12 digits of a UPC/EAN. */
function withCheckDigit(digits: string): string {
  let sum = 0;
  [...digits].reverse().forEach((d, i) => (sum += Number(d) * (i % 2 === 0 ? 3 : 1)));
  return `${digits}${(10 - (sum % 10)) % 10}`;
}

/** Adds the demo sellers' catalogs (idempotent: SKUs already there are left alone). */
export function seedDemoListings(ctx: SimContext): void {
  for (const catalog of CATALOGS) {
    const { marketplaceId: marketplace_id, languageTag: language_tag } = catalog;
    catalog.items.forEach((item, index) => {
      const listing = ensureListingRecord(ctx, catalog.sellingPartnerId, item.sku, item.productType);
      if (!listing.deleted) return;
      const text = (value: string) => [{ value, language_tag, marketplace_id }];
      const attributes: Record<string, unknown> = {
        item_name: text(item.name),
        brand: text(item.brand),
        externally_assigned_product_identifier: [
          { type: 'ean', value: withCheckDigit(`${catalog.upcBase}${index}`.slice(0, 12)), marketplace_id },
        ],
        condition_type: [{ value: 'new_new', marketplace_id }],
        purchasable_offer: [
          {
            marketplace_id,
            currency: catalog.currency,
            our_price: [{ schedule: [{ value_with_tax: item.price }] }],
          },
        ],
        fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: item.quantity }],
      };
      for (const [name, value] of Object.entries(item.extra ?? {}))
        attributes[name] = name === 'target_gender' ? [{ value, marketplace_id }] : text(value);
      if (item.omit) delete attributes[item.omit];
      applyToListing(ctx, listing, catalog.marketplaceId, {
        productType: item.productType,
        attributes,
        requirements: 'LISTING',
      });
    });
  }
}
