import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AmazonError } from '../../src/amazon/errors.js';
import { createLwaClient } from '../../src/amazon/lwa.js';
import { systemClock } from '../../src/kernel/clock.js';
import { Secret } from '../../src/kernel/secret.js';
import type { HttpBrowser } from '../support/http-browser.js';
import {
  approveOnAmazon,
  demoSeller,
  pressConnect,
  signedInBrowser,
  type RegionCode,
} from '../support/portal.js';
import { connectionRows } from '../support/security.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * One transient LWA failure during a code exchange failed the connect or the
 * renewal, and the seller had to consent again although the code was still good. The exchange is
 * now retried while Amazon has not consumed the code (5xx, 429, no answer), and never after an
 * answer that spent or refused it.
 */

interface LwaRequest {
  status: number;
  note?: string;
}

describe('a code exchange through the portal, with a transient LWA failure', () => {
  let svc: TestService;
  let browser: HttpBrowser;

  beforeAll(async () => {
    svc = await startTestService();
    browser = await signedInBrowser(svc);
  });
  afterAll(async () => svc.stop());
  afterEach(async () => {
    await svc.sim('/_sim/faults', undefined, 'DELETE');
  });

  /** The token-endpoint requests the simulator logged, oldest first. */
  async function lwaRequests(): Promise<LwaRequest[]> {
    const { requests } = await svc.sim<{ requests: LwaRequest[] }>(
      '/_sim/requests?operation=lwa&limit=10000',
    );
    return requests.reverse();
  }

  /** Follows a connect (or renew) flow to Amazon's redirect to our callback, not followed. */
  async function callbackFor(region: RegionCode, renewId?: string): Promise<string> {
    const amazon = renewId
      ? await browser.submit(
          await browser.get(`${svc.url}/connections/${renewId}`),
          {},
          { action: `/connections/${renewId}/renew` },
        )
      : await pressConnect(browser, svc, region);
    const redirect = await approveOnAmazon(browser, amazon, demoSeller(region).email, false);
    expect(redirect.status).toBe(302);
    return redirect.location!;
  }

  /** Injects one fault on the token endpoint, follows the callback; returns the page and LWA log. */
  async function followWithOneFault(callback: string, kind: '500' | '503' | '429' | 'drop') {
    const seen = (await lwaRequests()).length;
    await svc.sim('/_sim/faults', { operation: 'lwa', kind, share: 1, remaining: 1 });
    const page = await browser.get(callback);
    return { page, lwa: (await lwaRequests()).slice(seen) };
  }

  for (const [region, kind] of [
    ['NA', '500'],
    ['EU', 'drop'],
    ['FE', '429'],
  ] as const) {
    it(`connects ${region} although LWA first answered ${kind === 'drop' ? 'nothing (connection dropped)' : kind}`, async () => {
      const { page, lwa } = await followWithOneFault(await callbackFor(region), kind);
      expect(page.url).toContain('notice=connected');
      // The failed attempt, then the same code again, accepted.
      expect(lwa[0]).toMatchObject({ status: kind === 'drop' ? 0 : Number(kind) });
      expect(lwa[1]).toMatchObject({ status: 200 });
      const rows = await connectionRows(svc);
      expect(rows.find((r) => r.region === region)).toMatchObject({
        selling_partner_id: demoSeller(region).sellingPartnerId,
        state: 'active',
      });
    });
  }

  it('renews a connection although LWA first answered 503', async () => {
    const before = (await connectionRows(svc)).find((r) => r.region === 'NA')!;
    await svc.sim('/_sim/clock/advance', { minutes: 1 });
    const { page, lwa } = await followWithOneFault(await callbackFor('NA', before.id), '503');
    expect(page.url).toContain(`/connections/${before.id}?notice=renewed`);
    expect(lwa.map((r) => r.status).slice(0, 2)).toEqual([503, 200]);
    const after = (await connectionRows(svc)).find((r) => r.id === before.id)!;
    expect(after.state).toBe('active');
    expect(after.authorized_at.getTime()).toBeGreaterThan(before.authorized_at.getTime());
  });

  it('does not retry a code Amazon refused (invalid_grant): one request, the seller is asked to start again', async () => {
    const before = (await connectionRows(svc)).find((r) => r.region === 'NA')!;
    const callback = await callbackFor('NA', before.id);
    await svc.sim('/_sim/clock/advance', { minutes: 6 }); // the code has expired
    const seen = (await lwaRequests()).length;
    const page = await browser.get(callback);
    expect(page.status).toBe(400);
    expect(page.text).toContain('OAUTH_CODE_REJECTED');
    expect((await lwaRequests()).slice(seen)).toEqual([
      expect.objectContaining({ status: 400, note: 'code:expired' }),
    ]);
  });
});

/** A token endpoint that answers each request with the next scripted answer. */
describe("the LWA client's code exchange, against a scripted token endpoint", () => {
  type Answer = (res: ServerResponse) => void;
  const json =
    (status: number, body: unknown): Answer =>
    (res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
  const TOKENS = {
    access_token: 'Atza|new',
    refresh_token: 'Atzr|new',
    token_type: 'bearer',
    expires_in: 3600,
  };
  let server: Server;
  let script: Answer[] = [];
  let hits = 0;
  const slept: number[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        hits++;
        (script.shift() ?? json(500, { error: 'server_error' }))(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Runs one exchange against `answers`; returns its outcome, the requests sent and the waits. */
  async function exchange(answers: Answer[]): Promise<{ result: unknown; sent: number; waits: number[] }> {
    script = answers;
    hits = 0;
    slept.length = 0;
    const lwa = createLwaClient({
      fetch: globalThis.fetch.bind(globalThis),
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/o2/token`,
      clock: systemClock,
      sleep: (ms) => {
        slept.push(ms);
        return Promise.resolve();
      },
    });
    const credentials = { clientId: 'amzn1.application-oa2-client.x', clientSecret: new Secret('s') };
    const result = await lwa
      .exchangeCode(credentials, 'ANcode', 'https://vendor.example/cb')
      .catch((err: unknown) => err);
    return { result, sent: hits, waits: [...slept] };
  }

  it('retries 500 and 429 with growing waits, then succeeds with the same code', async () => {
    const { result, sent, waits } = await exchange([
      json(500, { error: 'server_error', error_description: 'The server encountered a runtime error.' }),
      json(429, { error: 'temporarily_unavailable' }),
      json(200, TOKENS),
    ]);
    expect(result).toMatchObject({ expiresIn: 3600 });
    expect(sent).toBe(3);
    expect(waits).toHaveLength(2);
    expect(waits[1]!).toBeGreaterThan(waits[0]!);
  });

  it('gives up after three attempts with the last error', async () => {
    const { result, sent } = await exchange([
      json(503, { error: 'temporarily_unavailable' }),
      json(503, { error: 'temporarily_unavailable' }),
      json(503, { error: 'temporarily_unavailable' }),
      json(200, TOKENS),
    ]);
    expect(result).toBeInstanceOf(AmazonError);
    expect(result).toMatchObject({ code: 'LWA_UNAVAILABLE' });
    expect(sent).toBe(3);
  });

  it('retries a connection dropped before any answer', async () => {
    const { result, sent } = await exchange([(res) => res.socket?.destroy(), json(200, TOKENS)]);
    expect(result).toMatchObject({ expiresIn: 3600 });
    expect(sent).toBe(2);
  });

  it('never retries once Amazon answered for the code: invalid_grant, a 2xx with an unusable body, a 2xx cut short', async () => {
    const cases: [Answer, string][] = [
      [
        json(400, {
          error: 'invalid_grant',
          error_description: 'The request has an invalid grant parameter : code',
        }),
        'LWA_INVALID_GRANT',
      ],
      [json(200, { token_type: 'bearer' }), 'LWA_BAD_RESPONSE'],
      [
        (res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"access_token":"Atza|');
          setTimeout(() => res.socket?.destroy(), 20);
        },
        'AMAZON_NETWORK',
      ],
    ];
    for (const [first, code] of cases) {
      const { result, sent, waits } = await exchange([first, json(200, TOKENS)]);
      expect(result).toBeInstanceOf(AmazonError);
      expect((result as AmazonError).code).toBe(code);
      expect(sent).toBe(1);
      expect(waits).toEqual([]);
    }
  });
});
