/**
 * A child process of `bench/orders.ts`: Sellerlink's order importer (the production
 * `createOrderImporter` over `createAmazonStack`) on the shared PostgreSQL, talking to the parent's
 * simulator over HTTP.
 *
 *   orders-worker.ts CONNECTION_ID
 *
 * Settings come in the environment from the parent (BENCH_DATABASE, BENCH_SIM_URL, BENCH_VAULT_KEY).
 * It caches an access token (so the measured run holds SP-API calls only), answers `ready`, and on
 * `go` runs one import of the connection, as a scheduled job does: `busy` when another process holds
 * the connection's import lock. Answers `done` with its outcome and exits.
 */
import { openSimulatorImporter } from '../test/support/sim-importer.js';

export type OrdersWorkerDone = {
  type: 'done';
  /** From `go` to the end of the import, in this process. */
  ms: number;
  status: 'done' | 'paused' | 'busy' | 'failed';
  pages: number;
  ordersSeen: number;
  error?: string;
};

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (this script is started by bench/orders.ts)`);
  return value;
};
const send = (message: unknown): void => {
  process.send?.(message);
};

const [connectionId] = process.argv.slice(2);
if (!connectionId) throw new Error('usage: orders-worker.ts CONNECTION_ID');
const origin = env('BENCH_SIM_URL');
const { store, amazon, importer } = await openSimulatorImporter({
  databaseUrl: env('BENCH_DATABASE'),
  origin,
  vaultKey: { id: 'bench', base64: env('BENCH_VAULT_KEY') },
  migrate: false,
  // This bench measures the searchOrders walk at the usage-plan bound. At the simulator's speed
  // factor the hour of orders looks hours behind, which would hand the import to the backfill by
  // report (measured by `npm run bench -- backfill` instead).
  settings: { reportBackfillAfterMs: 0 },
});
await amazon.tokens.accessToken(connectionId);
process.once('message', (message: { type: string }) => {
  if (message.type !== 'go') return;
  void (async () => {
    const started = performance.now();
    let done: OrdersWorkerDone;
    try {
      const outcome = await importer.sync(connectionId, {});
      done = {
        type: 'done',
        ms: performance.now() - started,
        status: outcome.status,
        pages: outcome.status === 'done' ? outcome.pages : 0,
        ordersSeen: outcome.status === 'done' ? outcome.ordersSeen : 0,
        ...(outcome.status === 'paused' ? { error: outcome.reason } : {}),
      };
    } catch (err) {
      done = {
        type: 'done',
        ms: performance.now() - started,
        status: 'failed',
        pages: 0,
        ordersSeen: 0,
        error: String(err),
      };
    }
    await store.close();
    process.send?.(done, () => process.disconnect());
  })();
});
send({ type: 'ready' });
