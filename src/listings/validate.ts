import { ValidationError } from '../kernel/errors.js';

/**
 * Checks listing changes before they enter the outbox: bodies as in Listings Items 2021-08-01
 * (https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference). A refusal names the field and stores nothing. Content checks (which attributes
 * a product type needs, values Amazon accepts) are Amazon's: they come back as issues.
 */

export type ChangeKind = 'put' | 'patch' | 'delete';
export type Requirements = 'LISTING' | 'LISTING_PRODUCT_ONLY' | 'LISTING_OFFER_ONLY';
export const REQUIREMENTS: readonly Requirements[] = [
  'LISTING',
  'LISTING_PRODUCT_ONLY',
  'LISTING_OFFER_ONLY',
];
export type PatchOp = 'add' | 'replace' | 'merge' | 'delete';
export const PATCH_OPS: readonly PatchOp[] = ['add', 'replace', 'merge', 'delete'];

/** `putListingsItem` body. */
export interface PutBody {
  productType: string;
  requirements?: Requirements;
  attributes: Record<string, Record<string, unknown>[]>;
}

/** One JSON patch of `patchListingsItem`. */
export interface PatchOperation {
  op: PatchOp;
  path: string;
  value?: Record<string, unknown>[];
}

/** `patchListingsItem` body. */
export interface PatchBody {
  productType: string;
  patches: PatchOperation[];
}

/** A checked change, ready for the outbox. */
export type CheckedChange =
  | { kind: 'put'; sku: string; body: PutBody }
  | { kind: 'patch'; sku: string; body: PatchBody }
  | { kind: 'delete'; sku: string; body: null };

const MAX_SKU = 40;
const MAX_ATTRIBUTES = 500;
const MAX_PATCHES = 500;

/** A UTF-16 surrogate without its pair: encodeURIComponent throws on it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(field: string, message: string): never {
  throw new ValidationError(`${field}: ${message}`, field);
}

/**
 * Seller SKUs as the Listings Items path `/listings/2021-08-01/items/{sellerId}/{sku}` can carry
 * them: 1–40 characters, no control characters (C0, DEL, C1), no leading or trailing spaces, text
 * that can be URL-encoded (no lone UTF-16 surrogates), and not `.` or `..`. Amazon asks for the SKU
 * URL-encoded, but a dot segment stays a dot segment encoded or not (`%2E` too): URL parsers remove
 * it, so `.` and `..` would address the seller's items collection or another path instead of a SKU.
 * Every way in (portal, API, CLI import file) reaches this check through the outbox.
 * @see https://developer-docs.amazon.com/sp-api/docs/url-encoding
 * @see https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference
 * @see https://url.spec.whatwg.org/#double-dot-path-segment
 */
export function checkSku(sku: unknown, field = 'sku'): string {
  if (typeof sku !== 'string' || sku.length === 0) fail(field, 'is required');
  if (sku.length > MAX_SKU) fail(field, `must be at most ${MAX_SKU} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(sku)) fail(field, 'must not contain control characters');
  if (sku.trim() !== sku) fail(field, 'must not start or end with spaces');
  if (LONE_SURROGATE.test(sku)) fail(field, 'must be valid Unicode text (it has a broken character)');
  if (sku === '.' || sku === '..')
    fail(field, `'${sku}' cannot be a SKU: Amazon's URL for it would name a different path`);
  return sku;
}

function checkProductType(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '')
    fail(field, 'is required (an Amazon product type, e.g. SHIRT)');
  if (!/^[A-Z0-9_]{1,100}$/.test(value))
    fail(field, 'must be an Amazon product type name: capital letters, digits and _ (e.g. SHIRT)');
  return value;
}

function checkEntries(value: unknown, field: string): Record<string, unknown>[] {
  if (!Array.isArray(value)) fail(field, 'must be an array of objects');
  value.forEach((entry, i) => {
    if (!isObject(entry)) fail(`${field}[${i}]`, 'must be an object');
  });
  return value as Record<string, unknown>[];
}

function refuseUnknown(body: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  for (const key of Object.keys(body))
    if (!allowed.includes(key)) fail(`${prefix}${key}`, `unknown field (expected ${allowed.join(', ')})`);
}

/** Checks a PUT body: productType, optional requirements, attributes `{name: [objects]}`. */
export function checkPutBody(body: unknown, prefix = ''): PutBody {
  if (!isObject(body)) fail(prefix ? prefix.slice(0, -1) : 'body', 'must be a JSON object');
  refuseUnknown(body, ['productType', 'requirements', 'attributes'], prefix);
  const productType = checkProductType(body.productType, `${prefix}productType`);
  let requirements: Requirements | undefined;
  if (body.requirements !== undefined) {
    if (!REQUIREMENTS.includes(body.requirements as Requirements))
      fail(`${prefix}requirements`, `must be one of ${REQUIREMENTS.join(', ')}`);
    requirements = body.requirements as Requirements;
  }
  if (!isObject(body.attributes)) fail(`${prefix}attributes`, 'is required and must be a JSON object');
  const names = Object.keys(body.attributes);
  if (names.length === 0) fail(`${prefix}attributes`, 'must name at least one attribute');
  if (names.length > MAX_ATTRIBUTES) fail(`${prefix}attributes`, `at most ${MAX_ATTRIBUTES} attributes`);
  const attributes: Record<string, Record<string, unknown>[]> = {};
  for (const name of names) {
    if (!/^[A-Za-z0-9_]+$/.test(name))
      fail(`${prefix}attributes.${name}`, 'attribute names are letters, digits and _');
    attributes[name] = checkEntries(body.attributes[name], `${prefix}attributes.${name}`);
  }
  return { productType, ...(requirements ? { requirements } : {}), attributes };
}

/** Checks a PATCH body: productType and a non-empty list of `{op, path: /attributes/<name>, value}`. */
export function checkPatchBody(body: unknown, prefix = ''): PatchBody {
  if (!isObject(body)) fail(prefix ? prefix.slice(0, -1) : 'body', 'must be a JSON object');
  refuseUnknown(body, ['productType', 'patches'], prefix);
  const productType = checkProductType(body.productType, `${prefix}productType`);
  if (!Array.isArray(body.patches) || body.patches.length === 0)
    fail(`${prefix}patches`, 'is required and must be a non-empty array');
  if (body.patches.length > MAX_PATCHES) fail(`${prefix}patches`, `at most ${MAX_PATCHES} patches`);
  const patches = body.patches.map((raw: unknown, i: number): PatchOperation => {
    const field = `${prefix}patches[${i}]`;
    if (!isObject(raw)) fail(field, 'must be an object');
    refuseUnknown(raw, ['op', 'path', 'value'], `${field}.`);
    if (!PATCH_OPS.includes(raw.op as PatchOp)) fail(`${field}.op`, `must be one of ${PATCH_OPS.join(', ')}`);
    const op = raw.op as PatchOp;
    if (typeof raw.path !== 'string' || !/^\/attributes\/[A-Za-z0-9_]+$/.test(raw.path))
      fail(`${field}.path`, 'must be /attributes/<attribute name>');
    if (raw.value === undefined) {
      if (op !== 'delete') fail(`${field}.value`, `is required for the '${op}' operation`);
      return { op, path: raw.path };
    }
    return { op, path: raw.path, value: checkEntries(raw.value, `${field}.value`) };
  });
  return { productType, patches };
}

/** Checks one change as a whole (SKU, kind and the body the kind needs). */
export function checkChange(input: { sku: unknown; kind: unknown; body?: unknown }): CheckedChange {
  const sku = checkSku(input.sku);
  switch (input.kind) {
    case 'put':
      return { kind: 'put', sku, body: checkPutBody(input.body) };
    case 'patch':
      return { kind: 'patch', sku, body: checkPatchBody(input.body) };
    case 'delete':
      if (
        input.body !== undefined &&
        input.body !== null &&
        !(isObject(input.body) && Object.keys(input.body).length === 0)
      )
        fail('body', 'a delete has no body');
      return { kind: 'delete', sku, body: null };
    default:
      return fail('kind', 'must be put, patch or delete');
  }
}

/** A marketplace id as Amazon writes them (A + capitals and digits). */
export function checkMarketplaceId(value: unknown, field = 'marketplaceId'): string {
  if (typeof value !== 'string' || !/^A[A-Z0-9]{5,20}$/.test(value))
    fail(field, 'must be an Amazon marketplace id, e.g. ATVPDKIKX0DER');
  return value;
}
