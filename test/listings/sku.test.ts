import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSku } from '../../src/listings/validate.js';
import { callApi, createKeyOnPortal, expectApiError } from '../api/support.js';
import { preparePgliteDir, runInProcess, withStore, type CliEnv } from '../cli/harness.js';
import { createAmazonWorld } from '../support/amazon-world.js';
import type { HttpBrowser } from '../support/http-browser.js';
import { connectionIdOf, connectRegion, signedInBrowser } from '../support/portal.js';
import { startTestService, type TestService } from '../support/service.js';
import { shirt } from './support.js';

const US = 'ATVPDKIKX0DER';

/** SKUs the Listings Items path cannot carry: dot segments, C1 controls, broken UTF-16. */
const UNSENDABLE = ['.', '..', 'A\u0085B', 'X\uD800'];

describe('SKU rules', () => {
  it("refuses '.', '..', C1 control characters and lone surrogates; keeps SKUs that only contain dots", () => {
    for (const sku of UNSENDABLE) expect(() => checkSku(sku), JSON.stringify(sku)).toThrow(/^sku: /);
    for (const sku of ['...', '.A', 'A..', 'a/b', 'ÄÖÜ-🙂', 'A%2E']) expect(checkSku(sku)).toBe(sku);
  });
});

describe('unsendable SKUs are refused at every way in (portal, API, CLI import) and nothing is queued', () => {
  let svc: TestService;
  let browser: HttpBrowser;
  let connectionId = '';
  let key = '';

  const queuedSkus = async (): Promise<string[]> =>
    (await svc.store.db.selectFrom('listing_changes').select('sku').execute()).map((r) => r.sku);

  beforeAll(async () => {
    svc = await startTestService();
    browser = await signedInBrowser(svc);
    connectionId = connectionIdOf((await connectRegion(browser, svc, 'NA')).url);
    ({ key } = await createKeyOnPortal(browser, svc, 'sku test'));
  }, 120_000);
  afterAll(async () => svc?.stop());

  it('the portal forms (full listing, quick edit, delete) answer 400 naming the SKU field', async () => {
    const forms: [string | RegExp, Record<string, string>][] = [
      [
        new RegExp(`/connections/${connectionId}/listings$`),
        { productType: 'SHIRT', attributes: JSON.stringify(shirt()) },
      ],
      ['/listings/quick', { price: '10.00' }],
      ['/listings/delete', {}],
    ];
    for (const sku of ['.', '..']) {
      for (const [action, fields] of forms) {
        const page = await browser.get(`${svc.url}/connections/${connectionId}/listings`);
        const refused = await browser.submit(page, { sku, marketplaceId: US, ...fields }, { action });
        expect(refused.status, `${String(action)} ${sku}`).toBe(400);
        expect(refused.text).toContain('data-field="sku"');
      }
    }
    expect(await queuedSkus()).toEqual([]);
  });

  it('the API answers 400 VALIDATION_FAILED for a SKU with a control character', async () => {
    const answer = await callApi(svc, key, `/api/v1/connections/${connectionId}/listings/A%C2%85B`, {
      method: 'PUT',
      body: { productType: 'SHIRT', attributes: shirt() },
    });
    expectApiError(answer, 400, 'VALIDATION_FAILED', 'sku');
    // `..` and `.` never reach the route: URL parsing removes dot segments, encoded or not.
    for (const sku of ['..', '%2E%2E', '.', '%2e']) {
      const res = await callApi(svc, key, `/api/v1/connections/${connectionId}/listings/${sku}`, {
        method: 'DELETE',
      });
      expect(res.status, sku).not.toBe(202);
    }
    expect(await queuedSkus()).toEqual([]);
  });
});

describe('the CLI import refuses a file with an unsendable SKU and queues none of it', () => {
  let dataDir: string;
  let env: CliEnv;
  let connectionId = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'sellerlink-sku-cli-'));
    env = { SELLERLINK_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    await preparePgliteDir(dataDir);
    connectionId = await withStore({ kind: 'pglite', dataDir: path.join(dataDir, 'db') }, async (store) => {
      const world = await createAmazonWorld(store);
      try {
        return (await world.newConnection()).id;
      } finally {
        world.sim.stop();
      }
    });
  }, 120_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each(['.', '..'])("refuses SKU '%s' (JSON and CSV)", async (sku) => {
    const json = path.join(dataDir, 'changes.json');
    writeFileSync(
      json,
      JSON.stringify([
        { sku: 'GOOD-1', kind: 'delete' },
        { sku, kind: 'delete' },
      ]),
    );
    const csv = path.join(dataDir, 'changes.csv');
    writeFileSync(csv, `sku,kind\nGOOD-2,delete\n${sku},delete\n`);
    for (const file of [json, csv]) {
      const run = await runInProcess(env, ['listings', 'import', file, '--connection', connectionId]);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain(`changes[1].sku: '${sku}' cannot be a SKU`);
      expect(run.stderr).toContain('Nothing was queued');
    }
    const list = await runInProcess(env, ['listings', 'list', '--connection', connectionId, '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });
});
