import { AppError } from '../kernel/errors.js';

/** Codes the listings context raises (docs/errors.md). */
export type ListingsErrorCode = 'LISTING_CHANGE_NOT_FOUND';

/** A listings failure (bad input is a ValidationError naming the field). */
export class ListingsError extends AppError<ListingsErrorCode> {}
