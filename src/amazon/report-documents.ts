import { AmazonError } from './errors.js';
import type { ReportDocumentLink } from './operations/reports.js';

/**
 * Downloads a report document from the presigned URL getReportDocument gave (Amazon's S3, or the
 * simulator): streaming, GZIP-decompressed when the body is compressed, decoded with the charset
 * the download declares. The URL is a bearer link, so it never appears in an error or a log.
 * @see https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-retrieve-a-report
 */

export interface ReportDownloadOptions {
  /** The whole download must finish within this (default 10 minutes). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/**
 * The charset of a download: S3 sends Amazon's names, e.g. `text/plain; charset=Cp1252` for
 * listings and none at all for settlements; absent means UTF-8.
 */
export function charsetOf(contentType: string | null): string {
  const match = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '');
  const name = (match?.[1] ?? 'utf-8').toLowerCase();
  if (name === 'cp1252') return 'windows-1252';
  try {
    return new TextDecoder(name).encoding;
  } catch {
    return 'utf-8';
  }
}

/** A failed download's error: an expired or refused link can be fetched again with a new URL. */
function downloadError(status: number): AmazonError {
  if (status === 403)
    return new AmazonError(
      'REPORT_DOCUMENT_EXPIRED',
      'the report document link was refused (it expires 5 minutes after getReportDocument); ask for a new one',
      { status, retryable: true },
    );
  return new AmazonError('REPORT_DOCUMENT_UNAVAILABLE', `the report document download answered ${status}`, {
    status,
    retryable: status >= 500 || status === 429,
  });
}

/**
 * The body's bytes, decompressed when they start with GZIP's magic bytes (1f 8b): a GZIP flag with a
 * plain body has been seen, and `Content-Encoding: gzip` makes fetch decompress on its own.
 */
async function plainBytes(body: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  const reader = body.getReader();
  let first = await reader.read();
  while (!first.done && first.value.byteLength === 0) first = await reader.read();
  const head = first.done ? new Uint8Array(0) : first.value;
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.byteLength > 0) controller.enqueue(head);
      if (first.done) controller.close();
    },
    async pull(controller) {
      if (first.done) return;
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const gzipped = head.byteLength >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  return gzipped
    ? rest.pipeThrough(new DecompressionStream('gzip') as TransformStream<Uint8Array, Uint8Array>)
    : rest;
}

/** Opens the download: the decompressed byte stream and its charset; throws AmazonError. */
async function openDocument(
  fetchFn: typeof fetch,
  link: ReportDocumentLink,
  signal: AbortSignal,
): Promise<{ bytes: ReadableStream<Uint8Array>; charset: string }> {
  let response: Response;
  try {
    response = await fetchFn(link.url, { method: 'GET', signal, redirect: 'error' });
  } catch (err) {
    const timedOut = signal.aborted;
    throw new AmazonError(
      timedOut ? 'AMAZON_TIMEOUT' : 'AMAZON_NETWORK',
      timedOut ? 'the report document download timed out' : 'the report document could not be downloaded',
      { retryable: true, cause: err instanceof Error ? err.name : undefined },
    );
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw downloadError(response.status);
  }
  const charset = charsetOf(response.headers.get('content-type'));
  if (!response.body) return { bytes: new ReadableStream({ start: (c) => c.close() }), charset };
  return { bytes: await plainBytes(response.body), charset };
}

/** Runs a download under a timeout that is cleared however it ends. */
async function* withTimeout<T>(
  options: ReportDownloadOptions,
  run: (signal: AbortSignal) => AsyncGenerator<T>,
): AsyncGenerator<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    yield* run(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** The document's text in decoded chunks. */
async function* textChunks(
  fetchFn: typeof fetch,
  link: ReportDocumentLink,
  signal: AbortSignal,
): AsyncGenerator<string> {
  const { bytes, charset } = await openDocument(fetchFn, link, signal);
  const decoder = new TextDecoder(charset);
  const reader = bytes.getReader();
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (err) {
        throw new AmazonError('REPORT_DOCUMENT_UNAVAILABLE', 'the report document download broke off', {
          retryable: true,
          cause: err instanceof Error ? err.name : undefined,
        });
      }
      if (next.done) break;
      const text = decoder.decode(next.value, { stream: true });
      if (text !== '') yield text;
    }
    const tail = decoder.decode();
    if (tail !== '') yield tail;
  } finally {
    reader.releaseLock();
    await bytes.cancel().catch(() => undefined);
  }
}

/** The document's lines (without `\n` / `\r\n`), streamed. */
export function readReportLines(
  fetchFn: typeof fetch,
  link: ReportDocumentLink,
  options: ReportDownloadOptions = {},
): AsyncGenerator<string> {
  return withTimeout(options, async function* (signal) {
    let pending = '';
    for await (const chunk of textChunks(fetchFn, link, signal)) {
      pending += chunk;
      let at: number;
      while ((at = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, at);
        pending = pending.slice(at + 1);
        yield line.endsWith('\r') ? line.slice(0, -1) : line;
      }
    }
    if (pending !== '') yield pending.endsWith('\r') ? pending.slice(0, -1) : pending;
  });
}

/** The whole document as text (for JSON reports and downloads passed on as they are). */
export async function readReportText(
  fetchFn: typeof fetch,
  link: ReportDocumentLink,
  options: ReportDownloadOptions = {},
): Promise<string> {
  const parts: string[] = [];
  for await (const chunk of withTimeout(options, (signal) => textChunks(fetchFn, link, signal)))
    parts.push(chunk);
  return parts.join('');
}

/**
 * A tab-separated report's rows by header name, streamed: the first line names the columns, and
 * every later non-empty line becomes `{ column: value }`. Columns are found by name, never by
 * position (Amazon's headers vary by marketplace and date, and grow); unknown ones are carried
 * along for the caller to ignore, missing trailing cells read as ''.
 * @see https://developer-docs.amazon.com/sp-api/docs/order-tracking-reports-attributes
 */
export async function* readTabSeparated(
  fetchFn: typeof fetch,
  link: ReportDocumentLink,
  options: ReportDownloadOptions = {},
): AsyncGenerator<Record<string, string>> {
  yield* tabSeparatedRows(readReportLines(fetchFn, link, options));
}

/** The rows of tab-separated lines (see readTabSeparated). */
export async function* tabSeparatedRows(
  lines: AsyncIterable<string>,
): AsyncGenerator<Record<string, string>> {
  let header: string[] | null = null;
  for await (const line of lines) {
    if (header === null) {
      // A UTF-8 byte order mark would otherwise stick to the first column's name.
      header = line
        .replace(/^\uFEFF/, '')
        .split('\t')
        .map((name) => name.trim());
      continue;
    }
    if (line.trim() === '') continue;
    const cells = line.split('\t');
    const row: Record<string, string> = {};
    header.forEach((name, i) => {
      row[name] = cells[i] ?? '';
    });
    yield row;
  }
}
