import type { Child } from 'hono/jsx';
import { NONCE } from 'hono/secure-headers';
import type { SessionUser } from '../../accounts/service.js';
import { NotificationBanners } from './notification-banners.js';

const CSS = `
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1d2433;background:#f6f7f9}
header{background:#232f3e;color:#fff;padding:.6rem 1.5rem;display:flex;gap:1.5rem;align-items:center}
header a{color:#fff;text-decoration:none} header .grow{flex:1}
header form{margin:0} header button{background:none;border:1px solid #8895a7;color:#fff;border-radius:4px;padding:.2rem .6rem;cursor:pointer}
main{max-width:72rem;margin:1.5rem auto;padding:0 1.5rem}
table{border-collapse:collapse;width:100%;background:#fff} th,td{text-align:left;padding:.55rem .6rem;border-bottom:1px solid #e3e6ea;vertical-align:top}
th{font-size:.85rem;color:#5a6475;font-weight:600}
.badge{display:inline-block;padding:.15rem .55rem;border-radius:999px;font-size:.85rem;font-weight:600;white-space:nowrap}
.good{background:#e3f6e8;color:#1c6b34}.warn{background:#fff3d6;color:#7a5200}.bad{background:#fde2e1;color:#9b1c1c}.muted{background:#eceef1;color:#4b5563}
.banner{padding:.8rem 1rem;border-radius:6px;margin:0 0 1rem}
.banner.warn{border:1px solid #f0c36d}.banner.bad{border:1px solid #f2a7a3}.banner.good{border:1px solid #9fd8ad}.banner.info{background:#e6f0fb;border:1px solid #a9c8ee}
.alert{color:#1d2433;border:1px solid;border-left-width:6px} .alert-lead{margin-right:.25rem}
.alert-info{background:#eef5fd;border-color:#a9c8ee #a9c8ee #a9c8ee #2f6fb3} .alert-info .alert-lead{color:#1f4f86}
.alert-warning{background:#fff3d6;border-color:#f0c36d #f0c36d #f0c36d #c77700} .alert-warning .alert-lead{color:#7a4a00}
.alert-danger{background:#fde2e1;border-color:#e0817b #e0817b #e0817b #b3261e;border-width:2px 2px 2px 8px;font-weight:600} .alert-danger .alert-lead{color:#8c1d18;text-transform:uppercase}
button,.button{background:#ff9900;border:1px solid #e88b00;color:#111;border-radius:4px;padding:.4rem .9rem;font-size:.95rem;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;border-color:#aab2bd} button.quiet,.button.quiet{font-size:.85rem;padding:.25rem .65rem} button.danger{background:#fff;border-color:#d9534f;color:#9b1c1c}
button:disabled{background:#eef0f3;border-color:#cfd5dd;color:#7a8594;cursor:not-allowed}
.actions{display:flex;gap:.5rem;flex-wrap:wrap} .actions form{margin:0}
.card{background:#fff;border:1px solid #e3e6ea;border-radius:6px;padding:1rem 1.25rem;margin-bottom:1rem}
label{display:block;margin:.6rem 0 .2rem;font-weight:600} input,select,textarea{font:inherit;padding:.4rem;width:100%;max-width:28rem;box-sizing:border-box}
.small{font-size:.85rem;color:#5a6475} .error-text{color:#9b1c1c} code{background:#eef0f3;padding:0 .25rem;border-radius:3px}
`;

/**
 * The Content-Security-Policy of every page the service answers (portal, API docs, errors): nothing
 * loads from elsewhere, and no script runs unless it carries the request's nonce (none does today;
 * an inline script would read `c.get('secureHeadersNonce')`). Styles may be inline: pages use
 * `<style>` and style attributes, and CSS cannot run script. No `form-action`: Connect and Renew
 * answer a form with a redirect to Amazon's consent page, which that directive would block.
 * @see https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Content-Security-Policy
 * @see https://hono.dev/docs/middleware/builtin/secure-headers#setting-content-security-policy
 */
export const PAGE_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: [NONCE],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
};

/** Where the portal's icon is served (app.tsx; also at /favicon.ico). */
export const FAVICON_PATH = '/favicon.svg';

/** The portal's icon: an "S" on the header's navy, with the buttons' orange. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
  '<rect width="32" height="32" rx="7" fill="#232f3e"/>' +
  '<path d="M22 9.5c-1.4-1.1-3.3-1.7-5.4-1.7-3.4 0-5.8 1.8-5.8 4.5 0 5.6 10.2 3.6 10.2 7.9 0 1.6-1.6 2.6-4 2.6-2.3 0-4.3-.8-5.8-2.1" fill="none" stroke="#ff9900" stroke-width="3.2" stroke-linecap="round"/>' +
  '</svg>';

/** The page frame: header with navigation for signed-in users, then the content. */
export function Layout(props: {
  title: string;
  user: SessionUser | null;
  sandbox?: string | null;
  children?: Child;
}) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${props.title} · Sellerlink`}</title>
        <link rel="icon" type="image/svg+xml" href={FAVICON_PATH} />
        <style>{CSS}</style>
      </head>
      <body>
        <header>
          <strong>Sellerlink</strong>
          {props.user ? (
            <>
              <a href="/connections">Connections</a>
              <a href="/orders">Orders</a>
              <a href="/listings">Listings</a>
              <a href="/notifications">Notifications</a>
              {props.user.role === 'member' ? null : <a href="/api-keys">API keys</a>}
              {props.user.role === 'operator' ? (
                <>
                  <a href="/operator/accounts">Accounts</a>
                  <a href="/operator/connections">All connections</a>
                  <a href="/operator/applications">Applications</a>
                </>
              ) : null}
              <a href="/account">Account</a>
              <span class="grow" />
              <span class="small" style="color:#cfd6df">
                {props.user.username} ({props.user.role})
              </span>
              <form method="post" action="/logout">
                <input type="hidden" name="_csrf" value={props.user.csrfToken} />
                <button type="submit">Sign out</button>
              </form>
            </>
          ) : (
            <span class="grow" />
          )}
        </header>
        <main>
          {props.sandbox ? (
            <p class="banner info small">
              Sandbox mode: Amazon is simulated at <a href={`${props.sandbox}/_sim/`}>{props.sandbox}</a>.
              Nothing here reaches the real Amazon.
              {props.user ? (
                <>
                  {' '}
                  <a href="/sandbox">Sandbox toolbar</a>: move simulated time, see caught e-mail.
                </>
              ) : null}
            </p>
          ) : null}
          {props.user ? <NotificationBanners /> : null}
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** A page that explains something went wrong (or right) and where to go next. */
export function MessagePage(props: {
  title: string;
  message: string;
  user: SessionUser | null;
  tone?: 'bad' | 'warn' | 'good' | 'info';
  /** The stable code of what happened (the banner's `data-code`). */
  code?: string;
  /** Whether the code is shown as a reference for support (default yes; not on calm pages). */
  showCode?: boolean;
  next?: { href: string; label: string };
}) {
  return (
    <Layout title={props.title} user={props.user}>
      <h1>{props.title}</h1>
      <p class={`banner ${props.tone ?? 'bad'}`} data-code={props.code ?? ''}>
        {props.message}
      </p>
      {props.code && props.showCode !== false ? <p class="small">Reference: {props.code}</p> : null}
      <p>
        <a class="button" href={props.next?.href ?? '/connections'}>
          {props.next?.label ?? 'Back to connections'}
        </a>
      </p>
    </Layout>
  );
}
