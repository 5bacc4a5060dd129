/* eslint-disable @typescript-eslint/no-explicit-any,
   @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call,
   @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument --
   simulator control answers, API bodies and CLI --json output are parsed JSON the tests inspect freely. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DatabaseTarget } from '../../src/store/database.js';
import { preparePgliteDir, runInProcess, withStore, type CliEnv } from '../cli/harness.js';
import { createAmazonWorld } from '../support/amazon-world.js';
import { createPostgresDatabase, describeEachDatabase } from '../support/databases.js';
import { pricePatch, shirt } from './support.js';

describeEachDatabase('sellerlink listings (CLI)', (kind) => {
  let dataDir: string;
  let target: DatabaseTarget;
  let env: CliEnv;
  let drop: (() => Promise<void>) | null = null;
  let connectionId = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-listings-cli-'));
    env = { SELLERLINK_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    if (kind === 'pglite') {
      await preparePgliteDir(dataDir);
      target = { kind: 'pglite', dataDir: path.join(dataDir, 'db') };
    } else {
      const db = await createPostgresDatabase();
      drop = db.drop;
      target = { kind: 'postgres', url: db.url };
      env.DATABASE_URL = db.url;
    }
    connectionId = await withStore(target, async (store) => {
      const world = await createAmazonWorld(store);
      try {
        return (await world.newConnection()).id;
      } finally {
        world.sim.stop();
      }
    });
  });
  afterAll(async () => {
    if (drop) await drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const file = (name: string, text: string): string => {
    const p = path.join(dataDir, name);
    writeFileSync(p, text);
    return p;
  };
  const list = async (): Promise<any[]> => {
    const run = await runInProcess(env, ['listings', 'list', '--connection', connectionId, '--json']);
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as any[];
  };

  it('imports a JSON file of changes, all queued in order', async () => {
    const json = file(
      'changes.json',
      JSON.stringify([
        { sku: 'CLI-1', productType: 'SHIRT', attributes: shirt() },
        { sku: 'CLI-1', kind: 'patch', body: pricePatch(11) },
        { sku: 'CLI-2', kind: 'delete' },
      ]),
    );
    const run = await runInProcess(env, ['listings', 'import', json, '--connection', connectionId]);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Queued 3 changes');
    const changes = await list();
    expect(changes.map((c) => [c.sku, c.kind, c.state, c.source])).toEqual([
      ['CLI-2', 'delete', 'queued', 'cli'],
      ['CLI-1', 'patch', 'queued', 'cli'],
      ['CLI-1', 'put', 'queued', 'cli'],
    ]);
  });

  it('imports a CSV file: full listings as JSON columns, quick price/quantity edits, previews', async () => {
    const attributes = JSON.stringify(shirt()).replace(/"/g, '""');
    const csv = file(
      'changes.csv',
      [
        'sku,kind,productType,attributes,price,quantity,preview',
        `CSV-1,put,SHIRT,"${attributes}",,,true`,
        'CSV-2,,SHIRT,,12.5,4,',
      ].join('\n'),
    );
    const run = await runInProcess(env, ['listings', 'import', csv, '--connection', connectionId, '--json']);
    expect(run.code).toBe(0);
    const queued = JSON.parse(run.stdout) as any[];
    expect(queued.map((c) => [c.sku, c.kind, c.preview])).toEqual([
      ['CSV-1', 'put', true],
      ['CSV-2', 'patch', false],
    ]);
    expect(queued[1].body.patches.map((p: any) => p.path)).toEqual([
      '/attributes/purchasable_offer',
      '/attributes/fulfillment_availability',
    ]);
    const history = await runInProcess(env, ['listings', 'history', 'CSV-2', '--connection', connectionId]);
    expect(history.stdout).toContain('queued');
    const show = await runInProcess(env, ['listings', 'show', queued[0].id]);
    expect(JSON.parse(show.stdout).id).toBe(queued[0].id);
  });

  it('refuses a file with one bad change, naming it, and queues nothing', async () => {
    const before = (await list()).length;
    const csv = file(
      'bad.csv',
      [
        'sku,productType,patches',
        'OK-1,SHIRT,"[{""op"":""replace"",""path"":""/attributes/color"",""value"":[{}]}]"',
        'BAD-1,SHIRT,"[{""op"":""move""}]"',
      ].join('\n'),
    );
    const run = await runInProcess(env, ['listings', 'import', csv, '--connection', connectionId]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('changes[1].patches[0].op');
    expect(run.stderr).toContain('Nothing was queued');
    const json = file('bad.json', '{"changes": [{"sku": "X", "productType": "SHIRT"}]}');
    const second = await runInProcess(env, ['listings', 'import', json, '--connection', connectionId]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('attributes');
    expect(await list()).toHaveLength(before);
  });
});
