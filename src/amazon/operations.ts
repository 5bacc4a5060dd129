/**
 * The SP-API and LWA operations Sellerlink uses, in the style of oauth4webapi: per operation one
 * request builder (plain data → `SpApiRequest` for the one client, or a `WireRequest` for LWA) and
 * one response processor (Amazon's `Response`, or the client's answer → a typed domain value or an
 * AmazonError). Contexts call these and never assemble paths or query strings. Grouped by API
 * under operations/.
 */
export { settleAnswer, type SpApiAnswer } from './operations/answer.js';
export {
  ROTATION_SCOPE,
  processRotateApplicationClientSecret,
  rotateApplicationClientSecretRequest,
} from './operations/application-management.js';
export {
  deleteListingsItemRequest,
  getListingsItemRequest,
  listingsItemPath,
  patchListingsItemRequest,
  processGetListingsItem,
  processListingsItemSubmission,
  processSearchListingsItems,
  putListingsItemRequest,
  searchListingsItemsRequest,
  type ListingsItemSubmission,
  type ListingsItemTarget,
  type ListingsItemView,
  type ListingsItemWrite,
  type ListingsSearchPage,
  type SubmissionIssue,
} from './operations/listings.js';
export {
  authorizationCodeRequest,
  buildLwaTokenRequest,
  clientCredentialsRequest,
  processLwaTokenResponse,
  refreshTokenRequest,
  type LwaCredentials,
  type LwaGrant,
  type LwaTokens,
} from './operations/lwa.js';
export {
  processSearchOrders,
  searchOrdersRequest,
  type SearchOrdersPage,
  type SearchOrdersParams,
} from './operations/orders.js';
export {
  REPORT_TYPES,
  cancelReportRequest,
  createReportRequest,
  getReportDocumentRequest,
  getReportRequest,
  getReportsRequest,
  processCancelReport,
  processCreateReport,
  processGetReport,
  processGetReportDocument,
  processGetReports,
  readReport,
  type CreateReportParams,
  type GetReportsParams,
  type ReportDocumentLink,
  type ReportProcessingStatus,
  type ReportView,
} from './operations/reports.js';
export {
  getMarketplaceParticipationsRequest,
  parseParticipations,
  processGetMarketplaceParticipations,
  type Participations,
} from './operations/sellers.js';
export {
  createRestrictedDataTokenRequest,
  processCreateRestrictedDataToken,
  type RestrictedDataToken,
  type RestrictedResource,
} from './operations/tokens.js';
