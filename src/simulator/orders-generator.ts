import type { Hono } from 'hono';
import { z } from 'zod';
import { HOUR, iso } from '../kernel/clock.js';
import type { SimContext, SimEnv } from './context.js';
import { badInput, notFound, readJson } from './controls-validate.js';
import { buildOrder } from './orders-build.js';
import { chance, isoSeconds, orderData, pick } from './orders-data.js';
import { advanceOrder, initialStatus, setInitialStatus } from './orders-lifecycle.js';
import type { SimOrder, SimSeller } from './state.js';

/**
 * The order generator and its `/_sim/orders` controls: create orders now, update existing ones, run a
 * continuous stream, and list what exists so tests can compare an importer's result with the truth.
 * Generated data comes from `ctx.random`, so a seeded simulator produces the same orders every run.
 */

/** Bad generator input: which field and why. */
export class OrderInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'OrderInputError';
  }
}

export interface GenerateOptions {
  sellingPartnerId: string;
  count: number;
  /** One of the seller's marketplaces; default: spread over them, most in the first. */
  marketplaceId?: string;
  /** createdTime window; default the last hour of simulated time. Never in the future. */
  createdFrom?: number;
  createdTo?: number;
}

function sellerOf(ctx: SimContext, sellingPartnerId: string): SimSeller {
  const seller = ctx.state.sellers.get(sellingPartnerId);
  if (!seller) throw new OrderInputError('sellingPartnerId', `unknown seller ${sellingPartnerId}`);
  return seller;
}

/**
 * Creates `count` orders for a seller now. createdTime is spread over the window; lastUpdatedTime is
 * simulated now, the moment the orders appear, so an importer whose watermark is already past the
 * window still sees them (an order's lastUpdatedTime never lies before the moment it became visible).
 */
export function generateOrders(ctx: SimContext, options: GenerateOptions): SimOrder[] {
  const seller = sellerOf(ctx, options.sellingPartnerId);
  if (!Number.isInteger(options.count) || options.count < 1) {
    throw new OrderInputError('count', 'must be a positive integer');
  }
  if (options.marketplaceId !== undefined && !seller.marketplaceIds.includes(options.marketplaceId)) {
    throw new OrderInputError(
      'marketplaceId',
      `${options.marketplaceId} is not a marketplace of ${seller.sellingPartnerId}`,
    );
  }
  const now = ctx.clock.now();
  const to = options.createdTo ?? now;
  const from = options.createdFrom ?? to - HOUR;
  if (to > now)
    throw new OrderInputError('createdTo', `must not be in the future (simulated now is ${iso(now)})`);
  if (from > to) throw new OrderInputError('createdFrom', 'must not be after createdTo');
  const [first, ...others] = seller.marketplaceIds;
  const created: SimOrder[] = [];
  for (let i = 0; i < options.count; i++) {
    const marketplaceId =
      options.marketplaceId ??
      (others.length === 0 || chance(ctx.random, 0.6) ? first! : pick(ctx.random, others));
    const createdAt = from + Math.floor(ctx.random.float() * (to - from + 1));
    const order = buildOrder(ctx, {
      sellingPartnerId: seller.sellingPartnerId,
      sellerName: seller.name,
      region: seller.region,
      marketplaceId,
      createdAt,
      visibleAt: now,
    });
    setInitialStatus(ctx.random, order, initialStatus(ctx.random, now - createdAt), seller.name);
    ctx.state.orders.set(order.orderId, order);
    created.push(order);
  }
  return created;
}

/** Whether an order has nothing left to happen to it but refunds and notes. */
function finished(order: SimOrder): boolean {
  const data = orderData(order);
  const status = data.fulfillment?.fulfillmentStatus;
  if (status === 'CANCELLED' || status === 'UNFULFILLABLE') return true;
  return status === 'SHIPPED' && (data.packages ?? []).every((p) => p.packageStatus.status === 'DELIVERED');
}

/**
 * Updates `count` random existing orders (of one seller, or of everyone) at simulated now: each moves
 * one step along its life (orders-lifecycle.ts), gets lastUpdatedTime = now and version + 1. Orders
 * still in progress are picked first.
 */
export function updateOrders(
  ctx: SimContext,
  options: { sellingPartnerId?: string; count: number },
): SimOrder[] {
  if (options.sellingPartnerId !== undefined) sellerOf(ctx, options.sellingPartnerId);
  if (!Number.isInteger(options.count) || options.count < 1) {
    throw new OrderInputError('count', 'must be a positive integer');
  }
  const active: SimOrder[] = [];
  const done: SimOrder[] = [];
  for (const order of ctx.state.orders.values()) {
    if (options.sellingPartnerId !== undefined && order.sellingPartnerId !== options.sellingPartnerId)
      continue;
    (finished(order) ? done : active).push(order);
  }
  const chosen = [...sample(ctx, active, options.count), ...sample(ctx, done, options.count - active.length)];
  const now = ctx.clock.now();
  for (const order of chosen) {
    const sellerName = ctx.state.sellers.get(order.sellingPartnerId)?.name ?? 'Seller';
    advanceOrder(ctx.random, order, now, sellerName);
  }
  return chosen;
}

/** Up to `n` distinct random elements (a partial Fisher-Yates shuffle). */
function sample<T>(ctx: SimContext, list: T[], n: number): T[] {
  const k = Math.max(0, Math.min(n, list.length));
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(ctx.random.float() * (list.length - i));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list.slice(0, k);
}

/** An order in the generator's answers. */
function summary(order: SimOrder): Record<string, unknown> {
  return {
    orderId: order.orderId,
    marketplaceId: order.marketplaceId,
    status: orderData(order).fulfillment?.fulfillmentStatus ?? null,
    createdTime: isoSeconds(order.createdAt),
    lastUpdatedTime: isoSeconds(order.lastUpdatedAt),
    version: order.version,
  };
}

const dateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });
const sellerId = z.string().trim().min(1, 'must not be empty');

const generateSchema = z.strictObject({
  sellingPartnerId: sellerId,
  count: z
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(100_000, 'must be at most 100000'),
  marketplaceId: z.string().trim().min(1).exactOptional(),
  createdFrom: dateTime.exactOptional(),
  createdTo: dateTime.exactOptional(),
});

const updateSchema = z.strictObject({
  sellingPartnerId: sellerId.exactOptional(),
  count: z
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(100_000, 'must be at most 100000'),
});

const perMinute = z.number().min(0, 'must not be negative').max(100_000, 'must be at most 100000');
const streamSchema = z.strictObject({
  sellingPartnerId: sellerId,
  createPerMinute: perMinute,
  updatePerMinute: perMinute,
  marketplaceId: z.string().trim().min(1).exactOptional(),
});

/** Registers `/_sim/orders` (list, one order, generate, update, stream). */
export function registerOrderControls(app: Hono<SimEnv>, ctx: SimContext): void {
  const streams = createStreams(ctx);
  ctx.onStop(() => streams.stopAll());

  app.post('/_sim/orders/generate', async (c) => {
    const body = await readJson(c, generateSchema);
    if (!body.ok) return body.response;
    const { createdFrom, createdTo, ...rest } = body.value;
    try {
      const orders = generateOrders(ctx, {
        ...rest,
        ...(createdFrom === undefined ? {} : { createdFrom: Date.parse(createdFrom) }),
        ...(createdTo === undefined ? {} : { createdTo: Date.parse(createdTo) }),
      });
      return c.json({ created: orders.length, orders: orders.map(summary) }, 201);
    } catch (err) {
      if (err instanceof OrderInputError)
        return badInput(c, err.field, err.message.slice(err.field.length + 2));
      throw err;
    }
  });

  app.post('/_sim/orders/update', async (c) => {
    const body = await readJson(c, updateSchema);
    if (!body.ok) return body.response;
    try {
      const orders = updateOrders(ctx, body.value);
      return c.json({ updated: orders.length, orders: orders.map(summary) });
    } catch (err) {
      if (err instanceof OrderInputError)
        return badInput(c, err.field, err.message.slice(err.field.length + 2));
      throw err;
    }
  });

  app.post('/_sim/orders/stream', async (c) => {
    const body = await readJson(c, streamSchema);
    if (!body.ok) return body.response;
    const seller = ctx.state.sellers.get(body.value.sellingPartnerId);
    if (!seller) return badInput(c, 'sellingPartnerId', `unknown seller ${body.value.sellingPartnerId}`);
    const { marketplaceId } = body.value;
    if (marketplaceId !== undefined && !seller.marketplaceIds.includes(marketplaceId)) {
      return badInput(
        c,
        'marketplaceId',
        `${marketplaceId} is not a marketplace of ${seller.sellingPartnerId}`,
      );
    }
    if (body.value.createPerMinute === 0 && body.value.updatePerMinute === 0) {
      return badInput(c, 'createPerMinute', 'createPerMinute or updatePerMinute must be above 0');
    }
    return c.json({ stream: streams.start(body.value) });
  });

  app.get('/_sim/orders/stream', (c) => c.json({ streams: streams.list() }));

  app.delete('/_sim/orders/stream', (c) => {
    const sellingPartnerId = c.req.query('sellingPartnerId');
    return c.json({
      stopped: sellingPartnerId === undefined ? streams.stopAll() : streams.stop(sellingPartnerId),
    });
  });

  // The ground truth for importer tests: one cheap row per order, sorted by orderId.
  app.get('/_sim/orders', (c) => {
    const sellingPartnerId = c.req.query('sellingPartnerId');
    if (sellingPartnerId !== undefined && !ctx.state.sellers.has(sellingPartnerId)) {
      return badInput(c, 'sellingPartnerId', `unknown seller ${sellingPartnerId}`);
    }
    const orders: { orderId: string; version: number; lastUpdatedTime: string }[] = [];
    for (const o of ctx.state.orders.values()) {
      if (sellingPartnerId !== undefined && o.sellingPartnerId !== sellingPartnerId) continue;
      orders.push({ orderId: o.orderId, version: o.version, lastUpdatedTime: isoSeconds(o.lastUpdatedAt) });
    }
    orders.sort((a, b) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
    return c.json({ count: orders.length, orders });
  });

  app.get('/_sim/orders/:orderId', (c) => {
    const order = ctx.state.orders.get(c.req.param('orderId'));
    if (!order) return notFound(c, 'order', c.req.param('orderId'));
    return c.json({
      order: {
        ...order,
        createdAt: iso(order.createdAt),
        lastUpdatedAt: iso(order.lastUpdatedAt),
      },
    });
  });
}

/** Real-time ticks of a stream; rates are per minute of real time times `config.speed`. */
const STREAM_TICK_MS = 250;

interface StreamSettings {
  sellingPartnerId: string;
  createPerMinute: number;
  updatePerMinute: number;
  marketplaceId?: string;
}

interface Stream extends StreamSettings {
  startedAtReal: number;
  createsScheduled: number;
  updatesScheduled: number;
  created: number;
  updated: number;
  timer: ReturnType<typeof setInterval>;
}

/** The continuous generators of one simulator, one per seller; they live in this closure, not in modules. */
function createStreams(ctx: SimContext) {
  const running = new Map<string, Stream>();
  const view = (s: Stream) => ({
    sellingPartnerId: s.sellingPartnerId,
    createPerMinute: s.createPerMinute,
    updatePerMinute: s.updatePerMinute,
    ...(s.marketplaceId === undefined ? {} : { marketplaceId: s.marketplaceId }),
    speed: ctx.config.speed,
    created: s.created,
    updated: s.updated,
  });
  const stop = (sellingPartnerId: string) => {
    const s = running.get(sellingPartnerId);
    if (!s) return [];
    clearInterval(s.timer);
    running.delete(sellingPartnerId);
    return [view(s)];
  };
  const tick = (s: Stream) => {
    if (!ctx.state.sellers.has(s.sellingPartnerId)) {
      stop(s.sellingPartnerId); // the world was reset or reloaded without this seller
      return;
    }
    // Counts are derived from the total elapsed time, so rounding never drifts over a long run.
    const minutes = ((ctx.realClock.now() - s.startedAtReal) / 60_000) * ctx.config.speed;
    const dueCreates = Math.floor(s.createPerMinute * minutes + 1e-9);
    const dueUpdates = Math.floor(s.updatePerMinute * minutes + 1e-9);
    // A long pause (a stopped debugger, a suspended laptop) must not produce a flood all at once.
    const creates = Math.min(dueCreates - s.createsScheduled, 10_000);
    const updates = Math.min(dueUpdates - s.updatesScheduled, 10_000);
    s.createsScheduled = dueCreates;
    s.updatesScheduled = dueUpdates;
    if (creates > 0) {
      const now = ctx.clock.now();
      s.created += generateOrders(ctx, {
        sellingPartnerId: s.sellingPartnerId,
        count: creates,
        createdFrom: now,
        createdTo: now,
        ...(s.marketplaceId === undefined ? {} : { marketplaceId: s.marketplaceId }),
      }).length;
    }
    if (updates > 0)
      s.updated += updateOrders(ctx, { sellingPartnerId: s.sellingPartnerId, count: updates }).length;
  };
  return {
    start(settings: StreamSettings) {
      stop(settings.sellingPartnerId);
      const now = ctx.realClock.now();
      const stream: Stream = {
        ...settings,
        startedAtReal: now,
        createsScheduled: 0,
        updatesScheduled: 0,
        created: 0,
        updated: 0,
        timer: setInterval(() => {
          try {
            tick(stream);
          } catch (err) {
            console.error(`simulator: order stream for ${stream.sellingPartnerId} stopped`, err);
            stop(stream.sellingPartnerId);
          }
        }, STREAM_TICK_MS),
      };
      // The stream must not keep a process (or a test run) alive on its own.
      stream.timer.unref?.();
      running.set(settings.sellingPartnerId, stream);
      return view(stream);
    },
    stop,
    stopAll: () => [...running.keys()].flatMap(stop),
    list: () => [...running.values()].map(view),
  };
}
