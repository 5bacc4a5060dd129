import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  charsetOf,
  readReportLines,
  readReportText,
  readTabSeparated,
} from '../../src/amazon/report-documents.js';
import type { ReportDocumentLink } from '../../src/amazon/operations.js';

const LINK: ReportDocumentLink = {
  reportDocumentId: 'D1',
  url: 'https://tortuga.example/NinetyDays/D1?X-Amz-Signature=secret-signature',
  compressionAlgorithm: null,
};

/** A fetch that answers every request with this response, in chunks of `chunk` bytes. */
function serve(status: number, body: Uint8Array | string, headers: Record<string, string> = {}, chunk = 7) {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  return (() =>
    Promise.resolve(
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < bytes.byteLength; i += chunk) controller.enqueue(bytes.slice(i, i + chunk));
            controller.close();
          },
        }),
        { status, headers },
      ),
    )) as unknown as typeof fetch;
}

const TSV =
  'amazon-order-id\tpurchase-date\tnumber-of-items\tsku\r\n' +
  '111-1\t2026-11-03T08:04:21+00:00\t2\tSKU-Ä\r\n' +
  '\r\n' +
  '111-2\t2026-11-04T08:04:21+00:00\n';

describe('report documents', () => {
  it('reads a plain document line by line, across chunk borders and CRLF', async () => {
    const lines: string[] = [];
    for await (const line of readReportLines(serve(200, TSV), LINK)) lines.push(line);
    expect(lines).toEqual(TSV.replace(/\r/g, '').split('\n').slice(0, -1));
  });

  it('decompresses GZIP by its magic bytes, whatever the flag says', async () => {
    const gz = gzipSync(Buffer.from(TSV));
    expect(await readReportText(serve(200, gz), { ...LINK, compressionAlgorithm: 'GZIP' })).toBe(TSV);
    expect(await readReportText(serve(200, gz), LINK)).toBe(TSV);
    // A GZIP flag with a plain body has been seen: it is read as it is.
    expect(await readReportText(serve(200, TSV), { ...LINK, compressionAlgorithm: 'GZIP' })).toBe(TSV);
  });

  it('reads rows by header name; short rows read missing cells as empty', async () => {
    const rows = [];
    for await (const row of readTabSeparated(serve(200, TSV), LINK)) rows.push(row);
    expect(rows).toEqual([
      {
        'amazon-order-id': '111-1',
        'purchase-date': '2026-11-03T08:04:21+00:00',
        'number-of-items': '2',
        sku: 'SKU-Ä',
      },
      {
        'amazon-order-id': '111-2',
        'purchase-date': '2026-11-04T08:04:21+00:00',
        'number-of-items': '',
        sku: '',
      },
    ]);
  });

  it('decodes the charset the download declares (Amazon’s Cp1252)', async () => {
    const latin = Uint8Array.from([0x53, 0x4b, 0x55, 0x2d, 0xc4]); // "SKU-Ä" in windows-1252
    expect(
      await readReportText(serve(200, latin, { 'content-type': 'text/plain; charset=Cp1252' }), LINK),
    ).toBe('SKU-Ä');
    expect(charsetOf(null)).toBe('utf-8');
    expect(charsetOf('text/plain; charset=nonsense')).toBe('utf-8');
  });

  it('an expired link is REPORT_DOCUMENT_EXPIRED, and no error carries the bearer URL', async () => {
    const xml = '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>';
    const failure = await readReportText(serve(403, xml, { 'content-type': 'application/xml' }), LINK).catch(
      (err: unknown) => err,
    );
    expect(failure).toMatchObject({ code: 'REPORT_DOCUMENT_EXPIRED', retryable: true });
    expect(JSON.stringify(failure) + String(failure)).not.toContain('secret-signature');
    await expect(readReportText(serve(503, 'busy'), LINK)).rejects.toMatchObject({
      code: 'REPORT_DOCUMENT_UNAVAILABLE',
      retryable: true,
    });
    const offline = (() =>
      Promise.reject(new TypeError(`fetch failed for ${LINK.url}`))) as unknown as typeof fetch;
    const network = await readReportText(offline, LINK).catch((err: unknown) => err);
    expect(network).toMatchObject({ code: 'AMAZON_NETWORK' });
    expect(JSON.stringify(network) + String(network)).not.toContain('secret-signature');
  });
});
