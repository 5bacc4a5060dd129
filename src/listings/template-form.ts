import type { ProductTemplate, TemplateField } from './product-templates.js';
import { currencyOf, FieldErrors, parseLocalPrice, type FieldError } from './quick-edit.js';
import type { PutBody } from './validate.js';

/**
 * The template form's values ↔ a full listing (putListingsItem body): each field of the product
 * type's template is one input (`attr.<name>`; an identifier also `attr.<name>.type`), turned into
 * Amazon's attribute value for the marketplace. Every missing or bad field is reported at once.
 * @see https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference#putlistingsitem
 */

export const IDENTIFIER_TYPES = ['upc', 'ean', 'gtin', 'isbn', 'jan'] as const;

/** Field values by input name (`attr.brand`, `attr.externally_assigned_product_identifier.type`, …). */
export type TemplateValues = Record<string, string>;

export const inputName = (attribute: string): string => `attr.${attribute}`;

/** The language tag of a marketplace's site (`de_DE`), for localized text. */
export function languageTagOf(marketplaceId: string): string {
  const currency = currencyOf(marketplaceId);
  const tags: Record<string, string> = {
    A1PA6795UKMFR9: 'de_DE',
    A13V1IB3VIYZZH: 'fr_FR',
    APJ6JRA9NG5V4: 'it_IT',
    A1RKKUPIHCS9HS: 'es_ES',
    A1805IZSGTT6HS: 'nl_NL',
    A2NODRKZP88ZB9: 'sv_SE',
    A1C3SOZRARQ6R3: 'pl_PL',
    A1F83G8C2ARO7P: 'en_GB',
    A1AM78C64UM0Y8: 'es_MX',
    A2Q3Y263D00KWC: 'pt_BR',
    A1VC38T7YXB528: 'ja_JP',
    A2EUQ1WTGCTBG2: 'en_CA',
    A39IBJ37TRP1C6: 'en_AU',
    A21TJRUUN4KGV: 'en_IN',
  };
  return tags[marketplaceId] ?? (currency === 'EUR' ? 'en_GB' : 'en_US');
}

function valueOf(field: TemplateField, values: TemplateValues, marketplaceId: string) {
  const raw = (values[inputName(field.attribute)] ?? '').trim();
  const fail = (message: string): FieldError => ({ field: inputName(field.attribute), message });
  if (raw === '') return fail(`${field.label}: is required for this product type`);
  switch (field.kind) {
    case 'text':
      return [{ value: raw, language_tag: languageTagOf(marketplaceId), marketplace_id: marketplaceId }];
    case 'choice':
      if (!field.choices?.includes(raw)) return fail(`${field.label}: choose one of the listed values`);
      return [{ value: raw, marketplace_id: marketplaceId }];
    case 'asin':
      if (!/^[A-Z0-9]{10}$/.test(raw))
        return fail(`${field.label}: an ASIN is 10 capital letters and digits`);
      return [{ value: raw, marketplace_id: marketplaceId }];
    case 'identifier': {
      const type = (values[`${inputName(field.attribute)}.type`] ?? 'upc').trim();
      if (!(IDENTIFIER_TYPES as readonly string[]).includes(type))
        return fail(`${field.label}: the type must be one of ${IDENTIFIER_TYPES.join(', ')}`);
      if (!/^\d{8,14}$/.test(raw)) return fail(`${field.label}: must be 8 to 14 digits`);
      return [{ type, value: raw, marketplace_id: marketplaceId }];
    }
    case 'price': {
      const price = parseLocalPrice(raw, marketplaceId);
      if (typeof price !== 'number')
        return fail(`${field.label}: ${price?.message.replace(/^price: /, '') ?? ''}`);
      if (!(price > 0)) return fail(`${field.label}: must be more than 0`);
      const currency = currencyOf(marketplaceId);
      if (!currency) return fail(`${field.label}: the currency of marketplace ${marketplaceId} is not known`);
      return [
        {
          marketplace_id: marketplaceId,
          currency,
          our_price: [{ schedule: [{ value_with_tax: Math.round(price * 100) / 100 }] }],
        },
      ];
    }
    case 'quantity':
      if (!/^\d+$/.test(raw)) return fail(`${field.label}: must be a whole number, 0 or more`);
      return [{ fulfillment_channel_code: 'DEFAULT', quantity: Number(raw) }];
  }
}

/** The template form's values as a putListingsItem body; FieldErrors lists every problem. */
export function templatePutBody(
  template: ProductTemplate,
  values: TemplateValues,
  marketplaceId: string,
  earlier: readonly FieldError[] = [],
): PutBody {
  const errors: FieldError[] = [...earlier];
  const attributes: PutBody['attributes'] = {};
  for (const field of template.fields) {
    const value = valueOf(field, values, marketplaceId);
    if (Array.isArray(value)) attributes[field.attribute] = value;
    else errors.push(value);
  }
  if (errors.length > 0) throw new FieldErrors(errors);
  return { productType: template.productType, requirements: 'LISTING', attributes };
}

const first = (attributes: Record<string, unknown> | null, name: string): Record<string, unknown> | null => {
  const list = attributes?.[name];
  const entry = Array.isArray(list) ? (list[0] as unknown) : null;
  return typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : null;
};

/** The template form's values from a listing's attributes (starting an edit from the catalog). */
export function templateValuesFrom(
  template: ProductTemplate,
  attributes: Record<string, unknown> | null,
  formatPrice: (value: number) => string,
): TemplateValues {
  const values: TemplateValues = {};
  for (const field of template.fields) {
    const entry = first(attributes, field.attribute);
    if (!entry) continue;
    const name = inputName(field.attribute);
    if (field.kind === 'price') {
      const schedule = (entry.our_price as { schedule?: { value_with_tax?: unknown }[] }[] | undefined)?.[0]
        ?.schedule?.[0]?.value_with_tax;
      if (typeof schedule === 'number') values[name] = formatPrice(schedule);
    } else if (field.kind === 'quantity') {
      if (typeof entry.quantity === 'number') values[name] = String(entry.quantity);
    } else if (typeof entry.value === 'string' || typeof entry.value === 'number') {
      values[name] = String(entry.value);
      if (field.kind === 'identifier' && typeof entry.type === 'string') values[`${name}.type`] = entry.type;
    }
  }
  return values;
}
