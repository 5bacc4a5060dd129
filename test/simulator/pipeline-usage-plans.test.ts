import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { USAGE_PLANS } from '../../src/simulator/spapi/usage-plans.js';

/** Simulator ids that differ from Amazon's operationId: id → [model file, Amazon operationId]. */
const RENAMED: Record<string, [string, string]> = { getOrderV0: ['ordersV0.json', 'getOrder'] };
/** Amazon operationIds that exist in two models: the simulator id names the 2026-01-01 one. */
const PREFERRED_FILE: Record<string, string> = { getOrder: 'orders_2026-01-01.json' };

interface ModelPlan {
  file: string;
  operationId: string;
  rate: number;
  burst: number;
}

/** Every operation's `| Rate (requests per second) | Burst |` row from the models' descriptions. */
function modelPlans(): ModelPlan[] {
  const dir = join(import.meta.dirname, '../../spapi-models');
  const plans: ModelPlan[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const model = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      paths: Record<string, Record<string, { operationId?: string; description?: string }>>;
    };
    for (const operations of Object.values(model.paths)) {
      for (const op of Object.values(operations)) {
        if (typeof op !== 'object' || !op.operationId || !op.description) continue;
        const table =
          /\|\s*Rate \(requests per second\)\s*\|\s*Burst\s*\|\s*\n\s*\|[-\s|]+\|\s*\n\s*\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|/.exec(
            op.description,
          );
        if (table)
          plans.push({ file, operationId: op.operationId, rate: Number(table[1]), burst: Number(table[2]) });
      }
    }
  }
  return plans;
}

describe('usage-plan table (https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits)', () => {
  it('equals the Rate/Burst table in each operation description of spapi-models/', () => {
    const plans = modelPlans();
    expect(plans.length).toBeGreaterThan(15);
    for (const [id, plan] of Object.entries(USAGE_PLANS)) {
      const [file, operationId] = RENAMED[id] ?? [PREFERRED_FILE[id], id];
      const matches = plans.filter(
        (p) => p.operationId === operationId && (file === undefined || p.file === file),
      );
      expect(matches, `model usage plan for ${id}`).toHaveLength(1);
      expect({ id, rate: plan.rate, burst: plan.burst }).toEqual({
        id,
        rate: matches[0]!.rate,
        burst: matches[0]!.burst,
      });
    }
  });

  it('covers every operation the simulator implements', () => {
    expect(Object.keys(USAGE_PLANS).sort()).toEqual(
      [
        'getMarketplaceParticipations',
        'getAccount',
        'searchOrders',
        'getOrder',
        'getOrders',
        'getOrderV0',
        'getOrderItems',
        'getOrderAddress',
        'getOrderBuyerInfo',
        'getOrderItemsBuyerInfo',
        'getListingsItem',
        'putListingsItem',
        'patchListingsItem',
        'deleteListingsItem',
        'searchListingsItems',
        'createRestrictedDataToken',
        'rotateApplicationClientSecret',
        'getReports',
        'createReport',
        'getReport',
        'cancelReport',
        'getReportSchedules',
        'createReportSchedule',
        'getReportSchedule',
        'cancelReportSchedule',
        'getReportDocument',
      ].sort(),
    );
  });
});
