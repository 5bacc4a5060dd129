// One formatter each, made once: `toLocaleDateString` builds a new one on every call, which is most
// of a page's time when it lists a hundred connections (bench/scale.ts). The output is the same.
const DATE = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
const TIME = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

/** Dates as people read them on the pages: "22 Nov 2026". */
export function formatDate(date: Date | null): string {
  if (!date) return '—';
  return DATE.format(date);
}

/** Date and time in UTC: "22 Nov 2026, 14:05 UTC". */
export function formatDateTime(date: Date | null): string {
  if (!date) return '—';
  return `${formatDate(date)}, ${TIME.format(date)} UTC`;
}

/**
 * What sellers call a connection: its store name from Amazon (the seller id until Amazon has told
 * it), e.g. for page titles and headings, with the seller id shown beside it.
 */
export function connectionName(c: { storeName: string | null; sellingPartnerId: string }): string {
  return c.storeName ?? c.sellingPartnerId;
}

/** The name with its region, once: store names from Amazon often end with it ("Demo Goods (EU)"). */
export function connectionNameInRegion(c: {
  storeName: string | null;
  sellingPartnerId: string;
  region: string;
}): string {
  const name = connectionName(c);
  return name.endsWith(`(${c.region})`) ? name : `${name} (${c.region})`;
}
