import { counted } from '../../kernel/plural.js';

/**
 * Money and item counts as the order pages show them. Amounts are Amazon's `Money` (a decimal string
 * and an ISO 4217 currency code), formatted in the order's own currency by Intl.NumberFormat (its
 * symbol and its number of decimals: "$1,234.50", "€12.50", "¥3,730").
 * @see https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/Intl/NumberFormat
 */

export interface Money {
  amount: string;
  currencyCode: string;
}

// One formatter per currency, made once (building one is most of the cost of formatting).
const FORMATS = new Map<string, Intl.NumberFormat | null>();

function formatterFor(currencyCode: string): Intl.NumberFormat | null {
  let format = FORMATS.get(currencyCode);
  if (format === undefined) {
    try {
      format = new Intl.NumberFormat('en-US', { style: 'currency', currency: currencyCode });
    } catch {
      // Not an ISO 4217 code Intl knows: shown as Amazon sent it.
      format = null;
    }
    FORMATS.set(currencyCode, format);
  }
  return format;
}

/** "$1,234.50" in the amount's currency; "—" for none; Amazon's own text when it is not a number. */
export function formatMoney(money: Money | null | undefined): string {
  if (!money) return '—';
  const value = Number(money.amount);
  const format = formatterFor(money.currencyCode);
  if (format === null || money.amount.trim() === '' || !Number.isFinite(value))
    return `${money.amount} ${money.currencyCode}`;
  return format.format(value);
}

/** A `Money` from Amazon's JSON, or null when the value is not one. */
export function moneyOf(value: unknown): Money | null {
  if (typeof value !== 'object' || value === null) return null;
  const { amount, currencyCode } = value as Record<string, unknown>;
  return typeof amount === 'string' && typeof currencyCode === 'string' ? { amount, currencyCode } : null;
}

/** Units and lines in words that agree on every page: "3 units in 2 lines", "1 unit in 1 line". */
export function unitsInLines(units: number, lines: number): string {
  return `${counted(units, 'unit')} in ${counted(lines, 'line')}`;
}
