import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOffsetClock, systemClock } from '../../src/kernel/clock.js';
import { createSimulator, type Simulator } from '../../src/simulator/app.js';
import { listenSimulator, type SimulatorServer } from '../../src/simulator/server.js';
import { addApp, addSeller, authorize, issueAccessToken } from '../../src/simulator/world.js';

/**
 * What an SP-API answer looks like on the wire (issue 18 D7, D8, D9), read from raw HTTP as a peer
 * client library reads it: header names spelled as Amazon spells them, `Content-Length` and never
 * chunked, `x-amzn-RequestId` on every answer (unknown paths too), `x-amzn-ErrorType` where Amazon's
 * value is known, and `"details": ""` on 400s
 * (https://developer-docs.amazon.com/sp-api/docs/response-format).
 */

interface Raw {
  status: number;
  /** Header names exactly as sent, with their values. */
  headers: [string, string][];
  body: unknown;
}

function get(server: SimulatorServer, path: string, token?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${server.url}${path}`,
      { headers: token === undefined ? {} : { 'x-amz-access-token': token } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const headers: [string, string][] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            headers.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
          }
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers, body: text === '' ? null : JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const names = (raw: Raw) => raw.headers.map(([name]) => name);
const header = (raw: Raw, name: string) => raw.headers.find(([n]) => n === name)?.[1];

/** Every SP-API answer: sized, not chunked, the request id under Amazon's spelling, JSON. */
function expectAmazonFraming(raw: Raw): void {
  expect(names(raw)).toContain('x-amzn-RequestId');
  expect(header(raw, 'x-amzn-RequestId')).toMatch(/^[0-9a-f-]{36}$/);
  expect(names(raw)).toContain('Content-Length');
  expect(names(raw).map((n) => n.toLowerCase())).not.toContain('transfer-encoding');
  expect(header(raw, 'Content-Type')).toBe('application/json');
  expect(Number(header(raw, 'Content-Length'))).toBe(Buffer.byteLength(JSON.stringify(raw.body)));
}

describe('SP-API answers on the wire', () => {
  let sim: Simulator;
  let server: SimulatorServer;
  let token: string;

  beforeAll(async () => {
    sim = createSimulator({ clock: createOffsetClock(systemClock) });
    const app = addApp(sim.ctx, { name: 'Wire', status: 'published', redirectUris: ['https://app.test/cb'] });
    const seller = addSeller(sim.ctx, { name: 'Wire NA', region: 'NA', marketplaceIds: ['ATVPDKIKX0DER'] });
    const authorization = authorize(sim.ctx, {
      appId: app.appId,
      sellingPartnerId: seller.sellingPartnerId,
      kind: 'oauth',
    });
    token = issueAccessToken(sim.ctx, {
      kind: 'user',
      clientId: app.clientId,
      appId: app.appId,
      authorizationId: authorization.id,
    }).token;
    server = await listenSimulator(sim, { port: 0 });
  });
  afterAll(async () => server.close());

  it('a success carries x-amzn-RequestId and x-amzn-RateLimit-Limit as spelled by Amazon, with Content-Length', async () => {
    const raw = await get(server, '/na/sellers/v1/marketplaceParticipations', token);
    expect(raw.status).toBe(200);
    expectAmazonFraming(raw);
    expect(header(raw, 'x-amzn-RateLimit-Limit')).toBe('0.016');
    expect(names(raw)).not.toContain('x-amzn-ErrorType');
  });

  it('a 400 InvalidInput carries details "" and x-amzn-ErrorType ValidationException', async () => {
    const raw = await get(server, '/na/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER', token);
    expect(raw.status).toBe(400);
    expectAmazonFraming(raw);
    expect(header(raw, 'x-amzn-ErrorType')).toBe('ValidationException');
    const [error] = (raw.body as { errors: Record<string, string>[] }).errors;
    expect(error).toMatchObject({ code: 'InvalidInput', details: '' });
    expect(error!.message).toBeTruthy();
  });

  it('a 403 carries x-amzn-ErrorType AccessDeniedException', async () => {
    const raw = await get(server, '/na/sellers/v1/marketplaceParticipations', 'Atza|garbled');
    expect(raw.status).toBe(403);
    expectAmazonFraming(raw);
    expect(header(raw, 'x-amzn-ErrorType')).toBe('AccessDeniedException');
  });

  it('a 429 carries x-amzn-ErrorType TooManyRequestsException and no rate header', async () => {
    // getOrders: burst 20 at 0.0167/s, so the 21st call within a second is throttled.
    let raw: Raw | undefined;
    for (let i = 0; i < 25 && raw?.status !== 429; i++) {
      raw = await get(
        server,
        '/na/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2026-01-01T00:00:00Z',
        token,
      );
    }
    expect(raw!.status).toBe(429);
    expectAmazonFraming(raw!);
    expect(header(raw!, 'x-amzn-ErrorType')).toBe('TooManyRequestsException');
    expect(names(raw!)).not.toContain('x-amzn-RateLimit-Limit');
    expect(raw!.body).toEqual({
      errors: [{ code: 'QuotaExceeded', message: 'You exceeded your quota for the requested resource.' }],
    });
  });

  it('an unknown path answers 404 with x-amzn-RequestId', async () => {
    const raw = await get(server, '/na/nothing/v1/here', token);
    expect(raw.status).toBe(404);
    expectAmazonFraming(raw);
    expect((raw.body as { errors: { code: string }[] }).errors[0]!.code).toBe('NotFound');
  });
});

describe('SP-API answers in process', () => {
  it('an unknown path answers with x-amzn-RequestId and a Content-Length there too', async () => {
    const sim = createSimulator();
    const res = await sim.fetch(new Request('http://sim.test/no/such/path'));
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(res.headers.get('content-length'))).toBe((await res.arrayBuffer()).byteLength);
  });
});
