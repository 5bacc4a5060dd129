import type { Command } from 'commander';
import { defined, integerArg, numberArg, simAction, type SimCommandDeps } from './sim-action.js';
import { plural, table } from '../table.js';

/** `sim faults ...` and `sim orders ...`: injected failures and generated orders. */

interface FaultRule {
  id: string;
  operation: string;
  kind: string;
  share: number;
  latencyMs?: number;
  remaining?: number;
}

interface OrderSummary {
  orderId: string;
  marketplaceId: string;
  status: string | null;
  createdTime: string;
  lastUpdatedTime: string;
  version: number;
}

/** At most this many orders are listed as text; --json prints them all. */
const ORDER_ROWS = 20;

/** Registers `faults` and `orders` on `sim`. */
export function registerSimOpsCommands(sim: Command, deps: SimCommandDeps): void {
  registerFaults(sim, deps);
  registerOrders(sim, deps);
}

function faultText(f: FaultRule): string {
  const what =
    f.kind === 'latency'
      ? `wait ${f.latencyMs} ms`
      : f.kind === 'drop'
        ? 'drop the connection'
        : `answer ${f.kind}`;
  const target =
    f.operation === '*'
      ? 'every SP-API call'
      : f.operation === 'lwa'
        ? 'LWA token calls'
        : `${f.operation} calls`;
  const limit = f.remaining === undefined ? '' : ` (${plural(f.remaining, 'more time')})`;
  return `${Math.round(f.share * 1000) / 10}% of ${target} ${what}${limit}`;
}

function registerFaults(sim: Command, deps: SimCommandDeps): void {
  const faults = sim.command('faults').description('list, add or clear injected faults');
  faults
    .command('list', { isDefault: true })
    .description('list the fault rules')
    .action(
      simAction(deps, async (io) => {
        const data = await io.client.get<{ faults: FaultRule[] }>('/_sim/faults');
        io.show(data, (d) =>
          d.faults.length === 0
            ? 'No faults.'
            : table(
                ['id', 'operation', 'kind', 'share', 'latency ms', 'remaining', 'effect'],
                d.faults.map((f) => [
                  f.id,
                  f.operation,
                  f.kind,
                  f.share,
                  f.latencyMs,
                  f.remaining,
                  faultText(f),
                ]),
              ),
        );
      }),
    );

  faults
    .command('add')
    .description('make a share of calls fail, slow down or drop')
    .requiredOption(
      '--operation <id>',
      "an SP-API operation id, 'lwa' for the token endpoint, or '*' for every SP-API call",
    )
    .requiredOption('--kind <kind>', '429, 500, 503, latency or drop')
    .option('--share <fraction>', 'share of matching calls affected, 0..1 (default 1)', numberArg)
    .option('--latency-ms <n>', 'delay for kind latency', integerArg)
    .option('--remaining <n>', 'remove the rule after this many injections', integerArg)
    .option('--id <id>', 'fixed rule id (default: generated)')
    .action(
      simAction<{
        operation: string;
        kind: string;
        share?: number;
        latencyMs?: number;
        remaining?: number;
        id?: string;
      }>(deps, async (io, o) => {
        const rule = await io.client.post<FaultRule>('/_sim/faults', {
          operation: o.operation,
          kind: o.kind,
          ...defined({ share: o.share, latencyMs: o.latencyMs, remaining: o.remaining, id: o.id }),
        });
        io.show(rule, (f) => `Added fault ${f.id}: ${faultText(f)}`);
      }),
    );

  faults
    .command('remove <id>')
    .description('remove one fault rule')
    .action(
      simAction(deps, async (io, _o, [id]) => {
        const data = await io.client.delete<{ removed: FaultRule }>(
          `/_sim/faults/${encodeURIComponent(id!)}`,
        );
        io.show(data, (d) => `Removed fault ${d.removed.id}: ${faultText(d.removed)}`);
      }),
    );

  faults
    .command('clear')
    .description('remove every fault rule')
    .action(
      simAction(deps, async (io) => {
        const data = await io.client.delete<{ removed: number }>('/_sim/faults');
        io.show(data, (d) => `Removed ${plural(d.removed, 'fault')}.`);
      }),
    );
}

function ordersTable(orders: OrderSummary[]): string {
  const shown = orders.slice(0, ORDER_ROWS);
  const lines = [
    table(
      ['order id', 'marketplace', 'status', 'created', 'last updated', 'version'],
      shown.map((o) => [o.orderId, o.marketplaceId, o.status, o.createdTime, o.lastUpdatedTime, o.version]),
    ),
  ];
  if (orders.length > shown.length)
    lines.push(`... and ${orders.length - shown.length} more (--json lists all)`);
  return lines.filter((l) => l !== '').join('\n');
}

function registerOrders(sim: Command, deps: SimCommandDeps): void {
  const orders = sim.command('orders').description("generate or update a seller's orders");
  orders
    .command('generate')
    .description('create orders now (created over the last hour unless told otherwise)')
    .requiredOption('--seller <sellingPartnerId>', 'the seller')
    .requiredOption('--count <n>', 'how many orders', integerArg)
    .option('--marketplace <id>', "one of the seller's marketplaces (default: spread over them)")
    .option('--created-from <iso>', 'earliest createdTime (ISO 8601)')
    .option('--created-to <iso>', 'latest createdTime (ISO 8601, not in the future)')
    .action(
      simAction<{
        seller: string;
        count: number;
        marketplace?: string;
        createdFrom?: string;
        createdTo?: string;
      }>(deps, async (io, o) => {
        const data = await io.client.post<{ created: number; orders: OrderSummary[] }>(
          '/_sim/orders/generate',
          {
            sellingPartnerId: o.seller,
            count: o.count,
            ...defined({ marketplaceId: o.marketplace, createdFrom: o.createdFrom, createdTo: o.createdTo }),
          },
        );
        io.show(
          data,
          (d) => `Created ${plural(d.created, 'order')} for ${o.seller}.\n${ordersTable(d.orders)}`,
        );
      }),
    );

  orders
    .command('update')
    .description('move random existing orders one step along their life (shipped, delivered, cancelled...)')
    .requiredOption('--count <n>', 'how many orders', integerArg)
    .option('--seller <sellingPartnerId>', "only this seller's orders")
    .action(
      simAction<{ count: number; seller?: string }>(deps, async (io, o) => {
        const data = await io.client.post<{ updated: number; orders: OrderSummary[] }>(
          '/_sim/orders/update',
          {
            count: o.count,
            ...defined({ sellingPartnerId: o.seller }),
          },
        );
        io.show(data, (d) =>
          d.updated === 0
            ? 'No orders to update.'
            : `Updated ${plural(d.updated, 'order')}.\n${ordersTable(d.orders)}`,
        );
      }),
    );
}
