/**
 * Listing templates per product type: which attributes a full listing (requirements LISTING) of
 * the type needs, as the portal's template form asks for them. The required sets follow the
 * `required` lists of Amazon's Product Type Definitions (getDefinitionsProductType's JSON schema,
 * https://developer-docs.amazon.com/sp-api/docs/product-type-definitions-api-v2020-09-01-reference)
 * for the common types, cut to what a seller fills in by hand: every product needs a name, a
 * brand and an identifier (or an exemption); every offer a condition, a price and a quantity
 * (https://developer-docs.amazon.com/sp-api/docs/building-listings-management-workflows-guide).
 * Types not listed here are written as JSON in the full form.
 */

/** How a field is asked for and turned into Amazon's attribute value. */
export type TemplateFieldKind =
  /** Localized text: `[{value, language_tag, marketplace_id}]`. */
  | 'text'
  /** One of `choices`: `[{value, marketplace_id}]`. */
  | 'choice'
  /** `[{type, value, marketplace_id}]` (type one of ean, upc, gtin, isbn, jan). */
  | 'identifier'
  /** An ASIN: `[{value, marketplace_id}]`. */
  | 'asin'
  /** Our price in the marketplace's currency, typed in its locale: `purchasable_offer`. */
  | 'price'
  /** Merchant-fulfilled quantity: `fulfillment_availability`. */
  | 'quantity';

export interface TemplateField {
  /** The attribute name (Listings Items `attributes` key). */
  attribute: string;
  label: string;
  kind: TemplateFieldKind;
  choices?: readonly string[];
  /** A hint shown under the field. */
  hint?: string;
}

export interface ProductTemplate {
  productType: string;
  /** What the type is for, in a few words. */
  description: string;
  fields: readonly TemplateField[];
}

const CONDITIONS = [
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

const F = {
  item_name: { attribute: 'item_name', label: 'Item name', kind: 'text' },
  brand: { attribute: 'brand', label: 'Brand', kind: 'text' },
  identifier: {
    attribute: 'externally_assigned_product_identifier',
    label: 'Product identifier (UPC, EAN, GTIN, ISBN or JAN)',
    kind: 'identifier',
  },
  color: { attribute: 'color', label: 'Color', kind: 'text' },
  size: { attribute: 'size', label: 'Size', kind: 'text' },
  department: { attribute: 'department', label: 'Department', kind: 'text', hint: 'e.g. mens, womens' },
  material: { attribute: 'material', label: 'Material', kind: 'text' },
  target_gender: {
    attribute: 'target_gender',
    label: 'Target gender',
    kind: 'choice',
    choices: ['male', 'female', 'unisex'],
  },
  asin: { attribute: 'merchant_suggested_asin', label: 'ASIN of the product you offer', kind: 'asin' },
  condition: { attribute: 'condition_type', label: 'Condition', kind: 'choice', choices: CONDITIONS },
  price: { attribute: 'purchasable_offer', label: 'Price', kind: 'price' },
  quantity: { attribute: 'fulfillment_availability', label: 'Quantity', kind: 'quantity' },
} as const satisfies Record<string, TemplateField>;

const PRODUCT: readonly TemplateField[] = [F.item_name, F.brand, F.identifier];
const OFFER: readonly TemplateField[] = [F.condition, F.price, F.quantity];

/** The templates, by product type. */
export const PRODUCT_TEMPLATES: Readonly<Record<string, ProductTemplate>> = Object.freeze({
  PRODUCT: {
    productType: 'PRODUCT',
    description: 'an offer on a product already on Amazon (by ASIN)',
    fields: [F.asin, ...OFFER],
  },
  SHIRT: {
    productType: 'SHIRT',
    description: 'shirts and tops',
    fields: [...PRODUCT, F.color, F.size, F.department, F.target_gender, ...OFFER],
  },
  SHOES: {
    productType: 'SHOES',
    description: 'footwear',
    fields: [...PRODUCT, F.color, F.size, F.department, F.material, ...OFFER],
  },
  LUGGAGE: {
    productType: 'LUGGAGE',
    description: 'suitcases and travel bags',
    fields: [...PRODUCT, F.color, F.size, F.material, ...OFFER],
  },
  BACKPACK: {
    productType: 'BACKPACK',
    description: 'backpacks',
    fields: [...PRODUCT, F.color, F.material, ...OFFER],
  },
  KITCHEN: {
    productType: 'KITCHEN',
    description: 'kitchen goods',
    fields: [...PRODUCT, F.material, ...OFFER],
  },
  HOME: { productType: 'HOME', description: 'home goods', fields: [...PRODUCT, ...OFFER] },
});

/** The template of a product type, or null when there is none (the JSON form then). */
export function templateFor(productType: string): ProductTemplate | null {
  return Object.hasOwn(PRODUCT_TEMPLATES, productType) ? PRODUCT_TEMPLATES[productType]! : null;
}

/** The product types with a template, in a stable order. */
export const TEMPLATE_TYPES: readonly string[] = Object.keys(PRODUCT_TEMPLATES);
