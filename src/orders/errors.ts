import { AppError } from '../kernel/errors.js';

/** Codes the orders context raises (docs/errors.md). */
export type OrdersErrorCode =
  'ORDERS_CONNECTION_NOT_FOUND' | 'ORDERS_NOT_FOUND' | 'ORDERS_INVALID_FILTER' | 'ORDERS_BAD_RESPONSE';

/** An orders use case refused or failed; `details.field` names the bad input when there is one. */
export class OrdersError extends AppError<OrdersErrorCode> {}
