import type { Application } from '../../lifecycle/applications.js';
import type { Connection } from '../../connections/repository.js';
import type { RegionCode } from '../../store/schema.js';
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

/** `connections list`. */
export async function listConnections(options: { account?: string; json?: boolean }): Promise<void> {
  await withCliContext(async (ctx) => {
    const account = options.account === undefined ? undefined : await accountOption(ctx, options.account);
    const list = await ctx.connections.list(ctx.viewer, account?.id);
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
      console.log(
        account
          ? `No connections in account '${account.name}'.`
          : 'No connections. Sellers connect on the portal; self-authorized tokens: sellerlink connections import --help',
      );
      return;
    }
    console.log(
      table(
        ['id', 'account', 'region', 'seller', 'health', 'expires', 'last success', 'last error'],
        list.map((c) => [
          c.id,
          names.accounts.get(c.accountId) ?? c.accountId,
          c.region,
          c.storeName ? `${c.sellingPartnerId} (${c.storeName})` : c.sellingPartnerId,
          c.health.label,
          c.expiresAt ? formatDay(c.expiresAt) : 'never',
          formatTime(c.lastSuccessAt),
          c.lastError ? `${c.lastError.code} at ${formatTime(c.lastError.at)}` : '-',
        ]),
      ),
    );
  });
}

/** `connections status <id>`. */
export async function connectionStatus(id: string): Promise<void> {
  await withCliContext(async (ctx) => {
    const c = await ctx.connections.get(ctx.viewer, id).catch((err: unknown) => {
      throw idError(err, id);
    });
    const history = (await ctx.connections.history(ctx.viewer, id)).slice(0, RECENT_AUDIT);
    const lines = statusLines(c, await lookups(ctx));
    const width = Math.max(...lines.map(([k]) => k.length));
    console.log(lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
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

/** The label/value lines `connections status` prints for one connection. */
function statusLines(c: Connection, names: Lookups): [string, string][] {
  const status = c.health;
  const app = names.applications.get(c.applicationId);
  return [
    ['connection', c.id],
    ['account', `${names.accounts.get(c.accountId) ?? '?'} (${c.accountId})`],
    ['application', app ? `${app.name} (${app.appId})` : c.applicationId],
    ['seller', c.storeName ? `${c.sellingPartnerId} (${c.storeName})` : c.sellingPartnerId],
    ['region', c.region],
    ['marketplaces', c.marketplaceIds.length ? c.marketplaceIds.join(', ') : '-'],
    ['kind', c.kind === 'self' ? 'self-authorized (imported refresh token)' : 'OAuth (seller consent)'],
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

/** `connections disconnect <id>`. */
export async function disconnectConnection(id: string): Promise<void> {
  await withCliContext(async (ctx) => {
    const c = await ctx.connections.disconnect(ctx.viewer, id, null).catch((err: unknown) => {
      throw idError(err, id);
    });
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
    applications: new Map((await ctx.applications.list()).map((a) => [a.id, a])),
  };
}

function connectionJson(c: Connection, names: Lookups) {
  const status = c.health;
  return {
    id: c.id,
    accountId: c.accountId,
    accountName: names.accounts.get(c.accountId) ?? null,
    applicationId: c.applicationId,
    applicationName: names.applications.get(c.applicationId)?.name ?? null,
    region: c.region,
    sellingPartnerId: c.sellingPartnerId,
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
