import { describe, expect, it } from 'vitest';
import { DAY, SECOND, iso } from '../../src/kernel/clock.js';
import { DEMO } from '../../src/simulator/seed.js';
import { issueAccessToken } from '../../src/simulator/world.js';
import {
  BY_LAST_UPDATE,
  CA,
  DE,
  EU,
  NA,
  REPORTS,
  SALES_AND_TRAFFIC,
  START,
  US,
  createReportsWorld,
  expectModel,
  type ReportsWorld,
} from './reports-fixtures.js';

/**
 * Report documents: getReportDocument's presigned URL (same origin and region prefix, no SP-API
 * token, 5 minutes of simulated time, tamper-proof), S3's XML errors, GZIP and the
 * `enableContentEncodingUrlHeader` flag, and the expire-document-urls control.
 */

/** A DONE order report of the NA seller with `orders` orders; returns its document id. */
async function doneReport(w: ReportsWorld, orders = 8, seller = NA, marketplaceId = US): Promise<string> {
  w.seedOrders(seller, orders, 10, marketplaceId);
  const reportId = await w.create(
    { reportType: BY_LAST_UPDATE, marketplaceIds: [marketplaceId], dataStartTime: iso(START - 20 * DAY) },
    seller,
  );
  w.finishProcessing();
  const report = await w.report(reportId, seller);
  expect(report.processingStatus).toBe('DONE');
  return report.reportDocumentId as string;
}

async function link(w: ReportsWorld, documentId: string, query = '', seller = NA) {
  const r = await w.api('GET', `${REPORTS}/documents/${documentId}${query}`, { seller });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expectModel('getReportDocument', 200, r.body);
  return r.body as { reportDocumentId: string; url: string; compressionAlgorithm?: string };
}

const xmlCode = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
const xmlMessage = (text: string) => /<Message>([^<]+)<\/Message>/.exec(text)?.[1];

describe('getReportDocument', () => {
  it('answers a presigned S3-shaped URL on the request\u2019s origin that needs no SP-API token', async () => {
    const w = createReportsWorld({ reportGzipMinBytes: -1 });
    const documentId = await doneReport(w);
    const body = await link(w, documentId);
    expect(body.reportDocumentId).toBe(documentId);
    expect(body.compressionAlgorithm).toBeUndefined();
    const url = new URL(body.url);
    expect(url.origin).toBe('https://sellingpartnerapi-na.amazon.com');
    expect(url.pathname).toBe(`/_s3/tortuga-prod-na/NinetyDays/${documentId}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20261120T120215Z');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);

    const download = await w.download(body.url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
    expect(download.headers.get('content-encoding')).toBeNull();
    expect(download.text.split('\n')[0]).toMatch(/^amazon-order-id\tmerchant-order-id\tpurchase-date/);
    expect(w.sim.ctx.state.requestLog.at(-1)).toMatchObject({ operation: 's3', status: 200 });
  });

  it('keeps the region path prefix the call came in with', async () => {
    const w = createReportsWorld();
    const documentId = await doneReport(w, 6, EU, DE);
    expect(documentId).toMatch(/^amzn1\.spdoc\.1\.4\.eu\./);
    const r = await w.api('GET', `${REPORTS}/documents/${documentId}`, {
      seller: EU,
      base: 'http://127.0.0.1:4000/eu',
    });
    const url = (r.body as { url: string }).url;
    expect(url.startsWith(`http://127.0.0.1:4000/eu/_s3/tortuga-prod-eu/NinetyDays/${documentId}?`)).toBe(
      true,
    );
    expect((await w.download(url)).status).toBe(200);
    // The same link with another region's bucket is refused.
    const other = url.replace('tortuga-prod-eu', 'tortuga-prod-na');
    expect(xmlCode((await w.download(other)).text)).toBe('AccessDenied');
  });

  it('answers 404 for unknown documents and those of another application, 400 for a bad flag', async () => {
    const w = createReportsWorld();
    const documentId = await doneReport(w);
    const unknown = await w.api('GET', `${REPORTS}/documents/amzn1.spdoc.1.4.na.unknown.1`);
    expect(unknown.status).toBe(404);
    expectModel('getReportDocument', 404, unknown.body);
    const draft = await w.api('GET', `${REPORTS}/documents/${documentId}`, { token: w.token(NA, 'draft') });
    expect(draft.status).toBe(404);
    const flag = await w.api('GET', `${REPORTS}/documents/${documentId}?enableContentEncodingUrlHeader=yes`);
    expect(flag.status).toBe(400);
    expectModel('getReportDocument', 400, flag.body);
  });

  it('accepts a Restricted Data Token naming the document (restricted reports)', async () => {
    const w = createReportsWorld();
    const documentId = await doneReport(w);
    const path = `${REPORTS}/documents/${documentId}`;
    const rdt = issueAccessToken(w.sim.ctx, {
      kind: 'rdt',
      clientId: DEMO.publishedApp.clientId,
      appId: DEMO.publishedApp.appId,
      authorizationId: w.authorizations[NA]!.id,
      restrictedResources: [{ method: 'GET', path }],
    }).token;
    expect((await w.api('GET', path, { token: rdt })).status).toBe(200);
    expect(
      (await w.api('GET', `${REPORTS}/reports?reportTypes=${BY_LAST_UPDATE}`, { token: rdt })).status,
    ).toBe(403);
  });
});

describe('document URL expiry and signatures', () => {
  it('expires after reportDocumentTtlSeconds of simulated time with S3\u2019s XML error', async () => {
    const w = createReportsWorld();
    const documentId = await doneReport(w);
    const { url } = await link(w, documentId);
    w.clock.advance(300 * SECOND - 1);
    expect((await w.download(url)).status).toBe(200);
    w.clock.advance(1);
    const expired = await w.download(url);
    expect(expired.status).toBe(403);
    expect(expired.headers.get('content-type')).toBe('application/xml');
    expect(expired.text).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/,
    );
    expect(expired.text).toContain('<X-Amz-Expires>300</X-Amz-Expires>');
    expect(expired.text).toContain('<Expires>2026-11-20T12:07:15Z</Expires>');
    // A new URL works again.
    expect((await w.download((await link(w, documentId)).url)).status).toBe(200);
  });

  it('follows reportDocumentTtlSeconds', async () => {
    const w = createReportsWorld({ reportDocumentTtlSeconds: 60 });
    const documentId = await doneReport(w);
    const { url } = await link(w, documentId);
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('60');
    w.clock.advance(60 * SECOND);
    expect(xmlMessage((await w.download(url)).text)).toBe('Request has expired');
  });

  it('refuses a tampered URL with 403 SignatureDoesNotMatch', async () => {
    const w = createReportsWorld({ reportGzipMinBytes: 0 });
    const documentId = await doneReport(w);
    const { url } = await link(w, documentId, '?enableContentEncodingUrlHeader=true');
    const edits: ((u: URL) => void)[] = [
      (u) =>
        u.searchParams.set(
          'X-Amz-Signature',
          u.searchParams.get('X-Amz-Signature')!.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')),
        ),
      (u) => u.searchParams.set('X-Amz-Date', '20261120T130000Z'),
      (u) => u.searchParams.set('X-Amz-Expires', '86400'),
      (u) => u.searchParams.delete('response-content-encoding'),
    ];
    for (const edit of edits) {
      const u = new URL(url);
      edit(u);
      const r = await w.download(u.toString());
      expect(r.status).toBe(403);
      expect(xmlCode(r.text)).toBe('SignatureDoesNotMatch');
    }
    const unsigned = new URL(url);
    unsigned.search = '';
    expect(xmlCode((await w.download(unsigned.toString())).text)).toBe('AccessDenied');
    expect(w.sim.ctx.state.requestLog.at(-1)).toMatchObject({
      operation: 's3',
      status: 403,
      note: 's3:AccessDenied',
    });
    expect((await w.download(url)).status).toBe(200);
  });

  it('POST /_sim/reports/expire-document-urls expires every URL issued so far', async () => {
    const w = createReportsWorld();
    const documentId = await doneReport(w);
    const first = (await link(w, documentId)).url;
    const second = (await link(w, documentId)).url;
    const r = await w.control('POST', '/_sim/reports/expire-document-urls');
    expect(r).toEqual({ status: 200, body: { documents: 1 } });
    for (const url of [first, second]) {
      const d = await w.download(url);
      expect(d.status).toBe(403);
      expect(xmlMessage(d.text)).toBe('Request has expired');
    }
    expect((await w.download((await link(w, documentId)).url)).status).toBe(200);
  });
});

describe('compression', () => {
  it('serves documents under reportGzipMinBytes plain and bigger ones GZIP-compressed', async () => {
    const w = createReportsWorld({ reportGzipMinBytes: 2048 });
    // One day of traffic and no orders in Canada: a small JSON document.
    const small = await w.create({ reportType: SALES_AND_TRAFFIC, marketplaceIds: [CA] });
    const bigDocument = await doneReport(w, 40);
    w.finishProcessing();
    const smallDocument = (await w.report(small)).reportDocumentId as string;
    const plain = await link(w, smallDocument);
    expect(plain.compressionAlgorithm).toBeUndefined();
    const plainDownload = await w.download(plain.url);
    expect(plainDownload.headers.get('content-type')).toBe('application/json');
    expect(plainDownload.bytes.length).toBeLessThan(2048);
    expect(plainDownload.bytes[0]).toBe(0x7b);

    const gzip = await link(w, bigDocument);
    expect(gzip.compressionAlgorithm).toBe('GZIP');
    const gzipDownload = await w.download(gzip.url);
    expect([...gzipDownload.bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(gzipDownload.headers.get('content-encoding')).toBeNull();
    expect(gzipDownload.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
    expect(Buffer.byteLength(gzipDownload.text)).toBeGreaterThanOrEqual(2048);
  });

  it('with enableContentEncodingUrlHeader=true the download says Content-Encoding: gzip', async () => {
    const w = createReportsWorld({ reportGzipMinBytes: 0 });
    const documentId = await doneReport(w);
    const withHeader = await link(w, documentId, '?enableContentEncodingUrlHeader=true');
    expect(withHeader.compressionAlgorithm).toBe('GZIP');
    expect(new URL(withHeader.url).searchParams.get('response-content-encoding')).toBe('gzip');
    const download = await w.download(withHeader.url);
    expect(download.headers.get('content-encoding')).toBe('gzip');
    expect([...download.bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const without = await w.download(
      (await link(w, documentId, '?enableContentEncodingUrlHeader=false')).url,
    );
    expect(without.headers.get('content-encoding')).toBeNull();
    expect(without.text).toBe(download.text);
  });

  it('reportGzipMinBytes -1 never compresses', async () => {
    const w = createReportsWorld({ reportGzipMinBytes: -1 });
    const documentId = await doneReport(w, 40);
    const body = await link(w, documentId, '?enableContentEncodingUrlHeader=true');
    expect(body.compressionAlgorithm).toBeUndefined();
    const download = await w.download(body.url);
    expect(download.headers.get('content-encoding')).toBeNull();
    expect(download.bytes[0]).toBe('a'.charCodeAt(0));
  });
});
