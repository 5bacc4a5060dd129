/** Dates as people read them on the pages: "22 Nov 2026". */
export function formatDate(date: Date | null): string {
  if (!date) return '—';
  return date.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/** Date and time in UTC: "22 Nov 2026, 14:05 UTC". */
export function formatDateTime(date: Date | null): string {
  if (!date) return '—';
  const time = date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
  return `${formatDate(date)}, ${time} UTC`;
}
