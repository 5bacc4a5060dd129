import type { SpApiRequest } from '../client-types.js';
import { AmazonError } from '../errors.js';
import type {
  ItemAttributes,
  ListingsItemPatchRequest,
  ListingsItemPutRequest,
} from '../generated/listingsItems_2021-08-01.js';
import { badResponse, isRecord, settleAnswer, type SpApiAnswer } from './answer.js';

/**
 * Listings Items API 2021-08-01: the operations Sellerlink uses to send listing changes, read a
 * listing back and probe a seller id.
 * @see https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference
 */

/** One SKU of one seller in one marketplace. */
export interface ListingsItemTarget {
  sellerId: string;
  sku: string;
  marketplaceId: string;
}

/** A change to send: `preview` asks Amazon to validate it only (mode=VALIDATION_PREVIEW). */
export interface ListingsItemWrite extends ListingsItemTarget {
  preview?: boolean;
}

/**
 * The path of one SKU: both ids percent-encoded (a SKU may hold `/`, spaces, `#`, non-ASCII).
 * @see https://developer-docs.amazon.com/sp-api/docs/url-encoding
 */
export function listingsItemPath(sellerId: string, sku: string): string {
  return `/listings/2021-08-01/items/${encodeURIComponent(sellerId)}/${encodeURIComponent(sku)}`;
}

function writeRequest(
  operationId: 'putListingsItem' | 'patchListingsItem' | 'deleteListingsItem',
  method: 'PUT' | 'PATCH' | 'DELETE',
  target: ListingsItemWrite,
  body?: unknown,
): SpApiRequest {
  return {
    operationId,
    method,
    path: listingsItemPath(target.sellerId, target.sku),
    query: {
      marketplaceIds: target.marketplaceId,
      // Amazon's issues come back with the submission; deleteListingsItem has no includedData.
      ...(method === 'DELETE' ? {} : { includedData: 'issues' }),
      ...(target.preview ? { mode: 'VALIDATION_PREVIEW' } : {}),
    },
    ...(body === undefined ? {} : { body }),
  };
}

/**
 * putListingsItem: creates or fully replaces a SKU's listing.
 * @see https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference#putlistingsitem
 */
export function putListingsItemRequest(
  target: ListingsItemWrite,
  body: ListingsItemPutRequest,
): SpApiRequest {
  return writeRequest('putListingsItem', 'PUT', target, body);
}

/**
 * patchListingsItem: JSON patches to some attributes of a SKU's listing.
 * @see https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference#patchlistingsitem
 */
export function patchListingsItemRequest(
  target: ListingsItemWrite,
  body: ListingsItemPatchRequest,
): SpApiRequest {
  return writeRequest('patchListingsItem', 'PATCH', target, body);
}

/**
 * deleteListingsItem: removes a SKU's listing in the marketplace.
 * @see https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference#deletelistingsitem
 */
export function deleteListingsItemRequest(target: ListingsItemWrite): SpApiRequest {
  return writeRequest('deleteListingsItem', 'DELETE', target);
}

/** One of Amazon's issues on a submission, with the fields Sellerlink keeps. */
export interface SubmissionIssue {
  code: string;
  message: string;
  severity: 'ERROR' | 'WARNING' | 'INFO';
  attributeNames: string[];
}

/** What Amazon answered a put, patch or delete. */
export interface ListingsItemSubmission {
  /** ACCEPTED, INVALID or VALID (a preview); null when the answer had none of them. */
  status: 'ACCEPTED' | 'INVALID' | 'VALID' | null;
  /** The status as Amazon wrote it, when it was a string (also when not one of the three). */
  reportedStatus: string | null;
  submissionId: string | null;
  issues: SubmissionIssue[];
}

const SUBMISSION_STATUSES = new Set(['ACCEPTED', 'INVALID', 'VALID']);

function toSubmissionIssues(value: unknown): SubmissionIssue[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((i) => ({
    code: typeof i.code === 'string' ? i.code : '',
    message: typeof i.message === 'string' ? i.message : '',
    severity: i.severity === 'WARNING' || i.severity === 'INFO' ? i.severity : 'ERROR',
    attributeNames: Array.isArray(i.attributeNames)
      ? i.attributeNames.filter((n): n is string => typeof n === 'string')
      : [],
  }));
}

/**
 * The answer of putListingsItem, patchListingsItem or deleteListingsItem → the submission. A
 * success whose status is missing or unknown is not an error here: it comes back with `status`
 * null, for the caller to record as it sees fit. Error statuses are AmazonErrors.
 * @see https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference#listingsitemsubmissionresponse
 */
export async function processListingsItemSubmission(answer: SpApiAnswer): Promise<ListingsItemSubmission> {
  const { body } = await settleAnswer(answer);
  const wire = isRecord(body) ? body : {};
  const reportedStatus = typeof wire.status === 'string' ? wire.status : null;
  return {
    status:
      reportedStatus !== null && SUBMISSION_STATUSES.has(reportedStatus)
        ? (reportedStatus as ListingsItemSubmission['status'])
        : null,
    reportedStatus,
    submissionId: typeof wire.submissionId === 'string' ? wire.submissionId : null,
    issues: toSubmissionIssues(wire.issues),
  };
}

/**
 * getListingsItem for one SKU in one marketplace with the item data asked for (default: its
 * attributes).
 * @see https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference#getlistingsitem
 */
export function getListingsItemRequest(
  target: ListingsItemTarget,
  includedData: readonly string[] = ['attributes'],
): SpApiRequest {
  return {
    operationId: 'getListingsItem',
    method: 'GET',
    path: listingsItemPath(target.sellerId, target.sku),
    query: { marketplaceIds: target.marketplaceId, includedData },
  };
}

/** A listing as read back: its attributes (none when Amazon sent none). */
export interface ListingsItemView {
  attributes: ItemAttributes;
}

/**
 * getListingsItem's answer → the listing, or null when Amazon answered 404 (no such SKU in the
 * marketplace). A body that is not an item is SPAPI_BAD_RESPONSE.
 * @see https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference#getlistingsitem
 */
export async function processGetListingsItem(answer: SpApiAnswer): Promise<ListingsItemView | null> {
  let body: unknown;
  try {
    ({ body } = await settleAnswer(answer));
  } catch (err) {
    if (err instanceof AmazonError && err.code === 'SPAPI_NOT_FOUND') return null;
    throw err;
  }
  if (!isRecord(body)) throw badResponse('getListingsItem', 'without an item');
  if (body.attributes !== undefined && !isRecord(body.attributes))
    throw badResponse('getListingsItem', 'with attributes that are not an object');
  return { attributes: body.attributes ?? {} };
}

/**
 * searchListingsItems for one page of a seller's items in one marketplace. Sellerlink's use: the
 * cheapest call that names a seller id (a seller id that is not the token's is refused with 403).
 * @see https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference#searchlistingsitems
 */
export function searchListingsItemsRequest(params: {
  sellerId: string;
  marketplaceId: string;
  pageSize?: number;
  /** `includedData` (Amazon's default: summaries). */
  includedData?: readonly string[];
  sort?: { by: 'sku' | 'createdDate' | 'lastUpdatedDate'; order: 'ASC' | 'DESC' };
  /** The previous page's `pagination.nextToken`: a query value, so the client percent-encodes it. */
  pageToken?: string | null;
}): SpApiRequest {
  return {
    operationId: 'searchListingsItems',
    method: 'GET',
    path: `/listings/2021-08-01/items/${encodeURIComponent(params.sellerId)}`,
    query: {
      marketplaceIds: params.marketplaceId,
      ...(params.includedData === undefined ? {} : { includedData: params.includedData }),
      ...(params.pageSize === undefined ? {} : { pageSize: params.pageSize }),
      ...(params.sort ? { sortBy: params.sort.by, sortOrder: params.sort.order } : {}),
      ...(params.pageToken ? { pageToken: params.pageToken } : {}),
    },
  };
}

/** What a searchListingsItems page says. */
export interface ListingsSearchPage {
  /** Items found (null when Amazon's answer did not say). */
  numberOfResults: number | null;
  skus: string[];
}

/**
 * searchListingsItems' answer. Any success means Amazon accepted the seller id for the token, so a
 * body missing fields is read as empty rather than refused.
 * @see https://developer-docs.amazon.com/sp-api/docs/listings-items-api-v2021-08-01-reference#searchlistingsitems
 */
export async function processSearchListingsItems(answer: SpApiAnswer): Promise<ListingsSearchPage> {
  const { body } = await settleAnswer(answer);
  const wire = isRecord(body) ? body : {};
  const items = Array.isArray(wire.items) ? wire.items.filter(isRecord) : [];
  return {
    numberOfResults: typeof wire.numberOfResults === 'number' ? wire.numberOfResults : null,
    skus: items.map((i) => i.sku).filter((s): s is string => typeof s === 'string'),
  };
}
