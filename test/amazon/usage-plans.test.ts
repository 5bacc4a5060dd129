import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { USAGE_PLANS, operationFor } from '../../src/amazon/usage-plans.js';

/** Reads the `| Rate (requests per second) | Burst |` row of every operation in a model. */
function plansIn(file: string): Record<string, { rate: number; burst: number }> {
  const model = JSON.parse(readFileSync(`spapi-models/${file}`, 'utf8')) as {
    paths: Record<string, Record<string, { operationId?: string; description?: string }>>;
  };
  const out: Record<string, { rate: number; burst: number }> = {};
  for (const ops of Object.values(model.paths)) {
    for (const op of Object.values(ops)) {
      const match =
        /\|\s*Rate \(requests per second\)\s*\|\s*Burst\s*\|\s*\n\|[-| ]+\|\s*\n\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|/.exec(
          op.description ?? '',
        );
      if (op.operationId && match) out[op.operationId] = { rate: Number(match[1]), burst: Number(match[2]) };
    }
  }
  return out;
}

describe("the client's usage plans", () => {
  it('equal the plans in Amazon’s models', () => {
    const v0 = plansIn('ordersV0.json');
    const fromModels: Record<string, { rate: number; burst: number } | undefined> = {
      ...plansIn('sellers.json'),
      ...plansIn('orders_2026-01-01.json'),
      getOrders: v0.getOrders,
      getOrderV0: v0.getOrder,
      getOrderItems: v0.getOrderItems,
      ...plansIn('listingsItems_2021-08-01.json'),
      ...plansIn('tokens_2021-03-01.json'),
      ...plansIn('application_2023-11-30.json'),
      ...plansIn('reports_2021-06-30.json'),
    };
    for (const [operation, plan] of Object.entries(USAGE_PLANS))
      expect({ operation, plan }).toEqual({ operation, plan: fromModels[operation] });
  });

  it('maps method and path to the operation', () => {
    expect(operationFor('GET', '/orders/2026-01-01/orders')).toBe('searchOrders');
    expect(operationFor('GET', '/orders/2026-01-01/orders/111-1234567-1234567')).toBe('getOrder');
    expect(operationFor('PATCH', '/listings/2021-08-01/items/A1/SKU-1')).toBe('patchListingsItem');
    expect(operationFor('GET', '/orders/v0/orders/111-1234567-1234567/orderItems')).toBe('getOrderItems');
    expect(operationFor('GET', '/reports/2021-06-30/reports/R1')).toBe('getReport');
    expect(operationFor('DELETE', '/reports/2021-06-30/reports/R1')).toBe('cancelReport');
    expect(operationFor('GET', '/reports/2021-06-30/reports')).toBe('getReports');
    expect(operationFor('GET', '/catalog/2022-04-01/items')).toBe('GET /catalog/2022-04-01/items');
  });
});
