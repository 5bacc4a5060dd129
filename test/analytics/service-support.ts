import type { AnalyticsOverview } from '../../src/analytics/analytics.js';
import type { Viewer } from '../../src/connections/repository.js';
import { DAY, HOUR } from '../../src/kernel/clock.js';
import type { TestService } from '../support/service.js';

/** An operator viewer for reading what the service stored (tests only). */
export const OPERATOR: Viewer = {
  userId: '',
  username: 'test',
  role: 'operator',
  accountId: null,
  actor: 'test',
};

/** The demo seller gets `count` orders spread over the last 10 simulated days. */
export async function ordersOverTenDays(
  svc: TestService,
  sellingPartnerId: string,
  count: number,
): Promise<void> {
  const now = svc.service.clock.now();
  await svc.sim('/_sim/orders/generate', {
    sellingPartnerId,
    count,
    createdFrom: new Date(now - 10 * DAY).toISOString(),
    createdTo: new Date(now - 2 * HOUR).toISOString(),
  });
}

/**
 * Runs the connection's analytics fetch (as its job would) and moves simulated time past the
 * reports' processing until every marketplace has a finished fetch. The service's own jobs may run
 * it meanwhile (a run then finds it `busy`); the outcome is the same.
 */
export async function fetchUntilSettled(svc: TestService, connectionId: string): Promise<AnalyticsOverview> {
  const { analyticsFetcher, analytics } = svc.service.graph;
  for (let i = 0; i < 20; i++) {
    await analyticsFetcher.run(connectionId);
    const overview = await analytics.overview(OPERATOR, connectionId);
    const ids = overview.connection.marketplaceIds;
    const done = ids.every((m) =>
      overview.fetches.some(
        (f) =>
          f.marketplaceId === m &&
          f.status !== 'requested' &&
          (f.lastFetchedAt !== null || f.failureReason !== null),
      ),
    );
    if (ids.length > 0 && done) return overview;
    await svc.sim('/_sim/clock/advance', { minutes: 3 });
  }
  throw new Error(`analytics of ${connectionId} did not settle`);
}
