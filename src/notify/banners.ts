import type { Kysely } from 'kysely';
import { listVisibleConnections, type Viewer } from '../connections/repository.js';
import { daysLeft, deriveState } from '../connections/status.js';
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
      const connections = await listVisibleConnections(deps.db, viewer);
      const apps = await deps.db
        .selectFrom('applications')
        .select(['id', 'name', 'flagged_reason'])
        .where('flagged_at', 'is not', null)
        .execute();
      const usedApps = new Set(connections.map((c) => c.applicationId));
      for (const app of apps) {
        if (viewer.role !== 'operator' && !usedApps.has(app.id)) continue;
        out.push({
          tone: 'bad',
          kind: 'application.rejected',
          text: `Amazon rejected the credentials of the app "${app.name}": no seller connected through it can be reached until an operator fixes its client secret.${app.flagged_reason ? ` ${app.flagged_reason}` : ''}`,
          link: null,
        });
      }
      const problems: (Banner & { rank: number })[] = [];
      for (const c of connections) {
        const state = deriveState(c.state, c.expiresAt, now);
        const name = c.storeName ?? c.sellingPartnerId;
        const who = name.endsWith(`(${c.region})`) ? name : `${name} (${c.region})`;
        const link = { href: `/connections/${c.id}`, label: c.kind === 'oauth' ? 'Renew' : 'Details' };
        if (state === 'expiring') {
          const left = daysLeft(c.expiresAt, now) ?? 0;
          problems.push({
            rank: 2 + left / 1000,
            tone: 'warn',
            kind: 'connection.expiring',
            text: `The Amazon authorization for ${who} ends ${left <= 1 ? 'within a day' : `in ${left} days`}. Renew it before then, or orders stop coming in.`,
            link,
          });
        } else if (state === 'expired' || state === 'revoked') {
          problems.push({
            rank: state === 'revoked' ? 0 : 1,
            tone: 'bad',
            kind: `connection.${state}`,
            text:
              state === 'expired'
                ? `The Amazon authorization for ${who} has ended: orders no longer come in and listing changes wait. Renew it now.`
                : `Amazon revoked the authorization for ${who}: orders no longer come in and listing changes wait. Authorize it again.`,
            link,
          });
        } else if (state === 'error') {
          problems.push({
            rank: 1.5,
            tone: 'bad',
            kind: 'connection.error',
            text: `The Amazon connection for ${who} keeps failing; Sellerlink retries on its own.`,
            link: { href: `/connections/${c.id}`, label: 'Details' },
          });
        }
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
