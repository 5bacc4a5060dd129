import { afterEach, beforeEach, expect, it } from 'vitest';
import { createLwaClient } from '../../src/amazon/lwa.js';
import { simulatorEndpoints } from '../../src/config/config.js';
import { createAuditLog } from '../../src/connections/audit.js';
import { listEvents } from '../../src/events/events.js';
import { DAY } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/log.js';
import { createSecretRotation, type SecretRotation } from '../../src/monitor/secrets.js';
import { DEMO } from '../../src/simulator/seed.js';
import type { Store } from '../../src/store/database.js';
import { createAmazonWorld, type AmazonWorld } from '../support/amazon-world.js';
import { describeEachDatabase, openTestStore } from '../support/databases.js';

/**
 * Automatic client-secret rotation when it cannot succeed, and a new secret that does not verify:
 * failures back off and alert the operators once; an unverified secret changes nothing.
 */
describeEachDatabase('automatic client-secret rotation: failures and verification', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  let world: AmazonWorld;
  let secrets: SecretRotation;

  beforeEach(async () => {
    ({ store, close } = await openTestStore(kind));
    world = await createAmazonWorld(store);
    const fetchSim = (input: RequestInfo | URL, init?: RequestInit) =>
      world.sim.fetch(new Request(input, init));
    secrets = createSecretRotation({
      db: store.db,
      clock: world.clock,
      applications: world.applications,
      audit: createAuditLog(store.db, world.clock),
      lwa: createLwaClient({
        fetch: fetchSim,
        endpoint: simulatorEndpoints('http://sim.test').lwaTokenUrl,
        clock: world.clock,
      }),
      spApi: world.client,
      logger: silentLogger,
    });
  });
  afterEach(async () => close());

  const ofApp = async (type: Parameters<typeof listEvents>[1]['types']) =>
    (await listEvents(store.db, { types: type!, limit: 1000 })).filter(
      (e) => e.applicationId === world.applicationId,
    );

  it('leaves the secret alone until 30 days before it expires, then backs off and alerts once when Amazon will not rotate', async () => {
    expect(await secrets.autoRotate()).toMatchObject({ requested: 0, failed: 0 });
    world.clock.advance(151 * DAY);
    // The app has no notification destination at Amazon: "not enrolled", which retrying cannot fix.
    const first = await secrets.autoRotate();
    expect(first).toMatchObject({ requested: 1, received: 0, failed: 1 });
    const app = await world.applications.get(world.applicationId);
    expect(app.rotation.state).toBe('failed');
    expect(app.rotation.lastError).toContain('Notification Preferences');
    expect(app.rotation.nextAt!.getTime()).toBeGreaterThan(world.clock.now());
    const alerts = await ofApp(['application.rotation_failed']);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.payload).toMatchObject({ code: 'SECRET_ROTATION_NOT_ENROLLED', attempts: 1 });
    // Within the backoff nothing is asked of Amazon; the operators are warned of the expiry instead.
    expect(await secrets.autoRotate()).toMatchObject({ requested: 0, failed: 0 });
    expect((await secrets.checkExpiry()).warned).toBe(1);
    // After the backoff it tries again, and fails again: still one alert for this secret.
    world.clock.advance(app.rotation.nextAt!.getTime() - world.clock.now() + 1000);
    expect(await secrets.autoRotate()).toMatchObject({ requested: 1, failed: 1 });
    expect((await world.applications.get(world.applicationId)).rotation.attempts).toBe(2);
    expect(await ofApp(['application.rotation_failed'])).toHaveLength(1);
  });

  it('refuses a new secret Amazon does not accept, changing nothing; takes the real one after verifying it', async () => {
    const before = await world.applications.get(world.applicationId);
    type NewSecretMessage = { payload: { applicationOAuthClientNewSecret: { newClientSecret: string } } };
    const { notification } = await world.control<{ notification: { body: NewSecretMessage } }>(
      'POST',
      `/_sim/apps/${DEMO.publishedApp.appId}/rotate-secret`,
      {},
    );
    const forged = structuredClone(notification.body);
    forged.payload.applicationOAuthClientNewSecret.newClientSecret = 'amzn1.oa2-cs.v1.not-a-real-secret';
    await expect(secrets.ingest(forged)).rejects.toMatchObject({ code: 'NOTIFICATION_SECRET_UNVERIFIED' });
    const unchanged = await world.applications.get(world.applicationId);
    expect(unchanged.clientSecretIssuedAt).toEqual(before.clientSecretIssuedAt);
    expect((await world.applications.credentials(world.applicationId)).clientSecret.reveal()).toBe(
      DEMO.publishedApp.clientSecret,
    );
    expect(await ofApp(['application.secret_rotated'])).toEqual([]);
    const audit = await store.db
      .selectFrom('audit_log')
      .select(['action', 'outcome', 'detail'])
      .where('action', '=', 'application.secret_rotated')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      outcome: 'failure',
      detail: { code: 'NOTIFICATION_SECRET_UNVERIFIED' },
    });

    expect((await secrets.ingest(notification.body)).status).toBe('rotated');
    const rotated = await world.applications.get(world.applicationId);
    expect(rotated.previousSecretExpiresAt).not.toBeNull();
    expect(await ofApp(['application.secret_rotated'])).toHaveLength(1);
    // The old secret stays as the fallback during Amazon's grace period.
    expect((await world.applications.previousCredentials(world.applicationId))!.clientSecret.reveal()).toBe(
      DEMO.publishedApp.clientSecret,
    );
  });
});
