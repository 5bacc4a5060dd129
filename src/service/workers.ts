import { startAnalyticsJobs } from '../analytics/jobs.js';
import type { Jobs } from '../jobs/boss.js';
import { createListingCatalog } from '../listings/catalog.js';
import { startCatalogJobs } from '../listings/catalog-jobs.js';
import { startListingJobs } from '../listings/jobs.js';
import { startMonitorJobs } from '../monitor/monitor.js';
import { startNotifyJobs, type NotifyJobs } from '../notify/index.js';
import { startOrderJobs } from '../orders/jobs.js';
import type { Sellerlink } from './types.js';

/**
 * Registers this process's workers on the job system: listings delivery and the catalog refresh, the expiry monitor and
 * client-secret rotation, order import, notification delivery. Returns the notification jobs
 * (the portal nudges them after a change).
 */
export async function startWorkers(
  graph: Pick<
    Sellerlink,
    | 'config'
    | 'logger'
    | 'listingDrainer'
    | 'monitor'
    | 'orderImporter'
    | 'analyticsFetcher'
    | 'notifications'
    | 'onQuiesce'
    | 'store'
    | 'amazon'
    | 'clock'
    | 'random'
  >,
  jobs: Jobs,
): Promise<NotifyJobs> {
  const { boss, timing } = jobs;
  const { logger } = graph;
  await startListingJobs({ boss, drainer: graph.listingDrainer, logger, timing });
  const { store, clock, random } = graph;
  const catalog = createListingCatalog({ store, spApi: graph.amazon.spApi, clock, random, logger });
  await startCatalogJobs({ boss, catalog, logger, timing });
  await startMonitorJobs({ boss, monitor: graph.monitor, logger, timing });
  await startOrderJobs({ boss, importer: graph.orderImporter, logger, timing });
  await startAnalyticsJobs({ boss, fetcher: graph.analyticsFetcher, logger, timing });
  const notifyJobs = await startNotifyJobs({
    boss,
    deliveries: graph.notifications.notify.deliveries,
    logger,
    pollSeconds: graph.config.notify.pollSeconds,
    timing,
  });
  graph.onQuiesce(() => Promise.resolve(notifyJobs.stop()));
  return notifyJobs;
}
