import { gunzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { DAY, HOUR, MINUTE, createManualClock } from '../../src/kernel/clock.js';
import { createSimulator, type Simulator } from '../../src/simulator/app.js';
import type { SimulatorConfig } from '../../src/simulator/config.js';
import { buildOrder } from '../../src/simulator/orders-build.js';
import { advanceOrder, setInitialStatus } from '../../src/simulator/orders-lifecycle.js';
import { DEMO, seedDemo } from '../../src/simulator/seed.js';
import type { Region, SimAuthorization, SimOrder } from '../../src/simulator/state.js';
import { authorize, issueAccessToken } from '../../src/simulator/world.js';
import { controlRequest } from '../support/sim-control.js';
import { loadSpApiSchemas } from '../support/spapi-schemas.js';

/**
 * A world for the Reports API tests: the demo seed, the published demo app authorized by each demo
 * seller (and the draft app by the NA seller, to check that reports belong to one application), a
 * manual simulated clock, and a manual real clock that jumps an hour before every SP-API call unless
 * a test wants to meet the usage plans.
 */

export const START = Date.UTC(2026, 10, 20, 12, 0, 0);
export const NA: string = DEMO.sellers[0].sellingPartnerId;
export const EU: string = DEMO.sellers[1].sellingPartnerId;
export const FE: string = DEMO.sellers[2].sellingPartnerId;
export const US = 'ATVPDKIKX0DER';
export const CA = 'A2EUQ1WTGCTBG2';
export const UK = 'A1F83G8C2ARO7P';
export const DE = 'A1PA6795UKMFR9';
export const REPORTS = '/reports/2021-06-30';
export const BY_LAST_UPDATE = 'GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL';
export const BY_ORDER_DATE = 'GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL';
export const SALES_AND_TRAFFIC = 'GET_SALES_AND_TRAFFIC_REPORT';
export const SETTLEMENT = 'GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2';
export const HOSTS: Record<Region, string> = {
  NA: 'https://sellingpartnerapi-na.amazon.com',
  EU: 'https://sellingpartnerapi-eu.amazon.com',
  FE: 'https://sellingpartnerapi-fe.amazon.com',
};
const REGION_OF: Record<string, Region> = { [NA]: 'NA', [EU]: 'EU', [FE]: 'FE' };

export const schemas = loadSpApiSchemas();

/** Asserts a body validates against the Reports model for an operation and status, strictly. */
export function expectModel(operationId: string, status: number, body: unknown): void {
  const result = schemas.validateResponse({ model: 'reports_2021-06-30', operationId }, status, body, {
    strict: true,
  });
  expect(result.errors).toEqual([]);
}

export interface ApiOptions {
  seller?: string;
  body?: unknown;
  /** Another access token (e.g. the draft app's). */
  token?: string;
  /** Leave the real clock alone, so usage plans apply as they are. */
  keepRealClock?: boolean;
  /** Base URL instead of the region's SP-API host (e.g. a region path prefix). */
  base?: string;
}

export interface Download {
  status: number;
  headers: Headers;
  /** Raw bytes as served. */
  bytes: Buffer;
  /** The text, gunzipped when the bytes are GZIP. */
  text: string;
}

export interface ReportsWorld {
  sim: Simulator;
  clock: ReturnType<typeof createManualClock>;
  realClock: ReturnType<typeof createManualClock>;
  authorizations: Record<string, SimAuthorization>;
  /** A fresh user token of the published app (or the draft app) for a seller. */
  token(seller?: string, app?: 'published' | 'draft'): string;
  api(
    method: string,
    path: string,
    options?: ApiOptions,
  ): Promise<{ status: number; headers: Headers; body: unknown }>;
  control(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** createReport; returns the report id (expects 202). */
  create(body: Record<string, unknown>, seller?: string): Promise<string>;
  /** getReport's body (expects 200). */
  report(reportId: string, seller?: string): Promise<Record<string, unknown>>;
  /** Lets a report's queue and processing time pass on the simulated clock. */
  finishProcessing(): void;
  /** getReportDocument then the download. */
  document(
    reportDocumentId: string,
    options?: { seller?: string; contentEncodingHeader?: boolean },
  ): Promise<Download>;
  download(url: string, init?: RequestInit): Promise<Download>;
  /** Adds `count` orders for a seller, created over the last `days` days, in varied states. */
  seedOrders(seller: string, count: number, days?: number, marketplaceId?: string): SimOrder[];
}

/** Builds a Reports test world. */
export function createReportsWorld(config: Partial<SimulatorConfig> = {}): ReportsWorld {
  const clock = createManualClock(START);
  const realClock = createManualClock(1_000_000);
  const sim = createSimulator({ clock, realClock, config });
  const { ctx } = sim;
  seedDemo(ctx, { redirectUris: ['https://app.test/cb'] });
  const authorizations: Record<string, SimAuthorization> = {};
  for (const s of DEMO.sellers) {
    authorizations[s.sellingPartnerId] = authorize(ctx, {
      appId: DEMO.publishedApp.appId,
      sellingPartnerId: s.sellingPartnerId,
      kind: 'oauth',
    });
  }
  const draft = authorize(ctx, { appId: DEMO.draftApp.appId, sellingPartnerId: NA, kind: 'oauth' });

  const token = (seller = NA, app: 'published' | 'draft' = 'published') => {
    const which = app === 'draft' ? DEMO.draftApp : DEMO.publishedApp;
    const authorizationId = app === 'draft' ? draft.id : authorizations[seller]!.id;
    return issueAccessToken(ctx, {
      kind: 'user',
      clientId: which.clientId,
      appId: which.appId,
      authorizationId,
    }).token;
  };

  const download = async (url: string, init: RequestInit = {}): Promise<Download> => {
    const res = await sim.fetch(new Request(url, init));
    const bytes = Buffer.from(await res.arrayBuffer());
    const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
    return {
      status: res.status,
      headers: res.headers,
      bytes,
      text: (gzipped ? gunzipSync(bytes) : bytes).toString('utf8'),
    };
  };

  const world: ReportsWorld = {
    sim,
    clock,
    realClock,
    authorizations,
    token,
    async api(method, path, options = {}) {
      const seller = options.seller ?? NA;
      if (!options.keepRealClock) realClock.advance(HOUR);
      const headers = new Headers({ 'x-amz-access-token': options.token ?? token(seller) });
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers.set('content-type', 'application/json');
      }
      const base = options.base ?? HOSTS[REGION_OF[seller] ?? 'NA'];
      const res = await sim.fetch(
        new Request(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) }),
      );
      const text = await res.text();
      return {
        status: res.status,
        headers: res.headers,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      };
    },
    async control(method, path, body) {
      const res = await sim.fetch(
        controlRequest(sim, `http://sim.test${path}`, {
          method,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
      return { status: res.status, body: (await res.json()) as unknown };
    },
    async create(body, seller = NA) {
      const r = await world.api('POST', `${REPORTS}/reports`, { seller, body });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      return (r.body as { reportId: string }).reportId;
    },
    async report(reportId, seller = NA) {
      const r = await world.api('GET', `${REPORTS}/reports/${reportId}`, { seller });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body as Record<string, unknown>;
    },
    finishProcessing() {
      clock.advance(ctx.config.reportQueueSeconds * 1000 + ctx.config.reportProcessingSeconds * 1000);
    },
    async document(reportDocumentId, options = {}) {
      const query = options.contentEncodingHeader ? '?enableContentEncodingUrlHeader=true' : '';
      const r = await world.api('GET', `${REPORTS}/documents/${reportDocumentId}${query}`, {
        seller: options.seller ?? NA,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return download((r.body as { url: string }).url);
    },
    download,
    seedOrders(seller, count, days = 10, marketplaceId) {
      const s = ctx.state.sellers.get(seller)!;
      const now = clock.now();
      const statuses = ['PENDING', 'UNSHIPPED', 'SHIPPED', 'CANCELLED', 'SHIPPED', 'UNSHIPPED'] as const;
      const orders: SimOrder[] = [];
      for (let i = 0; i < count; i++) {
        const createdAt = now - days * DAY + Math.floor((i * days * DAY) / (count + 1));
        const visibleAt = Math.min(createdAt + 30 * MINUTE, now - 10 * MINUTE);
        const order = buildOrder(ctx, {
          sellingPartnerId: s.sellingPartnerId,
          sellerName: s.name,
          region: s.region,
          marketplaceId: marketplaceId ?? s.marketplaceIds[i % s.marketplaceIds.length]!,
          createdAt,
          visibleAt,
        });
        setInitialStatus(ctx.random, order, statuses[i % statuses.length]!, s.name);
        if (i % 5 === 4)
          for (let step = 0; step < 3; step++) advanceOrder(ctx.random, order, visibleAt, s.name);
        ctx.state.orders.set(order.orderId, order);
        orders.push(order);
      }
      return orders;
    },
  };
  return world;
}

/** Parses a tab-separated document into rows by header name. */
export function parseTsv(text: string): { header: string[]; rows: Record<string, string>[] } {
  const lines = text.split('\n').filter((l) => l !== '');
  const header = lines[0]!.split('\t');
  const rows = lines.slice(1).map((line) => {
    const cells = line.split('\t');
    return Object.fromEntries(header.map((name, i) => [name, cells[i] ?? '']));
  });
  return { header, rows };
}
