import type { Store } from '../../src/store/database.js';
import { createOrderQueries } from '../../src/orders/queries.js';
import { listEvents } from '../../src/events/events.js';
import { projectOrder } from '../../src/simulator/orders-data.js';
import type { Simulator } from '../../src/simulator/app.js';

const OPERATOR = { userId: '', username: 'test', role: 'operator' as const, accountId: null };
const ALL = new Set(['FULFILLMENT', 'PROCEEDS']);

/** What both import paths store of an order: the fields an order report carries too. */
export interface OrderEssentials {
  orderId: string;
  createdTime: string;
  lastUpdatedTime: string;
  status: string;
  fulfilledBy: string | null;
  marketplaceId: string;
  items: string[];
  total: number | null;
}

type Loose = Record<string, unknown>;

/** The essentials of an Orders 2026-01-01 `Order` (stored, or the simulator's projection). */
export function essentialsOf(order: Loose): OrderEssentials {
  const items = (order.orderItems as Loose[]).map((item) => {
    const product = (item.product ?? {}) as Loose;
    return `${String(product.sellerSku)}|${String(product.asin)}|${String(item.quantityOrdered)}`;
  });
  const fulfillment = (order.fulfillment ?? {}) as Loose;
  const salesChannel = (order.salesChannel ?? {}) as Loose;
  const grand = ((order.proceeds ?? {}) as Loose).grandTotal as Loose | undefined;
  return {
    orderId: String(order.orderId),
    createdTime: new Date(String(order.createdTime)).toISOString(),
    lastUpdatedTime: new Date(String(order.lastUpdatedTime)).toISOString(),
    status: String(fulfillment.fulfillmentStatus),
    fulfilledBy: (fulfillment.fulfilledBy as string | undefined) ?? null,
    marketplaceId: String(salesChannel.marketplaceId),
    items: items.sort(),
    // Amazon's report hides the prices of a pending seller-fulfilled order: not compared.
    total:
      fulfillment.fulfillmentStatus === 'PENDING' && fulfillment.fulfilledBy === 'MERCHANT'
        ? null
        : grand
          ? Math.round(Number(grand.amount) * 100)
          : null,
  };
}

/** The essentials of every order the simulator holds for a seller (its current version). */
export function simulatorView(sim: Simulator, sellingPartnerId: string): OrderEssentials[] {
  return [...sim.ctx.state.orders.values()]
    .filter((o) => o.sellingPartnerId === sellingPartnerId)
    .map((o) => essentialsOf(projectOrder(o, ALL)))
    .sort((a, b) => a.orderId.localeCompare(b.orderId));
}

/** The essentials of every stored order of a connection, and where each came from. */
export async function storedView(
  store: Store,
  connectionId: string,
): Promise<{ orders: OrderEssentials[]; sources: Record<string, number> }> {
  const queries = createOrderQueries(store.db);
  const sources: Record<string, number> = {};
  const orders: OrderEssentials[] = [];
  for (const row of await queries.fingerprint(connectionId)) {
    const detail = await queries.get(OPERATOR, row.orderId, connectionId);
    sources[detail.source] = (sources[detail.source] ?? 0) + 1;
    orders.push(essentialsOf(detail.order));
  }
  return { orders: orders.sort((a, b) => a.orderId.localeCompare(b.orderId)), sources };
}

/** Orders with more or fewer than one `order.upserted` event marked created. */
export async function createdTwiceOrNever(store: Store, connectionId: string, orderIds: string[]) {
  const events = await listEvents(store.db, { connectionId, types: ['order.upserted'], limit: 1_000_000 });
  const created = new Map<string, number>();
  for (const e of events)
    if (e.payload.created === true) {
      const id = String(e.payload.orderId);
      created.set(id, (created.get(id) ?? 0) + 1);
    }
  return orderIds.filter((id) => created.get(id) !== 1);
}
