import type { Account, SessionUser } from '../../accounts/service.js';
import type { ApiKey } from '../../accounts/api-keys.js';
import { formatDateTime } from '../format.js';
import { Layout } from './layout.js';

/**
 * API keys for the vendor's software: list, create (the key is shown on this response only) and
 * revoke. Owners see their account's keys; operators every key, and may create keys for all accounts.
 */
export function ApiKeysPage(props: {
  user: SessionUser;
  keys: ApiKey[];
  sandbox: string | null;
  /** Operators: accounts to scope a new key to, and names for the list. */
  accounts?: Account[];
  notice?: string | null;
  error?: string | null;
  /** Set on the response to a create: the only time the key is shown. */
  created?: { key: string; apiKey: ApiKey } | null;
  values?: { name?: string; scope?: string };
}) {
  const csrf = props.user.csrfToken;
  const names = new Map((props.accounts ?? []).map((a) => [a.id, a.name]));
  const scopeOf = (k: ApiKey) =>
    k.accountId === null
      ? 'All accounts'
      : (names.get(k.accountId) ?? (props.accounts ? k.accountId : 'This account'));
  return (
    <Layout title="API keys" user={props.user} sandbox={props.sandbox}>
      <h1>API keys</h1>
      <p>
        API keys let the vendor's software read connection states, get access tokens and call SP-API through
        Sellerlink. See the <a href="/api/docs">API reference</a>.
      </p>
      {props.notice ? <p class="banner good">{props.notice}</p> : null}
      {props.error ? (
        <p class="banner bad" role="alert">
          {props.error}
        </p>
      ) : null}
      {props.created ? (
        <div class="banner warn" data-created-key={props.created.apiKey.id}>
          <p style="margin-top:0">
            <strong>Copy the key now: it is shown only this once.</strong> Sellerlink keeps only a hash of it.
          </p>
          <p>
            <code data-api-key>{props.created.key}</code>
          </p>
          <p class="small" style="margin-bottom:0">
            Use it as <code>Authorization: Bearer …</code>. If it is lost, revoke it and create another.
          </p>
        </div>
      ) : null}

      <form method="post" action="/api-keys" class="card">
        <h2 style="margin-top:0">Create a key</h2>
        <input type="hidden" name="_csrf" value={csrf} />
        <label for="name">Name (which software or server uses it)</label>
        <input id="name" name="name" maxlength={100} required value={props.values?.name ?? ''} />
        {props.accounts ? (
          <>
            <label for="scope">Sees</label>
            <select id="scope" name="scope">
              {props.accounts.map((a) => (
                <option value={a.id} selected={props.values?.scope === a.id}>
                  {a.name}
                </option>
              ))}
              <option value="all" selected={props.values?.scope === 'all'}>
                All accounts
              </option>
            </select>
          </>
        ) : null}
        <p>
          <button type="submit">Create key</button>
        </p>
      </form>

      {props.keys.length === 0 ? (
        <p>No API keys yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Key</th>
              <th>Sees</th>
              <th>Created</th>
              <th>Last used</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {props.keys.map((k) => (
              <tr data-api-key-id={k.id}>
                <td>{k.name}</td>
                <td>
                  <code>{`slk_${k.prefix}_…`}</code>
                </td>
                <td>{scopeOf(k)}</td>
                <td>
                  {formatDateTime(k.createdAt)}
                  <div class="small">by {k.createdBy}</div>
                </td>
                <td>{k.lastUsedAt ? formatDateTime(k.lastUsedAt) : 'never'}</td>
                <td>
                  {k.revokedAt ? (
                    <span class="badge muted">Revoked {formatDateTime(k.revokedAt)}</span>
                  ) : (
                    <span class="badge good">Active</span>
                  )}
                </td>
                <td>
                  {k.revokedAt ? null : (
                    <form method="post" action={`/api-keys/${k.id}/revoke`}>
                      <input type="hidden" name="_csrf" value={csrf} />
                      <button type="submit" class="danger">
                        Revoke
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
