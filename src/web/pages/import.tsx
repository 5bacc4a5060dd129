import type { Account, SessionUser } from '../../accounts/service.js';
import { REGION_NAMES, REGIONS } from '../../amazon/regions.js';
import type { Application } from '../../lifecycle/applications.js';
import { Layout } from './layout.js';

/** The form for importing a self-authorized refresh token (https://developer-docs.amazon.com/sp-api/docs/renew-authorizations). */
export function ImportPage(props: {
  user: SessionUser;
  applications: Application[];
  accounts?: Account[];
  error?: string | null;
  values?: Record<string, string>;
  sandbox: string | null;
}) {
  const v = props.values ?? {};
  return (
    <Layout title="Import a self-authorized token" user={props.user} sandbox={props.sandbox}>
      <p>
        <a href="/connections">← All connections</a>
      </p>
      <h1>Import a self-authorized refresh token</h1>
      <p class="small">
        For a private app: in the Developer Console (Seller Central → Apps and Services → Develop Apps) choose
        “Authorize app” and copy the refresh token. Sellerlink checks it with Amazon once before storing it,
        encrypted.
      </p>
      {props.error ? (
        <p class="banner bad" role="alert">
          {props.error}
        </p>
      ) : null}
      <form method="post" action="/connections/import" class="card" autocomplete="off">
        <input type="hidden" name="_csrf" value={props.user.csrfToken} />
        {props.accounts ? (
          <>
            <label for="accountId">Account</label>
            <select id="accountId" name="accountId">
              {props.accounts.map((a) => (
                <option value={a.id} selected={v.accountId === a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </>
        ) : null}
        <label for="applicationId">Application</label>
        <select id="applicationId" name="applicationId">
          {props.applications.map((a) => (
            <option value={a.id} selected={v.applicationId === a.id}>
              {a.name} ({a.kind}, {a.status})
            </option>
          ))}
        </select>
        <label for="region">Region</label>
        <select id="region" name="region">
          {REGIONS.map((r) => (
            <option value={r} selected={v.region === r}>
              {REGION_NAMES[r]}
            </option>
          ))}
        </select>
        <label for="sellingPartnerId">Selling partner id (merchant token)</label>
        <input
          id="sellingPartnerId"
          name="sellingPartnerId"
          required
          value={v.sellingPartnerId ?? ''}
          placeholder="A1B2C3D4E5F6G7"
        />
        <label for="refreshToken">Refresh token</label>
        <textarea id="refreshToken" name="refreshToken" required rows={3} placeholder="Atzr|..." />
        <p>
          <button type="submit">Check and import</button>
        </p>
      </form>
    </Layout>
  );
}
