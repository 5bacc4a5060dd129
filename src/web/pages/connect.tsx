import { REGION_NAMES } from '../../amazon/regions.js';
import type { LinkView } from '../../connect/connect.js';
import { formatDateTime } from '../format.js';
import { Layout } from './layout.js';

/**
 * The page a seller sees when following a connect link from the vendor's software: who asks (the
 * vendor's name and logo), for which account, what is connected or renewed, a region choice when
 * the link leaves it open, and "Continue to Amazon" or "Cancel". No Sellerlink login.
 */

const REGIONS = ['NA', 'EU', 'FE'] as const;

/** What the seller is asked to do, in one sentence. */
function purposeWords(view: LinkView): string {
  const what = view.session.api === 'ads' ? 'Amazon Ads (advertising) account' : 'Amazon seller account';
  if (view.session.purpose === 'renew' && view.connection) {
    const c = view.connection;
    const name = view.session.api === 'ads' ? 'Amazon Ads' : (c.storeName ?? c.sellingPartnerId);
    return `Renew the authorization of ${name} in ${REGION_NAMES[c.region]}: Amazon asks you to sign in and confirm again.`;
  }
  const where = view.session.region ? ` in ${REGION_NAMES[view.session.region]}` : '';
  return `Connect your ${what}${where}: Amazon asks you to sign in and allow access.`;
}

/** The region radio buttons, when the link lets the seller choose. */
function RegionChoice() {
  return (
    <fieldset>
      <legend>Where do you sell?</legend>
      {REGIONS.map((r, i) => (
        <label style="font-weight:normal">
          <input type="radio" name="region" value={r} checked={i === 0} style="width:auto" />{' '}
          {REGION_NAMES[r]}
        </label>
      ))}
    </fieldset>
  );
}

/** The connect link's page. */
export function ConnectLinkPage(props: { view: LinkView; token: string; error?: string | null }) {
  const { session, accountName } = props.view;
  const vendor = session.vendor.name ?? 'Your software provider';
  const action = `/connect/${props.token}`;
  return (
    <Layout title={session.purpose === 'renew' ? 'Renew Amazon authorization' : 'Connect Amazon'} user={null}>
      {session.vendor.logoUrl ? (
        <p>
          <img src={session.vendor.logoUrl} alt={`${vendor} logo`} style="max-height:48px;max-width:240px" />
        </p>
      ) : null}
      <h1>{session.purpose === 'renew' ? 'Renew Amazon authorization' : 'Connect Amazon'}</h1>
      <div class="card">
        <p>
          <strong>{vendor}</strong> asks you to connect Amazon to the account <strong>{accountName}</strong>.
        </p>
        <p>{purposeWords(props.view)}</p>
        <p class="small">
          Only continue if you expected this request and {accountName} is your account: whoever holds this
          link receives access to the Amazon account you sign in with. The link works once, until{' '}
          {formatDateTime(session.expiresAt)}.
        </p>
      </div>
      {props.error ? (
        <p class="banner bad" data-code="VALIDATION_FAILED">
          {props.error}
        </p>
      ) : null}
      <form method="post" action={action} id="connect-continue">
        {session.region ? null : <RegionChoice />}
      </form>
      <div class="actions">
        <button type="submit" form="connect-continue">
          Continue to Amazon
        </button>
        <form method="post" action={`${action}/cancel`}>
          <button type="submit" class="secondary">
            Cancel
          </button>
        </form>
      </div>
    </Layout>
  );
}

/** Sellerlink's own result page, for renew links of accounts without a default return URL. */
export function ConnectDonePage(props: { outcome: string; code: string | null }) {
  const words: Record<string, { title: string; text: string; tone: 'good' | 'warn' | 'bad' }> = {
    connected: { title: 'Connected', text: 'Amazon is connected. You can close this page.', tone: 'good' },
    renewed: {
      title: 'Renewed',
      text: 'The Amazon authorization is renewed for another year. You can close this page.',
      tone: 'good',
    },
    cancelled: { title: 'Nothing was connected', text: 'You cancelled; nothing was changed.', tone: 'warn' },
  };
  const w = words[props.outcome] ?? {
    title: 'Not finished',
    text: 'The authorization could not be finished; nothing was changed. Ask for a new link, or sign in to Sellerlink to renew.',
    tone: 'bad' as const,
  };
  return (
    <Layout title={w.title} user={null}>
      <h1>{w.title}</h1>
      <p class={`banner ${w.tone}`} data-code={props.code ?? props.outcome}>
        {w.text}
      </p>
      {props.code ? <p class="small">Reference: {props.code}</p> : null}
    </Layout>
  );
}
