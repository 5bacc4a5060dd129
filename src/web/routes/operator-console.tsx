import type { Context, Hono } from 'hono';
import type { AccountDetails } from '../../accounts/directory.js';
import { AccountsError } from '../../accounts/errors.js';
import type { SessionUser } from '../../accounts/service.js';
import type { OperatorConnectionQuery } from '../../connections/operator-search.js';
import { ValidationError } from '../../kernel/errors.js';
import { isEmailAddress } from '../../notify/rules.js';
import type { AmazonApi, ConnectionState, RegionCode } from '../../store/schema.js';
import type { WebDeps, WebEnv } from '../context.js';
import { notFoundPage, refuseForm } from '../guards.js';
import {
  OperatorAccountPage,
  OperatorAccountsPage,
  type UserFormValues,
} from '../pages/operator-accounts.js';
import {
  NO_FILTERS,
  OperatorConnectionsPage,
  type ConnectionFilterValues,
} from '../pages/operator-connections.js';
import { csrfOk } from '../session.js';
import { viewerOf } from './connections.js';
import { operatorOf } from './operator-applications.js';

/**
 * The operators' console: `/operator/accounts` (list, search, create), `/operator/accounts/{id}`
 * (users, add user, connections, embedding settings) and `/operator/connections` (every account's
 * connections: search, filters, keyset paging). Operators only: anyone else gets the same 404 as an
 * address no route answers. Forms carry the session's CSRF token and answer POST-redirect-GET; a
 * refused form says why, changes nothing and never sends a password back.
 */

const ACCOUNTS = '/operator/accounts';
const CONNECTIONS = '/operator/connections';

const NOTICES: Record<string, string> = {
  created: 'Created the account. Add its first user below.',
  'user-added': 'Added the user. They sign in with the username and the initial password you gave them.',
};

/** A query parameter, trimmed (absent: empty). */
function param(c: Context<WebEnv>, name: string): string {
  return (c.req.query(name) ?? '').trim();
}

/** A text field of a parsed form, trimmed (absent: empty). */
function field(form: Record<string, unknown>, name: string): string {
  const value = form[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** A refusal's message and field from a ValidationError. */
function refusalOf(err: ValidationError): { message: string; field: string | null } {
  return { message: `${err.message}.`, field: err.field ?? null };
}

/** The filters of `/operator/connections` from the address (validated by the search). */
function filtersOf(c: Context<WebEnv>): { values: ConnectionFilterValues; query: OperatorConnectionQuery } {
  const values: ConnectionFilterValues = { ...NO_FILTERS };
  for (const key of Object.keys(NO_FILTERS) as (keyof ConnectionFilterValues)[]) values[key] = param(c, key);
  const query: OperatorConnectionQuery = {};
  if (values.q) query.q = values.q;
  if (values.state) query.state = values.state as ConnectionState;
  if (values.region) query.region = values.region as RegionCode;
  if (values.api) query.api = values.api as AmazonApi;
  if (values.expiring)
    query.expiringWithinDays = /^\d{1,4}$/.test(values.expiring) ? Number(values.expiring) : NaN;
  if (values.account) query.accountId = values.account;
  const after = param(c, 'after');
  const before = param(c, 'before');
  if (before) query.before = before;
  else if (after) query.after = after;
  return { values, query };
}

/** `GET /operator/connections`: one page of the search (400 with the reason for a bad filter). */
async function showConnections(c: Context<WebEnv>, deps: WebDeps): Promise<Response> {
  const user = await operatorOf(c);
  if (user instanceof Response) return user;
  const { values, query } = filtersOf(c);
  c.header('Cache-Control', 'no-store');
  const base = { user, sandbox: deps.simulatorUrl, values };
  try {
    const page = await deps.connections.search(viewerOf(user), query);
    const account = query.accountId ? await deps.accounts.accountDetails(query.accountId) : null;
    return await c.html(
      <OperatorConnectionsPage {...base} page={page} accountName={account?.name ?? null} />,
    );
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return c.html(
      <OperatorConnectionsPage {...base} page={null} accountName={null} error={refusalOf(err)} />,
      400,
    );
  }
}

/** Renders the account list (search `q`, a cursor), optionally with a refused create form. */
async function renderAccounts(
  c: Context<WebEnv>,
  deps: WebDeps,
  user: SessionUser,
  refused?: { message: string; field: string | null; name: string },
): Promise<Response> {
  const q = param(c, 'q');
  const after = param(c, 'after');
  const before = param(c, 'before');
  const base = { user, sandbox: deps.simulatorUrl, q, ...(refused ? { name: refused.name } : {}) };
  c.header('Cache-Control', 'no-store');
  try {
    const page = await deps.accounts.listAccountPage({
      ...(q ? { q } : {}),
      ...(before ? { before } : after ? { after } : {}),
    });
    const error = refused ? { message: refused.message, field: refused.field } : null;
    return await c.html(<OperatorAccountsPage {...base} page={page} error={error} />, refused ? 400 : 200);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return c.html(<OperatorAccountsPage {...base} page={null} error={refusalOf(err)} />, 400);
  }
}

/** `POST /operator/accounts`: creates an account, then shows it. */
async function createAccount(c: Context<WebEnv>, deps: WebDeps): Promise<Response> {
  const user = await operatorOf(c);
  if (user instanceof Response) return user;
  const form = await c.req.parseBody();
  if (!csrfOk(user, form._csrf)) return refuseForm(c, user, deps.logger, { href: ACCOUNTS, label: 'Back' });
  const name = field(form, 'name');
  try {
    const account = await deps.accounts.createAccount(name);
    deps.logger.info(
      { accountId: account.id, user: user.username },
      'account created on the operator console',
    );
    return c.redirect(`${ACCOUNTS}/${account.id}?notice=created`, 303);
  } catch (err) {
    if (!(err instanceof AccountsError)) throw err;
    return renderAccounts(c, deps, user, {
      message: `Nothing was created: ${err.message}.`,
      field: 'name',
      name,
    });
  }
}

/** Renders one account's page (404 when there is no such account). */
async function renderAccount(
  c: Context<WebEnv>,
  deps: WebDeps,
  user: SessionUser,
  account: AccountDetails | null,
  extra: { error?: { message: string; field: string | null }; values?: UserFormValues } = {},
): Promise<Response> {
  if (!account) return notFoundPage(c, user, 'There is no such account.', 'ACCOUNT_NOT_FOUND');
  const connections = await deps.connections.search(viewerOf(user), { accountId: account.id });
  c.header('Cache-Control', 'no-store');
  return c.html(
    <OperatorAccountPage
      user={user}
      sandbox={deps.simulatorUrl}
      account={account}
      connections={connections}
      notice={NOTICES[param(c, 'notice')] ?? null}
      {...extra}
    />,
    extra.error ? 400 : 200,
  );
}

/** Which field of the "Add user" form an accounts error is about. */
function userFieldOf(err: AccountsError): string | null {
  if (err.code === 'PASSWORD_TOO_WEAK') return 'password';
  if (err.code === 'USER_EXISTS' || err.code === 'FORBIDDEN') return 'username';
  return null;
}

/** The "Add user" form's own checks (role and e-mail); null when they pass. */
function checkUserForm(values: UserFormValues): { message: string; field: string } | null {
  if (values.role !== 'owner' && values.role !== 'member')
    return { message: 'Nothing was added: the role must be owner or member.', field: 'role' };
  if (values.email && (values.email.length > 254 || !isEmailAddress(values.email)))
    return {
      message: `Nothing was added: "${values.email.slice(0, 80)}" is not an e-mail address.`,
      field: 'email',
    };
  return null;
}

/** `POST /operator/accounts/{id}/users`: adds an owner or member, then shows the account. */
async function addUser(c: Context<WebEnv>, deps: WebDeps): Promise<Response> {
  const user = await operatorOf(c);
  if (user instanceof Response) return user;
  const id = c.req.param('id') ?? '';
  const form = await c.req.parseBody();
  if (!csrfOk(user, form._csrf))
    return refuseForm(c, user, deps.logger, { href: `${ACCOUNTS}/${id}`, label: 'Back' });
  const account = await deps.accounts.accountDetails(id);
  if (!account) return renderAccount(c, deps, user, null);
  const values: UserFormValues = {
    username: field(form, 'username'),
    role: field(form, 'role'),
    email: field(form, 'email'),
  };
  const password = typeof form.password === 'string' ? form.password : '';
  const refused = checkUserForm(values);
  if (refused) return renderAccount(c, deps, user, account, { error: refused, values });
  try {
    const added = await deps.accounts.addUser({
      accountId: account.id,
      username: values.username,
      password,
      role: values.role as 'owner' | 'member',
      ...(values.email ? { email: values.email.toLowerCase() } : {}),
    });
    deps.logger.info(
      { accountId: account.id, userId: added.id, role: added.role, user: user.username },
      'user added on the operator console',
    );
    return c.redirect(`${ACCOUNTS}/${account.id}?notice=user-added`, 303);
  } catch (err) {
    if (!(err instanceof AccountsError)) throw err;
    const error = { message: `Nothing was added: ${err.message}.`, field: userFieldOf(err) };
    return renderAccount(c, deps, user, account, { error, values });
  }
}

/** Registers the console's pages: accounts, one account, all connections. */
export function registerOperatorConsoleRoutes(app: Hono<WebEnv>, deps: WebDeps): void {
  app.get(ACCOUNTS, async (c) => {
    const user = await operatorOf(c);
    return user instanceof Response ? user : renderAccounts(c, deps, user);
  });
  app.post(ACCOUNTS, (c) => createAccount(c, deps));
  app.get(`${ACCOUNTS}/:id`, async (c) => {
    const user = await operatorOf(c);
    if (user instanceof Response) return user;
    return renderAccount(c, deps, user, await deps.accounts.accountDetails(c.req.param('id')));
  });
  app.post(`${ACCOUNTS}/:id/users`, (c) => addUser(c, deps));
  app.get(CONNECTIONS, (c) => showConnections(c, deps));
}
