import type { Region } from './state.js';

/**
 * Amazon's marketplaces as the simulator knows them: IDs and regions from https://developer-docs.amazon.com/sp-api/docs/marketplace-ids, the other fields
 * in the shape of the Sellers API `Marketplace` object (sellers.json). `countryCode` is ISO 3166-1
 * alpha-2 (the model's pattern), so the United Kingdom is `GB`.
 */
export interface SimMarketplace {
  id: string;
  name: string;
  countryCode: string;
  defaultCurrencyCode: string;
  defaultLanguageCode: string;
  domainName: string;
  region: Region;
}

function m(
  id: string,
  countryCode: string,
  domain: string,
  currency: string,
  language: string,
  region: Region,
): SimMarketplace {
  const host = domain.replace(/^www\./, '');
  const name = `Amazon.${host.slice('amazon.'.length)}`;
  return Object.freeze({
    id,
    name,
    countryCode,
    defaultCurrencyCode: currency,
    defaultLanguageCode: language,
    domainName: domain,
    region,
  });
}

/** Every marketplace of https://developer-docs.amazon.com/sp-api/docs/marketplace-ids, in the table's order. */
export const MARKETPLACES: readonly SimMarketplace[] = Object.freeze([
  m('A2EUQ1WTGCTBG2', 'CA', 'www.amazon.ca', 'CAD', 'en_CA', 'NA'),
  m('ATVPDKIKX0DER', 'US', 'www.amazon.com', 'USD', 'en_US', 'NA'),
  m('A1AM78C64UM0Y8', 'MX', 'www.amazon.com.mx', 'MXN', 'es_MX', 'NA'),
  m('A2Q3Y263D00KWC', 'BR', 'www.amazon.com.br', 'BRL', 'pt_BR', 'NA'),
  m('A28R8C7NBKEWEA', 'IE', 'www.amazon.ie', 'EUR', 'en_IE', 'EU'),
  m('A1RKKUPIHCS9HS', 'ES', 'www.amazon.es', 'EUR', 'es_ES', 'EU'),
  m('A1F83G8C2ARO7P', 'GB', 'www.amazon.co.uk', 'GBP', 'en_GB', 'EU'),
  m('A13V1IB3VIYZZH', 'FR', 'www.amazon.fr', 'EUR', 'fr_FR', 'EU'),
  m('AMEN7PMS3EDWL', 'BE', 'www.amazon.com.be', 'EUR', 'fr_BE', 'EU'),
  m('A1805IZSGTT6HS', 'NL', 'www.amazon.nl', 'EUR', 'nl_NL', 'EU'),
  m('A1PA6795UKMFR9', 'DE', 'www.amazon.de', 'EUR', 'de_DE', 'EU'),
  m('APJ6JRA9NG5V4', 'IT', 'www.amazon.it', 'EUR', 'it_IT', 'EU'),
  m('A2NODRKZP88ZB9', 'SE', 'www.amazon.se', 'SEK', 'sv_SE', 'EU'),
  m('AE08WJ6YKNBMC', 'ZA', 'www.amazon.co.za', 'ZAR', 'en_ZA', 'EU'),
  m('A1C3SOZRARQ6R3', 'PL', 'www.amazon.pl', 'PLN', 'pl_PL', 'EU'),
  m('ARBP9OOSHTCHU', 'EG', 'www.amazon.eg', 'EGP', 'ar_EG', 'EU'),
  m('A33AVAJ2PDY3EV', 'TR', 'www.amazon.com.tr', 'TRY', 'tr_TR', 'EU'),
  m('A17E79C6D8DWNP', 'SA', 'www.amazon.sa', 'SAR', 'ar_SA', 'EU'),
  m('A2VIGQ35RCS4UG', 'AE', 'www.amazon.ae', 'AED', 'en_AE', 'EU'),
  m('A21TJRUUN4KGV', 'IN', 'www.amazon.in', 'INR', 'en_IN', 'EU'),
  m('A19VAU5U5O7RUS', 'SG', 'www.amazon.sg', 'SGD', 'en_SG', 'FE'),
  m('A39IBJ37TRP1C6', 'AU', 'www.amazon.com.au', 'AUD', 'en_AU', 'FE'),
  m('A1VC38T7YXB528', 'JP', 'www.amazon.co.jp', 'JPY', 'ja_JP', 'FE'),
]);

/** The marketplace with this ID, if Amazon has one. */
export function findMarketplace(id: string): SimMarketplace | undefined {
  return MARKETPLACES.find((mp) => mp.id === id);
}

/** The marketplaces served by a region's endpoint (https://developer-docs.amazon.com/sp-api/docs/sp-api-endpoints). */
export function marketplacesInRegion(region: Region): SimMarketplace[] {
  return MARKETPLACES.filter((mp) => mp.region === region);
}
