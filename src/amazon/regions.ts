/** SP-API regions and marketplaces (https://developer-docs.amazon.com/sp-api/docs/seller-central-urls, §5.1, §9). */

export type Region = 'NA' | 'EU' | 'FE';
export const REGIONS: readonly Region[] = ['NA', 'EU', 'FE'];

export const REGION_NAMES: Record<Region, string> = {
  NA: 'North America',
  EU: 'Europe',
  FE: 'Far East',
};

export interface Marketplace {
  id: string;
  country: string;
  name: string;
  region: Region;
}

/** Marketplace IDs from Amazon's "Marketplace IDs" page (https://developer-docs.amazon.com/sp-api/docs/marketplace-ids). */
export const MARKETPLACES: readonly Marketplace[] = [
  { id: 'A2EUQ1WTGCTBG2', country: 'CA', name: 'Canada', region: 'NA' },
  { id: 'ATVPDKIKX0DER', country: 'US', name: 'United States', region: 'NA' },
  { id: 'A1AM78C64UM0Y8', country: 'MX', name: 'Mexico', region: 'NA' },
  { id: 'A2Q3Y263D00KWC', country: 'BR', name: 'Brazil', region: 'NA' },
  { id: 'A28R8C7NBKEWEA', country: 'IE', name: 'Ireland', region: 'EU' },
  { id: 'A1RKKUPIHCS9HS', country: 'ES', name: 'Spain', region: 'EU' },
  { id: 'A1F83G8C2ARO7P', country: 'GB', name: 'United Kingdom', region: 'EU' },
  { id: 'A13V1IB3VIYZZH', country: 'FR', name: 'France', region: 'EU' },
  { id: 'AMEN7PMS3EDWL', country: 'BE', name: 'Belgium', region: 'EU' },
  { id: 'A1805IZSGTT6HS', country: 'NL', name: 'Netherlands', region: 'EU' },
  { id: 'A1PA6795UKMFR9', country: 'DE', name: 'Germany', region: 'EU' },
  { id: 'APJ6JRA9NG5V4', country: 'IT', name: 'Italy', region: 'EU' },
  { id: 'A2NODRKZP88ZB9', country: 'SE', name: 'Sweden', region: 'EU' },
  { id: 'AE08WJ6YKNBMC', country: 'ZA', name: 'South Africa', region: 'EU' },
  { id: 'A1C3SOZRARQ6R3', country: 'PL', name: 'Poland', region: 'EU' },
  { id: 'ARBP9OOSHTCHU', country: 'EG', name: 'Egypt', region: 'EU' },
  { id: 'A33AVAJ2PDY3EV', country: 'TR', name: 'Turkey', region: 'EU' },
  { id: 'A17E79C6D8DWNP', country: 'SA', name: 'Saudi Arabia', region: 'EU' },
  { id: 'A2VIGQ35RCS4UG', country: 'AE', name: 'United Arab Emirates', region: 'EU' },
  { id: 'A21TJRUUN4KGV', country: 'IN', name: 'India', region: 'EU' },
  { id: 'A19VAU5U5O7RUS', country: 'SG', name: 'Singapore', region: 'FE' },
  { id: 'A39IBJ37TRP1C6', country: 'AU', name: 'Australia', region: 'FE' },
  { id: 'A1VC38T7YXB528', country: 'JP', name: 'Japan', region: 'FE' },
];

const BY_ID = new Map(MARKETPLACES.map((m) => [m.id, m]));

/** The marketplace with this id, or undefined. */
export function marketplaceById(id: string): Marketplace | undefined {
  return BY_ID.get(id);
}

/** Whether a string names a region. */
export function isRegion(value: unknown): value is Region {
  return value === 'NA' || value === 'EU' || value === 'FE';
}
