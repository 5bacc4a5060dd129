import { randomString, type Random } from '../kernel/random.js';
import { NAMES, PRODUCTS, type MarketplaceInfo } from './orders-catalog.js';
import { ADDRESS_POOLS } from './orders-places.js';
import {
  between,
  chance,
  digits,
  isoSeconds,
  marketplaceInfo,
  money,
  pick,
  type OrderData,
  type OrderItemData,
  type ProceedsBreakdown,
} from './orders-data.js';
import type { SimContext } from './context.js';
import type { Region, SimOrder } from './state.js';

/** Builds new orders in the stored 2026-01-01 shape from the catalogue (orders-catalog.ts). */

/** A Fisher-Yates shuffled copy. */
function shuffled<T>(r: Random, list: readonly T[]): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r.float() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A price in the marketplace currency that looks like a shelf price (19.99 dollars, 3730 yen). */
function localPrice(usdCents: number, m: MarketplaceInfo): number {
  const scaled = (usdCents * m.fx) / 100;
  if (m.decimals === 0) return Math.max(10, Math.round(scaled / 10) * 10 - (scaled > 1000 ? 20 : 0));
  return Math.max(99, Math.round(scaled) * 100 - 1);
}

/** A fresh 3-7-7 order id unused in the world (e.g. `111-1234567-1234567`). */
export function newOrderId(ctx: SimContext, m: MarketplaceInfo): string {
  for (;;) {
    const id = `${pick(ctx.random, m.orderPrefixes)}-${digits(ctx.random, 7)}-${digits(ctx.random, 7)}`;
    if (!ctx.state.orders.has(id)) return id;
  }
}

function personName(r: Random, m: MarketplaceInfo): string {
  const pool = NAMES[m.locale];
  return m.locale === 'ja'
    ? `${pick(r, pool.last)} ${pick(r, pool.first)}`
    : `${pick(r, pool.first)} ${pick(r, pool.last)}`;
}

/** A plausible address in the marketplace's country. */
export function addressIn(
  r: Random,
  countryCode: string,
): { line1: string; city: string; state: string; postal: string; phone: string } {
  const pool = ADDRESS_POOLS[countryCode] ?? ADDRESS_POOLS.US!;
  const [city, state, postal] = pick(r, pool.places);
  const street = pick(r, pool.streets);
  const n = between(r, 1, 250);
  const line1 =
    pool.style === 'ja'
      ? `${street}${between(r, 1, 5)}-${between(r, 1, 20)}-${between(r, 1, 15)}`
      : pool.style === 'number-first'
        ? `${n} ${street}`
        : `${street} ${n}`;
  return { line1, city, state, postal, phone: `${pool.phone}${digits(r, 2)}` };
}

export interface NewOrder {
  sellingPartnerId: string;
  sellerName: string;
  region: Region;
  marketplaceId: string;
  createdAt: number;
  /** lastUpdatedTime: when the order became visible (the generator uses simulated now). */
  visibleAt: number;
}

/** Builds a new PENDING order (optionally a pre-order) with realistic items, money, buyer and address. */
export function buildOrder(ctx: SimContext, input: NewOrder): SimOrder {
  const r = ctx.random;
  const m = marketplaceInfo(input.marketplaceId);
  const orderId = newOrderId(ctx, m);
  const afn = chance(r, 0.55);
  const business = chance(r, 0.08);
  const prime = chance(r, afn ? 0.6 : 0.15);
  const preorder = chance(r, 0.02);
  const programs = [
    ...(prime ? ['PRIME'] : []),
    ...(business ? ['AMAZON_BUSINESS'] : []),
    ...(preorder ? ['PREORDER'] : []),
  ];
  const serviceLevel = prime
    ? pick(r, ['NEXT_DAY', 'SECOND_DAY', 'STANDARD'])
    : pick(r, ['STANDARD', 'STANDARD', 'STANDARD', 'EXPEDITED', 'FREE_ECONOMY']);
  const created = isoSeconds(input.createdAt);
  const day = 24 * 3600_000;

  const itemCount = chance(r, 0.7) ? 1 : chance(r, 0.75) ? 2 : 3;
  const products = shuffled(r, PRODUCTS).slice(0, itemCount);
  const usTax = m.countryCode === 'US';
  let itemsTotal = 0;
  let shippingTotal = 0;
  let taxTotal = 0;
  let discountTotal = 0;
  const orderItems: OrderItemData[] = products.map((p) => {
    const quantity = chance(r, 0.8) ? 1 : chance(r, 0.75) ? 2 : between(r, 3, 5);
    const unit = localPrice(p.usdCents, m);
    const itemPrice = unit * quantity;
    const shipping = afn || prime || chance(r, 0.4) ? 0 : localPrice(499, m);
    const discount = chance(r, 0.1) ? -Math.round(itemPrice * 0.1) : 0;
    const itemTax = Math.round((itemPrice + discount) * m.taxRate);
    const shippingTax = Math.round(shipping * m.taxRate);
    itemsTotal += itemPrice;
    shippingTotal += shipping;
    taxTotal += itemTax + shippingTax;
    discountTotal += discount;
    const breakdowns: ProceedsBreakdown[] = [{ type: 'ITEM', subtotal: money(itemPrice, m) }];
    if (shipping > 0) breakdowns.push({ type: 'SHIPPING', subtotal: money(shipping, m) });
    if (discount !== 0) breakdowns.push({ type: 'DISCOUNT', subtotal: money(discount, m) });
    const taxDetail = [{ subtype: 'ITEM', value: money(itemTax, m) }];
    if (shipping > 0) taxDetail.push({ subtype: 'SHIPPING', value: money(shippingTax, m) });
    breakdowns.push({
      type: 'TAX',
      subtotal: money(itemTax + shippingTax, m),
      detailedBreakdowns: taxDetail,
    });
    const used = chance(r, 0.05);
    const item: OrderItemData = {
      orderItemId: `${between(r, 1, 9)}${digits(r, 13)}`,
      quantityOrdered: quantity,
      product: {
        asin: p.asin,
        title: p.title,
        sellerSku: p.sku,
        condition: used
          ? {
              conditionType: 'USED',
              conditionSubtype: 'VERY_GOOD',
              conditionNote: 'Light signs of use, complete with all parts.',
            }
          : { conditionType: 'NEW', conditionSubtype: 'NEW' },
        price: {
          unitPrice: money(unit, m),
          ...(business && chance(r, 0.5) ? { priceDesignation: 'BUSINESS_PRICE' } : {}),
        },
      },
      proceeds: {
        proceedsTotal: money(itemPrice + shipping + discount + itemTax + shippingTax, m),
        breakdowns,
      },
      fulfillment: { quantityFulfilled: 0, quantityUnfulfilled: quantity },
    };
    if (discount !== 0) item.promotion = { breakdowns: [{ promotionId: `PROMO-${randomString(r, 8)}` }] };
    if (m.countryCode === 'JP') {
      const points = Math.max(1, Math.floor(itemPrice / 100));
      item.expense = {
        pointsCost: { pointsGranted: { pointsNumber: points, pointsMonetaryValue: money(points, m) } },
      };
    }
    if (chance(r, 0.05))
      item.fulfillment!.packing = {
        giftOption: { giftMessage: 'Happy birthday! Enjoy the trail.', giftWrapLevel: 'Classic' },
      };
    if (usTax)
      item.tax = {
        taxCollections: [{ model: 'MARKETPLACE_FACILITATOR', responsibleParty: 'Amazon Services, Inc.' }],
      };
    return item;
  });

  const grand = itemsTotal + shippingTotal + discountTotal + taxTotal;
  const orderBreakdowns: ProceedsBreakdown[] = [{ type: 'ITEM', subtotal: money(itemsTotal, m) }];
  if (shippingTotal > 0) orderBreakdowns.push({ type: 'SHIPPING', subtotal: money(shippingTotal, m) });
  if (discountTotal !== 0) orderBreakdowns.push({ type: 'DISCOUNT', subtotal: money(discountTotal, m) });
  orderBreakdowns.push({ type: 'TAX', subtotal: money(taxTotal, m) });

  const buyerName = personName(r, m);
  const company = business
    ? `${buyerName.split(' ').pop() ?? 'Trail'} Outfitters ${pick(r, ['LLC', 'Ltd', 'GmbH', 'Inc.'])}`
    : undefined;
  const address = addressIn(r, m.countryCode);
  const codCountries = ['IN', 'AE', 'SA', 'EG', 'JP'];
  const paymentMethod =
    codCountries.includes(m.countryCode) && chance(r, 0.1)
      ? 'CashOnDelivery'
      : m.countryCode === 'JP' && chance(r, 0.05)
        ? 'ConvenienceStore'
        : 'CreditCard';

  const data: OrderData = {
    orderId,
    createdTime: created,
    lastUpdatedTime: isoSeconds(input.visibleAt),
    ...(programs.length > 0 ? { programs } : {}),
    salesChannel: { channelName: 'AMAZON', marketplaceId: m.id, marketplaceName: m.name },
    buyer: {
      buyerName,
      // Amazon only shares the anonymised e-mail for seller-fulfilled orders (model: Buyer.buyerEmail).
      ...(afn
        ? {}
        : {
            buyerEmail: `${randomString(r, 14, 'abcdefghijklmnopqrstuvwxyz0123456789')}@marketplace.${m.domain}`,
          }),
      ...(company ? { buyerCompanyName: company } : {}),
      ...(business && chance(r, 0.5) ? { buyerPurchaseOrderNumber: `PO-${digits(r, 6)}` } : {}),
    },
    recipient: {
      deliveryAddress: {
        name: buyerName,
        ...(company ? { companyName: company } : {}),
        addressLine1: address.line1,
        ...(chance(r, 0.2) ? { addressLine2: pick(r, ['Apt 4B', 'Suite 200', 'Unit 12', '2nd Floor']) } : {}),
        city: address.city,
        ...(address.state ? { stateOrRegion: address.state } : {}),
        postalCode: address.postal,
        countryCode: m.countryCode,
        // Phone numbers are suppressed for Amazon-fulfilled orders (model: CustomerAddress.phone).
        ...(afn ? {} : { phone: address.phone }),
        addressType: business ? 'COMMERCIAL' : 'RESIDENTIAL',
      },
    },
    proceeds: { grandTotal: money(grand, m), breakdowns: orderBreakdowns },
    payment: { paymentExecutions: [{ paymentMethod, paymentAmount: money(grand, m) }] },
    fulfillment: {
      fulfillmentStatus: preorder ? 'PENDING_AVAILABILITY' : 'PENDING',
      fulfilledBy: afn ? 'AMAZON' : 'MERCHANT',
      fulfillmentServiceLevel: serviceLevel,
      shipByWindow: { earliestDateTime: created, latestDateTime: isoSeconds(input.createdAt + 2 * day) },
      deliverByWindow: {
        earliestDateTime: isoSeconds(input.createdAt + (serviceLevel === 'NEXT_DAY' ? 1 : 3) * day),
        latestDateTime: isoSeconds(input.createdAt + (serviceLevel === 'NEXT_DAY' ? 2 : 7) * day),
      },
    },
    orderItems,
  };
  if (!afn && chance(r, 0.2))
    data.orderAliases = [{ aliasId: `SO-${digits(r, 8)}`, aliasType: 'SELLER_ORDER_ID' }];
  if (business && m.countryCode !== 'US') {
    data.tax = {
      taxRegistrations: [
        {
          entityType: 'BUYER',
          legalName: company ?? buyerName,
          taxRegistrationType: 'VAT',
          taxRegistrationNumber: `${m.countryCode}${digits(r, 9)}`,
        },
      ],
    };
  }
  return {
    orderId,
    sellingPartnerId: input.sellingPartnerId,
    region: input.region,
    marketplaceId: m.id,
    createdAt: Math.floor(input.createdAt / 1000) * 1000,
    lastUpdatedAt: Math.floor(input.visibleAt / 1000) * 1000,
    version: 1,
    data,
  };
}
