import type { DailyRow } from './queries.js';

/**
 * The CSV of daily rows (RFC 4180: comma-separated, CRLF line ends, a header row). Cells that a
 * spreadsheet would run as a formula are prefixed with an apostrophe (OWASP "CSV injection").
 * @see https://www.rfc-editor.org/rfc/rfc4180
 * @see https://owasp.org/www-community/attacks/CSV_Injection
 */

/** The header row's columns, in order. */
export const DAILY_CSV_COLUMNS = [
  'date',
  'marketplace_id',
  'ordered_product_sales',
  'currency',
  'units_ordered',
  'total_order_items',
  'sessions',
  'page_views',
  'unit_session_percentage',
] as const;

function cell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text))
    text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The rows as CSV text, header first. */
export function dailyCsv(rows: readonly DailyRow[]): string {
  const lines = [DAILY_CSV_COLUMNS.join(',')];
  for (const r of rows)
    lines.push(
      [
        r.date,
        r.marketplaceId,
        r.orderedProductSales.amount,
        r.orderedProductSales.currencyCode,
        r.unitsOrdered,
        r.totalOrderItems,
        r.sessions,
        r.pageViews,
        r.unitSessionPercentage,
      ]
        .map(cell)
        .join(','),
    );
  return `${lines.join('\r\n')}\r\n`;
}

/** The file name a download of these rows gets. */
export function dailyCsvName(marketplaceId: string, from: string, to: string): string {
  return `analytics-${marketplaceId.replace(/[^A-Za-z0-9]/g, '')}-${from}-${to}.csv`;
}
