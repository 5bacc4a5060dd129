import { tryGetContext } from 'hono/context-storage';
import type { Banner } from '../../notify/banners.js';
import type { WebEnv } from '../context.js';

/** The active warnings of the signed-in user (loaded per request by the notifications middleware). */
export function NotificationBanners() {
  const banners: Banner[] = tryGetContext<WebEnv>()?.var.banners ?? [];
  if (banners.length === 0) return null;
  return (
    <div data-banners>
      {banners.map((b) => (
        <p class={`banner ${b.tone}`} role={b.tone === 'bad' ? 'alert' : undefined} data-banner-kind={b.kind}>
          {b.text}
          {b.link ? (
            <>
              {' '}
              <a href={b.link.href}>{b.link.label}</a>
            </>
          ) : null}
        </p>
      ))}
    </div>
  );
}
