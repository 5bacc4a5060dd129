/**
 * The Seller Central authorization (consent) URI (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow):
 * `{base}/apps/authorize/consent?application_id=…&state=…[&version=beta][&redirect_uri=…]`.
 * Draft apps need `version=beta`; published apps must not send it.
 */
export function buildConsentUrl(input: {
  sellerCentralBase: string;
  appId: string;
  state: string;
  draft: boolean;
  redirectUri?: string;
}): string {
  const url = new URL(`${input.sellerCentralBase.replace(/\/$/, '')}/apps/authorize/consent`);
  url.searchParams.set('application_id', input.appId);
  url.searchParams.set('state', input.state);
  if (input.draft) url.searchParams.set('version', 'beta');
  if (input.redirectUri) url.searchParams.set('redirect_uri', input.redirectUri);
  return url.toString();
}

/**
 * Where to send the browser in the Amazon-initiated flow (https://developer-docs.amazon.com/sp-api/docs/selling-partner-appstore-authorization-workflow): back to
 * `amazon_callback_uri` with `amazon_state`, our `state`, and optionally redirect_uri / version=beta.
 */
export function buildAmazonCallbackUrl(input: {
  amazonCallbackUri: string;
  amazonState: string;
  state: string;
  draft: boolean;
  redirectUri?: string;
}): string {
  const url = new URL(input.amazonCallbackUri);
  url.searchParams.set('amazon_state', input.amazonState);
  url.searchParams.set('state', input.state);
  if (input.redirectUri) url.searchParams.set('redirect_uri', input.redirectUri);
  if (input.draft) url.searchParams.set('version', 'beta');
  return url.toString();
}
