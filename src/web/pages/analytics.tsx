import { scaleBand, scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import type { SessionUser } from '../../accounts/service.js';
import type { AnalyticsOverview, DailyResult, FetchStatusView } from '../../analytics/analytics.js';
import { REGION_NAMES, marketplaceById } from '../../amazon/regions.js';
import { connectionName, formatDateTime } from '../format.js';
import { Layout } from './layout.js';
import { counted } from '../../kernel/plural.js';

/**
 * The analytics page of one connection: per marketplace a chart of ordered product sales (line) and
 * sessions (bars) over the chosen days, server-rendered as SVG with d3-scale and d3-shape (no script
 * runs in the browser), described for screen readers (`role="img"`, `<title>`, `<desc>`) and
 * repeated as a data table; a CSV download; the fetch status; settlement reports to download.
 */

const WIDTH = 760;
const HEIGHT = 300;
const MARGIN = { top: 24, right: 64, bottom: 44, left: 72 };
const SALES_COLOUR = '#b45309';
const SESSIONS_COLOUR = '#9db4d3';

/** The range form's values as the user sent them (shown again after an error). */
export interface AnalyticsForm {
  marketplaceId: string;
  from: string;
  to: string;
}

function marketplaceName(id: string): string {
  const m = marketplaceById(id);
  return m ? `${m.name} (${id})` : id;
}

/** Sum of decimal amounts, to two places. */
function total(amounts: readonly string[]): string {
  return amounts.reduce((sum, a) => sum + Number(a), 0).toFixed(2);
}

/** The chart's text alternative: what is drawn, the totals and the best day. */
export function chartSummary(daily: DailyResult): string {
  const rows = daily.rows;
  const currency =
    rows.find((r) => r.orderedProductSales.currencyCode)?.orderedProductSales.currencyCode ?? '';
  const sales = total(rows.map((r) => r.orderedProductSales.amount));
  const sessions = rows.reduce((n, r) => n + r.sessions, 0);
  const units = rows.reduce((n, r) => n + r.unitsOrdered, 0);
  const best = rows.reduce<(typeof rows)[number] | null>(
    (top, r) =>
      top === null || Number(r.orderedProductSales.amount) > Number(top.orderedProductSales.amount) ? r : top,
    null,
  );
  const bestText = best
    ? ` The highest sales were on ${best.date}: ${best.orderedProductSales.amount} ${currency}.`
    : '';
  return `${counted(rows.length, 'day')} from ${daily.from} to ${daily.to}: ordered product sales ${sales} ${currency}, ${units} units ordered, ${sessions} sessions.${bestText} The table below the chart lists every day.`;
}

/** The SVG chart: sessions as bars (right axis), sales as a line with a point per day (left axis). */
export function SalesChart(props: { daily: DailyResult; marketplace: string }) {
  const rows = props.daily.rows;
  const innerW = WIDTH - MARGIN.left - MARGIN.right;
  const innerH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = scaleBand<string>()
    .domain(rows.map((r) => r.date))
    .range([MARGIN.left, MARGIN.left + innerW])
    .padding(0.2);
  const maxSales = Math.max(0, ...rows.map((r) => Number(r.orderedProductSales.amount)));
  const maxSessions = Math.max(0, ...rows.map((r) => r.sessions));
  const ySales = scaleLinear()
    .domain([0, maxSales || 1])
    .nice()
    .range([MARGIN.top + innerH, MARGIN.top]);
  const ySessions = scaleLinear()
    .domain([0, maxSessions || 1])
    .nice()
    .range([MARGIN.top + innerH, MARGIN.top]);
  const centre = (date: string): number => (x(date) ?? 0) + x.bandwidth() / 2;
  const path = line<(typeof rows)[number]>()
    .x((r) => centre(r.date))
    .y((r) => ySales(Number(r.orderedProductSales.amount)))(rows);
  // Every nth day is labelled so that labels never overlap.
  const labelEvery = Math.max(1, Math.ceil(rows.length / 10));
  const currency =
    rows.find((r) => r.orderedProductSales.currencyCode)?.orderedProductSales.currencyCode ?? '';
  const bottom = MARGIN.top + innerH;
  return (
    <svg
      role="img"
      aria-labelledby="chart-title chart-desc"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      width="100%"
      style="max-width:760px;background:#fff;border:1px solid #e3e6ea;border-radius:6px"
      data-chart="sales-sessions"
    >
      <title id="chart-title">{`Ordered product sales and sessions per day, ${props.marketplace}`}</title>
      <desc id="chart-desc">{chartSummary(props.daily)}</desc>
      <g aria-hidden="true" font-size="11" fill="#5a6475">
        {ySales.ticks(5).map((t) => (
          <g>
            <line x1={MARGIN.left} x2={MARGIN.left + innerW} y1={ySales(t)} y2={ySales(t)} stroke="#eceef1" />
            <text x={MARGIN.left - 6} y={ySales(t) + 4} text-anchor="end">
              {String(t)}
            </text>
          </g>
        ))}
        {ySessions.ticks(5).map((t) => (
          <text x={MARGIN.left + innerW + 6} y={ySessions(t) + 4} text-anchor="start">
            {String(t)}
          </text>
        ))}
        {rows.map((r, i) =>
          i % labelEvery === 0 ? (
            <text x={centre(r.date)} y={bottom + 16} text-anchor="middle">
              {r.date.slice(5)}
            </text>
          ) : null,
        )}
        <text
          x={MARGIN.left}
          y={14}
          fill={SALES_COLOUR}
          font-weight="600"
        >{`Sales (${currency || 'amount'})`}</text>
        <text x={MARGIN.left + innerW} y={14} text-anchor="end" fill="#3b5b86" font-weight="600">
          Sessions
        </text>
        <line x1={MARGIN.left} x2={MARGIN.left + innerW} y1={bottom} y2={bottom} stroke="#8895a7" />
      </g>
      <g data-series="sessions">
        {rows.map((r) => (
          <rect
            x={x(r.date)}
            y={ySessions(r.sessions)}
            width={x.bandwidth()}
            height={bottom - ySessions(r.sessions)}
            fill={SESSIONS_COLOUR}
            data-date={r.date}
            data-sessions={String(r.sessions)}
          >
            <title>{`${r.date}: ${r.sessions} sessions`}</title>
          </rect>
        ))}
      </g>
      <g data-series="sales">
        {path ? <path d={path} fill="none" stroke={SALES_COLOUR} stroke-width="2" /> : null}
        {rows.map((r) => (
          <circle
            cx={centre(r.date)}
            cy={ySales(Number(r.orderedProductSales.amount))}
            r="3.5"
            fill={SALES_COLOUR}
            data-point={r.date}
            data-sales={r.orderedProductSales.amount}
          >
            <title>{`${r.date}: ${r.orderedProductSales.amount} ${currency}, ${r.unitsOrdered} units`}</title>
          </circle>
        ))}
      </g>
    </svg>
  );
}

/** The same numbers as the chart, one row per day. */
function DailyTable(props: { daily: DailyResult }) {
  return (
    <table data-table="daily">
      <caption class="small" style="text-align:left;padding:.4rem 0">
        Sales and traffic per day (Amazon's sales and traffic report, dates in the marketplace's days)
      </caption>
      <thead>
        <tr>
          <th scope="col">Date</th>
          <th scope="col">Ordered product sales</th>
          <th scope="col">Units ordered</th>
          <th scope="col">Order items</th>
          <th scope="col">Sessions</th>
          <th scope="col">Page views</th>
          <th scope="col">Unit session %</th>
        </tr>
      </thead>
      <tbody>
        {props.daily.rows.map((r) => (
          <tr data-day={r.date}>
            <th scope="row">{r.date}</th>
            <td data-field="sales">{`${r.orderedProductSales.amount} ${r.orderedProductSales.currencyCode ?? ''}`}</td>
            <td data-field="units">{r.unitsOrdered}</td>
            <td>{r.totalOrderItems}</td>
            <td data-field="sessions">{r.sessions}</td>
            <td>{r.pageViews}</td>
            <td>{r.unitSessionPercentage === null ? '—' : `${r.unitSessionPercentage}%`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One marketplace's fetch state, in words. */
function FetchStatusRow(props: { fetch: FetchStatusView }) {
  const f = props.fetch;
  return (
    <tr data-fetch={f.marketplaceId} data-fetch-status={f.status}>
      <td>{marketplaceName(f.marketplaceId)}</td>
      <td>{formatDateTime(f.lastFetchedAt)}</td>
      <td>{f.storedDays > 0 ? `${f.storedDays} (${f.firstDay} to ${f.lastDay})` : 'none yet'}</td>
      <td data-pending>
        {f.pendingReportId
          ? `Report ${f.pendingReportId} for ${f.pendingRange?.from ?? '?'} to ${f.pendingRange?.to ?? '?'}, requested ${formatDateTime(f.requestedAt)}`
          : '—'}
      </td>
      <td data-failure class={f.failureReason ? 'error-text' : ''}>
        {f.failureReason ? `${f.failureReason} (${formatDateTime(f.failedAt)})` : '—'}
      </td>
    </tr>
  );
}

/** The fetch status of every marketplace, and why the connection is paused if it is. */
function FetchStatus(props: { overview: AnalyticsOverview }) {
  const { sync, fetches } = props.overview;
  return (
    <section aria-labelledby="fetch-status">
      <h2 id="fetch-status">Fetch status</h2>
      {sync?.pausedReason ? (
        <p class="banner warn" data-paused>
          {sync.pausedReason}
        </p>
      ) : null}
      {sync?.lastError ? (
        <p class="banner bad" data-last-error>
          Last run failed: {sync.lastError} It is tried again automatically.
        </p>
      ) : null}
      <p class="small">
        Last run {formatDateTime(sync?.lastRunAt ?? null)}; next run due{' '}
        {formatDateTime(sync?.nextRunAt ?? null)}. Sales and traffic are requested from Amazon at the
        configured interval; the last days are read again each time because Amazon revises them.
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Marketplace</th>
            <th scope="col">Last fetched</th>
            <th scope="col">Days stored</th>
            <th scope="col">Pending report</th>
            <th scope="col">Last failure</th>
          </tr>
        </thead>
        <tbody>
          {fetches.length === 0 ? (
            <tr>
              <td colspan={5} data-empty="fetches">
                Nothing fetched yet: the first fetch starts within a few minutes of connecting.
              </td>
            </tr>
          ) : (
            fetches.map((f) => <FetchStatusRow fetch={f} />)
          )}
        </tbody>
      </table>
    </section>
  );
}

/** Settlement reports Amazon made, each with a download link. */
function Settlements(props: { overview: AnalyticsOverview }) {
  const { connection, settlements, sync } = props.overview;
  return (
    <section aria-labelledby="settlements">
      <h2 id="settlements">Settlement reports</h2>
      <p class="small">
        Amazon makes these on its own schedule (about every 14 days) and keeps them 90 days. Last listed{' '}
        {formatDateTime(sync?.settlementsCheckedAt ?? null)}.
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Period</th>
            <th scope="col">Marketplace</th>
            <th scope="col">Report</th>
          </tr>
        </thead>
        <tbody>
          {settlements.length === 0 ? (
            <tr>
              <td colspan={4} data-empty="settlements">
                No settlement reports listed yet.
              </td>
            </tr>
          ) : (
            settlements.map((s) => (
              <tr data-settlement={s.reportId}>
                <td>{formatDateTime(s.createdTime)}</td>
                <td>
                  {formatDateTime(s.dataStartTime)} – {formatDateTime(s.dataEndTime)}
                </td>
                <td>{s.marketplaceId ? marketplaceName(s.marketplaceId) : '—'}</td>
                <td>
                  {s.downloadable ? (
                    <a
                      href={`/connections/${connection.id}/settlement-reports/${encodeURIComponent(s.reportId)}/document`}
                      download
                      data-download-settlement={s.reportId}
                    >
                      Download {s.reportId} (tab-separated)
                    </a>
                  ) : (
                    `${s.reportId} (no document)`
                  )}
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </section>
  );
}

/** The range form: marketplace, from, to (GET, so the address can be bookmarked). */
function RangeForm(props: { overview: AnalyticsOverview; form: AnalyticsForm; error: string | null }) {
  const { connection, marketplaceIds } = props.overview;
  return (
    <form method="get" action={`/connections/${connection.id}/analytics`} class="card" data-form="range">
      <div class="actions" style="align-items:flex-end">
        <div>
          <label for="marketplaceId">Marketplace</label>
          <select id="marketplaceId" name="marketplaceId">
            {marketplaceIds.map((m) => (
              <option value={m} selected={m === props.form.marketplaceId}>
                {marketplaceName(m)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="from">From</label>
          <input id="from" name="from" type="date" value={props.form.from} />
        </div>
        <div>
          <label for="to">To</label>
          <input id="to" name="to" type="date" value={props.form.to} />
        </div>
        <div>
          <button type="submit">Show</button>
        </div>
      </div>
      {props.error ? (
        <p class="error-text" role="alert" data-error>
          {props.error}
        </p>
      ) : null}
    </form>
  );
}

/** `/connections/:id/analytics`. */
export function AnalyticsPage(props: {
  user: SessionUser;
  sandbox: string | null;
  overview: AnalyticsOverview;
  daily: DailyResult | null;
  form: AnalyticsForm;
  error: string | null;
}) {
  const c = props.overview.connection;
  const daily = props.daily;
  const marketplace = daily?.marketplaceId ? marketplaceName(daily.marketplaceId) : '';
  const csv = daily?.marketplaceId
    ? `/connections/${c.id}/analytics.csv?${new URLSearchParams({ marketplaceId: daily.marketplaceId, from: daily.from, to: daily.to }).toString()}`
    : null;
  return (
    <Layout title={`Analytics · ${connectionName(c)}`} user={props.user} sandbox={props.sandbox}>
      <p>
        <a href={`/connections/${c.id}`}>← Connection {connectionName(c)}</a>
      </p>
      <h1>
        Analytics · {connectionName(c)} · {REGION_NAMES[c.region]}
      </h1>
      {c.storeName ? <p class="small">Seller id {c.sellingPartnerId}</p> : null}
      {!c.health.canCallAmazon ? (
        <p class="banner warn">
          {c.health.label}: {c.health.advice} Stored days stay visible; new ones are fetched after that.
        </p>
      ) : null}
      <RangeForm overview={props.overview} form={props.form} error={props.error} />
      {daily && daily.marketplaceId ? (
        <section aria-labelledby="daily">
          <h2 id="daily">
            {marketplace}: {daily.from} to {daily.to}
          </h2>
          {daily.rows.length > 0 ? (
            <SalesChart daily={daily} marketplace={marketplace} />
          ) : (
            <p class="banner info" data-empty="daily">
              No days stored for this range yet.
            </p>
          )}
          <p class="actions" style="margin:.75rem 0">
            {csv ? (
              <a class="button" href={csv} download data-download="csv">
                Download CSV
              </a>
            ) : null}
          </p>
          {daily.rows.length > 0 ? <DailyTable daily={daily} /> : null}
        </section>
      ) : daily ? (
        <p class="banner info" data-empty="marketplaces">
          The seller's marketplaces are not known yet.
        </p>
      ) : null}
      <FetchStatus overview={props.overview} />
      <Settlements overview={props.overview} />
    </Layout>
  );
}
