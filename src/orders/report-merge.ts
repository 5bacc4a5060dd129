import type { Order } from '../amazon/generated/orders_2026-01-01.js';
import { AmazonError } from '../amazon/errors.js';
import { getReportDocumentRequest, processGetReportDocument } from '../amazon/operations.js';
import { readTabSeparated } from '../amazon/report-documents.js';
import type { BackfillContext } from './report-context.js';
import { upsertOrders } from './order-rows.js';
import { REQUIRED_COLUMNS, ReportRowError, orderFromReportRows } from './report-orders.js';

/**
 * Merges one DONE order report into the orders store, streaming: the document is read row by row
 * (by header name), the rows of each order grouped, and the orders upserted in batches, each batch
 * in one transaction with the count of orders merged so far. A restart (crash, or a bounded run out
 * of time) downloads the document again and skips what was merged; merging an order again writes
 * nothing (the stored version is the same), so nothing is lost or duplicated at any point.
 */

/** How a merge ended: all merged, out of the run's time (progress saved), or a reason to page instead. */
export type MergeOutcome = 'merged' | 'out-of-time' | { fallBack: string };

/** The report row being merged. */
export interface MergeRow {
  seq: number;
  marketplace_id: string;
  report_document_id: string | null;
  rows_merged: number;
}

/** A document link refused this often in a row (it expired mid-download) gives up for this run. */
const MAX_LINKS = 3;

/** Upserts a batch of report orders and saves how many of the document's orders are merged. */
async function flush(
  ctx: BackfillContext,
  row: MergeRow,
  orders: Order[],
  mergedSoFar: number,
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const upserted = await upsertOrders(
      trx,
      { id: ctx.connectionId, accountId: ctx.accountId },
      orders,
      new Date(ctx.clock.now()),
      'report',
    );
    await trx
      .updateTable('order_backfill_reports')
      .set((eb) => ({
        rows_merged: mergedSoFar,
        orders_changed: eb('orders_changed', '+', upserted.changed),
      }))
      .where('connection_id', '=', ctx.connectionId)
      .where('seq', '=', row.seq)
      .execute();
  });
}

/** Items of two reads of one report order, by SKU and ASIN (an order's rows came apart in the file). */
function unionItems(a: Order, b: Order): Order {
  const key = (i: Order['orderItems'][number]) => `${i.product?.sellerSku ?? ''}|${i.product?.asin ?? ''}`;
  const items = new Map(a.orderItems.map((i) => [key(i), i]));
  for (const item of b.orderItems) items.set(key(item), item);
  return { ...b, orderItems: [...items.values()] };
}

/** Merges the items of orders whose rows came apart in the file with what is stored. */
async function mergeStragglers(ctx: BackfillContext, stragglers: Map<string, Order>): Promise<Order[]> {
  if (stragglers.size === 0) return [];
  const stored = await ctx.db
    .selectFrom('orders')
    .select(['order_id', 'data', 'source'])
    .where('connection_id', '=', ctx.connectionId)
    .where('order_id', 'in', [...stragglers.keys()])
    .execute();
  const byId = new Map(stored.map((s) => [s.order_id, s]));
  return [...stragglers.values()].map((order) => {
    const have = byId.get(order.orderId);
    return have?.source === 'report' ? unionItems(have.data as unknown as Order, order) : order;
  });
}

/** Reads the document once, from the start, merging every order after the first `row.rows_merged`. */
async function mergeOnce(
  ctx: BackfillContext,
  row: MergeRow,
  state: { merged: number },
): Promise<MergeOutcome> {
  const link = await processGetReportDocument(
    ctx.spApi.call(ctx.connectionId, getReportDocumentRequest(row.report_document_id!)),
  );
  const batch: Order[] = [];
  const seen = new Set<string>();
  const stragglers = new Map<string, Order>();
  let group: Record<string, string>[] = [];
  let index = 0;
  let checkedHeader = false;
  const close = async (): Promise<MergeOutcome | null> => {
    if (group.length === 0) return null;
    const order = orderFromReportRows(group, row.marketplace_id);
    group = [];
    if (seen.has(order.orderId)) {
      const earlier = stragglers.get(order.orderId);
      stragglers.set(order.orderId, earlier ? unionItems(earlier, order) : order);
      return null;
    }
    seen.add(order.orderId);
    if (index++ < state.merged) return null;
    batch.push(order);
    if (batch.length < ctx.settings.reportMergeBatch) return null;
    await flush(ctx, row, batch.splice(0), index);
    state.merged = index;
    return ctx.deadline !== undefined && ctx.clock.now() >= ctx.deadline ? 'out-of-time' : null;
  };
  for await (const cells of readTabSeparated(ctx.fetch, link)) {
    if (!checkedHeader) {
      const missing = REQUIRED_COLUMNS.filter((c) => !(c in cells));
      if (missing.length > 0) return { fallBack: `the order report has no ${missing.join(', ')} column` };
      checkedHeader = true;
    }
    if (group.length > 0 && group[0]!['amazon-order-id'] !== cells['amazon-order-id']) {
      const stop = await close();
      if (stop) return stop;
    }
    group.push(cells);
  }
  await close();
  const tail = [...batch, ...(await mergeStragglers(ctx, stragglers))];
  await flush(ctx, row, tail, index);
  state.merged = index;
  return 'merged';
}

/**
 * Merges a ready report (status 'ready' → 'merged'); asks for a new document link when the one in
 * hand expired mid-download (links last 5 minutes), going on after the orders already merged.
 */
export async function mergeReport(ctx: BackfillContext, row: MergeRow): Promise<MergeOutcome> {
  const state = { merged: row.rows_merged };
  for (let attempt = 1; ; attempt++) {
    let outcome: MergeOutcome;
    try {
      outcome = await mergeOnce(ctx, row, state);
    } catch (err) {
      if (err instanceof ReportRowError)
        return { fallBack: `the order report has a row Sellerlink cannot read (${err.message})` };
      const expired = err instanceof AmazonError && err.code === 'REPORT_DOCUMENT_EXPIRED';
      if (expired && attempt < MAX_LINKS) continue;
      throw err;
    }
    if (outcome === 'merged')
      await ctx.db
        .updateTable('order_backfill_reports')
        .set({ status: 'merged' })
        .where('connection_id', '=', ctx.connectionId)
        .where('seq', '=', row.seq)
        .execute();
    return outcome;
  }
}
