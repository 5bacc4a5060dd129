import type { SimMarketplace } from './marketplaces.js';
import {
  OFFER_REQUIRED,
  PRODUCT_IDENTIFIERS,
  PRODUCT_REQUIRED,
  findAttribute,
  findProductType,
  type AttributeSpec,
} from './product-types.js';

/**
 * Validation of Listings Items submissions (https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference). Two layers, as on Amazon: a body that
 * does not fit the model is a 400 (`parsePutBody`/`parsePatchBody`), while content problems are
 * `issues` in a 200 response with status INVALID (`validatePut`/`validatePatch`). Issue codes and
 * messages follow ones Amazon returns: 90220 missing attribute, 4000001 invalid value, 99022 too few
 * values, 90000900 unknown attribute, 4000003 unknown product type, 4000004 PRODUCT cannot create.
 */

export type Requirements = 'LISTING' | 'LISTING_PRODUCT_ONLY' | 'LISTING_OFFER_ONLY';
export const REQUIREMENTS: readonly Requirements[] = [
  'LISTING',
  'LISTING_PRODUCT_ONLY',
  'LISTING_OFFER_ONLY',
];
export type PatchOp = 'add' | 'replace' | 'merge' | 'delete';
const PATCH_OPS: readonly PatchOp[] = ['add', 'replace', 'merge', 'delete'];

/** An issue in the model's `Issue` shape. */
export interface ListingIssue {
  code: string;
  message: string;
  severity: 'ERROR' | 'WARNING' | 'INFO';
  attributeNames?: string[];
  categories: string[];
}

export type Entry = Record<string, unknown>;
export type Attributes = Record<string, Entry[]>;

export interface PutBody {
  productType: string;
  requirements: Requirements;
  attributes: Record<string, unknown>;
}

export interface PatchOperationBody {
  op: PatchOp;
  /** The attribute name taken from `/attributes/<name>`. */
  attribute: string;
  value?: Entry[];
}

export interface PatchBody {
  productType: string;
  patches: PatchOperationBody[];
}

/** A 400 answer: `message` and `details` of the InvalidInput error. */
export interface BodyError {
  message: string;
  details: string;
}

/** The generic message Amazon gives for a body it cannot parse. */
export const UNPARSEABLE = 'Request has missing or invalid parameters and cannot be parsed.';

const bad = (details: string): { error: BodyError } => ({ error: { message: UNPARSEABLE, details } });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEntryArray(v: unknown): v is Entry[] {
  return Array.isArray(v) && v.every(isObject);
}

/** Checks a putListingsItem body against `ListingsItemPutRequest`. */
export function parsePutBody(body: unknown): { value: PutBody } | { error: BodyError } {
  if (!isObject(body)) return bad('The request body must be a JSON object.');
  if (typeof body.productType !== 'string' || body.productType === '')
    return bad("'productType' is required and must be a non-empty string.");
  const requirements = body.requirements ?? 'LISTING';
  if (!REQUIREMENTS.includes(requirements as Requirements))
    return bad(`'requirements' must be one of ${REQUIREMENTS.join(', ')}.`);
  if (!isObject(body.attributes)) return bad("'attributes' is required and must be a JSON object.");
  return {
    value: {
      productType: body.productType,
      requirements: requirements as Requirements,
      attributes: body.attributes,
    },
  };
}

/** Checks a patchListingsItem body against `ListingsItemPatchRequest`. */
export function parsePatchBody(body: unknown): { value: PatchBody } | { error: BodyError } {
  if (!isObject(body)) return bad('The request body must be a JSON object.');
  if (typeof body.productType !== 'string' || body.productType === '')
    return bad("'productType' is required and must be a non-empty string.");
  if (!Array.isArray(body.patches) || body.patches.length === 0)
    return bad("'patches' is required and must be a non-empty array.");
  const patches: PatchOperationBody[] = [];
  for (const [i, patch] of body.patches.entries()) {
    if (!isObject(patch)) return bad(`'patches[${i}]' must be a JSON object.`);
    if (!PATCH_OPS.includes(patch.op as PatchOp))
      return bad(`'patches[${i}].op' must be one of ${PATCH_OPS.join(', ')}.`);
    const path = typeof patch.path === 'string' ? /^\/attributes\/([A-Za-z0-9_]+)$/.exec(patch.path) : null;
    // Amazon's own wording for a bad patch path (selling-partner-api-models issue #2531).
    if (!path) return { error: { message: `Invalid path provided in patch at index of ${i}.`, details: '' } };
    const op = patch.op as PatchOp;
    if (patch.value === undefined && op !== 'delete')
      return bad(`'patches[${i}].value' is required for the '${op}' operation.`);
    if (patch.value !== undefined && !isEntryArray(patch.value))
      return bad(`'patches[${i}].value' must be an array of objects.`);
    const parsed: PatchOperationBody = { op, attribute: path[1]! };
    if (patch.value !== undefined) parsed.value = patch.value;
    patches.push(parsed);
  }
  return { value: { productType: body.productType, patches } };
}

// ---- issues ----------------------------------------------------------------------------------

const issue = (
  code: string,
  message: string,
  attributeNames: string[] | undefined,
  categories: string[],
): ListingIssue => ({
  code,
  message,
  severity: 'ERROR',
  ...(attributeNames ? { attributeNames } : {}),
  categories,
});

/** '90220' for a required attribute that is absent (wording and category as in the model). */
export const missingIssue = (name: string): ListingIssue =>
  issue('90220', `'${name}' is required but not supplied.`, [name], ['MISSING_ATTRIBUTE']);

const invalidIssue = (name: string, label: string): ListingIssue =>
  issue('4000001', `The provided value for '${label}' is invalid.`, [name], ['INVALID_ATTRIBUTE']);

const unknownIssue = (name: string): ListingIssue =>
  issue('90000900', 'The attributes are invalid.', [name], ['INVALID_ATTRIBUTE']);

const tooFewIssue = (name: string, label: string): ListingIssue =>
  issue(
    '99022',
    `The field 'value' for the attribute '${label}' does not have enough values. The required minimum is '1' value(s).`,
    [name],
    ['INVALID_ATTRIBUTE'],
  );

const unknownProductTypeIssue = (): ListingIssue =>
  issue('4000003', 'The Amazon product type specified is invalid or not supported.', undefined, []);

const productCreationIssue = (productType: string): ListingIssue =>
  issue(
    '4000004',
    `Creating products is not supported with the "${productType}" Amazon product type. Either specify a specific Amazon product type or specify an offer-only requirements set.`,
    undefined,
    [],
  );

const minimumPriceIssue = (name: string): ListingIssue =>
  issue(
    '18155',
    "The 'minimum price' is greater than the selling price (excluding shipping) for the listing. Review and update your price and/or minimum price.",
    [name],
    ['INVALID_PRICE'],
  );

// ---- value checks ----------------------------------------------------------------------------

const isPositiveNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isText = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

const GTIN_LENGTHS: Readonly<Record<string, readonly number[]>> = {
  upc: [12],
  ean: [13, 8],
  jan: [13, 8],
  gtin: [14, 13, 12, 8],
  isbn: [13, 10],
};

/** GS1 mod-10 check digit (UPC, EAN, JAN, GTIN, ISBN-13). */
function gs1CheckDigitOk(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length - 1; i++) {
    const d = Number(digits[digits.length - 2 - i]);
    sum += i % 2 === 0 ? d * 3 : d;
  }
  return (10 - (sum % 10)) % 10 === Number(digits[digits.length - 1]);
}

function identifierOk(entry: Entry): boolean {
  const type = typeof entry.type === 'string' ? entry.type.toLowerCase() : '';
  const lengths = GTIN_LENGTHS[type];
  if (!lengths || typeof entry.value !== 'string') return false;
  const value = entry.value;
  if (type === 'isbn' && value.length === 10) return /^\d{9}[\dX]$/.test(value);
  return /^\d+$/.test(value) && lengths.includes(value.length) && gs1CheckDigitOk(value);
}

/** The first schedule price of a `purchasable_offer`-style price list (`our_price`), if well formed. */
export function schedulePrice(list: unknown): number | undefined {
  if (!Array.isArray(list)) return undefined;
  const first: unknown = list[0];
  if (!isObject(first) || !Array.isArray(first.schedule)) return undefined;
  const schedule: unknown = first.schedule[0];
  if (!isObject(schedule)) return undefined;
  return isPositiveNumber(schedule.value_with_tax) ? schedule.value_with_tax : undefined;
}

/** Checks one value entry; returns the sub-field label that is wrong, or null when fine. */
function entryProblem(spec: AttributeSpec, entry: Entry, marketplace: SimMarketplace): string | null {
  if (entry.marketplace_id !== undefined && entry.marketplace_id !== marketplace.id) return 'Marketplace';
  switch (spec.kind) {
    case 'text':
      if (!isText(entry.value)) return spec.label;
      if (typeof entry.language_tag !== 'string' || !/^[a-z]{2,3}_[A-Z]{2}$/.test(entry.language_tag))
        return 'Language Tag';
      return null;
    case 'string':
      return isText(entry.value) ? null : spec.label;
    case 'enum':
      return typeof entry.value === 'string' && (spec.values ?? []).includes(entry.value) ? null : spec.label;
    case 'asin':
      return typeof entry.value === 'string' && /^[A-Z0-9]{10}$/.test(entry.value) ? null : spec.label;
    case 'boolean':
      return typeof entry.value === 'boolean' ? null : spec.label;
    case 'integer':
      return isCount(entry.value) ? null : spec.label;
    case 'measure':
      return isPositiveNumber(entry.value) && isText(entry.unit) ? null : spec.label;
    case 'product_identifier':
      return identifierOk(entry) ? null : spec.label;
    case 'image':
      return typeof entry.media_location === 'string' && /^https:\/\/\S+$/.test(entry.media_location)
        ? null
        : spec.label;
    case 'price':
      if (entry.currency !== marketplace.defaultCurrencyCode) return 'Currency';
      return isPositiveNumber(entry.value_with_tax) ? null : spec.label;
    case 'purchasable_offer':
      if (entry.currency !== marketplace.defaultCurrencyCode) return 'Currency';
      if (entry.audience !== undefined && entry.audience !== 'ALL' && entry.audience !== 'B2B')
        return 'Audience';
      if (schedulePrice(entry.our_price) === undefined) return spec.label;
      for (const key of ['minimum_seller_allowed_price', 'maximum_seller_allowed_price'])
        if (entry[key] !== undefined && schedulePrice(entry[key]) === undefined) return spec.label;
      return null;
    case 'fulfillment_availability':
      if (!isText(entry.fulfillment_channel_code)) return 'Fulfillment Channel Code';
      if (entry.fulfillment_channel_code === 'DEFAULT' && !isCount(entry.quantity)) return 'Quantity';
      if (entry.quantity !== undefined && !isCount(entry.quantity)) return 'Quantity';
      if (entry.lead_time_to_ship_max_days !== undefined && !isCount(entry.lead_time_to_ship_max_days))
        return 'Handling Time';
      return null;
  }
}

/** Issues for the values of one attribute (shape, types, ranges); none when they are fine. */
export function attributeIssues(name: string, value: unknown, marketplace: SimMarketplace): ListingIssue[] {
  const spec = findAttribute(name);
  if (!spec) return [unknownIssue(name)];
  if (!isEntryArray(value)) return [invalidIssue(name, spec.label)];
  if (value.length === 0) return [tooFewIssue(name, spec.label)];
  const issues: ListingIssue[] = [];
  for (const entry of value) {
    const problem = entryProblem(spec, entry, marketplace);
    if (problem !== null) {
      issues.push(invalidIssue(name, problem));
      break;
    }
    if (spec.kind === 'purchasable_offer') {
      const price = schedulePrice(entry.our_price);
      const minimum = schedulePrice(entry.minimum_seller_allowed_price);
      if (price !== undefined && minimum !== undefined && minimum > price)
        issues.push(minimumPriceIssue(name));
    }
  }
  return issues;
}

/** Issues for a product type and requirements set that Amazon would refuse outright. */
export function productTypeIssues(productType: string, requirements: Requirements): ListingIssue[] {
  const spec = findProductType(productType);
  if (!spec) return [unknownProductTypeIssue()];
  if (!spec.createsProducts && requirements !== 'LISTING_OFFER_ONLY')
    return [productCreationIssue(productType)];
  return [];
}

/** Required attributes that `attributes` lacks under a requirements set. */
export function missingAttributes(
  productType: string,
  requirements: Requirements,
  attributes: Record<string, unknown>,
): string[] {
  const spec = findProductType(productType);
  if (!spec) return [];
  const has = (name: string): boolean => attributes[name] !== undefined;
  const missing: string[] = [];
  if (requirements !== 'LISTING_OFFER_ONLY') {
    missing.push(...[...PRODUCT_REQUIRED, ...spec.required].filter((n) => !has(n)));
    if (!PRODUCT_IDENTIFIERS.some(has)) missing.push('externally_assigned_product_identifier');
  }
  if (requirements !== 'LISTING_PRODUCT_ONLY') {
    missing.push(...OFFER_REQUIRED.filter((n) => !has(n)));
    // An offer alone must point at an existing catalog item.
    if (
      requirements === 'LISTING_OFFER_ONLY' &&
      !has('merchant_suggested_asin') &&
      !has(PRODUCT_IDENTIFIERS[0]!)
    )
      missing.push('merchant_suggested_asin');
  }
  return missing;
}

/** All issues of a putListingsItem submission for one marketplace. */
export function validatePut(body: PutBody, marketplace: SimMarketplace): ListingIssue[] {
  const typeIssues = productTypeIssues(body.productType, body.requirements);
  if (typeIssues.length > 0) return typeIssues;
  const issues = Object.entries(body.attributes).flatMap(([name, value]) =>
    attributeIssues(name, value, marketplace),
  );
  for (const name of missingAttributes(body.productType, body.requirements, body.attributes))
    issues.push(missingIssue(name));
  return issues;
}

/**
 * All issues of a patchListingsItem submission. Only the patched attributes are checked (a PATCH may
 * touch a partial listing), plus required attributes that a `delete` would remove.
 */
export function validatePatch(
  body: PatchBody,
  marketplace: SimMarketplace,
  deletesRequired: (attribute: string) => boolean,
): ListingIssue[] {
  if (!findProductType(body.productType)) return [unknownProductTypeIssue()];
  const issues: ListingIssue[] = [];
  for (const patch of body.patches) {
    if (!findAttribute(patch.attribute)) issues.push(unknownIssue(patch.attribute));
    else if (patch.op === 'delete') {
      if (deletesRequired(patch.attribute)) issues.push(missingIssue(patch.attribute));
    } else issues.push(...attributeIssues(patch.attribute, patch.value, marketplace));
  }
  return issues;
}

/** True when any issue blocks the submission. */
export function hasErrors(issues: readonly ListingIssue[]): boolean {
  return issues.some((i) => i.severity === 'ERROR');
}
