import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { listEvents } from '../../src/events/events.js';
import { describeEachDatabase, type DatabaseKind } from '../support/databases.js';
import type { BrowserPage, HttpBrowser } from '../support/http-browser.js';
import { connectRegion, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * The sandbox toolbar's clock jump answers at once: it moves the clock, starts the monitor pass in
 * the background and redirects (POST-redirect-GET) to the toolbar, which shows the pass running and
 * then its report. The health probes' calls to Amazon are held at the service's fetch until the test
 * lets them go, so "answered before the pass finished" is an ordering, not a timing.
 */

const T = 300_000;
const DAY = 86_400_000;
const PROBE_PATH = '/sellers/v1/marketplaceParticipations';

/** Holds getMarketplaceParticipations requests while closed; counts the ones it holds. */
function createProbeGate() {
  let open = true;
  let release: () => void = () => {};
  let opened = Promise.resolve();
  const gate = {
    held: 0,
    close() {
      open = false;
      opened = new Promise<void>((r) => (release = r));
    },
    open() {
      open = true;
      release();
    },
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      if (!open && new URL(request.url).pathname.endsWith(PROBE_PATH)) {
        gate.held++;
        await opened;
      }
      return fetch(request);
    }) as typeof fetch,
  };
  return gate;
}

/** The sandbox service of `startTestService`, with the probe gate as its fetch to Amazon. */
async function startGatedService(kind: DatabaseKind, gate: ReturnType<typeof createProbeGate>) {
  const svc = await startTestService({ database: kind, effects: { fetch: gate.fetch } });
  const stop = svc.stop.bind(svc);
  // Held probes are let go first, so the service's shutdown does not wait for them.
  svc.stop = async () => {
    gate.open();
    await stop();
  };
  return svc;
}

describeEachDatabase('sandbox clock jump', (kind) => {
  const gate = createProbeGate();
  let svc: TestService;
  let browser: HttpBrowser;

  const simNow = async (): Promise<number> => (await svc.sim<{ nowMs: number }>('/_sim/clock')).nowMs;
  const monitorState = (page: BrowserPage) =>
    /data-testid="monitor-status" data-state="([a-z]+)"/.exec(page.text)?.[1] ?? null;
  const passesFinished = () => svc.logs.filter((l) => l.includes('"monitor run finished"')).length;
  const reminders = async () => listEvents(svc.store.db, { types: ['connection.expiring'], limit: 1000 });

  beforeAll(async () => {
    svc = await startGatedService(kind, gate);
    browser = await signedInBrowser(svc);
    for (const region of ['NA', 'EU', 'FE'] as const) await connectRegion(browser, svc, region);
    // The service's own monitor job runs once at start; let it finish so every later pass is ours.
    await vi.waitFor(() => expect(passesFinished()).toBe(1), { timeout: 60_000 });
    // 330 days on, the next jump of 7 days leaves 28 of the authorizations' 365: each connection's
    // 30-day reminder is due. Client secrets last 180 days, so they are rotated on the way (with the
    // toolbar); sessions follow the simulated clock, so the user signs in again after each jump.
    await svc.sim('/_sim/clock/advance', { days: 170 });
    browser = await signedInBrowser(svc);
    const toolbar = await browser.get(`${svc.url}/sandbox`);
    const rotated = await browser.submit(toolbar, {}, { action: '/sandbox/rotate-secrets' });
    expect(rotated.text).toContain('Rotated 2 client secrets');
    await svc.sim('/_sim/clock/advance', { days: 160 });
    browser = await signedInBrowser(svc);
  }, T);
  afterAll(async () => svc?.stop());

  it('answers the jump with a redirect while the monitor pass still runs; the pass then finishes and its report shows', async () => {
    const before = passesFinished();
    const start = await simNow();
    gate.close();

    const toolbar = await browser.get(`${svc.url}/sandbox`);
    const answer = await browser.submit(
      toolbar,
      { days: '7' },
      { action: '/sandbox/clock', followRedirects: false },
    );
    // POST-redirect-GET, answered while a health probe is held at Amazon's door.
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/sandbox?moved=7');
    // The pass reaches Amazon's door after the answer; under load that can take more than waitFor's 1 s default.
    await vi.waitFor(() => expect(gate.held).toBe(1), { timeout: 30_000, interval: 25 });
    expect(passesFinished()).toBe(before);
    expect(await reminders()).toHaveLength(0);
    expect((await simNow()) - start).toBeGreaterThanOrEqual(7 * DAY);

    // The page shows the jump and the running pass, and refreshes itself; reloading it does not jump.
    const running = await browser.get(`${svc.url}${answer.location}`);
    expect(running.url).toBe(`${svc.url}/sandbox?moved=7`);
    expect(running.status).toBe(200);
    expect(running.text).toContain('Moved forward 7 days.');
    expect(monitorState(running)).toBe('running');
    expect(running.text).toContain('Checking connections…');
    expect(running.text).toMatch(/<meta http-equiv="refresh" content="\d+"/);
    expect(running.headers.get('refresh')).toMatch(/^\d+$/);
    const reloaded = await browser.get(`${svc.url}/sandbox?moved=7`);
    expect(monitorState(reloaded)).toBe('running');
    expect((await simNow()) - start).toBeLessThan(8 * DAY);

    // Two more jumps while the pass runs: both answered at once, sharing one follow-up pass.
    for (let i = 0; i < 2; i++) {
      const again = await browser.submit(
        await browser.get(`${svc.url}/sandbox`),
        { days: '1' },
        { action: '/sandbox/clock', followRedirects: false },
      );
      expect(again.status).toBe(303);
      expect(again.location).toBe('/sandbox?moved=1');
    }
    expect(gate.held).toBe(1);
    expect(passesFinished()).toBe(before);
    expect((await simNow()) - start).toBeGreaterThanOrEqual(9 * DAY);

    // Let Amazon answer: the pass finishes, its follow-up runs, and the page shows the report.
    gate.open();
    let finished: BrowserPage | null = null;
    await vi.waitFor(
      async () => {
        finished = await browser.get(`${svc.url}/sandbox`);
        expect(monitorState(finished)).toBe('finished');
      },
      { timeout: 60_000, interval: 250 },
    );
    expect(finished!.text).toContain('3 connections checked');
    expect(finished!.text).not.toMatch(/http-equiv="refresh"/);
    expect(finished!.headers.get('refresh')).toBeNull();
    expect(passesFinished()).toBe(before + 2);
    // The effects: each connection's 30-day reminder, once.
    const raised = await reminders();
    expect(raised).toHaveLength(3);
    expect(raised.map((e) => e.payload.threshold)).toEqual([30, 30, 30]);
    const probed = await svc.store.db.selectFrom('connections').select(['last_probe_outcome']).execute();
    expect(probed.map((r) => r.last_probe_outcome)).toEqual(['ok', 'ok', 'ok']);
    // Still signed in: the jump renewed the session (sessions follow the simulated clock).
    expect((await browser.get(`${svc.url}/connections`)).url).toBe(`${svc.url}/connections`);
  }, 120_000);
});
