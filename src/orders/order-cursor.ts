import { isStorableDate, isUuid, textProblem } from '../kernel/input.js';
import { OrdersError } from './errors.js';

/**
 * The keyset position of an order in the orders list (newest first: created time, then connection
 * id, then order id, all descending), as an opaque cursor. The list pages forward with a cursor
 * (`cursor`: the orders after it) and back with one (`before`: the orders before it).
 */
export interface OrderKey {
  createdTime: Date;
  connectionId: string;
  orderId: string;
}

/** The cursor of a row's position. */
export function encodeOrderCursor(r: {
  created_time: Date;
  connection_id: string;
  order_id: string;
}): string {
  return Buffer.from(JSON.stringify([r.created_time.toISOString(), r.connection_id, r.order_id])).toString(
    'base64url',
  );
}

/** The position a cursor names; ORDERS_INVALID_FILTER naming `field` when it is not one this list made. */
export function decodeOrderCursor(cursor: string, field = 'cursor'): OrderKey {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'string')) {
      const [at, connectionId, orderId] = value as [string, string, string];
      const createdTime = new Date(at);
      if (isStorableDate(createdTime) && isUuid(connectionId) && textProblem(orderId) === null)
        return { createdTime, connectionId, orderId };
    }
  } catch {
    // fall through
  }
  throw new OrdersError('ORDERS_INVALID_FILTER', `${field} is not a cursor this API returned`, {
    details: { field },
  });
}
