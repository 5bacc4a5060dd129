import type { Child } from 'hono/jsx';
import { tryGetContext } from 'hono/context-storage';
import type { Banner, BannerLevel } from '../../notify/banners.js';
import type { WebEnv } from '../context.js';

/** The words that open a banner of each level, so urgency does not rest on colour alone. */
const LEAD: Record<BannerLevel, string> = {
  info: 'Note:',
  warning: 'Soon:',
  danger: 'Act now:',
};

/**
 * The one attention banner of the portal (every page, the connections page's own included): one
 * style per level (`.alert-info`, `.alert-warning`, `.alert-danger` in layout.tsx), a lead word, and
 * an ARIA role: `status` (polite) for info, `alert` (announced at once) for warning and danger,
 * whose lead word ("Soon:", "Act now:") tells them apart to a screen reader as well.
 * @see https://www.w3.org/WAI/ARIA/apg/patterns/alert/
 */
export function AlertBanner(props: {
  level: BannerLevel;
  /** Stable kind, for tests and styling (`data-banner-kind`). */
  kind?: string;
  /** The connections page's grouped banners' name (`data-banner`). */
  group?: string;
  children?: Child;
}) {
  return (
    <div
      class={`banner alert alert-${props.level}`}
      role={props.level === 'info' ? 'status' : 'alert'}
      data-level={props.level}
      {...(props.kind ? { 'data-banner-kind': props.kind } : {})}
      {...(props.group ? { 'data-banner': props.group } : {})}
    >
      <strong class="alert-lead">{LEAD[props.level]}</strong> {props.children}
    </div>
  );
}

/** The most urgent of some levels (info when none). */
export function worstLevel(levels: readonly BannerLevel[]): BannerLevel {
  if (levels.includes('danger')) return 'danger';
  return levels.includes('warning') ? 'warning' : 'info';
}

/** The active warnings of the signed-in user (loaded per request by the notifications middleware). */
export function NotificationBanners() {
  const banners: Banner[] = tryGetContext<WebEnv>()?.var.banners ?? [];
  if (banners.length === 0) return null;
  return (
    <div data-banners>
      {banners.map((b) => (
        <AlertBanner level={b.level} kind={b.kind}>
          {b.text}
          {b.link ? (
            <>
              {' '}
              <a href={b.link.href}>{b.link.label}</a>
            </>
          ) : null}
        </AlertBanner>
      ))}
    </div>
  );
}
