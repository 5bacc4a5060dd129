import { afterAll, beforeAll, expect, it } from 'vitest';
import { listEvents, type StoredEvent } from '../../src/events/events.js';
import { DEMO } from '../../src/simulator/seed.js';
import { describeEachDatabase } from '../support/databases.js';
import type { HttpBrowser } from '../support/http-browser.js';
import {
  approveOnAmazon,
  connectRegion,
  connectionIdOf,
  demoSeller,
  signedInBrowser,
} from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * The expiry monitor end to end: the whole service in sandbox mode, the simulator's clock moved a
 * day at a time through a 365-day authorization, the monitor run each simulated day (the health
 * probe every 30), client secrets rotated through Amazon's rotation API by the operator every 170 days
 * and by Sellerlink itself 30 days before each expiry.
 */

const T = 600_000;
const DAY = 86_400_000;

describeEachDatabase('expiry monitor over a simulated year', (kind) => {
  let svc: TestService;
  let browser: HttpBrowser;
  let connectionId = '';
  let publishedId = '';
  let draftId = '';

  const events = async (): Promise<StoredEvent[]> => listEvents(svc.store.db, { limit: 10_000 });
  const ofConnection = async (type: StoredEvent['type']) =>
    (await events()).filter((e) => e.type === type && e.connectionId === connectionId);
  const ofApp = async (type: StoredEvent['type'], applicationId: string) =>
    (await events()).filter((e) => e.type === type && e.applicationId === applicationId);
  const connection = () =>
    svc.store.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', connectionId)
      .executeTakeFirstOrThrow();
  const advance = (days: number) => svc.sim('/_sim/clock/advance', { days });
  /** Rotates the published app's secret through Amazon's API (one call a minute at speed 1: retried). */
  const rotate = async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await svc.service.secrets.rotate(DEMO.publishedApp.appId);
      } catch (err) {
        if ((err as { code?: string }).code !== 'SECRET_ROTATION_THROTTLED' || attempt > 20) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };

  beforeAll(async () => {
    // Speed 100: Amazon's one-rotation-a-minute plan refills in under a second of real time.
    svc = await startTestService({ database: kind, env: { SIMULATOR_SPEED: '100' } });
    browser = await signedInBrowser(svc);
    connectionId = connectionIdOf((await connectRegion(browser, svc, 'NA')).url);
    publishedId = (await svc.service.applications.get(DEMO.publishedApp.appId)).id;
    draftId = (await svc.service.applications.get(DEMO.draftApp.appId)).id;
  }, T);
  afterAll(async () => svc?.stop());

  it(
    'reminds at 30, 14, 7, 3 and 1 days once each, then expired once; secrets rotate and probes succeed throughout',
    async () => {
      const { expires_at } = await connection();
      const probeOutcomes: string[] = [];
      let day = 0;
      while (svc.service.clock.now() < expires_at!.getTime() + 2 * DAY) {
        await advance(1);
        day++;
        if (day % 170 === 0) {
          // Through rotateApplicationClientSecret: the simulator sends the new secret to our endpoint.
          const rotated = await rotate();
          expect(rotated.received).toBe(true);
          const app = rotated.application;
          // The simulator stamps the message a moment after the rotation (its clock runs 100× here).
          const grace = app.previousSecretExpiresAt!.getTime() - app.clientSecretIssuedAt.getTime();
          expect(Math.abs(grace - 7 * DAY)).toBeLessThan(1000);
          const life = app.clientSecretExpiresAt.getTime() - app.clientSecretIssuedAt.getTime();
          expect(Math.abs(life - 180 * DAY)).toBeLessThan(1000);
        }
        const probe = day % 30 === 0 || day % 170 === 0;
        const report = await svc.service.monitor.runMonitor({ probe });
        if (probe && report.probes.probed > 0) {
          probeOutcomes.push((await connection()).last_probe_outcome ?? 'none');
        }
      }
      // Every probe (a real getMarketplaceParticipations) went through, across both rotations.
      expect(probeOutcomes.length).toBeGreaterThanOrEqual(12);
      expect(new Set(probeOutcomes)).toEqual(new Set(['ok']));

      const expiring = await ofConnection('connection.expiring');
      expect(expiring.map((e) => e.payload.threshold)).toEqual([30, 14, 7, 3, 1]);
      expect(expiring.map((e) => e.payload.daysLeft)).toEqual([30, 14, 7, 3, 1]);
      expect(expiring[0]!.payload).toMatchObject({
        sellingPartnerId: 'A1DEMOSELLERNA',
        region: 'NA',
        expiresAt: expires_at!.toISOString(),
      });
      expect(expiring[0]!.accountId).toBeTruthy();
      expect(await ofConnection('connection.expired')).toHaveLength(1);

      // Rotations of the published app (the operator's at day 170 and 340, and Sellerlink's own
      // 30 days before each expiry), each recorded once; the draft app rotated by itself too. No
      // operator was warned: automatic rotation never failed.
      expect((await ofApp('application.secret_rotated', publishedId)).length).toBeGreaterThanOrEqual(3);
      expect((await ofApp('application.secret_rotated', draftId)).length).toBeGreaterThanOrEqual(2);
      expect(await ofApp('application.secret_expiring', publishedId)).toEqual([]);
      expect(await ofApp('application.secret_expiring', draftId)).toEqual([]);
      expect(await ofApp('application.rotation_failed', publishedId)).toEqual([]);

      // Running again changes nothing.
      const before = (await events()).length;
      await svc.service.monitor.runMonitor();
      await svc.service.monitor.runMonitor();
      expect((await events()).length).toBe(before);
    },
    T,
  );

  it(
    'after a renewal the cycle restarts: renewed once, and a new 30-day reminder for the new period',
    async () => {
      // Portal sessions last 7 days at most: sign in again, then renew through Amazon.
      browser = await signedInBrowser(svc);
      const detail = await browser.get(`${svc.url}/connections/${connectionId}`);
      const amazon = await browser.submit(detail, {}, { action: `/connections/${connectionId}/renew` });
      const page = await approveOnAmazon(browser, amazon, demoSeller('NA').email);
      expect(page.url).toContain('notice=renewed');
      const renewedRow = await connection();
      await svc.service.monitor.runMonitor({ probe: false });
      expect(await ofConnection('connection.renewed')).toHaveLength(1);
      expect((await ofConnection('connection.renewed'))[0]!.payload.expiresAt).toBe(
        renewedRow.expires_at!.toISOString(),
      );

      // To 31 days before the new expiry, rotating secrets on the way as an operator would.
      for (const days of [150, 150]) {
        await advance(days);
        expect((await rotate()).received).toBe(true);
      }
      const toGo = Math.ceil((renewedRow.expires_at!.getTime() - svc.service.clock.now()) / DAY) - 31;
      await advance(toGo);
      await svc.service.monitor.runMonitor({ probe: false });
      expect(await ofConnection('connection.expiring')).toHaveLength(5);
      await advance(1);
      await svc.service.monitor.runMonitor();
      const expiring = await ofConnection('connection.expiring');
      expect(expiring).toHaveLength(6);
      expect(expiring[5]!.payload).toMatchObject({
        threshold: 30,
        expiresAt: renewedRow.expires_at!.toISOString(),
      });
      expect((await connection()).last_probe_outcome).toBe('ok');
      expect(await ofConnection('connection.expired')).toHaveLength(1);
    },
    T,
  );
});
