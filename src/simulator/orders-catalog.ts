/**
 * Static material for generated orders: marketplaces (https://developer-docs.amazon.com/sp-api/docs/marketplace-ids), a small outdoor-goods catalogue, and
 * per-country name, address and carrier pools. Everything here is fictional but shaped like the real
 * thing (3-7-7 order ids, B0 ASINs, local postcodes, local currencies).
 */

import { MARKETPLACES as AMAZON_MARKETPLACES } from './marketplaces.js';

export type Locale = 'en' | 'de' | 'fr' | 'it' | 'es' | 'pt' | 'ja';

/** What the order generator needs to know about a marketplace (marketplaces.ts plus pricing). */
export interface MarketplaceInfo {
  id: string;
  countryCode: string;
  /** `SalesChannel.marketplaceName` / v0 `SalesChannel`, e.g. `Amazon.com`. */
  name: string;
  /** Domain used for anonymised buyer e-mails (`…@marketplace.amazon.com`). */
  domain: string;
  currency: string;
  /** Minor-unit digits of the currency (JPY has none). */
  decimals: number;
  /** Rough price level relative to USD, so a 20 USD item costs about 3000 JPY. */
  fx: number;
  /** Sales tax or VAT charged on top of the price. */
  taxRate: number;
  /** First group of the 3-7-7 order id. */
  orderPrefixes: readonly string[];
  locale: Locale;
}

const NA = ['111', '112', '113', '114'] as const;
const AMERICAS = ['701', '702'] as const;
const EU = [
  '202',
  '203',
  '204',
  '205',
  '206',
  '026',
  '028',
  '302',
  '303',
  '304',
  '305',
  '306',
  '403',
  '404',
] as const;
const IN = ['402', '403', '404', '405', '406', '171'] as const;
const FE = ['249', '250', '503'] as const;

/** Price level, tax rate, order id prefixes and name locale per country. */
const PRICING: Record<string, [fx: number, taxRate: number, prefixes: readonly string[], locale: Locale]> = {
  US: [1, 0.0725, NA, 'en'],
  CA: [1.35, 0.13, AMERICAS, 'en'],
  MX: [17, 0.16, AMERICAS, 'es'],
  BR: [5, 0.17, AMERICAS, 'pt'],
  IE: [0.92, 0.23, EU, 'en'],
  ES: [0.92, 0.21, EU, 'es'],
  GB: [0.79, 0.2, EU, 'en'],
  FR: [0.92, 0.2, EU, 'fr'],
  BE: [0.92, 0.21, EU, 'fr'],
  NL: [0.92, 0.21, EU, 'en'],
  DE: [0.92, 0.19, EU, 'de'],
  IT: [0.92, 0.22, EU, 'it'],
  SE: [10.5, 0.25, EU, 'en'],
  ZA: [18.5, 0.15, EU, 'en'],
  PL: [4, 0.23, EU, 'en'],
  EG: [48, 0.14, EU, 'en'],
  TR: [32, 0.2, EU, 'en'],
  SA: [3.75, 0.15, EU, 'en'],
  AE: [3.67, 0.05, EU, 'en'],
  IN: [83, 0.18, IN, 'en'],
  SG: [1.35, 0.09, FE, 'en'],
  AU: [1.5, 0.1, FE, 'en'],
  JP: [150, 0.1, FE, 'ja'],
};

/** Every marketplace of https://developer-docs.amazon.com/sp-api/docs/marketplace-ids (from marketplaces.ts), keyed by marketplace id. */
export const MARKETPLACES: ReadonlyMap<string, MarketplaceInfo> = new Map(
  AMAZON_MARKETPLACES.map((m) => {
    const [fx, taxRate, orderPrefixes, locale] = PRICING[m.countryCode] ?? [1, 0.1, NA, 'en'];
    const info: MarketplaceInfo = {
      id: m.id,
      countryCode: m.countryCode,
      name: m.name,
      domain: m.domainName.replace(/^www\./, ''),
      currency: m.defaultCurrencyCode,
      decimals: m.defaultCurrencyCode === 'JPY' ? 0 : 2,
      fx,
      taxRate,
      orderPrefixes,
      locale,
    };
    return [m.id, info] as const;
  }),
);

/** Marketplaces whose order history reaches back to 2016 instead of two years (https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide). */
export const LONG_HISTORY_COUNTRIES: ReadonlySet<string> = new Set(['JP', 'AU', 'SG']);

/** One product of the catalogue every simulated seller sells. */
export interface CatalogProduct {
  asin: string;
  sku: string;
  title: string;
  /** Price in US cents; other marketplaces scale it by `fx`. */
  usdCents: number;
}

const product = (asin: string, n: number, title: string, usdCents: number): CatalogProduct => ({
  asin,
  sku: `SKU-${n}`,
  title,
  usdCents,
});

export const PRODUCTS: readonly CatalogProduct[] = [
  product('B0C7XQ2K4M', 1001, 'Trailblazer 2-Person Backpacking Tent, Ultralight, Waterproof', 18999),
  product('B0B9HT3LQ8', 1002, 'Summit 35L Hiking Daypack with Rain Cover', 6499),
  product('B09X4MZ7RD', 1003, 'Insulated Stainless Steel Water Bottle, 32 oz', 2499),
  product('B0CJ2W8NPA', 1004, 'Compact Camping Stove with Piezo Ignition', 3999),
  product('B0BRK6V1TE', 1005, 'Down Sleeping Bag, 20°F, Mummy Style', 14900),
  product('B08Q7ZL3YC', 1006, 'LED Headlamp, 400 Lumens, Rechargeable', 1999),
  product('B0D1F5GQ9X', 1007, 'Carbon Fiber Trekking Poles, Pair', 7995),
  product('B0C3N8J2WS', 1008, 'Self-Inflating Sleeping Pad, Lightweight', 4999),
  product('B0BZ6TQ4KH', 1009, 'Merino Wool Hiking Socks, 3 Pack', 2750),
  product('B07YV2M8XP', 1010, 'Waterproof Dry Bag, 20L', 1799),
  product('B0CQ9R7D2L', 1011, 'Portable Water Filter Straw', 1499),
  product('B0B4L1K6ZN', 1012, 'Camping Hammock with Tree Straps', 3499),
  product('B0D8S3X5JV', 1013, 'Collapsible Silicone Camping Cookware Set', 4200),
  product('B09T2H7GQW', 1014, 'Multi-Tool with Pliers, 14-in-1', 4495),
  product('B0C5Y1P9MF', 1015, 'Emergency First Aid Kit, 120 Pieces', 2999),
  product('B0BM3C8RTK', 1016, 'Folding Camp Chair with Cup Holder', 5499),
  product('B0CW6N2HZD', 1017, 'Solar Power Bank, 20000mAh', 3699),
  product('B0B7J4QX1S', 1018, "Packable Rain Jacket, Men's", 8900),
  product('B08ZK5T3VN', 1019, 'Titanium Spork, Ultralight', 999),
  product('B0D3G7W2QR', 1020, 'Bear-Resistant Food Canister', 7999),
];

/** First and last names per locale (Japanese names are written family name first). */
export const NAMES: Record<Locale, { first: readonly string[]; last: readonly string[] }> = {
  en: {
    first: [
      'James',
      'Olivia',
      'Liam',
      'Emma',
      'Noah',
      'Ava',
      'Ethan',
      'Sophia',
      'Mason',
      'Isabella',
      'Lucas',
      'Mia',
    ],
    last: [
      'Smith',
      'Johnson',
      'Brown',
      'Taylor',
      'Miller',
      'Wilson',
      'Moore',
      'Anderson',
      'Thomas',
      'Martin',
    ],
  },
  de: {
    first: ['Lukas', 'Anna', 'Felix', 'Lena', 'Jonas', 'Marie', 'Paul', 'Laura'],
    last: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Wagner', 'Becker'],
  },
  fr: {
    first: ['Louis', 'Camille', 'Hugo', 'Chloé', 'Jules', 'Léa', 'Arthur', 'Manon'],
    last: ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Petit', 'Durand'],
  },
  it: {
    first: ['Marco', 'Giulia', 'Luca', 'Sofia', 'Matteo', 'Chiara'],
    last: ['Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano'],
  },
  es: {
    first: ['Sergio', 'Lucía', 'Pablo', 'María', 'Javier', 'Carmen', 'Diego'],
    last: ['García', 'Fernández', 'López', 'Martínez', 'Sánchez', 'Pérez'],
  },
  pt: {
    first: ['João', 'Ana', 'Pedro', 'Beatriz', 'Lucas', 'Mariana'],
    last: ['Silva', 'Santos', 'Oliveira', 'Souza', 'Lima', 'Costa'],
  },
  ja: {
    first: ['翔太', 'さくら', '大輔', '美咲', '健', '陽菜'],
    last: ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺'],
  },
};
