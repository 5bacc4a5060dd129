import type { Context, Hono } from 'hono';
import type { SessionUser } from '../../accounts/service.js';
import type { Analytics, DailyResult } from '../../analytics/analytics.js';
import { dailyCsv, dailyCsvName } from '../../analytics/csv.js';
import { AnalyticsError } from '../../analytics/errors.js';
import { AmazonError } from '../../amazon/errors.js';
import { TokenError } from '../../broker/errors.js';
import type { AppError } from '../../kernel/errors.js';
import { ValidationError } from '../../kernel/errors.js';
import type { WebDeps, WebEnv } from '../context.js';
import { notFoundPage, requireUser } from '../guards.js';
import { AnalyticsPage, type AnalyticsForm } from '../pages/analytics.js';
import { MessagePage } from '../pages/layout.js';
import { viewerOf } from './connections.js';

/** A request to a page of one connection (`:id` in its path). */
type ConnectionContext = Context<WebEnv, '/connections/:id/*'>;

/**
 * The analytics pages of one connection, with the connection page's access rules (another
 * account's connection is the same 404 as a missing one): the chart page, its CSV, and settlement
 * report downloads.
 */
export function registerAnalyticsRoutes(app: Hono<WebEnv>, deps: WebDeps, analytics: Analytics): void {
  app.get('/connections/:id/analytics', (c) => showAnalytics(c, deps, analytics));
  app.get('/connections/:id/analytics.csv', (c) => downloadCsv(c, analytics));
  app.get('/connections/:id/settlement-reports/:reportId/document', (c) =>
    downloadSettlement(c, deps, analytics),
  );
}

/** The query's range and marketplace, as sent. */
function formOf(c: Context<WebEnv>): AnalyticsForm {
  const text = (name: string): string => (c.req.query(name) ?? '').trim().slice(0, 64);
  return { marketplaceId: text('marketplaceId'), from: text('from'), to: text('to') };
}

/** `GET /connections/:id/analytics`: chart, table, CSV link, fetch status, settlements; bad input → 400. */
async function showAnalytics(c: ConnectionContext, deps: WebDeps, analytics: Analytics): Promise<Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  const viewer = viewerOf(user);
  const id = c.req.param('id');
  const overview = await analytics.overview(viewer, id);
  const form = formOf(c);
  let daily: DailyResult | null = null;
  let error: string | null = null;
  try {
    daily = await analytics.daily(viewer, id, form);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    error = err.message;
  }
  const shown: AnalyticsForm = daily
    ? { marketplaceId: daily.marketplaceId ?? '', from: daily.from, to: daily.to }
    : form;
  return c.html(
    <AnalyticsPage
      user={user}
      sandbox={deps.simulatorUrl}
      overview={overview}
      daily={daily}
      form={shown}
      error={error}
    />,
    error ? 400 : 200,
  );
}

/** `GET /connections/:id/analytics.csv`: the same days as CSV, as a download; bad input → 400 text. */
async function downloadCsv(c: ConnectionContext, analytics: Analytics): Promise<Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  let daily: DailyResult;
  try {
    daily = await analytics.daily(viewerOf(user), c.req.param('id'), formOf(c));
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return c.text(`${err.message}\n`, 400);
  }
  const name = dailyCsvName(daily.marketplaceId ?? 'none', daily.from, daily.to);
  return c.body(dailyCsv(daily.rows), 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${name}"`,
    'cache-control': 'no-store',
  });
}

/** A download that failed at Amazon: in words, with the status that fits. */
function downloadFailed(c: Context<WebEnv>, user: SessionUser, err: AppError, back: string): Response {
  const wait = err instanceof AmazonError && err.code === 'SPAPI_WAIT_TOO_LONG';
  const seconds = wait ? Math.max(1, Math.ceil((err.info.retryAfterMs ?? 1000) / 1000)) : 0;
  const message = wait
    ? `Amazon's usage plan allows the next document request in ${seconds} s. Try again then.`
    : err instanceof TokenError
      ? `Amazon cannot be called for this connection now: ${err.message.replace(/\.+$/, '')}. Renew the connection first.`
      : `Amazon did not give the document (${err.message}). Try again later.`;
  if (wait) c.header('Retry-After', String(seconds));
  return c.html(
    <MessagePage
      title="Download failed"
      message={message}
      user={user}
      code={err.code}
      tone="warn"
      next={{ href: back, label: 'Back to analytics' }}
    />,
    wait ? 429 : err instanceof TokenError ? 409 : 502,
  ) as Response;
}

/**
 * `GET /connections/:id/settlement-reports/:reportId/document`: asks Amazon for the document now
 * (getReportDocument) and passes it on as tab-separated text; the download link is never stored.
 */
async function downloadSettlement(
  c: Context<WebEnv, '/connections/:id/settlement-reports/:reportId/document'>,
  deps: WebDeps,
  analytics: Analytics,
): Promise<Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  const id = c.req.param('id');
  const back = `/connections/${id}/analytics`;
  try {
    const document = await analytics.settlementDocument(viewerOf(user), id, c.req.param('reportId'));
    return c.body(document.text, 200, {
      'content-type': 'text/tab-separated-values; charset=utf-8',
      'content-disposition': `attachment; filename="${document.fileName}"`,
      'cache-control': 'no-store',
    });
  } catch (err) {
    if (err instanceof AnalyticsError && err.code === 'ANALYTICS_REPORT_NOT_FOUND')
      return notFoundPage(c, user, 'There is no such settlement report for this connection.', err.code, {
        href: back,
        label: 'Back to analytics',
      });
    if (!(err instanceof AmazonError) && !(err instanceof TokenError)) throw err;
    deps.logger.warn({ connectionId: id, code: err.code }, 'settlement report download failed');
    return downloadFailed(c, user, err, back);
  }
}
