import type { AccountDetails, AccountListPage } from '../../accounts/directory.js';
import type { SessionUser } from '../../accounts/service.js';
import type { OperatorConnectionPage } from '../../connections/operator-search.js';
import { formatDate, formatDateTime } from '../format.js';
import { Layout } from './layout.js';
import { ConnectionTable, Pager, pageHref, rangeText } from './operator-connections.js';

/**
 * The operators' account pages: `/operator/accounts` (every account with its external id, user and
 * connection counts; search by name or external id; keyset paging; "Create account") and
 * `/operator/accounts/{id}` (users, "Add user", connections, and the embedding settings, read-only
 * here: they are set through the provisioning API). Passwords are never shown nor sent back.
 */

/** A refused form: what was wrong, and which field. */
export interface FormError {
  message: string;
  field: string | null;
}

/** The alert of a refused form. */
function Alert(props: { error: FormError | null | undefined }) {
  return props.error ? (
    <p class="banner bad" role="alert" data-field={props.error.field ?? ''}>
      {props.error.message}
    </p>
  ) : null;
}

/** The "Create account" form. */
function CreateAccountForm(props: { csrf: string; name: string }) {
  return (
    <form method="post" action="/operator/accounts" class="card" id="create-account">
      <h2 style="margin-top:0">Create account</h2>
      <input type="hidden" name="_csrf" value={props.csrf} />
      <label for="account-name">Name (the seller business)</label>
      <input id="account-name" name="name" maxlength={200} required value={props.name} />
      <p class="small">
        Add its users on the account's page. An external id (the vendor's own id for the account) is set
        through the provisioning API.
      </p>
      <p>
        <button type="submit">Create account</button>
      </p>
    </form>
  );
}

export interface OperatorAccountsProps {
  user: SessionUser;
  sandbox: string | null;
  q: string;
  page: AccountListPage | null;
  error?: FormError | null;
  /** The create form's name sent back after a refusal. */
  name?: string;
}

/** `GET /operator/accounts` (operators only). */
export function OperatorAccountsPage(props: OperatorAccountsProps) {
  const { page } = props;
  return (
    <Layout title="Accounts" user={props.user} sandbox={props.sandbox}>
      <h1>Accounts</h1>
      <form method="get" action="/operator/accounts" class="card" role="search" id="account-search">
        <label for="account-q">Search</label>
        <input
          id="account-q"
          name="q"
          type="search"
          maxlength={200}
          value={props.q}
          placeholder="Name or external id (starts with)"
        />
        <p class="actions">
          <button type="submit">Search</button>
        </p>
      </form>
      <Alert error={props.error} />
      {page ? (
        <>
          <p data-range="accounts">
            <strong>{rangeText(page, 'accounts')}</strong>
          </p>
          {page.rows.length ? (
            <table data-table="accounts">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>External id</th>
                  <th>Users</th>
                  <th>Connections</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {page.rows.map((a) => (
                  <tr data-account={a.id}>
                    <td>
                      <a href={`/operator/accounts/${a.id}`}>{a.name}</a>
                    </td>
                    <td>{a.externalId ? <code>{a.externalId}</code> : <span class="small">—</span>}</td>
                    <td data-field="users">{a.users}</td>
                    <td data-field="connections">
                      {a.connections ? (
                        <a href={pageHref('/operator/connections', { account: a.id })}>{a.connections}</a>
                      ) : (
                        0
                      )}
                    </td>
                    <td>{formatDate(a.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <Pager path="/operator/accounts" filters={{ q: props.q }} page={page} />
        </>
      ) : null}
      <CreateAccountForm csrf={props.user.csrfToken} name={props.name ?? ''} />
    </Layout>
  );
}

/** The "Add user" form's values sent back after a refusal (never the password). */
export interface UserFormValues {
  username: string;
  role: string;
  email: string;
}

/** The "Add user" form: username, role, e-mail, initial password (same rules as the CLI). */
function AddUserForm(props: { csrf: string; accountId: string; values: UserFormValues }) {
  const v = props.values;
  return (
    <form method="post" action={`/operator/accounts/${props.accountId}/users`} class="card" id="add-user">
      <h2 style="margin-top:0">Add user</h2>
      <input type="hidden" name="_csrf" value={props.csrf} />
      <label for="user-username">Username</label>
      <input
        id="user-username"
        name="username"
        maxlength={64}
        required
        value={v.username}
        autocomplete="off"
      />
      <label for="user-role">Role</label>
      <select id="user-role" name="role">
        <option value="owner" selected={v.role === 'owner'}>
          Owner (manages API keys and connections)
        </option>
        <option value="member" selected={v.role === 'member'}>
          Member
        </option>
      </select>
      <label for="user-email">E-mail (optional)</label>
      <input id="user-email" name="email" type="email" maxlength={254} value={v.email} />
      <label for="user-password">Initial password</label>
      <input
        id="user-password"
        name="password"
        type="password"
        minlength={10}
        maxlength={1024}
        required
        autocomplete="new-password"
        value=""
      />
      <p class="small">
        At least 10 characters, not all the same few. Give it to the user over a safe channel; they can change
        it under Account.
      </p>
      <p>
        <button type="submit">Add user</button>
      </p>
    </form>
  );
}

/** The account's embedding settings (read-only). */
function Settings(props: { account: AccountDetails }) {
  const a = props.account;
  return (
    <dl class="card" data-settings="account">
      <dt>
        <strong>Account id</strong>
      </dt>
      <dd>
        <code>{a.id}</code>
      </dd>
      <dt>
        <strong>External id</strong>
      </dt>
      <dd data-field="externalId">{a.externalId ? <code>{a.externalId}</code> : 'none'}</dd>
      <dt>
        <strong>Return URL allow-list</strong>{' '}
        <span class="small">(connect links; set through the provisioning API)</span>
      </dt>
      <dd data-field="returnUrls">
        {a.returnUrls.length ? (
          <ul style="margin:0;padding-left:1.2rem">
            {a.returnUrls.map((u) => (
              <li>
                <code>{u}</code>
              </li>
            ))}
          </ul>
        ) : (
          'none'
        )}
      </dd>
      <dt>
        <strong>Default return URL</strong>
      </dt>
      <dd>
        {a.defaultReturnUrl ? <code>{a.defaultReturnUrl}</code> : 'none (Sellerlink’s own result page)'}
      </dd>
      <dt>
        <strong>Created</strong>
      </dt>
      <dd>{formatDateTime(a.createdAt)}</dd>
    </dl>
  );
}

export interface OperatorAccountProps {
  user: SessionUser;
  sandbox: string | null;
  account: AccountDetails;
  /** The account's first page of connections (newest first). */
  connections: OperatorConnectionPage;
  notice?: string | null;
  error?: FormError | null;
  values?: UserFormValues;
}

/** `GET /operator/accounts/{id}` (operators only). */
export function OperatorAccountPage(props: OperatorAccountProps) {
  const { account, connections } = props;
  return (
    <Layout title={account.name} user={props.user} sandbox={props.sandbox}>
      <p class="small">
        <a href="/operator/accounts">← Accounts</a>
      </p>
      <h1>{account.name}</h1>
      {props.notice ? <p class="banner good">{props.notice}</p> : null}
      <Alert error={props.error} />
      <Settings account={account} />
      <h2>Users</h2>
      {account.users.length ? (
        <table data-table="users">
          <thead>
            <tr>
              <th>Username</th>
              <th>Role</th>
              <th>E-mail</th>
              <th>Added</th>
            </tr>
          </thead>
          <tbody>
            {account.users.map((u) => (
              <tr data-user={u.username}>
                <td>{u.username}</td>
                <td>{u.role}</td>
                <td>{u.email ?? <span class="small">—</span>}</td>
                <td>{formatDate(u.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No users yet.</p>
      )}
      <p />
      <AddUserForm
        csrf={props.user.csrfToken}
        accountId={account.id}
        values={props.values ?? { username: '', role: 'owner', email: '' }}
      />
      <h2>Connections</h2>
      <p data-range="connections">
        <strong>{rangeText(connections, 'connections')}</strong>
        {connections.next ? (
          <>
            {' '}
            · <a href={pageHref('/operator/connections', { account: account.id })}>all of them</a>
          </>
        ) : null}
      </p>
      {connections.rows.length ? <ConnectionTable rows={connections.rows} showAccount={false} /> : null}
    </Layout>
  );
}
