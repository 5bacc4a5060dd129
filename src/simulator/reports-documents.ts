import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Context, Hono } from 'hono';
import { SECOND } from '../kernel/clock.js';
import { randomUuid } from '../kernel/random.js';
import type { SimContext, SimEnv } from './context.js';
import { between } from './orders-data.js';
import { logRequest } from './request-log.js';
import type { Region, SimReport, SimReportDocument } from './state.js';

/**
 * Report documents and their download. getReportDocument answers a presigned URL that expires after
 * `reportDocumentTtlSeconds` of simulated time (https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-retrieve-a-report);
 * the URL points at this simulator, on the origin and region prefix the request came in on, in the
 * shape of Amazon's S3 links (`/_s3/tortuga-prod-na/NinetyDays/<id>?X-Amz-…`), and needs no SP-API
 * token. Its signature is an HMAC of the document id, issue time, lifetime and encoding with a secret
 * of this simulator run, so a changed URL answers 403 SignatureDoesNotMatch, an old one 403 "Request
 * has expired", with S3's XML error body.
 */

const signingKeys = new WeakMap<SimContext, Buffer>();
const BUCKET_PREFIX = 'tortuga-prod-';
const FOLDER = 'NinetyDays';

/** The bucket of a region's documents (observed: `tortuga-prod-eu`). */
function bucketOf(region: Region): string {
  return `${BUCKET_PREFIX}${region.toLowerCase()}`;
}

/** Whether a body of `size` bytes is stored GZIP-compressed (`reportGzipMinBytes`: 0 always, -1 never). */
function shouldCompress(ctx: SimContext, size: number): boolean {
  const min = ctx.config.reportGzipMinBytes;
  return min >= 0 && size >= min;
}

/** Stores a report's document (observed id form `amzn1.spdoc.1.4.<region>.<uuid>.<n>`) and returns it. */
export function storeDocument(
  ctx: SimContext,
  report: SimReport,
  text: string,
  contentType: string,
): SimReportDocument {
  const bytes = Buffer.from(text, 'utf8');
  const compressed = shouldCompress(ctx, bytes.length);
  let reportDocumentId: string;
  do {
    reportDocumentId = `amzn1.spdoc.1.4.${report.region.toLowerCase()}.${randomUuid(ctx.random)}.${between(ctx.random, 100, 999)}`;
  } while (ctx.state.reportDocuments.has(reportDocumentId));
  const document: SimReportDocument = {
    reportDocumentId,
    reportId: report.reportId,
    sellingPartnerId: report.sellingPartnerId,
    appId: report.appId,
    region: report.region,
    contentType,
    compressed,
    body: compressed ? gzipSync(bytes).toString('base64') : text,
    size: bytes.length,
    createdAt: ctx.clock.now(),
    urlGeneration: 0,
  };
  ctx.state.reportDocuments.set(reportDocumentId, document);
  return document;
}

/** The document's bytes as stored (GZIP bytes when compressed). */
export function documentBytes(document: SimReportDocument): Buffer {
  return document.compressed ? Buffer.from(document.body, 'base64') : Buffer.from(document.body, 'utf8');
}

/** `20261103T080421Z`: S3's `X-Amz-Date`. */
function amzDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:]/g, '').replace('.000', '');
}

function parseAmzDate(text: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** What a signature covers. */
interface Signed {
  documentId: string;
  date: string;
  expires: string;
  encoding: string;
  generation: number;
}

function sign(key: Buffer, s: Signed): string {
  return createHmac('sha256', key)
    .update([s.documentId, s.date, s.expires, s.encoding, String(s.generation)].join('\n'))
    .digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function keyOf(ctx: SimContext): Buffer {
  const key = signingKeys.get(ctx);
  if (!key) throw new Error('report document downloads are not registered (registerReportDownloads)');
  return key;
}

/**
 * The getReportDocument answer for a document: a presigned URL on the request's own origin and
 * region prefix, valid `reportDocumentTtlSeconds`, and `compressionAlgorithm` when GZIP. With
 * `contentEncodingHeader` (the `enableContentEncodingUrlHeader=true` query parameter) the download of
 * a GZIP document says `Content-Encoding: gzip`, so HTTP clients decompress it on their own.
 */
export function documentLink(
  ctx: SimContext,
  c: Context<SimEnv>,
  document: SimReportDocument,
  contentEncodingHeader: boolean,
): { reportDocumentId: string; url: string; compressionAlgorithm?: 'GZIP' } {
  const signed: Signed = {
    documentId: document.reportDocumentId,
    date: amzDate(ctx.clock.now()),
    expires: String(ctx.config.reportDocumentTtlSeconds),
    encoding: contentEncodingHeader && document.compressed ? 'gzip' : '',
    generation: document.urlGeneration,
  };
  const query = new URLSearchParams({
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Date': signed.date,
    'X-Amz-SignedHeaders': 'host',
    'X-Amz-Expires': signed.expires,
    'X-Amz-Credential': `ASIASIMULATOR/${signed.date.slice(0, 8)}/us-east-1/s3/aws4_request`,
  });
  if (signed.encoding) query.set('response-content-encoding', signed.encoding);
  query.set('X-Amz-Signature', sign(keyOf(ctx), signed));
  const origin = new URL(c.req.url).origin;
  const path = `/_s3/${bucketOf(document.region)}/${FOLDER}/${encodeURIComponent(document.reportDocumentId)}`;
  return {
    reportDocumentId: document.reportDocumentId,
    url: `${origin}${c.env.prefix}${path}?${query.toString()}`,
    ...(document.compressed ? { compressionAlgorithm: 'GZIP' as const } : {}),
  };
}

/** Makes every URL issued so far answer 403 "Request has expired"; returns how many documents had URLs. */
export function expireDocumentUrls(ctx: SimContext): number {
  let count = 0;
  for (const document of ctx.state.reportDocuments.values()) {
    document.urlGeneration += 1;
    count += 1;
  }
  return count;
}

/** S3's XML error answer (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). */
function s3Error(c: Context<SimEnv>, status: 403 | 404, code: string, message: string, extra = ''): Response {
  const requestId = c.env.requestId.replace(/-/g, '').slice(0, 16).toUpperCase();
  const hostId = createHash('sha256').update(c.env.requestId).digest('base64');
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
    `${extra}<RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></Error>`;
  return c.body(xml, status, { 'Content-Type': 'application/xml', 'x-amz-request-id': requestId });
}

type Verdict =
  | { ok: true; document: SimReportDocument; encoding: string }
  | { ok: false; status: 403; code: string; message: string; extra?: string };

const DENIED: Verdict = { ok: false, status: 403, code: 'AccessDenied', message: 'Access Denied' };
const BAD_SIGNATURE: Verdict = {
  ok: false,
  status: 403,
  code: 'SignatureDoesNotMatch',
  message:
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
};

/** Checks a download: the document exists in the bucket's region, the signature holds and is fresh. */
function verifyDownload(
  ctx: SimContext,
  bucket: string,
  documentId: string,
  query: URLSearchParams,
): Verdict {
  const document = ctx.state.reportDocuments.get(documentId);
  const date = query.get('X-Amz-Date') ?? '';
  const expires = query.get('X-Amz-Expires') ?? '';
  const signature = query.get('X-Amz-Signature') ?? '';
  if (!document || bucket !== bucketOf(document.region) || !signature) return DENIED;
  const signed: Signed = {
    documentId,
    date,
    expires,
    encoding: query.get('response-content-encoding') ?? '',
    generation: document.urlGeneration,
  };
  const key = keyOf(ctx);
  const issuedAt = parseAmzDate(date);
  const current = sameHex(sign(key, signed), signature);
  let older = false;
  for (let g = 0; !current && !older && g < document.urlGeneration; g++) {
    older = sameHex(sign(key, { ...signed, generation: g }), signature);
  }
  if ((!current && !older) || issuedAt === null) return BAD_SIGNATURE;
  const expiresAt = issuedAt + Number(expires) * SECOND;
  const now = ctx.clock.now();
  if (older || now >= expiresAt) {
    const extra =
      `<X-Amz-Expires>${expires}</X-Amz-Expires><Expires>${new Date(expiresAt).toISOString().replace('.000', '')}</Expires>` +
      `<ServerTime>${new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000', '')}</ServerTime>`;
    return { ok: false, status: 403, code: 'AccessDenied', message: 'Request has expired', extra };
  }
  return { ok: true, document, encoding: signed.encoding };
}

/**
 * Registers the document download route `GET /_s3/<bucket>/NinetyDays/<id>` (no SP-API token: the
 * URL is the credential). `signingKey` is this run's secret for the URLs' signatures.
 */
export function registerReportDownloads(app: Hono<SimEnv>, ctx: SimContext, signingKey: Buffer): void {
  signingKeys.set(ctx, signingKey);
  app.get(`/_s3/:bucket/${FOLDER}/:documentId`, (c) => {
    const url = new URL(c.req.url);
    const verdict = verifyDownload(ctx, c.req.param('bucket'), c.req.param('documentId'), url.searchParams);
    const log = (status: number, note: string) =>
      logRequest(ctx, {
        requestId: c.env.requestId,
        method: c.req.method,
        path: c.req.path,
        region: c.env.region,
        operation: 's3',
        status,
        note,
      });
    if (!verdict.ok) {
      log(verdict.status, `s3:${verdict.code}`);
      return s3Error(c, verdict.status, verdict.code, verdict.message, verdict.extra);
    }
    const { document } = verdict;
    const bytes = documentBytes(document);
    const headers: Record<string, string> = {
      'Content-Type': document.contentType,
      'Content-Length': String(bytes.length),
      'Last-Modified': new Date(document.createdAt).toUTCString(),
    };
    if (verdict.encoding) headers['Content-Encoding'] = verdict.encoding;
    log(200, 's3:GetObject');
    return c.body(new Uint8Array(bytes), 200, headers);
  });
}
