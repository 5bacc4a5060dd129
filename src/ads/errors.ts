import { AppError } from '../kernel/errors.js';

/** Codes the ads context raises (docs/errors.md). */
export type AdsErrorCode = 'ADS_PROFILE_UNKNOWN' | 'ADS_REQUEST_INVALID';

/** An Ads failure with plain words; never includes secrets. */
export class AdsError extends AppError<AdsErrorCode> {}
