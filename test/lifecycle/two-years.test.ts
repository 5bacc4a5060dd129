import { afterAll, beforeAll, expect, it } from 'vitest';
import { listEvents } from '../../src/events/events.js';
import { DEMO } from '../../src/simulator/seed.js';
import { startReceiver, subscribeOnPortal, type Receiver } from '../notify/support.js';
import { describeEachDatabase } from '../support/databases.js';
import type { HttpBrowser } from '../support/http-browser.js';
import { connectRegion, connectionIdOf, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { eventually } from '../support/wait.js';

/**
 * The sandbox left to itself for two simulated years, as a new user would try it: connections in
 * NA, EU and FE, a webhook receiver and the mail catcher attached, the clock moved 30 days at a
 * time with the monitor run after each step. Client secrets rotate by themselves (through the
 * simulator's rotateApplicationClientSecret and its notification to our endpoint), so no connection
 * is ever cut off except by its own 365-day expiry; each reminder arrives exactly once per period;
 * renewing restarts the cycle.
 */

const DAY = 86_400_000;

describeEachDatabase('the sandbox over two simulated years', (kind) => {
  let svc: TestService;
  let receiver: Receiver;
  let browser: HttpBrowser;

  beforeAll(async () => {
    svc = await startTestService({
      database: kind === 'postgres' ? 'postgres' : 'pglite',
      env: { NOTIFY_POLL_SECONDS: '1', SIMULATOR_SPEED: '100' },
    });
    receiver = await startReceiver();
    browser = await signedInBrowser(svc);
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    await svc?.stop();
  });

  it('never cuts a connection off but by its own expiry; rotates secrets by itself; one reminder per period', async () => {
    const regions = ['NA', 'EU', 'FE'] as const;
    for (const region of regions) await connectRegion(browser, svc, region);
    await subscribeOnPortal(browser, svc, receiver);
    const publishedId = (await svc.service.applications.get(DEMO.publishedApp.appId)).id;
    const start = svc.service.clock.now();
    const rows = () => svc.store.db.selectFrom('connections').selectAll().orderBy('region').execute();
    let renewals = 0;

    for (let step = 1; step <= 24; step++) {
      await svc.sim('/_sim/clock/advance', { days: 30 });
      const report = await svc.service.monitor.runMonitor();
      // The app's credentials are never refused: no connection is cut off by them.
      expect(report.rotation.failed).toBe(0);
      const now = svc.service.clock.now();
      // A probe may still run in the scheduled monitor job of the service: wait for its outcome.
      const settled = await eventually(async () => {
        const all = await rows();
        return all.every((r) => r.last_probe_outcome !== 'running') ? all : null;
      });
      for (const row of settled) {
        const live = row.expires_at !== null && row.expires_at.getTime() > now;
        // Probes reached Amazon and succeeded for every live connection; only expiry stops one.
        if (live) expect(row.last_probe_outcome ?? 'ok').toBe('ok');
        else expect(row.state).toBe('expired');
      }
      const app = await svc.service.applications.get(publishedId);
      expect(app.flaggedAt).toBeNull();
      expect(app.clientSecretExpiresAt.getTime()).toBeGreaterThan(now);
      // Expired ones are renewed by the seller, which starts a new period.
      if ((await rows()).some((r) => r.state === 'expired')) {
        browser = await signedInBrowser(svc);
        for (const region of regions) {
          const page = await connectRegion(browser, svc, region);
          expect(connectionIdOf(page.url)).toMatch(/[0-9a-f-]{36}/);
        }
        renewals++;
        for (const row of await rows()) expect(row.state).toBe('active');
      }
    }
    expect(svc.service.clock.now() - start).toBeGreaterThanOrEqual(720 * DAY);
    expect(renewals).toBeGreaterThanOrEqual(1);

    const events = await listEvents(svc.store.db, { limit: 100_000 });
    // At least 4 automatic rotations of the app the sellers use, each verified before use.
    const rotated = events.filter(
      (e) => e.type === 'application.secret_rotated' && e.applicationId === publishedId,
    );
    expect(rotated.length).toBeGreaterThanOrEqual(4);
    expect(events.filter((e) => e.type === 'application.rejected')).toEqual([]);
    expect(events.filter((e) => e.type === 'application.rotation_failed')).toEqual([]);

    // One reminder per threshold per period, delivered once by e-mail and once by webhook.
    const expiring = events.filter((e) => e.type === 'connection.expiring');
    const periods = new Set(expiring.map((e) => `${e.connectionId}:${String(e.payload.expiresAt)}`));
    expect(expiring.length).toBeGreaterThanOrEqual(3);
    const keys = expiring.map(
      (e) => `${e.connectionId}:${String(e.payload.expiresAt)}:${String(e.payload.threshold)}`,
    );
    expect(new Set(keys).size).toBe(keys.length);
    expect(periods.size).toBe(expiring.length); // 30-day steps reach one threshold per period
    // Delivered: e-mail accepted by the SMTP server (the sandbox's mail catcher), webhooks answered 2xx.
    await eventually(async () => {
      const done = await svc.store.db
        .selectFrom('notification_deliveries')
        .select(['event_id', 'channel', 'status'])
        .where('event_type', '=', 'connection.expiring')
        .execute();
      return done.length === expiring.length * 2 && done.every((d) => d.status === 'delivered');
    }, 60_000);
    const hooks = receiver.received.filter((r) => r.body.includes('"connection.expiring"'));
    expect(hooks).toHaveLength(expiring.length);
    expect(hooks.every((h) => h.signatureValid)).toBe(true);
  }, 900_000);
});
