import type { Context } from 'hono';
import { randomString } from '../../kernel/random.js';
import type { SimContext, SimEnv } from '../context.js';
import { spapiError } from '../http.js';
import {
  applyToListing,
  attributesFor,
  buildItem,
  effectiveRequirements,
  ensureListingRecord,
  findListing,
  findLiveListing,
  listingAsin,
  patchAttributes,
  putAttributes,
  recordSubmission,
  removeFromMarketplace,
} from '../listings-store.js';
import {
  UNPARSEABLE,
  hasErrors,
  missingAttributes,
  parsePatchBody,
  parsePutBody,
  validatePatch,
  validatePut,
  type ListingIssue,
} from '../listings-validation.js';
import type { SimMarketplace } from '../marketplaces.js';
import type { SimListing, SimListingSubmission } from '../state.js';
import { GET_INCLUDED, invalidInput, parseIncluded, resolveSellerAndMarketplace } from './listings-params.js';
import { searchListingsItems } from './listings-search.js';
import type { SpApiCall, SpApiOperation } from './operation.js';

/**
 * Listings Items API 2021-08-01 (https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference). Submissions are
 * validated at once and, when ACCEPTED, applied at once (Amazon applies them a little later).
 */

const ITEM_PATH = '/listings/2021-08-01/items/:sellerId/:sku';
const SUBMIT_INCLUDED = ['identifiers', 'issues'];

/** The checked path and query of a call: the caller's seller, the SKU and the one marketplace. */
interface ListingTarget {
  ctx: SimContext;
  sellingPartnerId: string;
  sku: string;
  marketplace: SimMarketplace;
}

function resolveTarget(c: Context<SimEnv>, call: SpApiCall): ListingTarget | Response {
  const resolved = resolveSellerAndMarketplace(c, call);
  if (resolved instanceof Response) return resolved;
  const sku = c.req.param('sku');
  if (!sku) return invalidInput(c, UNPARSEABLE, "Missing required parameter 'sku'.");
  return { ctx: call.ctx, sku, ...resolved };
}

interface SubmitOptions {
  preview: boolean;
  included: Set<string>;
}

function parseSubmitOptions(c: Context<SimEnv>): SubmitOptions | Response {
  const mode = c.req.query('mode');
  if (mode !== undefined && mode !== 'VALIDATION_PREVIEW')
    return invalidInput(c, UNPARSEABLE, "'mode' must be VALIDATION_PREVIEW when given.");
  const included = parseIncluded(c.req.query('includedData'), SUBMIT_INCLUDED, ['issues']);
  if (!included)
    return invalidInput(c, UNPARSEABLE, `'includedData' must be a subset of ${SUBMIT_INCLUDED.join(', ')}.`);
  // The model: identifiers "can only be requested when mode is VALIDATION_PREVIEW".
  if (included.has('identifiers') && mode === undefined)
    return invalidInput(
      c,
      UNPARSEABLE,
      "'includedData=identifiers' can only be requested when 'mode' is VALIDATION_PREVIEW.",
    );
  return { preview: mode !== undefined, included };
}

async function readJson(c: Context<SimEnv>): Promise<{ body: unknown } | Response> {
  const text = await c.req.text();
  try {
    return { body: JSON.parse(text) as unknown };
  } catch {
    return invalidInput(c, UNPARSEABLE, 'The request body is not valid JSON.');
  }
}

function submissionId(ctx: SimContext): string {
  return randomString(ctx.random, 32, '0123456789abcdef');
}

/** Builds the `ListingsItemSubmissionResponse`, records the submission and answers 200. */
function respond(
  c: Context<SimEnv>,
  target: ListingTarget,
  input: {
    method: SimListingSubmission['method'];
    options: SubmitOptions;
    issues: ListingIssue[];
    productType: string;
    body?: unknown;
    asin?: string | undefined;
  },
): Response {
  const { ctx, sku, marketplace } = target;
  const invalid = hasErrors(input.issues);
  const status = invalid ? 'INVALID' : input.options.preview ? 'VALID' : 'ACCEPTED';
  const submission: SimListingSubmission = {
    submissionId: submissionId(ctx),
    at: ctx.clock.now(),
    method: input.method,
    mode: input.options.preview ? 'VALIDATION_PREVIEW' : 'LIVE',
    status,
    issues: input.issues,
    marketplaceId: marketplace.id,
    ...(input.body === undefined ? {} : { body: input.body }),
  };
  recordSubmission(ensureListingRecord(ctx, target.sellingPartnerId, sku, input.productType), submission);
  const response: Record<string, unknown> = { sku, status, submissionId: submission.submissionId };
  if (input.options.included.has('issues')) response.issues = input.issues;
  if (input.options.included.has('identifiers'))
    response.identifiers =
      invalid || !input.asin ? [] : [{ marketplaceId: marketplace.id, asin: input.asin }];
  return c.json(response);
}

async function putListingsItem(c: Context<SimEnv>, call: SpApiCall): Promise<Response> {
  const target = resolveTarget(c, call);
  if (target instanceof Response) return target;
  const options = parseSubmitOptions(c);
  if (options instanceof Response) return options;
  const json = await readJson(c);
  if (json instanceof Response) return json;
  const parsed = parsePutBody(json.body);
  if ('error' in parsed) return invalidInput(c, parsed.error.message, parsed.error.details);
  const put = parsed.value;
  const { ctx, marketplace } = target;
  const issues = validatePut(put, marketplace);
  // Attributes are only merged once they passed validation (INVALID values may not be arrays).
  const attributes = hasErrors(issues)
    ? undefined
    : putAttributes(liveRecord(target)?.attributes ?? {}, marketplace.id, put.attributes);
  if (attributes && !options.preview) {
    const listing = ensureListingRecord(ctx, target.sellingPartnerId, target.sku, put.productType);
    const change = { productType: put.productType, attributes, requirements: put.requirements };
    applyToListing(ctx, listing, marketplace.id, change);
  }
  const asin = attributes
    ? listingAsin(target.sellingPartnerId, target.sku, attributesFor(attributes, marketplace.id))
    : undefined;
  return respond(c, target, {
    method: 'PUT',
    options,
    issues,
    productType: put.productType,
    body: json.body,
    asin,
  });
}

/** The SKU's record when it is live in any marketplace (its attributes span all of them). */
function liveRecord(target: ListingTarget): SimListing | undefined {
  const listing = findListing(target.ctx, target.sellingPartnerId, target.sku);
  return listing && !listing.deleted ? listing : undefined;
}

async function patchListingsItem(c: Context<SimEnv>, call: SpApiCall): Promise<Response> {
  const target = resolveTarget(c, call);
  if (target instanceof Response) return target;
  const options = parseSubmitOptions(c);
  if (options instanceof Response) return options;
  const json = await readJson(c);
  if (json instanceof Response) return json;
  const parsed = parsePatchBody(json.body);
  if ('error' in parsed) return invalidInput(c, parsed.error.message, parsed.error.details);
  const patch = parsed.value;
  const { ctx, marketplace } = target;
  const live = liveRecord(target);
  // PATCH of a SKU not listed here: Amazon accepts it and creates a partial listing (not documented by Amazon;
  // selling-partner-api-models #2797), unless configured to refuse it.
  if (!live?.marketplaceIds.includes(marketplace.id) && ctx.config.listingsMissingSku === 'invalid') {
    const issues = [notFoundIssue(target)];
    return respond(c, target, {
      method: 'PATCH',
      options,
      issues,
      productType: patch.productType,
      body: json.body,
    });
  }
  const productType = live?.productType ?? patch.productType;
  const current = live?.attributes ?? {};
  const next = patchAttributes(current, marketplace.id, patch.patches);
  const requirements = effectiveRequirements(live ?? { productType });
  const before = missingAttributes(productType, requirements, attributesFor(current, marketplace.id));
  const after = missingAttributes(productType, requirements, attributesFor(next, marketplace.id));
  const issues = validatePatch(patch, marketplace, (name) => after.includes(name) && !before.includes(name));
  if (!hasErrors(issues) && !options.preview) {
    const listing = ensureListingRecord(ctx, target.sellingPartnerId, target.sku, productType);
    applyToListing(ctx, listing, marketplace.id, { productType, attributes: next });
  }
  const asin = listingAsin(target.sellingPartnerId, target.sku, attributesFor(next, marketplace.id));
  return respond(c, target, { method: 'PATCH', options, issues, productType, body: json.body, asin });
}

function notFoundIssue(target: ListingTarget): ListingIssue {
  return {
    code: 'SKU_NOT_FOUND',
    message: `SKU '${target.sku}' not found in marketplace ${target.marketplace.id}`,
    severity: 'ERROR',
    categories: [],
  };
}

function deleteListingsItem(c: Context<SimEnv>, call: SpApiCall): Response {
  const target = resolveTarget(c, call);
  if (target instanceof Response) return target;
  const { ctx, marketplace } = target;
  const existing = findLiveListing(ctx, target.sellingPartnerId, target.sku, marketplace.id);
  const options: SubmitOptions = { preview: false, included: new Set(['issues']) };
  const issues = !existing && ctx.config.listingsMissingSku === 'invalid' ? [notFoundIssue(target)] : [];
  if (existing) removeFromMarketplace(ctx, existing, marketplace.id);
  return respond(c, target, {
    method: 'DELETE',
    options,
    issues,
    productType: existing?.productType ?? 'PRODUCT',
  });
}

function getListingsItem(c: Context<SimEnv>, call: SpApiCall): Response {
  const target = resolveTarget(c, call);
  if (target instanceof Response) return target;
  const included = parseIncluded(c.req.query('includedData'), GET_INCLUDED, ['summaries']);
  if (!included)
    return invalidInput(c, UNPARSEABLE, `'includedData' must be a subset of ${GET_INCLUDED.join(', ')}.`);
  const listing = findLiveListing(target.ctx, target.sellingPartnerId, target.sku, target.marketplace.id);
  // Wording seen on Amazon's 404 for an unknown SKU.
  if (!listing)
    return spapiError(
      c,
      404,
      'NOT_FOUND',
      `SKU '${target.sku}' not found in marketplace ${target.marketplace.id}`,
    );
  return c.json(buildItem(listing, target.marketplace, included));
}

/** getListingsItem, putListingsItem, patchListingsItem, deleteListingsItem and searchListingsItems. */
export const listingsOperations: SpApiOperation[] = [
  {
    operationId: 'getListingsItem',
    method: 'GET',
    path: ITEM_PATH,
    auth: { kind: 'seller' },
    handle: getListingsItem,
  },
  {
    operationId: 'putListingsItem',
    method: 'PUT',
    path: ITEM_PATH,
    auth: { kind: 'seller' },
    handle: putListingsItem,
  },
  {
    operationId: 'patchListingsItem',
    method: 'PATCH',
    path: ITEM_PATH,
    auth: { kind: 'seller' },
    handle: patchListingsItem,
  },
  {
    operationId: 'deleteListingsItem',
    method: 'DELETE',
    path: ITEM_PATH,
    auth: { kind: 'seller' },
    handle: deleteListingsItem,
  },
  {
    operationId: 'searchListingsItems',
    method: 'GET',
    path: '/listings/2021-08-01/items/:sellerId',
    auth: { kind: 'seller' },
    handle: searchListingsItems,
  },
];
