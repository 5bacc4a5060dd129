import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { SimEnv } from '../context.js';
import { SELLER_CENTRAL_BY_REGION, regionFromHost } from '../region.js';
import type { Region } from '../state.js';
import type { SignedIn } from './session.js';

/** Plain page chrome shared by every simulated Seller Central page. */

const CSS = `
body{font-family:system-ui,-apple-system,Segoe UI,Arial,sans-serif;margin:0;color:#111;background:#f3f3f3}
header{background:#232f3e;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header a{color:#fff} header .grow{flex:1} header form{display:inline;margin:0}
main{max-width:860px;margin:24px auto;background:#fff;padding:24px 28px;border-radius:6px;border:1px solid #ddd}
h1{font-size:1.5em;margin-top:0} table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left;vertical-align:top}
.error{background:#fdecea;border:1px solid #d13212;padding:10px 14px;border-radius:4px}
.notice{background:#e7f4e4;border:1px solid #1d8102;padding:10px 14px;border-radius:4px}
.muted{color:#555;font-size:.9em} code,pre{background:#f6f6f6;padding:2px 4px;border-radius:3px;word-break:break-all;white-space:pre-wrap}
pre{padding:10px} button{padding:6px 14px;cursor:pointer} .primary{background:#ff9900;border:1px solid #c77700}
label{display:block;margin:8px 0} input[type=email],input[type=password]{width:100%;max-width:360px;padding:6px}
`;

/** Which page chrome to draw: the region, its link prefix, and who is signed in. */
export interface PageEnv {
  region: Region;
  prefix: string;
  signedIn: SignedIn | null;
}

/** The page environment of a request. */
export function pageEnv(c: Context<SimEnv>, signedIn: SignedIn | null = null): PageEnv {
  return { region: c.env.region, prefix: c.env.prefix, signedIn };
}

/** A whole HTML page with the Seller Central header. */
export function Page(props: { env: PageEnv; title: string; children?: Child }) {
  const { env } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${props.title} · Seller Central (simulated, ${env.region})`}</title>
        <style>{CSS}</style>
      </head>
      <body>
        <header>
          <strong>Seller Central</strong>
          <span class="muted" style="color:#ddd">
            simulated · region {env.region} · {SELLER_CENTRAL_BY_REGION[env.region]}
          </span>
          <span class="grow" />
          <a href={`${env.prefix}/apps/manage`}>Manage Your Apps</a>
          <a href={`${env.prefix}/sellingpartner/developerconsole`}>Developer Console</a>
          {env.signedIn ? (
            <>
              <span>
                {env.signedIn.seller.name} ({env.signedIn.session.email})
              </span>
              <form method="post" action={`${env.prefix}/ap/signout`}>
                <input type="hidden" name="form_token" value={env.signedIn.formToken} />
                <button type="submit">Sign out</button>
              </form>
            </>
          ) : (
            <a href={`${env.prefix}/ap/signin`}>Sign in</a>
          )}
        </header>
        <main>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** One problem shown on an error page; `code` is stable so tests and people can tell errors apart. */
export interface PageProblem {
  status: 400 | 403 | 404;
  code: string;
  title: string;
  message: string;
  details?: [string, string][];
}

/**
 * Amazon's own error page says only "Something went wrong" with an opaque code; the simulator also
 * says what was wrong, so developers can fix their URL.
 */
export function ErrorPage(props: { env: PageEnv; problem: PageProblem }) {
  const { problem } = props;
  return (
    <Page env={props.env} title={problem.title}>
      <p class="error" data-error-code={problem.code}>
        {problem.message}
      </p>
      {problem.details && problem.details.length > 0 ? (
        <table>
          {problem.details.map(([label, value]) => (
            <tr>
              <th>{label}</th>
              <td>
                <code>{value}</code>
              </td>
            </tr>
          ))}
        </table>
      ) : null}
      <p class="muted">Error code: {problem.code}</p>
    </Page>
  );
}

/** Renders a page as an HTML response. */
export async function render(
  c: Context<SimEnv>,
  node: { toString(): string | Promise<string> },
  status: 200 | 400 | 403 | 404 = 200,
): Promise<Response> {
  const body = await node.toString();
  return c.html(`<!DOCTYPE html>${body}`, status);
}

/** Renders an error page for a problem. */
export function renderProblem(
  c: Context<SimEnv>,
  problem: PageProblem,
  signedIn: SignedIn | null = null,
): Promise<Response> {
  return render(c, <ErrorPage env={pageEnv(c, signedIn)} problem={problem} />, problem.status);
}

/**
 * A link to a page of another region's Seller Central: that region's Amazon host when the request came
 * in on an Amazon host (the host decides the region), else the `/na|/eu|/fe` path prefix.
 */
export function regionLink(c: Context<SimEnv>, region: Region, path: string): string {
  const host = c.req.header('host') ?? new URL(c.req.url).host;
  if (regionFromHost(host) !== null) return `https://${SELLER_CENTRAL_BY_REGION[region]}${path}`;
  return `/${region.toLowerCase()}${path}`;
}

/** Formats a simulated time as a date plus the full ISO time in a tooltip. */
export function DateCell(props: { ms: number }) {
  const full = new Date(props.ms).toISOString();
  return (
    <time datetime={full} title={full}>
      {full.slice(0, 10)}
    </time>
  );
}
