import { afterAll, beforeAll, expect, it } from 'vitest';
import { ANALYTICS_FETCH_QUEUE, dispatchAnalytics } from '../../src/analytics/jobs.js';
import { describeEachDatabase } from '../support/databases.js';
import { connectRegion, connectionIdOf, demoSeller, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { eventually } from '../support/wait.js';
import { OPERATOR, ordersOverTenDays } from './service-support.js';

/**
 * The schedule on pg-boss: the dispatcher queues a fetch job for a connection that is due, a worker
 * of the service runs it (requests the reports), and the next dispatch after the reports are ready
 * stores the days; a connection not due gets no job.
 */
describeEachDatabase('analytics jobs (whole service)', (kind) => {
  let svc: TestService;
  let connectionId = '';

  beforeAll(async () => {
    svc = await startTestService({ database: kind === 'postgres' ? 'postgres' : 'pglite' });
    const browser = await signedInBrowser(svc);
    connectionId = connectionIdOf((await connectRegion(browser, svc, 'NA')).url);
    await ordersOverTenDays(svc, demoSeller('NA').sellingPartnerId, 10);
  }, 120_000);
  afterAll(async () => {
    await svc?.stop();
  });

  it('dispatches due connections to the workers, which request, poll and store', async () => {
    const { analytics, analyticsFetcher, jobs } = svc.service.graph;
    const boss = jobs!.boss;
    expect(await analyticsFetcher.due()).toContain(connectionId);
    await dispatchAnalytics(boss, analyticsFetcher);
    const requested = await eventually(async () => {
      const overview = await analytics.overview(OPERATOR, connectionId);
      // The run records the reports first and its next run last: wait for the run to end.
      return overview.fetches.length === 3 &&
        overview.fetches.every((f) => f.status === 'requested') &&
        overview.sync?.nextRunAt
        ? overview
        : null;
    });
    expect(requested.sync?.nextRunAt).toBeInstanceOf(Date);
    // Not due until the next poll: the dispatcher queues nothing for it.
    expect(await analyticsFetcher.due()).not.toContain(connectionId);
    expect(await dispatchAnalytics(boss, analyticsFetcher)).toBe(0);

    await svc.sim('/_sim/clock/advance', { minutes: 3 });
    expect(await analyticsFetcher.due()).toContain(connectionId);
    // The dispatcher's job for this minute slot may be taken (singletonKey): queue the same job plainly.
    await boss.send(ANALYTICS_FETCH_QUEUE, { connectionId });
    const stored = await eventually(async () => {
      const overview = await analytics.overview(OPERATOR, connectionId);
      return overview.fetches.every((f) => f.status === 'idle' && f.storedDays === 30) ? overview : null;
    }, 60_000);
    expect(stored.fetches).toHaveLength(3);
  }, 120_000);
});
