import type { Kysely } from 'kysely';
import { listVisibleConnections, type Viewer } from '../connections/repository.js';
import type { Clock } from '../kernel/clock.js';
import type { Database } from '../store/schema.js';

/** A warning shown at the top of every portal page. */
export interface Banner {
  tone: 'warn' | 'bad';
  /** Stable kind, for tests and styling: connection.expiring, connection.expired, … */
  kind: string;
  text: string;
  link: { href: string; label: string } | null;
}

const MAX_CONNECTION_BANNERS = 5;

/** The portal's active warnings: connections that need renewal, and rejected applications. */
export function createBanners(deps: { db: Kysely<Database>; clock: Clock }) {
  return {
    /** Warnings for what the viewer can see, worst first. */
    async forViewer(viewer: Viewer): Promise<Banner[]> {
      const now = deps.clock.now();
      const out: Banner[] = [];
      const connections = await listVisibleConnections(deps.db, viewer, now);
      // Cut off by an application's credentials: one banner per app. Sellers are told nothing is
      // asked of them; operators get the likely cause and the fix.
      const cutOff = new Map<string, { name: string; reason: string | null; count: number }>();
      for (const c of connections) {
        if (c.health.state !== 'app_rejected') continue;
        const entry = cutOff.get(c.applicationId);
        if (entry) entry.count++;
        else cutOff.set(c.applicationId, { name: '', reason: null, count: 1 });
      }
      const apps = await deps.db
        .selectFrom('applications')
        .select(['id', 'name', 'flagged_reason'])
        .where('flagged_at', 'is not', null)
        .execute();
      for (const app of apps) {
        const affected = cutOff.get(app.id)?.count ?? 0;
        if (viewer.role !== 'operator' && affected === 0) continue;
        const scope = affected === 1 ? '1 connection is' : `${affected} connections are`;
        out.push({
          tone: 'bad',
          kind: 'application.rejected',
          text:
            viewer.role === 'operator'
              ? `Amazon rejects the credentials of the app "${app.name}": ${scope} cut off. ${app.flagged_reason ?? ''}`
              : `Amazon refuses the credentials of the app "${app.name}": ${scope} cut off. Nothing is asked of you: the operator has been alerted, and orders and listing changes catch up by themselves once it is fixed.`,
          link: { href: '/connections', label: 'Connections' },
        });
      }
      const problems: (Banner & { rank: number })[] = [];
      const paused: string[] = [];
      for (const c of connections) {
        const h = c.health;
        const name = c.storeName ?? c.sellingPartnerId;
        const who = name.endsWith(`(${c.region})`) ? name : `${name} (${c.region})`;
        const link = { href: `/connections/${c.id}`, label: c.kind === 'oauth' ? 'Renew' : 'Details' };
        if (h.state === 'renew_needed' && h.canCallAmazon) {
          const left = h.daysLeft ?? 0;
          problems.push({
            rank: 2 + left / 1000,
            tone: left <= 3 ? 'bad' : 'warn',
            kind: 'connection.expiring',
            text: `The Amazon authorization for ${who} ends ${left <= 1 ? 'within a day' : `in ${left} days`}. Renew it before then, or orders stop coming in.`,
            link,
          });
        } else if (h.state === 'renew_needed') {
          problems.push({
            rank: h.lifecycle === 'revoked' ? 0 : 1,
            tone: 'bad',
            kind: `connection.${h.lifecycle}`,
            text:
              h.lifecycle === 'expired'
                ? `The Amazon authorization for ${who} has ended: orders no longer come in and listing changes wait. Renew it now.`
                : `Amazon revoked the authorization for ${who}: orders no longer come in and listing changes wait. Authorize it again.`,
            link,
          });
        } else if (h.state === 'paused_by_amazon') {
          paused.push(who);
        }
      }
      // One banner for every connection Amazon is throttling or failing: nothing to do for any.
      if (paused.length > 0) {
        problems.push({
          rank: 1.5,
          tone: 'warn',
          kind: 'connection.error',
          text: `Amazon is throttling or failing for ${paused.join(', ')}; Sellerlink retries by itself. Nothing to do.`,
          link: { href: '/connections', label: 'Connections' },
        });
      }
      problems.sort((a, b) => a.rank - b.rank);
      for (const p of problems.slice(0, MAX_CONNECTION_BANNERS)) {
        const { rank: _rank, ...banner } = p;
        out.push(banner);
      }
      if (problems.length > MAX_CONNECTION_BANNERS) {
        out.push({
          tone: 'warn',
          kind: 'connection.more',
          text: `${problems.length - MAX_CONNECTION_BANNERS} more connections need attention.`,
          link: { href: '/connections', label: 'All connections' },
        });
      }
      return out;
    },
  };
}

export type Banners = ReturnType<typeof createBanners>;
