/**
 * A child process of `bench/orders.ts`: the peer client, npm `amazon-sp-api`, fetching orders from
 * the parent's simulator in its best configuration: Orders 2026-01-01
 * `searchOrders` following `nextToken`, `restore_rate` per call set to the simulator's scaled rate,
 * throttled calls retried by the client itself (`auto_request_throttled`, its default).
 *
 * The client only speaks HTTPS to Amazon's hosts (`api.amazon.com` for LWA,
 * `sellingpartnerapi-na.amazon.com` for SP-API); its documented `https_proxy_agent` option gets an
 * `https.Agent` whose `createConnection` opens a plain TCP socket to the simulator, so requests
 * arrive as plain HTTP with Amazon's host in the Host header, which the simulator routes by region.
 *
 * Settings come in the environment (BENCH_SIM_URL, BENCH_REFRESH_TOKEN, BENCH_CLIENT_ID,
 * BENCH_CLIENT_SECRET). It gets its LWA access token first, answers `ready`, walks the window given
 * in `go`, answers `done` with the order ids it received, and exits.
 */
import https from 'node:https';
import { createRequire } from 'node:module';
import net from 'node:net';

export type PeerGo = {
  type: 'go';
  marketplaceId: string;
  lastUpdatedAfter: string;
  lastUpdatedBefore: string;
  pageSize: number;
  includedData: readonly string[];
  /** Seconds to wait after a 429 (the client's `restore_rate`): 1 / the scaled plan rate. */
  restoreRateSeconds: number;
};

export type PeerDone = {
  type: 'done';
  ms: number;
  pages: number;
  orderIds: string[];
  error?: string;
};

/** The part of amazon-sp-api's `SellingPartner` this bench uses (its own typings are .ts sources). */
interface PeerClient {
  refreshAccessToken(): Promise<void>;
  callAPI(params: {
    operation: string;
    endpoint: string;
    query: Record<string, unknown>;
    options: { version: string; restore_rate: number };
  }): Promise<{ orders?: { orderId: string }[]; pagination?: { nextToken?: string } }>;
}
type PeerConstructor = new (config: {
  region: 'na' | 'eu' | 'fe';
  refresh_token: string;
  endpoints_versions: Record<string, string>;
  credentials: { SELLING_PARTNER_APP_CLIENT_ID: string; SELLING_PARTNER_APP_CLIENT_SECRET: string };
  options: Record<string, unknown>;
}) => PeerClient;

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (this script is started by bench/orders.ts)`);
  return value;
};
const send = (message: unknown): void => {
  process.send?.(message);
};

/** An https.Agent that connects every request, whatever its host, to the simulator in plain TCP. */
class SimulatorAgent extends https.Agent {
  constructor(private readonly target: URL) {
    super({ keepAlive: true });
  }
  override createConnection(): net.Socket {
    return net.connect({ host: this.target.hostname, port: Number(this.target.port) });
  }
}

const { SellingPartner } = createRequire(import.meta.url)('amazon-sp-api') as {
  SellingPartner: PeerConstructor;
};
const agent = new SimulatorAgent(new URL(env('BENCH_SIM_URL')));
const client = new SellingPartner({
  region: 'na',
  refresh_token: env('BENCH_REFRESH_TOKEN'),
  endpoints_versions: { orders: '2026-01-01' },
  credentials: {
    SELLING_PARTNER_APP_CLIENT_ID: env('BENCH_CLIENT_ID'),
    SELLING_PARTNER_APP_CLIENT_SECRET: env('BENCH_CLIENT_SECRET'),
  },
  options: {
    auto_request_tokens: true,
    auto_request_throttled: true,
    https_proxy_agent: agent,
  },
});

await client.refreshAccessToken();
process.once('message', (go: PeerGo) => {
  if (go.type !== 'go') return;
  void (async () => {
    const started = performance.now();
    const orderIds: string[] = [];
    let pages = 0;
    let error: string | undefined;
    try {
      let nextToken: string | undefined;
      do {
        const page = await client.callAPI({
          operation: 'searchOrders',
          endpoint: 'orders',
          query: {
            marketplaceIds: [go.marketplaceId],
            lastUpdatedAfter: go.lastUpdatedAfter,
            lastUpdatedBefore: go.lastUpdatedBefore,
            maxResultsPerPage: go.pageSize,
            includedData: [...go.includedData],
            ...(nextToken ? { paginationToken: nextToken } : {}),
          },
          options: { version: '2026-01-01', restore_rate: go.restoreRateSeconds },
        });
        pages++;
        for (const order of page.orders ?? []) orderIds.push(order.orderId);
        nextToken = page.pagination?.nextToken;
      } while (nextToken);
    } catch (err) {
      error = String(err instanceof Error ? `${err.name}: ${err.message}` : JSON.stringify(err));
    }
    const done: PeerDone = {
      type: 'done',
      ms: performance.now() - started,
      pages,
      orderIds,
      ...(error === undefined ? {} : { error }),
    };
    agent.destroy();
    // Disconnect only once the (large) message has gone out.
    process.send?.(done, () => process.disconnect());
  })();
});
send({ type: 'ready' });
