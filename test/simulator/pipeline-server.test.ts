import { afterEach, describe, expect, it } from 'vitest';
import { listenSimulator, type SimulatorServer } from '../../src/simulator/server.js';
import { simControlFetch } from '../support/sim-control.js';
import { createTestWorld } from './pipeline-fixtures.js';

describe('simulator over real HTTP', () => {
  let server: SimulatorServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves requests on a free port and destroys the socket on a drop fault', async () => {
    const w = createTestWorld();
    server = await listenSimulator(w.sim, { port: 0 });
    const headers = { 'x-amz-access-token': w.token.token };
    expect(server.port).toBeGreaterThan(0);
    const control = simControlFetch(w.sim.controlToken);
    const clock = await control(`${server.url}/_sim/clock`);
    expect(clock.status).toBe(200);
    expect(await clock.json()).toHaveProperty('now');

    const added = await control(`${server.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'getMarketplaceParticipations', kind: 'drop', remaining: 1 }),
    });
    expect(added.status).toBe(201);

    const dropped = await fetch(`${server.url}/simtest/seller`, { headers }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(dropped).toBeInstanceOf(TypeError);
    expect(String((dropped as TypeError).cause)).toMatch(/socket|closed|reset|terminated/i);

    // The server lives on: the next call is served.
    const after = await fetch(`${server.url}/simtest/seller`, { headers });
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ sellingPartnerId: 'ASELLERNA' });
    const log = (await (await control(`${server.url}/_sim/requests`)).json()) as {
      requests: { status: number; note?: string }[];
    };
    expect(log.requests.map((r) => [r.status, r.note])).toEqual([
      [200, undefined],
      [0, 'fault:drop'],
    ]);
  });
});
