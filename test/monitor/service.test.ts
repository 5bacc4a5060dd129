import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { listEvents, type StoredEvent } from '../../src/events/events.js';
import { DEMO } from '../../src/simulator/seed.js';
import { describeEachDatabase } from '../support/databases.js';
import type { HttpBrowser } from '../support/http-browser.js';
import { request } from '../support/in-process.js';
import { connectRegion, connectionIdOf, demoSeller, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * The monitor inside the running service (sandbox mode): the health probe finding a revocation, the
 * invalid_client alert naming its likely cause, the forwarded-notification endpoint, and the
 * sandbox toolbar, through the web app's handler in process (support/in-process.ts).
 */

const T = 300_000;
const DAY = 86_400_000;
const SHARED = 'test-notification-secret-0123456789';
const HEADER = 'x-sellerlink-notification-secret';
/** How long a background effect may take to show (vi.waitFor's 1 s default is too short under load). */
const WAIT = { timeout: 30_000, interval: 50 };

interface SimNotification {
  notificationId: string;
  body: { eventTime: string; payload: { applicationOAuthClientNewSecret: { newClientSecret: string } } };
}

describeEachDatabase('monitor in the service', (kind) => {
  let svc: TestService;
  let browser: HttpBrowser;
  const ids = { EU: '', FE: '' };

  const events = async (type: StoredEvent['type']): Promise<StoredEvent[]> =>
    listEvents(svc.store.db, { types: [type], limit: 10_000 });
  const row = (id: string) =>
    svc.store.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const notify = (body: unknown, secret: string | null = SHARED) =>
    request(svc, '/amazon/notifications', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secret === null ? {} : { [HEADER]: secret }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  /** Every new-secret message the simulator sent for an app (the stand-in for the SQS queue). */
  const sentSecrets = async (appId: string): Promise<SimNotification[]> =>
    (await svc.sim<{ notifications: SimNotification[] }>(`/_sim/notifications?appId=${appId}`)).notifications;

  beforeAll(async () => {
    svc = await startTestService({
      database: kind,
      env: {
        SIMULATOR_SPEED: '100',
        AMAZON_NOTIFICATION_SECRET: SHARED,
        // The monitor must be the first to meet Amazon after each clock jump: no report polling
        // (order backfill, analytics) in the background straddling a jump.
        ORDERS_REPORT_BACKFILL_AFTER_HOURS: '0',
        ANALYTICS_INTERVAL_HOURS: '0',
      },
    });
    browser = await signedInBrowser(svc);
    ids.EU = connectionIdOf((await connectRegion(browser, svc, 'EU')).url);
    ids.FE = connectionIdOf((await connectRegion(browser, svc, 'FE')).url);
  }, T);
  afterAll(async () => svc?.stop());

  it(
    'the daily health probe finds a revocation before any user call: revoked once, however often it runs',
    async () => {
      // The job system ran the monitor once at start (and schedules it daily).
      await vi.waitFor(() => expect(svc.logs.some((l) => l.includes('monitor run finished'))).toBe(true), {
        timeout: 30_000,
      });
      await svc.service.monitor.runMonitor();
      const { authorizations } = await svc.sim<{ authorizations: { id: string }[] }>(
        `/_sim/authorizations?sellingPartnerId=${demoSeller('EU').sellingPartnerId}`,
      );
      await svc.sim(`/_sim/authorizations/${authorizations[0]!.id}/revoke`, {});
      // Probed less than a day ago: not probed again yet.
      expect((await svc.service.monitor.runMonitor()).probes.probed).toBe(0);
      await svc.sim('/_sim/clock/advance', { days: 1 });
      const jumpedAt = svc.service.clock.now();
      const report = await svc.service.monitor.runMonitor();
      expect(report.probes.failed).toBe(1);
      // FE needs no probe when the order import called Amazon for it successfully since the jump (the
      // dispatcher runs every minute in the background); otherwise this pass probed it too.
      const fe = await row(ids.FE);
      const feProbed = (fe.last_probe_at?.getTime() ?? 0) >= jumpedAt;
      if (!feProbed) expect(fe.last_success_at?.getTime() ?? 0).toBeGreaterThanOrEqual(jumpedAt);
      expect(report.probes.probed).toBe(feProbed ? 2 : 1);
      expect((await row(ids.EU)).state).toBe('revoked');
      expect((await row(ids.EU)).last_probe_outcome).toBe('TOKEN_CONNECTION_REVOKED');
      expect((await row(ids.FE)).last_probe_outcome).toBe('ok');
      await svc.service.monitor.runMonitor();
      // The broker's event (recorded after commit) and the monitor's share one key: exactly one.
      await vi.waitFor(
        async () => expect((await events('connection.revoked')).length).toBeGreaterThan(0),
        WAIT,
      );
      await svc.service.monitor.runMonitor();
      const revoked = await events('connection.revoked');
      expect(revoked).toHaveLength(1);
      expect(revoked[0]!).toMatchObject({ connectionId: ids.EU });
      expect(revoked[0]!.payload).toMatchObject({
        sellingPartnerId: demoSeller('EU').sellingPartnerId,
        region: 'EU',
      });
    },
    T,
  );

  it(
    'a secret rotated elsewhere: invalid_client flags the app once, naming the likely cause; the forwarded message fixes it',
    async () => {
      const appId = DEMO.publishedApp.appId;
      // Rotated in the Developer Console with no destination set: Sellerlink does not hear of it.
      await svc.sim(`/_sim/apps/${appId}/notification-destination`, { url: null }, 'PUT');
      await svc.sim(`/_sim/apps/${appId}/rotate-secret`, {});
      await svc.sim('/_sim/clock/advance', { days: 8 });
      await svc.service.monitor.runMonitor();
      expect((await row(ids.FE)).last_probe_outcome).toBe('TOKEN_APPLICATION_REJECTED');
      // One alert for the operators (with the likely cause) and one for the account (nothing asked of it).
      const forOperators = async () =>
        (await events('application.rejected')).filter((e) => e.accountId === null);
      await vi.waitFor(async () => expect(await forOperators()).toHaveLength(1), WAIT);
      await svc.sim('/_sim/clock/advance', { days: 1 });
      await svc.service.monitor.runMonitor();
      const app = await svc.service.applications.get(appId);
      const rejected = await forOperators();
      expect(rejected).toHaveLength(1);
      expect((await events('application.rejected')).filter((e) => e.accountId !== null)).toHaveLength(1);
      expect(String(rejected[0]!.payload.likelyCause)).toContain('rotated elsewhere');
      expect(String(rejected[0]!.payload.likelyCause)).toContain('sellerlink applications add');
      await vi.waitFor(
        async () =>
          expect((await svc.service.applications.get(appId)).flaggedReason).toContain('rotated elsewhere'),
        WAIT,
      );
      expect(app.flaggedAt).not.toBeNull();

      // The operator forwards the message from the queue: refused without the shared secret...
      const [message] = await sentSecrets(appId).then((all) => all.slice(-1));
      expect((await notify(message!.body, null)).status).toBe(401);
      expect((await notify(message!.body, 'wrong-secret-wrong-secret')).status).toBe(401);
      expect((await svc.service.applications.get(appId)).clientSecretIssuedAt).toEqual(
        app.clientSecretIssuedAt,
      );
      // ...taken in with it, as an SQS message; the new secret is never echoed.
      const ok = await notify({ MessageId: 'm-1', Body: JSON.stringify(message!.body) });
      const text = await ok.text();
      expect(ok.status).toBe(200);
      expect(JSON.parse(text)).toMatchObject({ status: 'rotated', appId });
      expect(text).not.toContain(message!.body.payload.applicationOAuthClientNewSecret.newClientSecret);
      const after = await svc.service.applications.get(appId);
      expect(after.flaggedAt).toBeNull();
      expect(after.clientSecretIssuedAt.toISOString()).toBe(message!.body.eventTime);
      // Calls work again.
      await svc.sim('/_sim/clock/advance', { days: 1 });
      await svc.service.monitor.runMonitor();
      expect((await row(ids.FE)).last_probe_outcome).toBe('ok');
      expect(await events('application.secret_rotated')).toHaveLength(1);
      // Redelivery changes nothing.
      expect(await (await notify(message!.body)).json()).toMatchObject({ status: 'current' });
      expect(await events('application.secret_rotated')).toHaveLength(1);
    },
    T,
  );

  it(
    'the endpoint: rotation through the API is taken in at once, an older message never replaces a newer secret, bad input is refused',
    async () => {
      const appId = DEMO.publishedApp.appId;
      await svc.sim(
        `/_sim/apps/${appId}/notification-destination`,
        { url: `${svc.url}/amazon/notifications?secret=${SHARED}` },
        'PUT',
      );
      const previous = (await sentSecrets(appId)).slice(-1)[0]!;
      const result = await svc.service.secrets.rotate(appId);
      expect(result.received).toBe(true);
      expect(
        result.application.previousSecretExpiresAt!.getTime() -
          result.application.clientSecretIssuedAt.getTime(),
      ).toBe(7 * DAY);
      // The message of the rotation before is older than the secret in use: ignored.
      expect(await (await notify(previous.body)).json()).toMatchObject({ status: 'stale' });
      expect((await svc.service.applications.get(appId)).clientSecretIssuedAt).toEqual(
        result.application.clientSecretIssuedAt,
      );
      // Other notification types are accepted and ignored; malformed ones refused.
      expect(
        await (
          await notify({
            notificationType: 'APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY',
            payload: { applicationOAuthClientSecretExpiry: { clientId: DEMO.publishedApp.clientId } },
          })
        ).json(),
      ).toMatchObject({ status: 'ignored' });
      const bad = await notify({ notificationType: 'APPLICATION_OAUTH_CLIENT_NEW_SECRET', payload: {} });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('NOTIFICATION_INVALID');
      expect((await notify('not json')).status).toBe(400);
      const unknown = await notify({
        ...previous.body,
        payload: {
          applicationOAuthClientNewSecret: {
            ...previous.body.payload.applicationOAuthClientNewSecret,
            clientId: 'amzn1.application-oa2-client.nobody',
          },
        },
      });
      expect(unknown.status).toBe(404);
      expect(await events('application.secret_rotated')).toHaveLength(2);
    },
    T,
  );

  it(
    'the sandbox toolbar shows the simulated date and moves it forward, running the monitor',
    async () => {
      browser = await signedInBrowser(svc);
      const list = await browser.get(`${svc.url}/connections`);
      expect(list.text).toContain('href="/sandbox"');
      const page = await browser.get(`${svc.url}/sandbox`);
      expect(page.status).toBe(200);
      const shown = (p: { text: string }) => /data-testid="sim-now">([^<]+) UTC</.exec(p.text)?.[1];
      const before = shown(page)!;
      expect(before).toBe(new Date(svc.service.clock.now()).toISOString().slice(0, 16).replace('T', ' '));
      expect(page.text).toContain('href="/sandbox/mail"');
      const simBefore = (await svc.sim<{ nowMs: number }>('/_sim/clock')).nowMs;

      const moved = await browser.submit(page, {}, { action: '/sandbox/clock', index: 1 });
      expect(moved.status).toBe(200);
      expect(moved.text).toContain('Moved forward 7 days');
      const simAfter = (await svc.sim<{ nowMs: number }>('/_sim/clock')).nowMs;
      expect(simAfter - simBefore).toBeGreaterThanOrEqual(7 * DAY);
      expect(simAfter - simBefore).toBeLessThan(8 * DAY);
      expect(
        Date.parse(`${shown(moved)!.replace(' ', 'T')}:00Z`) - Date.parse(`${before.replace(' ', 'T')}:00Z`),
      ).toBeGreaterThanOrEqual(7 * DAY);

      // Only the offered steps, only with the form's CSRF token, only signed in.
      // Still signed in after the jump (the toolbar renews the session, which follows the simulated clock).
      const again = await browser.get(`${svc.url}/sandbox`);
      expect(again.url).toBe(`${svc.url}/sandbox`);
      const form = /name="_csrf" value="([^"]+)"/.exec(again.text)![1]!;
      const post = (fields: Record<string, string>) =>
        browser.post(`${svc.url}/sandbox/clock`, fields, { headers: { origin: svc.url } });
      expect((await post({ _csrf: form, days: '400' })).status).toBe(400);
      expect((await post({ _csrf: 'nope', days: '1' })).status).toBe(403);
      expect((await svc.sim<{ nowMs: number }>('/_sim/clock')).nowMs - simAfter).toBeLessThan(DAY);
      const anonymous = await request(svc, '/sandbox');
      expect(anonymous.status).toBe(302);
      expect(anonymous.headers.get('location')).toContain('/login');
    },
    T,
  );
});
