import type { Kysely } from 'kysely';
import { connectionName, connectionPath } from '../lifecycle/ads-identity.js';
import { listAttentionConnections } from '../connections/list-page.js';
import type { Connection, Viewer } from '../connections/repository.js';
import type { Clock } from '../kernel/clock.js';
import { counted } from '../kernel/plural.js';
import type { Database } from '../store/schema.js';

/**
 * How urgent a banner is; the portal draws each level differently (one component, one style on
 * every page: web/pages/notification-banners.tsx). `danger` is announced (role="alert"), the others
 * are polite (role="status").
 */
export type BannerLevel = 'info' | 'warning' | 'danger';

/**
 * The level of a reminder `daysLeft` days before an authorization ends: info from 30 days, warning
 * from 7, danger on the last day (and once it has ended or was revoked).
 */
export function expiryLevel(daysLeft: number): BannerLevel {
  if (daysLeft <= 1) return 'danger';
  return daysLeft <= 7 ? 'warning' : 'info';
}

/** A warning shown at the top of every portal page. */
export interface Banner {
  tone: 'warn' | 'bad';
  /** How urgent: drawn and announced differently (see BannerLevel). */
  level: BannerLevel;
  /** Stable kind, for tests and styling: connection.expiring, connection.expired, … */
  kind: string;
  text: string;
  link: { href: string; label: string } | null;
}

/** The connection fields the banners look at. */
export type BannerConnection = Pick<
  Connection,
  'id' | 'api' | 'applicationId' | 'storeName' | 'sellingPartnerId' | 'region' | 'kind' | 'health'
>;

/** An application Amazon currently rejects. */
export interface FlaggedApplication {
  id: string;
  name: string;
  flagged_reason: string | null;
}

const MAX_CONNECTION_BANNERS = 5;

/**
 * One banner per application whose credentials Amazon rejects: sellers (only those with a connection
 * it cuts off) are told nothing is asked of them; operators get the likely cause and the fix.
 */
export function applicationBanners(
  viewer: Pick<Viewer, 'role'>,
  connections: readonly BannerConnection[],
  flagged: readonly FlaggedApplication[],
): Banner[] {
  const cutOff = new Map<string, number>();
  for (const c of connections) {
    if (c.health.state === 'app_rejected')
      cutOff.set(c.applicationId, (cutOff.get(c.applicationId) ?? 0) + 1);
  }
  const out: Banner[] = [];
  for (const app of flagged) {
    const affected = cutOff.get(app.id) ?? 0;
    if (viewer.role !== 'operator' && affected === 0) continue;
    const scope = `${counted(affected, 'connection')} ${affected === 1 ? 'is' : 'are'}`;
    out.push({
      tone: 'bad',
      level: 'danger',
      kind: 'application.rejected',
      text:
        viewer.role === 'operator'
          ? `Amazon rejects the credentials of the app "${app.name}": ${scope} cut off. ${app.flagged_reason ?? ''}`
          : `Amazon refuses the credentials of the app "${app.name}": ${scope} cut off. Nothing is asked of you: the operator has been alerted, and orders and listing changes catch up by themselves once it is fixed.`,
      link: { href: '/connections', label: 'Connections' },
    });
  }
  return out;
}

/** A connection's problem as a banner with its rank (lower: worse), or null when it has none to show. */
function connectionProblem(c: BannerConnection, who: string): (Banner & { rank: number }) | null {
  const h = c.health;
  const link = { href: connectionPath(c), label: c.kind === 'oauth' ? 'Renew' : 'Details' };
  const ads = c.api === 'ads';
  const stopped = ads
    ? 'advertising tools can no longer reach the Amazon Ads API'
    : 'orders no longer come in and listing changes wait';
  if (h.state === 'renew_needed' && h.canCallAmazon) {
    const left = h.daysLeft ?? 0;
    return {
      rank: 2 + left / 1000,
      tone: left <= 3 ? 'bad' : 'warn',
      level: expiryLevel(left),
      kind: 'connection.expiring',
      text: `The Amazon authorization for ${who} ends ${left <= 1 ? 'within a day' : `in ${counted(left, 'day')}`}. Renew it before then, or ${ads ? 'advertising tools lose access' : 'orders stop coming in'}.`,
      link,
    };
  }
  if (h.state === 'renew_needed') {
    return {
      rank: h.lifecycle === 'revoked' ? 0 : 1,
      tone: 'bad',
      level: 'danger',
      kind: `connection.${h.lifecycle}`,
      text:
        h.lifecycle === 'expired'
          ? `The Amazon authorization for ${who} has ended: ${stopped}. Renew it now.`
          : `Amazon revoked the authorization for ${who}: ${stopped}. Authorize it again.`,
      link,
    };
  }
  return null;
}

/**
 * The connections' banners, worst first: renewals needed (revoked, expired, then expiring soonest
 * first), one banner for all that Amazon throttles or fails (nothing to do), at most five, then a
 * count of the rest.
 */
export function connectionBanners(connections: readonly BannerConnection[]): Banner[] {
  const problems: (Banner & { rank: number })[] = [];
  const paused: string[] = [];
  for (const c of connections) {
    const who = connectionName(c);
    const problem = connectionProblem(c, who);
    if (problem) problems.push(problem);
    else if (c.health.state === 'paused_by_amazon') paused.push(who);
  }
  if (paused.length > 0) {
    problems.push({
      rank: 1.5,
      tone: 'warn',
      // Nothing to do: told, not announced.
      level: 'info',
      kind: 'connection.error',
      text: `Amazon is throttling or failing for ${paused.join(', ')}; Sellerlink retries by itself. Nothing to do.`,
      link: { href: '/connections', label: 'Connections' },
    });
  }
  problems.sort((a, b) => a.rank - b.rank);
  const out: Banner[] = problems.slice(0, MAX_CONNECTION_BANNERS).map(({ rank: _rank, ...banner }) => banner);
  if (problems.length > MAX_CONNECTION_BANNERS) {
    const more = problems.length - MAX_CONNECTION_BANNERS;
    out.push({
      tone: 'warn',
      level: 'warning',
      kind: 'connection.more',
      text: `${counted(more, 'more connection', 'more connections')} ${more === 1 ? 'needs' : 'need'} attention.`,
      link: { href: '/connections', label: 'All connections' },
    });
  }
  return out;
}

/** Warnings for what the viewer can see, worst first: rejected applications, then connections. */
export async function bannersFor(
  deps: { db: Kysely<Database>; clock: Clock },
  viewer: Viewer,
): Promise<Banner[]> {
  // Only the connections that need attention (at most ATTENTION_MAX): the banners are about no others.
  const connections = await listAttentionConnections(deps.db, viewer, deps.clock.now());
  const flagged = await deps.db
    .selectFrom('applications')
    .select(['id', 'name', 'flagged_reason'])
    .where('flagged_at', 'is not', null)
    .execute();
  return [...applicationBanners(viewer, connections, flagged), ...connectionBanners(connections)];
}

/** The portal's active warnings: connections that need renewal, and rejected applications. */
export function createBanners(deps: { db: Kysely<Database>; clock: Clock }) {
  return {
    /** Warnings for what the viewer can see, worst first. */
    forViewer: (viewer: Viewer): Promise<Banner[]> => bannersFor(deps, viewer),
  };
}

export type Banners = ReturnType<typeof createBanners>;
