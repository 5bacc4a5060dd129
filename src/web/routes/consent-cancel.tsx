import type { Context } from 'hono';
import type { SessionUser } from '../../accounts/service.js';
import type { CallbackFailure } from '../../connections/oauth.js';
import type { WebEnv } from '../context.js';
import { MessagePage } from '../pages/layout.js';

/**
 * Cancel on Amazon's consent page (Seller Central or Login with Amazon) is not an error: the seller
 * changed their mind. Amazon answers it with an error redirect (`error=access_denied`, RFC 6749's
 * "the resource owner denied the request"), or, as
 * Seller Central may do, a bare return to the redirect URI without any parameter (UNCONFIRMED, see the
 * simulator's `consentCancel`). Both the SP-API and the Amazon Ads callbacks answer it with the same
 * calm page: nothing was connected, nothing changed, connect whenever you like. Other error
 * redirects (`server_error`, an app not approved for Ads) stay refusals with their reference code.
 * @see https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
export function consentCancelled(err: CallbackFailure, query: URLSearchParams): boolean {
  const bareReturn = err.code === 'OAUTH_CALLBACK_INVALID' && [...query.keys()].length === 0;
  return (err.code === 'OAUTH_CONSENT_DENIED' && query.get('error') === 'access_denied') || bareReturn;
}

/**
 * The calm page after Cancel on Amazon's consent page (200: nothing went wrong), with the refusal's
 * own words (they say that nothing was connected) and no reference code to quote.
 */
export function consentCancelledPage(
  c: Context<WebEnv>,
  user: SessionUser | null,
  err: CallbackFailure,
): Response | Promise<Response> {
  return c.html(
    <MessagePage
      title="Nothing was connected"
      message={err.message}
      user={user}
      tone="info"
      code={err.code}
      showCode={false}
      next={
        user ? { href: '/connections', label: 'Back to connections' } : { href: '/login', label: 'Sign in' }
      }
    />,
    200,
  );
}
