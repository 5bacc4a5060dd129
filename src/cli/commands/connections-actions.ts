import type { Application } from '../../lifecycle/applications.js';
import type { Connection } from '../../connections/repository.js';
import type { AmazonApi, RegionCode } from '../../store/schema.js';
import { AppError } from '../../kernel/errors.js';
import {
  accountOption,
  CliInputError,
  formatDay,
  formatTime,
  forOption,
  readSecretFromStdin,
  withCliContext,
  type CliContext,
} from '../context.js';
import { table } from '../table.js';

/** What runs for `connections ...` (registered in connections.ts). */

/** How many audit entries `connections status` shows. */
const RECENT_AUDIT = 20;

/** The `--api` choices of `connections list`. */
type ApiChoice = 'sp-api' | 'ads' | 'all';

/** An Ads connection's stored profiles (src/ads/profiles.ts), as the ads use cases return them. */
type ProfilesView = Awaited<ReturnType<CliContext['ads']['profilesOf']>>;

const API_OF_CHOICE: Record<ApiChoice, AmazonApi | 'all'> = { 'sp-api': 'sp_api', ads: 'ads', all: 'all' };

/** `sp-api` or `ads`, as the REST API names the two APIs. */
function apiName(c: Connection): 'sp-api' | 'ads' {
  return c.api === 'ads' ? 'ads' : 'sp-api';
}

/** Who a connection is of, in the list: the seller (with its store name), or "Amazon Ads". */
function sellerText(c: Connection): string {
  if (c.api === 'ads') return 'Amazon Ads';
  return c.storeName ? `${c.sellingPartnerId} (${c.storeName})` : c.sellingPartnerId;
}

/** `connections list`: SP-API and Amazon Ads connections (or those of `--api`). */
export async function listConnections(options: {
  account?: string;
  api?: ApiChoice;
  json?: boolean;
}): Promise<void> {
  await withCliContext(async (ctx) => {
    const account = options.account === undefined ? undefined : await accountOption(ctx, options.account);
    const api = options.api ?? 'all';
    const list = await ctx.connections.list(ctx.viewer, account?.id, API_OF_CHOICE[api]);
    const names = await lookups(ctx);
    if (options.json) {
      console.log(
        JSON.stringify(
          list.map((c) => connectionJson(c, names)),
          null,
          2,
        ),
      );
      return;
    }
    if (list.length === 0) {
      console.log(emptyListText(account?.name, api));
      return;
    }
    console.log(
      table(
        ['id', 'api', 'account', 'region', 'seller', 'health', 'expires', 'last success', 'last error'],
        list.map((c) => [
          c.id,
          c.api === 'ads' ? 'Ads' : 'SP-API',
          names.accounts.get(c.accountId) ?? c.accountId,
          c.region,
          sellerText(c),
          c.health.label,
          c.expiresAt ? formatDay(c.expiresAt) : 'never',
          formatTime(c.lastSuccessAt),
          c.lastError ? `${c.lastError.code} at ${formatTime(c.lastError.at)}` : '-',
        ]),
      ),
    );
  });
}

/** What `connections list` says when nothing matches. */
function emptyListText(accountName: string | undefined, api: ApiChoice): string {
  const what = { 'sp-api': 'SP-API connections', ads: 'Amazon Ads connections', all: 'connections' }[api];
  if (accountName) return `No ${what} in account '${accountName}'.`;
  return api === 'ads'
    ? 'No Amazon Ads connections. Sellers connect Amazon Ads on the portal (Connections → Amazon Ads).'
    : `No ${what}. Sellers connect on the portal; self-authorized tokens: sellerlink connections import --help`;
}

/** The connection with this id, SP-API or Amazon Ads, if the viewer may see it; else `<id>: no connection`. */
async function findConnection(ctx: CliContext, id: string): Promise<Connection> {
  try {
    return await ctx.connections.get(ctx.viewer, id);
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'CONNECTION_NOT_FOUND')) throw err;
    // Not an SP-API connection: maybe an Amazon Ads one.
    return ctx.connections.get(ctx.viewer, id, 'ads').catch((adsErr: unknown) => {
      throw idError(adsErr, id);
    });
  }
}

/** `connections status <id>` (also `show`): SP-API or Amazon Ads (then with its profiles). */
export async function connectionStatus(id: string): Promise<void> {
  await withCliContext(async (ctx) => {
    const c = await findConnection(ctx, id);
    const history = (await ctx.connections.history(ctx.viewer, id, c.api)).slice(0, RECENT_AUDIT);
    const names = await lookups(ctx);
    const lines = c.api === 'ads' ? adsStatusLines(c, names) : statusLines(c, names);
    const width = Math.max(...lines.map(([k]) => k.length));
    console.log(lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
    if (c.api === 'ads') {
      console.log('');
      console.log(profilesText(await ctx.ads.profilesOf(c.id)));
    }
    console.log('');
    if (history.length === 0) {
      console.log('No audit entries.');
      return;
    }
    console.log(`Recent activity (newest first, up to ${RECENT_AUDIT}):`);
    console.log(
      table(
        ['time', 'actor', 'action', 'outcome', 'detail'],
        history.map((e) => [formatTime(e.at), e.actor, e.action, e.outcome, detailText(e.detail)]),
      ),
    );
  });
}

/** The health, expiry and token lines both kinds of connection show. */
function healthLines(c: Connection): [string, string][] {
  const status = c.health;
  return [
    ['health', `${status.label} (since ${formatTime(status.since)})`],
    ['why', status.reason],
    ['advice', status.advice],
    ['state', `${status.lifecycle}: ${c.stateReason ?? '-'} (since ${formatTime(c.stateChangedAt)})`],
    ['authorized', formatTime(c.authorizedAt)],
    ['expires', c.expiresAt ? formatTime(c.expiresAt) : 'never'],
    ['last success', formatTime(c.lastSuccessAt)],
    [
      'last error',
      c.lastError ? `${c.lastError.code} at ${formatTime(c.lastError.at)}: ${c.lastError.message}` : '-',
    ],
    ['refresh token', c.hasToken ? 'stored (sealed)' : 'none'],
  ];
}

/** The label/value lines `connections status` prints for one SP-API connection. */
function statusLines(c: Connection, names: Lookups): [string, string][] {
  const app = names.applications.get(c.applicationId);
  return [
    ['connection', c.id],
    ['api', 'SP-API'],
    ['account', `${names.accounts.get(c.accountId) ?? '?'} (${c.accountId})`],
    ['application', app ? `${app.name} (${app.appId})` : c.applicationId],
    ['seller', c.storeName ? `${c.sellingPartnerId} (${c.storeName})` : c.sellingPartnerId],
    ['region', c.region],
    ['marketplaces', c.marketplaceIds.length ? c.marketplaceIds.join(', ') : '-'],
    ['kind', c.kind === 'self' ? 'self-authorized (imported refresh token)' : 'OAuth (seller consent)'],
    ...healthLines(c),
  ];
}

/** The label/value lines `connections status` prints for one Amazon Ads connection. */
function adsStatusLines(c: Connection, names: Lookups): [string, string][] {
  const app = names.applications.get(c.applicationId);
  return [
    ['connection', c.id],
    ['api', 'Amazon Ads'],
    ['account', `${names.accounts.get(c.accountId) ?? '?'} (${c.accountId})`],
    ['application', app ? `${app.name} (Ads security profile ${app.clientId})` : c.applicationId],
    ['region', `${c.region} (the consent's region; profiles are listed on all three Ads hosts)`],
    ['kind', 'OAuth (advertiser consent, Login with Amazon)'],
    ...healthLines(c),
  ];
}

/**
 * An Ads connection's advertising profiles as a table, with the seller connection each matches
 * (a match of ids, not Amazon's word), or why there are none.
 * @see https://advertising.amazon.com/API/docs/en-us/reference/2/profiles
 */
function profilesText(view: ProfilesView): string {
  if (view.listedAt === null) return 'Advertising profiles: not listed yet.';
  const failed = view.failedRegions.length ? `; not answered: ${view.failedRegions.join(', ')}` : '';
  const heading = `Advertising profiles (listed ${formatTime(view.listedAt)}${failed}):`;
  if (view.profiles.length === 0) {
    return `${heading}\nNone: Amazon lists no profiles until the advertiser has created at least one campaign.`;
  }
  return [
    heading,
    table(
      [
        'profile id',
        'region',
        'country',
        'currency',
        'time zone',
        'type',
        'account id',
        'account name',
        'match',
      ],
      view.profiles.map((p) => [
        p.profileId,
        p.region,
        p.countryCode,
        p.currencyCode,
        p.timezone,
        p.accountType,
        p.accountId,
        p.accountName,
        p.match ? `seller connection ${p.match.connectionId}` : '-',
      ]),
    ),
  ].join('\n');
}

/** `connections import`: a self-authorized refresh token from standard input. */
export async function importConnection(options: {
  account: string;
  application: string;
  region: RegionCode;
  sellingPartnerId: string;
  refreshTokenStdin?: boolean;
}): Promise<void> {
  if (!options.refreshTokenStdin) {
    throw new CliInputError(
      '--refresh-token-stdin is required: pipe the refresh token in (it is never accepted as an ' +
        'argument), e.g. printf \'%s\' "$TOKEN" | sellerlink connections import ... --refresh-token-stdin',
    );
  }
  await withCliContext(async (ctx) => {
    const account = await accountOption(ctx, options.account);
    const app = await findApplication(ctx, options.application);
    const refreshToken = await readSecretFromStdin('--refresh-token-stdin', 'refresh token');
    const c = await ctx.connections
      .importSelfAuthorized(
        ctx.viewer,
        {
          accountId: account.id,
          applicationId: app.id,
          region: options.region,
          sellingPartnerId: options.sellingPartnerId,
          refreshToken,
        },
        null,
      )
      .catch((err: unknown) =>
        forOption(err, {
          sellingPartnerId: '--selling-partner-id',
          refreshToken: '--refresh-token-stdin',
        }),
      );
    const status = c.health;
    console.log(
      [
        `Imported: connection ${c.id}. Amazon accepted the refresh token; it is stored sealed.`,
        `  account       ${account.name}`,
        `  application   ${app.name}`,
        `  seller        ${c.sellingPartnerId} (${c.region})${c.storeName ? `, ${c.storeName}` : ''}`,
        `  marketplaces  ${c.marketplaceIds.length ? c.marketplaceIds.join(', ') : '-'}`,
        `  health        ${status.label}`,
        `  expires       ${c.expiresAt ? formatDay(c.expiresAt) : 'never'}`,
      ].join('\n'),
    );
    if (c.marketplaceIds.length === 0)
      console.log('Note: the marketplaces could not be fetched yet; the health probe asks Amazon again.');
  });
}

/** `connections disconnect <id>`: SP-API or Amazon Ads. */
export async function disconnectConnection(id: string): Promise<void> {
  await withCliContext(async (ctx) => {
    const found = await findConnection(ctx, id);
    const c = await ctx.connections.disconnect(ctx.viewer, id, null, found.api).catch((err: unknown) => {
      throw idError(err, id);
    });
    if (c.api === 'ads') {
      console.log(
        [
          `Disconnected ${c.id} (Amazon Ads, ${c.region}): the stored refresh token was deleted.`,
          'Amazon still counts the app as authorized until it is removed there: the advertiser should remove it in their Amazon account\'s "Apps and services".',
        ].join('\n'),
      );
      return;
    }
    const where =
      c.kind === 'self'
        ? 'revoke the self-authorization in the Developer Console (Solution Provider Portal → Develop Apps → the app → Authorize app)'
        : `the seller should remove the app in Seller Central → Manage Your Apps (${ctx.endpoints.sellerCentral[c.region]})`;
    console.log(
      [
        `Disconnected ${c.id} (seller ${c.sellingPartnerId}, ${c.region}): the stored refresh token was deleted.`,
        `Amazon still counts the app as authorized until it is removed there: ${where}.`,
      ].join('\n'),
    );
  });
}

interface Lookups {
  accounts: Map<string, string>;
  applications: Map<string, Application>;
}

async function lookups(ctx: CliContext): Promise<Lookups> {
  return {
    accounts: new Map((await ctx.accounts.listAccounts()).map((a) => [a.id, a.name])),
    applications: new Map((await ctx.applications.list('all')).map((a) => [a.id, a])),
  };
}

function connectionJson(c: Connection, names: Lookups) {
  const status = c.health;
  return {
    id: c.id,
    api: apiName(c),
    accountId: c.accountId,
    accountName: names.accounts.get(c.accountId) ?? null,
    applicationId: c.applicationId,
    applicationName: names.applications.get(c.applicationId)?.name ?? null,
    region: c.region,
    sellingPartnerId: c.api === 'ads' ? null : c.sellingPartnerId,
    storeName: c.storeName,
    marketplaceIds: c.marketplaceIds,
    kind: c.kind,
    state: status.lifecycle,
    health: {
      state: status.state,
      label: status.label,
      reason: status.reason,
      action: status.action,
      since: status.since,
      deadline: status.deadline,
    },
    stateLabel: status.label,
    daysLeft: status.daysLeft,
    authorizedAt: c.authorizedAt,
    expiresAt: c.expiresAt,
    lastSuccessAt: c.lastSuccessAt,
    lastError: c.lastError,
    hasToken: c.hasToken,
  };
}

/** An application by internal id, Amazon app id or exact name. */
async function findApplication(ctx: CliContext, key: string): Promise<Application> {
  const apps = await ctx.applications.list();
  const found = apps.find((a) => a.id === key || a.appId === key) ?? apps.filter((a) => a.name === key);
  if (!Array.isArray(found)) return found;
  if (found.length === 1) return found[0]!;
  throw new CliInputError(
    found.length === 0
      ? `--application: no application '${key}' (see: sellerlink applications list)`
      : `--application: ${found.length} applications are named '${key}'; give the id or app id`,
  );
}

function idError(err: unknown, id: string): unknown {
  if (err instanceof AppError && err.code === 'CONNECTION_NOT_FOUND') {
    return new AppError(err.code, `<id>: no connection '${id}' (see: sellerlink connections list)`, {
      cause: err,
    });
  }
  return err;
}

/** An audit entry's detail in one short line. */
function detailText(detail: Record<string, unknown>): string {
  const parts = Object.entries(detail)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const text = parts.join(' ');
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
