import type { Viewer } from '../connections/repository.js';
import type { BoundedImportOutcome, ImportOutcome, ImportProgress, OrderImporter } from './import.js';
import type { OrderQueries } from './queries.js';

/**
 * The orders use cases the portal, the REST API and the CLI call: reading what was imported, and
 * running an import or a backfill now for a connection the viewer may see.
 */
export function createOrders(deps: { queries: OrderQueries; importer: OrderImporter }) {
  const { queries, importer } = deps;
  return {
    list: (...args: Parameters<OrderQueries['list']>) => queries.list(...args),
    get: (...args: Parameters<OrderQueries['get']>) => queries.get(...args),
    syncs: (viewer: Viewer) => queries.syncs(viewer),
    /** Runs the incremental import now (unless one is running anywhere: `busy`). */
    async sync(
      viewer: Viewer,
      connectionId: string,
      onProgress?: (progress: ImportProgress) => void,
      onWait?: (waitMs: number) => void,
    ): Promise<ImportOutcome> {
      await queries.requireConnection(viewer, connectionId);
      return importer.sync(connectionId, {
        ...(onProgress ? { onProgress } : {}),
        ...(onWait ? { onWait } : {}),
      });
    },
    /**
     * "Import now" in the portal: the incremental import for at most `budgetMs`; what is left (a
     * backfill by report waiting for Amazon's report, or more pages) goes on in the import jobs.
     */
    async importNow(viewer: Viewer, connectionId: string, budgetMs = 20_000): Promise<BoundedImportOutcome> {
      await queries.requireConnection(viewer, connectionId);
      return importer.importSome(connectionId, { budgetMs });
    },
    /** Re-reads every order updated since `since` (fills gaps; the watermark never moves back). */
    async backfill(
      viewer: Viewer,
      connectionId: string,
      since: Date,
      onProgress?: (progress: ImportProgress) => void,
    ): Promise<ImportOutcome> {
      await queries.requireConnection(viewer, connectionId);
      return importer.sync(connectionId, { since, ...(onProgress ? { onProgress } : {}) });
    },
    /** Connection ids whose import is due now (what the schedule would run). */
    due: () => importer.due(),
  };
}

export type Orders = ReturnType<typeof createOrders>;
