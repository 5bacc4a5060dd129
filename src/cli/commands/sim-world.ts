import type { Command } from 'commander';
import { defined, simAction, type SimCommandDeps } from './sim-action.js';
import { SimCliError } from './sim-client.js';
import { table } from '../table.js';

/** `sim apps|sellers|authorizations|revoke|rotate-secret|self-authorize`: the simulated world's actors. */

interface AppView {
  appId: string;
  name: string;
  clientId: string;
  status: string;
  redirectUris: string[];
  loginUri: string | null;
  roles: string[];
  ownerSellingPartnerId: string | null;
  notificationDestinationUrl: string | null;
  clientSecrets: { issuedAt: string; expiresAt: string; expired: boolean; secret?: string }[];
  clientSecret?: string;
}

interface SellerView {
  sellingPartnerId: string;
  name: string;
  region: string;
  marketplaceIds: string[];
  users: { email: string; password?: string }[];
}

interface AuthorizationView {
  id: string;
  appId: string;
  sellingPartnerId: string;
  region: string;
  kind: string;
  status: string;
  authorizedAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  refreshToken?: string;
}

interface RotateView {
  app: AppView;
  notification: {
    body: { payload?: { applicationOAuthClientNewSecret?: Record<string, string> } };
    destinationUrl: string | null;
    delivery: { status: string; httpStatus?: number; error?: string };
  };
}

/** Registers the world subcommands on `sim`. */
export function registerSimWorldCommands(sim: Command, deps: SimCommandDeps): void {
  registerApps(sim, deps);
  registerSellers(sim, deps);
  registerAuthorizations(sim, deps);
  registerAuthorizationChanges(sim, deps);
}

/** The newest secret that has not expired, when revealed. */
function currentSecret(app: AppView): AppView['clientSecrets'][number] | undefined {
  return app.clientSecrets.filter((s) => !s.expired).sort((a, b) => (a.issuedAt < b.issuedAt ? 1 : -1))[0];
}

function appText(app: AppView): string {
  const secret = app.clientSecret ?? currentSecret(app)?.secret;
  const lines = [
    `${app.name} (${app.status})`,
    `  app id:        ${app.appId}`,
    `  client id:     ${app.clientId}`,
    ...(secret === undefined ? [] : [`  client secret: ${secret}`]),
    `  redirect URIs: ${app.redirectUris.join(', ')}`,
  ];
  if (app.loginUri) lines.push(`  login URI:     ${app.loginUri}`);
  if (app.ownerSellingPartnerId) lines.push(`  owner seller:  ${app.ownerSellingPartnerId}`);
  if (app.notificationDestinationUrl) lines.push(`  notifications: ${app.notificationDestinationUrl}`);
  return lines.join('\n');
}

function registerApps(sim: Command, deps: SimCommandDeps): void {
  const apps = sim.command('apps').description('list or create SP-API apps (Developer Console)');
  apps
    .command('list', { isDefault: true })
    .description('list the apps')
    .option('--reveal', 'also print client secrets')
    .action(
      simAction<{ reveal?: boolean }>(deps, async (io, o) => {
        const data = await io.client.get<{ apps: AppView[] }>('/_sim/apps', {
          reveal: o.reveal ? '1' : undefined,
        });
        io.show(data, (d) => {
          if (d.apps.length === 0) return 'No apps. Create one with `sellerlink sim apps create`.';
          const headers = ['app id', 'name', 'status', 'client id', 'secret expires'];
          if (o.reveal) headers.push('client secret');
          const rows = d.apps.map((a) => {
            const secret = currentSecret(a);
            const row = [a.appId, a.name, a.status, a.clientId, secret?.expiresAt ?? 'all expired'];
            if (o.reveal) row.push(secret?.secret ?? '');
            return row;
          });
          return table(headers, rows);
        });
      }),
    );

  apps
    .command('create')
    .description('register a new app; prints its client secret once')
    .requiredOption('--name <name>', 'app name')
    .requiredOption('--redirect-uri <uri...>', 'OAuth redirect URIs; the first is the default')
    .option('--status <status>', "'draft' (authorize with version=beta) or 'published'", 'draft')
    .option('--login-uri <uri>', 'Login URI for the Amazon-initiated flow')
    .option('--role <role...>', 'role names shown on the consent page')
    .option('--owner <sellingPartnerId>', 'the seller that owns the app (self-authorization)')
    .option('--notification-url <url>', 'where new-secret notifications are POSTed')
    .option('--app-id <id>', 'fixed app id (default: generated)')
    .option('--client-id <id>', 'fixed LWA client id (default: generated)')
    .option('--client-secret <secret>', 'fixed client secret (default: generated)')
    .action(
      simAction<{
        name: string;
        redirectUri: string[];
        status: string;
        loginUri?: string;
        role?: string[];
        owner?: string;
        notificationUrl?: string;
        appId?: string;
        clientId?: string;
        clientSecret?: string;
      }>(deps, async (io, o) => {
        const created = await io.client.post<AppView>('/_sim/apps', {
          name: o.name,
          status: o.status,
          redirectUris: o.redirectUri,
          ...defined({
            loginUri: o.loginUri,
            roles: o.role,
            ownerSellingPartnerId: o.owner,
            notificationDestinationUrl: o.notificationUrl,
            appId: o.appId,
            clientId: o.clientId,
            clientSecret: o.clientSecret,
          }),
        });
        io.show(created, (a) => `Created app ${appText(a)}\nStore the client secret now: listings hide it.`);
      }),
    );
}

function registerSellers(sim: Command, deps: SimCommandDeps): void {
  const sellers = sim.command('sellers').description('list or create selling partners');
  sellers
    .command('list', { isDefault: true })
    .description('list the sellers')
    .option('--reveal', 'also print sign-in passwords')
    .action(
      simAction<{ reveal?: boolean }>(deps, async (io, o) => {
        const data = await io.client.get<{ sellers: SellerView[] }>('/_sim/sellers', {
          reveal: o.reveal ? '1' : undefined,
        });
        io.show(data, (d) => {
          if (d.sellers.length === 0) return 'No sellers. Create one with `sellerlink sim sellers create`.';
          const rows = d.sellers.map((s) => [
            s.sellingPartnerId,
            s.name,
            s.region,
            s.marketplaceIds.join(','),
            s.users
              .map((u) => (u.password === undefined ? u.email : `${u.email} / ${u.password}`))
              .join(', '),
          ]);
          return table(['selling partner id', 'name', 'region', 'marketplaces', 'sign-in'], rows);
        });
      }),
    );

  sellers
    .command('create')
    .description('add a seller who can sign in to the simulated Seller Central')
    .requiredOption('--name <name>', 'store name')
    .requiredOption('--region <region>', 'NA, EU or FE')
    .requiredOption('--marketplace <id...>', 'marketplace ids in that region (e.g. ATVPDKIKX0DER)')
    .option('--email <email>', 'sign-in email (with --password)')
    .option('--password <password>', 'sign-in password (with --email)')
    .option('--id <sellingPartnerId>', 'fixed selling partner id (default: generated)')
    .action(
      simAction<{
        name: string;
        region: string;
        marketplace: string[];
        email?: string;
        password?: string;
        id?: string;
      }>(deps, async (io, o) => {
        if ((o.email === undefined) !== (o.password === undefined)) {
          throw new SimCliError('give --email and --password together');
        }
        const created = await io.client.post<SellerView>('/_sim/sellers', {
          name: o.name,
          region: o.region.toUpperCase(),
          marketplaceIds: o.marketplace,
          ...(o.email === undefined ? {} : { users: [{ email: o.email, password: o.password }] }),
          ...defined({ sellingPartnerId: o.id }),
        });
        io.show(created, (s) =>
          [
            `Created seller ${s.name}`,
            `  selling partner id: ${s.sellingPartnerId}`,
            `  region:             ${s.region}`,
            `  marketplaces:       ${s.marketplaceIds.join(', ')}`,
            ...(s.users.length === 0
              ? []
              : [`  sign-in:            ${s.users.map((u) => u.email).join(', ')}`]),
          ].join('\n'),
        );
      }),
    );
}

function authorizationText(a: AuthorizationView): string {
  return [
    `authorization ${a.id}: app ${a.appId}, seller ${a.sellingPartnerId} (${a.region}, ${a.kind})`,
    `  status ${a.status}; authorized ${a.authorizedAt}; expires ${a.expiresAt ?? 'never'}` +
      (a.revokedAt === null ? '' : `; revoked ${a.revokedAt}`),
  ].join('\n');
}

function rotationText(d: RotateView): string {
  const s = d.notification.body.payload?.applicationOAuthClientNewSecret ?? {};
  const delivery = d.notification.delivery;
  const sent =
    delivery.status === 'delivered'
      ? `delivered to ${d.notification.destinationUrl}`
      : delivery.status === 'no-destination'
        ? 'not delivered (the app has no notification destination; see `sellerlink sim notifications`)'
        : `delivery to ${d.notification.destinationUrl} failed (${delivery.error ?? `HTTP ${delivery.httpStatus}`})`;
  return [
    `Rotated the client secret of ${d.app.name} (${d.app.appId})`,
    `  new client secret: ${s.newClientSecret}`,
    `  new secret expires ${s.newClientSecretExpiryTime}; old secret expires ${s.oldClientSecretExpiryTime}`,
    `  notification ${sent}`,
  ].join('\n');
}

function registerAuthorizations(sim: Command, deps: SimCommandDeps): void {
  const authorizations = sim.command('authorizations').description('list authorizations (app × seller)');
  authorizations
    .command('list', { isDefault: true })
    .description('list authorizations')
    .option('--app <appId>', 'only this app')
    .option('--seller <sellingPartnerId>', 'only this seller')
    .option('--reveal', 'also print refresh tokens')
    .action(
      simAction<{ app?: string; seller?: string; reveal?: boolean }>(deps, async (io, o) => {
        const data = await io.client.get<{ authorizations: AuthorizationView[] }>('/_sim/authorizations', {
          appId: o.app,
          sellingPartnerId: o.seller,
          reveal: o.reveal ? '1' : undefined,
        });
        io.show(data, (d) => {
          if (d.authorizations.length === 0) return 'No authorizations.';
          const headers = ['id', 'app', 'seller', 'region', 'kind', 'status', 'authorized', 'expires'];
          if (o.reveal) headers.push('refresh token');
          const rows = d.authorizations.map((a) => {
            const row = [a.id, a.appId, a.sellingPartnerId, a.region, a.kind, a.status, a.authorizedAt];
            row.push(a.expiresAt ?? 'never');
            if (o.reveal) row.push(a.refreshToken ?? '');
            return row;
          });
          return table(headers, rows);
        });
      }),
    );
}

/** `sim revoke|rotate-secret|self-authorize`: what a seller or the app's developer does. */
function registerAuthorizationChanges(sim: Command, deps: SimCommandDeps): void {
  sim
    .command('revoke <authorizationId>')
    .description('revoke an authorization, as the seller does in Manage Your Apps')
    .action(
      simAction(deps, async (io, _o, [id]) => {
        const a = await io.client.post<AuthorizationView>(
          `/_sim/authorizations/${encodeURIComponent(id!)}/revoke`,
        );
        io.show(a, (v) => `Revoked ${authorizationText(v)}`);
      }),
    );

  sim
    .command('rotate-secret <appId>')
    .description("rotate an app's client secret (the old one keeps working for 7 days)")
    .action(
      simAction(deps, async (io, _o, [appId]) => {
        const data = await io.client.post<RotateView>(
          `/_sim/apps/${encodeURIComponent(appId!)}/rotate-secret`,
        );
        io.show(data, rotationText);
      }),
    );

  sim
    .command('self-authorize <appId>')
    .description('self-authorize an app (Developer Console "Authorize app") and print the refresh token')
    .option('--seller <sellingPartnerId>', "the seller to authorize for (default: the app's owner)")
    .action(
      simAction<{ seller?: string }>(deps, async (io, o, [appId]) => {
        const data = await io.client.post<{
          refreshToken: string;
          sellingPartnerId: string;
          region: string;
          authorizedAt: string;
          expiresAt: string | null;
        }>(
          `/_sim/apps/${encodeURIComponent(appId!)}/self-authorize`,
          defined({ sellingPartnerId: o.seller }),
        );
        io.show(data, (d) =>
          [
            `Self-authorized ${appId} for seller ${d.sellingPartnerId} (${d.region})`,
            `  refresh token: ${d.refreshToken}`,
            `  authorized ${d.authorizedAt}; expires ${d.expiresAt ?? 'never'}`,
          ].join('\n'),
        );
      }),
    );
}
