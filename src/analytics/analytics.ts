import type { SpApiClient } from '../amazon/client-types.js';
import { getVisibleConnection, type Connection, type Viewer } from '../connections/repository.js';
import { SECOND, type Clock } from '../kernel/clock.js';
import { ValidationError } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import type { Store } from '../store/database.js';
import { addDays, checkRange, dayOf, type RangeInput } from './days.js';
import { AnalyticsError } from './errors.js';
import type { AnalyticsFetcher } from './fetch.js';
import {
  dailyRows,
  fetchStatuses,
  settlementDocumentId,
  settlementReports,
  storedMarketplaces,
  syncStatus,
  type DailyRow,
  type FetchStatusView,
  type SettlementReportView,
  type SyncView,
} from './queries.js';
import type { RunContext } from './sales-traffic-report.js';
import { readSettlementDocument } from './settlements.js';
import { latestStoredDay } from './tables.js';

export type { DailyRow, FetchStatusView, SettlementReportView, SyncView } from './queries.js';

/**
 * The analytics use cases the portal and the REST API call, for a connection the viewer may see
 * (another account's connection is CONNECTION_NOT_FOUND, as everywhere): stored days per
 * marketplace and range, the fetch status, settlement reports and their documents.
 */

/** A marketplace and range of stored days. */
export interface DailyQuery extends RangeInput {
  marketplaceId?: string | undefined;
}

/** The days asked for, with the range and marketplace they were read for. */
export interface DailyResult {
  connectionId: string;
  /** null only when the connection has no marketplace yet. */
  marketplaceId: string | null;
  from: string;
  to: string;
  rows: DailyRow[];
}

/** Everything the analytics page shows besides the chart. */
export interface AnalyticsOverview {
  connection: Connection;
  /** The connection's marketplaces, and any with stored days it has left since. */
  marketplaceIds: string[];
  sync: SyncView | null;
  fetches: FetchStatusView[];
  settlements: SettlementReportView[];
}

/** A settlement report's document, read through getReportDocument (its link is never kept). */
export interface SettlementDocument {
  reportId: string;
  fileName: string;
  text: string;
}

export interface AnalyticsDeps {
  store: Store;
  spApi: SpApiClient;
  fetch: typeof fetch;
  clock: Clock;
  logger: Logger;
  fetcher: AnalyticsFetcher;
}

/** How long a download waits for getReportDocument's usage plan before it answers "retry later". */
const DOWNLOAD_PLAN_WAIT_MS = 10 * SECOND;

/** Builds the analytics use cases. */
export function createAnalytics(deps: AnalyticsDeps) {
  const { db } = deps.store;
  const visible = (viewer: Viewer, connectionId: string) =>
    getVisibleConnection(db, viewer, connectionId, deps.clock.now());
  const marketplacesOf = async (connection: Connection): Promise<string[]> => {
    const stored = await storedMarketplaces(db, connection.id);
    return [...connection.marketplaceIds, ...stored.filter((m) => !connection.marketplaceIds.includes(m))];
  };
  return {
    /** The connection's analytics status: marketplaces, schedule, fetch states, settlement reports. */
    async overview(viewer: Viewer, connectionId: string): Promise<AnalyticsOverview> {
      const connection = await visible(viewer, connectionId);
      return {
        connection,
        marketplaceIds: await marketplacesOf(connection),
        sync: await syncStatus(db, connection.id),
        fetches: await fetchStatuses(db, connection.id),
        settlements: await settlementReports(db, connection.id),
      };
    },
    /**
     * Stored days of one marketplace (default: the connection's first) from `from` to `to` (default:
     * the 30 days up to the latest stored day). Bad dates, from after to, a range over two years or a
     * marketplace that is not the connection's: VALIDATION_FAILED naming the field.
     */
    async daily(viewer: Viewer, connectionId: string, query: DailyQuery): Promise<DailyResult> {
      const connection = await visible(viewer, connectionId);
      const marketplaceId = checkMarketplace(query.marketplaceId, await marketplacesOf(connection));
      const latest = marketplaceId ? await latestStoredDay(db, connection.id, marketplaceId) : null;
      const { from, to } = checkRange(query, latest ?? addDays(dayOf(deps.clock.now()), -1));
      const rows = marketplaceId ? await dailyRows(db, connection.id, marketplaceId, { from, to }) : [];
      return { connectionId: connection.id, marketplaceId, from, to, rows };
    },
    /** The connection's settlement reports, newest first. */
    async settlements(viewer: Viewer, connectionId: string): Promise<SettlementReportView[]> {
      const connection = await visible(viewer, connectionId);
      return settlementReports(db, connection.id);
    },
    /** A settlement report's document, fetched from Amazon now (getReportDocument, then the download). */
    async settlementDocument(
      viewer: Viewer,
      connectionId: string,
      reportId: string,
    ): Promise<SettlementDocument> {
      const connection = await visible(viewer, connectionId);
      const documentId = await settlementDocumentId(db, connection.id, reportId);
      if (documentId === null)
        throw new AnalyticsError(
          'ANALYTICS_REPORT_NOT_FOUND',
          'there is no such settlement report with a document for this connection',
          { details: { field: 'reportId' } },
        );
      const ctx: RunContext = {
        db,
        spApi: deps.spApi,
        fetch: deps.fetch,
        clock: deps.clock,
        logger: deps.logger,
        settings: deps.fetcher.settings,
        connectionId: connection.id,
        deadline: deps.clock.now() + DOWNLOAD_PLAN_WAIT_MS,
      };
      const text = await readSettlementDocument(ctx, documentId);
      return { reportId, fileName: `settlement-${reportId.replace(/[^A-Za-z0-9._-]/g, '_')}.tsv`, text };
    },
  };
}

export type Analytics = ReturnType<typeof createAnalytics>;

/** The marketplace asked for (default the first); one the connection does not have is VALIDATION_FAILED. */
function checkMarketplace(asked: string | undefined, known: readonly string[]): string | null {
  if (asked === undefined || asked === '') return known[0] ?? null;
  if (!known.includes(asked)) {
    const list = known.length > 0 ? known.join(', ') : 'none known yet';
    throw new ValidationError(
      `marketplaceId: ${asked.slice(0, 40)} is not a marketplace of this connection (${list})`,
      'marketplaceId',
    );
  }
  return asked;
}
