import { AppError } from '../kernel/errors.js';

/** Codes the analytics context raises (docs/analytics.md). */
export type AnalyticsErrorCode =
  /** No such settlement report for the connection (or it has no document yet). */
  | 'ANALYTICS_REPORT_NOT_FOUND'
  /** Amazon's sales and traffic document could not be read. */
  | 'ANALYTICS_BAD_REPORT';

/** An analytics use case refused or failed; `details.field` names the bad input when there is one. */
export class AnalyticsError extends AppError<AnalyticsErrorCode> {}
