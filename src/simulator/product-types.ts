/**
 * A small, hand-made stand-in for Amazon's Product Type Definitions: enough product types and
 * attributes to give Listings Items submissions realistic issues (https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference). Real product types
 * have hundreds of attributes; these keep the ones sellers' tools send most.
 */

/** How an attribute's values are shaped (each value is an array of objects, as on Amazon). */
export type AttributeKind =
  /** Localized text: `{value: string, language_tag, marketplace_id?}`. */
  | 'text'
  /** Plain text: `{value: string, marketplace_id?}`. */
  | 'string'
  /** One of `values`: `{value, marketplace_id?}`. */
  | 'enum'
  /** `{value: ASIN, marketplace_id?}`. */
  | 'asin'
  | 'boolean'
  /** `{value: non-negative integer}`. */
  | 'integer'
  /** `{value: positive number, unit: string}`. */
  | 'measure'
  /** `{type: ean|upc|gtin|isbn|jan, value: digits}`. */
  | 'product_identifier'
  /** `{media_location: https URL}`. */
  | 'image'
  /** `{currency, our_price:[{schedule:[{value_with_tax}]}], audience?, minimum_seller_allowed_price?}`. */
  | 'purchasable_offer'
  /** `{currency, value_with_tax}` (list price). */
  | 'price'
  /** `{fulfillment_channel_code, quantity?, lead_time_to_ship_max_days?}`: not per marketplace. */
  | 'fulfillment_availability';

export interface AttributeSpec {
  /** The human name Amazon uses in issue messages ("The provided value for 'Brand Name' is invalid."). */
  label: string;
  kind: AttributeKind;
  values?: readonly string[];
}

/** The `conditionType` values of the Listings model (`ItemSummaryByMarketplace`). */
export const CONDITION_TYPES = [
  'new_new',
  'new_open_box',
  'new_oem',
  'refurbished_refurbished',
  'used_like_new',
  'used_very_good',
  'used_good',
  'used_acceptable',
  'collectible_like_new',
  'collectible_very_good',
  'collectible_good',
  'collectible_acceptable',
  'club_club',
] as const;

/** Every attribute the simulator knows; any other name is reported as invalid (code 90000900). */
export const ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = Object.freeze({
  item_name: { label: 'Item Name', kind: 'text' },
  brand: { label: 'Brand Name', kind: 'text' },
  manufacturer: { label: 'Manufacturer', kind: 'text' },
  product_description: { label: 'Product Description', kind: 'text' },
  bullet_point: { label: 'Bullet Point', kind: 'text' },
  generic_keyword: { label: 'Generic Keyword', kind: 'text' },
  color: { label: 'Color', kind: 'text' },
  size: { label: 'Size', kind: 'text' },
  material: { label: 'Material', kind: 'text' },
  fabric_type: { label: 'Fabric Type', kind: 'text' },
  department: { label: 'Department', kind: 'text' },
  style: { label: 'Style', kind: 'text' },
  model_name: { label: 'Model Name', kind: 'text' },
  age_range_description: { label: 'Age Range Description', kind: 'text' },
  condition_note: { label: 'Offer Condition Note', kind: 'text' },
  model_number: { label: 'Model Number', kind: 'string' },
  part_number: { label: 'Part Number', kind: 'string' },
  merchant_shipping_group: { label: 'Merchant Shipping Group', kind: 'string' },
  recommended_browse_nodes: { label: 'Recommended Browse Nodes', kind: 'string' },
  country_of_origin: { label: 'Country/Region of Origin', kind: 'string' },
  target_gender: { label: 'Target Gender', kind: 'enum', values: ['male', 'female', 'unisex'] },
  condition_type: { label: 'Offering Condition Type', kind: 'enum', values: CONDITION_TYPES },
  merchant_suggested_asin: { label: 'Merchant Suggested ASIN', kind: 'asin' },
  supplier_declared_has_product_identifier_exemption: {
    label: 'Product Identifier Exemption',
    kind: 'boolean',
  },
  batteries_required: { label: 'Are batteries required?', kind: 'boolean' },
  number_of_items: { label: 'Number of Items', kind: 'integer' },
  number_of_wheels: { label: 'Number of Wheels', kind: 'integer' },
  item_weight: { label: 'Item Weight', kind: 'measure' },
  item_package_weight: { label: 'Package Weight', kind: 'measure' },
  externally_assigned_product_identifier: { label: 'External Product ID', kind: 'product_identifier' },
  main_product_image_locator: { label: 'Main Image Location', kind: 'image' },
  other_product_image_locator_1: { label: 'Other Image Location', kind: 'image' },
  purchasable_offer: { label: 'Your Price', kind: 'purchasable_offer' },
  list_price: { label: 'List Price', kind: 'price' },
  fulfillment_availability: { label: 'Fulfillment Availability', kind: 'fulfillment_availability' },
});

export interface ProductTypeSpec {
  name: string;
  /**
   * Whether new products can be created with this type. The generic `PRODUCT` type only takes
   * offers (Amazon answers 4000004 otherwise).
   */
  createsProducts: boolean;
  /** Attributes a product (LISTING, LISTING_PRODUCT_ONLY) must have, on top of `PRODUCT_REQUIRED`. */
  required: readonly string[];
}

/** Required on every product: a name and a brand (an identifier is checked separately). */
export const PRODUCT_REQUIRED: readonly string[] = ['item_name', 'brand'];

/** Any one of these identifies a product (an external ID, an exemption, or an existing ASIN). */
export const PRODUCT_IDENTIFIERS: readonly string[] = [
  'externally_assigned_product_identifier',
  'supplier_declared_has_product_identifier_exemption',
  'merchant_suggested_asin',
];

/** Required on every offer (LISTING, LISTING_OFFER_ONLY). */
export const OFFER_REQUIRED: readonly string[] = [
  'condition_type',
  'purchasable_offer',
  'fulfillment_availability',
];

/** The product types the simulator accepts; any other gives issue 4000003. */
export const PRODUCT_TYPES: Readonly<Record<string, ProductTypeSpec>> = Object.freeze({
  PRODUCT: { name: 'PRODUCT', createsProducts: false, required: [] },
  SHIRT: { name: 'SHIRT', createsProducts: true, required: ['color', 'size', 'department', 'target_gender'] },
  SHOES: { name: 'SHOES', createsProducts: true, required: ['color', 'size', 'department', 'material'] },
  LUGGAGE: { name: 'LUGGAGE', createsProducts: true, required: ['color', 'size', 'material'] },
  BACKPACK: { name: 'BACKPACK', createsProducts: true, required: ['color', 'material'] },
  KITCHEN: { name: 'KITCHEN', createsProducts: true, required: ['material'] },
  HOME: { name: 'HOME', createsProducts: true, required: [] },
});

/** The product type with this name, if the simulator knows it. */
export function findProductType(name: string): ProductTypeSpec | undefined {
  return Object.hasOwn(PRODUCT_TYPES, name) ? PRODUCT_TYPES[name] : undefined;
}

/** The attribute with this name, if the simulator knows it. */
export function findAttribute(name: string): AttributeSpec | undefined {
  return Object.hasOwn(ATTRIBUTES, name) ? ATTRIBUTES[name] : undefined;
}
