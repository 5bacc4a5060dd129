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
