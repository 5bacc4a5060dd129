import { SingleBar } from 'cli-progress';
import type { ImportOutcome, ImportProgress } from '../../orders/import.js';
import { CliInputError, withCliContext } from '../context.js';
import { counted } from '../../kernel/plural.js';

/** What runs for `orders ...` (registered in orders.ts). */

/** "3 min 20 s" from seconds. */
function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return 'estimating…';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * A progress bar on stderr (a terminal) or one line per page (a pipe, CI): share of the time window
 * walked, pages, orders, and the ETA the usage plan implies for the pages still to come.
 */
function progressReporter(label: string): {
  update(p: ImportProgress): void;
  waiting(ms: number): void;
  stop(): void;
} {
  const waitText = (ms: number) =>
    `waiting for Amazon's order report (backfill by report), looking again in ${duration(Math.ceil(ms / 1000))}`;
  if (!process.stderr.isTTY) {
    return {
      update: (p) =>
        console.error(
          `${label}: ${Math.round(p.fraction * 100)}% · page ${p.pages} · ${counted(p.ordersSeen, 'order')} read, ${p.ordersChanged} new or changed · up to ${p.reached.toISOString()} · ETA ${duration(p.etaSeconds)}`,
        ),
      waiting: (ms) => console.error(`${label}: ${waitText(ms)}`),
      stop: () => {},
    };
  }
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | page {pages} | {orders} orders | up to {reached} | ETA {eta_plan}`,
    stream: process.stderr,
    hideCursor: true,
  });
  bar.start(100, 0, { pages: 0, orders: 0, reached: '—', eta_plan: 'estimating…' });
  return {
    update: (p) =>
      bar.update(Math.round(p.fraction * 100), {
        pages: p.pages,
        orders: p.ordersSeen,
        reached: p.reached.toISOString().slice(0, 16).replace('T', ' '),
        eta_plan: duration(p.etaSeconds),
      }),
    waiting: (ms) => bar.update({ eta_plan: waitText(ms) }),
    stop: () => bar.stop(),
  };
}

function describe(connectionId: string, outcome: ImportOutcome): string {
  switch (outcome.status) {
    case 'done':
      return `${connectionId}: ${counted(outcome.pages, 'page')}, ${counted(outcome.ordersSeen, 'order')} read, ${outcome.ordersChanged} new or changed; imported up to ${outcome.watermark.toISOString()}`;
    case 'paused':
      return `${connectionId}: ${outcome.reason}`;
    case 'busy':
      return `${connectionId}: an import is already running for this connection (another process); nothing done`;
  }
}

/** Parses --since: an ISO 8601 date or date-time in the past. */
function sinceOption(value: string, now: number): Date {
  const at = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at))
    throw new CliInputError(`--since: '${value}' is not a date; use YYYY-MM-DD or an ISO 8601 date-time`);
  if (at >= now) throw new CliInputError('--since: must be in the past');
  return new Date(at);
}

/** `orders sync`: one connection, or every connection not disconnected (exit code 1 when one fails). */
export async function syncOrders(options: { connection?: string }): Promise<void> {
  await withCliContext(async (ctx) => {
    const ids = options.connection
      ? [options.connection]
      : (await ctx.connections.list(ctx.viewer)).filter((c) => c.state !== 'disconnected').map((c) => c.id);
    if (ids.length === 0) {
      console.log('No connections to import.');
      return;
    }
    let failed = 0;
    for (const id of ids) {
      const progress = progressReporter(id.slice(0, 8));
      try {
        const outcome = await ctx.orders.sync(
          ctx.viewer,
          id,
          (p) => progress.update(p),
          (ms) => progress.waiting(ms),
        );
        progress.stop();
        console.log(describe(id, outcome));
        if (outcome.status === 'paused') failed++;
      } catch (err) {
        progress.stop();
        if (options.connection) throw err;
        failed++;
        console.error(`${id}: import failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (failed > 0) process.exitCode = 1;
  });
}

/** `orders backfill`: re-reads every order updated since --since (exit code 1 unless it finished). */
export async function backfillOrders(options: { connection: string; since: string }): Promise<void> {
  await withCliContext(async (ctx) => {
    const since = sinceOption(options.since, ctx.clock.now());
    const progress = progressReporter('backfill');
    try {
      const outcome = await ctx.orders.backfill(ctx.viewer, options.connection, since, (p) =>
        progress.update(p),
      );
      progress.stop();
      console.log(describe(options.connection, outcome));
      if (outcome.status !== 'done') process.exitCode = 1;
    } catch (err) {
      progress.stop();
      throw err;
    }
  });
}
