import { afterEach, beforeEach, expect, it } from 'vitest';
import { createLwaClient } from '../../src/amazon/lwa.js';
import { simulatorEndpoints } from '../../src/config/config.js';
import { createAuditLog } from '../../src/connections/audit.js';
import { listEvents } from '../../src/events/events.js';
import { DAY } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createMonitor, type Monitor } from '../../src/monitor/monitor.js';
import { createSecretRotation } from '../../src/monitor/secrets.js';
import type { Store } from '../../src/store/database.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';

/**
 * Reminder thresholds when the monitor does not run every day (the service was down, or the clock
 * jumped): only the most urgent threshold reached is raised, and nothing is raised twice.
 */
describeEachDatabase('expiry reminders across gaps', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let world: AmazonWorld;
  let monitor: Monitor;

  beforeEach(async () => {
    ({ store, close } = await openTestStore(kind));
    world = await createAmazonWorld(store);
    const fetchSim = (input: RequestInfo | URL, init?: RequestInit) =>
      world.sim.fetch(new Request(input, init));
    const endpoints = simulatorEndpoints('http://sim.test');
    const secrets = createSecretRotation({
      db: store.db,
      clock: world.clock,
      applications: world.applications,
      audit: createAuditLog(store.db, world.clock),
      lwa: createLwaClient({ fetch: fetchSim, endpoint: endpoints.lwaTokenUrl, clock: world.clock }),
      spApi: world.client,
      logger: silentLogger,
    });
    monitor = createMonitor({
      db: store.db,
      clock: world.clock,
      spApi: world.client,
      secrets,
      lifecycle: world.lifecycle,
      logger: silentLogger,
    });
  });
  afterEach(async () => close());

  it('raises only the most urgent threshold reached, once; expiry once; a disconnected connection nothing', async () => {
    const { id } = await world.newConnection('oauth');
    const other = await world.newConnection('oauth');
    await store.db
      .updateTable('connections')
      .set({ state: 'disconnected' })
      .where('id', '=', other.id)
      .execute();
    const reminders = async () =>
      (await listEvents(store.db, { types: ['connection.expiring', 'connection.expired'] })).map((e) => [
        e.connectionId,
        e.type,
        e.payload.threshold ?? null,
      ]);

    world.clock.advance(330 * DAY); // 35 days left
    await monitor.runMonitor({ probe: false });
    expect(await reminders()).toEqual([]);
    world.clock.advance(25 * DAY); // 10 days left: the 30-day reminder is stale, 14 is due
    await monitor.runMonitor({ probe: false });
    await monitor.runMonitor({ probe: false });
    expect(await reminders()).toEqual([[id, 'connection.expiring', 14]]);
    world.clock.advance(9 * DAY); // 1 day left: 7 and 3 were missed
    await monitor.runMonitor({ probe: false });
    world.clock.advance(2 * DAY);
    await monitor.runMonitor({ probe: false });
    await monitor.runMonitor({ probe: false });
    expect(await reminders()).toEqual([
      [id, 'connection.expiring', 14],
      [id, 'connection.expiring', 1],
      [id, 'connection.expired', null],
    ]);
  });
});
