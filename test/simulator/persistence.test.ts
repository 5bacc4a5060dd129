import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadState,
  saveState,
  STATE_FILE_FORMAT,
  STATE_FILE_VERSION,
} from '../../src/simulator/persistence.js';
import { listingKey } from '../../src/simulator/state.js';
import { issueAuthCode } from '../../src/simulator/world.js';
import { createTestWorld } from './pipeline-fixtures.js';

describe('simulator state persistence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-persist-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A world with something in every slice. */
  async function populatedWorld(): Promise<ReturnType<typeof createTestWorld>> {
    const w = createTestWorld();
    const { ctx } = w.sim;
    issueAuthCode(ctx, {
      authorizationId: w.authorization.id,
      clientId: w.app.clientId,
      redirectUri: 'https://app.test/cb',
    });
    ctx.state.sellerSessions.set('s1', {
      id: 's1',
      sellingPartnerId: 'ASELLERNA',
      email: 'a@b.c',
      createdAt: 1,
    });
    ctx.state.orders.set('111-1234567-1234567', {
      orderId: '111-1234567-1234567',
      sellingPartnerId: 'ASELLERNA',
      region: 'NA',
      marketplaceId: 'ATVPDKIKX0DER',
      createdAt: 10,
      lastUpdatedAt: 20,
      version: 2,
      data: { orderId: '111-1234567-1234567', nested: { list: [1, 'two', null] } },
    });
    ctx.state.listings.set(listingKey('ASELLERNA', 'SKU-1'), {
      sellingPartnerId: 'ASELLERNA',
      sku: 'SKU-1',
      productType: 'SHIRT',
      marketplaceIds: ['ATVPDKIKX0DER'],
      attributes: { item_name: [{ value: 'Shirt' }] },
      createdAt: 1,
      lastUpdatedAt: 2,
      deleted: false,
      submissions: [
        { submissionId: 'sub', at: 2, method: 'PUT', mode: 'LIVE', status: 'ACCEPTED', issues: [] },
      ],
    });
    ctx.state.notifications.push({
      notificationId: 'n1',
      notificationType: 'APPLICATION_OAUTH_CLIENT_NEW_SECRET',
      appId: w.app.appId,
      at: 5,
      body: { payload: {} },
      destinationUrl: null,
      delivery: { status: 'no-destination' },
    });
    ctx.state.faults.push({
      id: 'f',
      operation: '*',
      kind: 'latency',
      share: 0.5,
      latencyMs: 10,
      remaining: 3,
    });
    await w.call('/simtest/seller'); // request log and a bucket
    return w;
  }

  it('round-trips every slice, Maps included', async () => {
    const w = await populatedWorld();
    const path = join(dir, 'a', 'state.json');
    saveState(w.sim.ctx.state, path);
    const loaded = loadState(path);
    expect(loaded).toEqual(w.sim.ctx.state);
    expect(loaded.apps).toBeInstanceOf(Map);
    expect(loaded.buckets.size).toBe(1);
    expect(loaded.requestLog).toHaveLength(1);
    for (const [name, value] of Object.entries(loaded)) {
      const original = (w.sim.ctx.state as unknown as Record<string, unknown>)[name];
      expect(value instanceof Map, name).toBe(original instanceof Map);
      if (value instanceof Map) expect(value.size, name).toBe((original as Map<unknown, unknown>).size);
    }
  });

  it('writes a versioned file atomically, leaving no temp file, readable only by the owner', async () => {
    const w = await populatedWorld();
    const path = join(dir, 'b.json');
    saveState(w.sim.ctx.state, path);
    saveState(w.sim.ctx.state, path);
    expect(readdirSync(dir).filter((f) => f.startsWith('b.json'))).toEqual(['b.json']);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(path, 'utf8')) as {
      format: string;
      version: number;
      state: Record<string, unknown>;
    };
    expect(file.format).toBe(STATE_FILE_FORMAT);
    expect(file.version).toBe(STATE_FILE_VERSION);
    expect(Array.isArray((file.state.apps as { $map: unknown }).$map)).toBe(true);
    expect(Array.isArray(file.state.requestLog)).toBe(true);
  });

  it('refuses files of another format or version', () => {
    const wrongVersion = join(dir, 'v99.json');
    writeFileSync(wrongVersion, JSON.stringify({ format: STATE_FILE_FORMAT, version: 99, state: {} }));
    expect(() => loadState(wrongVersion)).toThrow(/version 99 is not supported/);
    const notJson = join(dir, 'bad.json');
    writeFileSync(notJson, 'nope');
    expect(() => loadState(notJson)).toThrow(/not valid JSON/);
    const brokenSlice = join(dir, 'slice.json');
    writeFileSync(
      brokenSlice,
      JSON.stringify({ format: STATE_FILE_FORMAT, version: STATE_FILE_VERSION, state: { apps: [] } }),
    );
    expect(() => loadState(brokenSlice)).toThrow(/slice apps is not a map/);
  });

  it('fills slices missing from an older file with empty ones', () => {
    const partial = join(dir, 'partial.json');
    writeFileSync(
      partial,
      JSON.stringify({ format: STATE_FILE_FORMAT, version: STATE_FILE_VERSION, state: { faults: [] } }),
    );
    const loaded = loadState(partial);
    expect(loaded.apps).toEqual(new Map());
    expect(loaded.requestLog).toEqual([]);
  });
});
