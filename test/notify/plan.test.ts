import type { Selectable } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { EventType } from '../../src/events/events.js';
import { connectionBanners, type BannerConnection } from '../../src/notify/banners.js';
import { backoffDelay } from '../../src/notify/delivery-attempt.js';
import {
  deliveryScopes,
  planEventDeliveries,
  type EventAbout,
  type PlanContext,
  type ScopeTargets,
} from '../../src/notify/fan-out-plan.js';
import { OPERATORS_SCOPE } from '../../src/notify/settings.js';
import type { EventsTable } from '../../src/store/schema.js';

const ACCOUNT = '7d7b1c4e-0000-4000-8000-000000000001';
const at = new Date('2026-03-01T10:00:00Z');
const ctx: PlanContext = {
  emailEnabled: true,
  publicUrl: 'https://sellerlink.test',
  now: at,
  giveUp: new Date(at.getTime() + 86_400_000),
};
const about: EventAbout = {
  accountId: ACCOUNT,
  subject: {
    accountName: 'Acme',
    connection: null,
    application: { id: 'app', name: 'App', flaggedReason: null },
  },
};

function eventRow(type: EventType, accountId: string | null): Selectable<EventsTable> {
  return {
    id: '42',
    type,
    occurred_at: at,
    recorded_at: at,
    account_id: accountId,
    connection_id: null,
    application_id: null,
    payload: {},
    dedupe_key: null,
  };
}

function targets(
  emailTypes: EventType[],
  recipients: string[],
  endpoints: ScopeTargets['endpoints'] = [],
): ScopeTargets {
  return { settings: { emailEnabled: true, eventTypes: emailTypes, recipients }, endpoints };
}

/** channel → target, for comparing who gets what. */
const who = (rows: { scope: string; channel: string; target: string }[]) =>
  rows.map((r) => `${r.scope} ${r.channel} ${r.target}`).sort();

describe('who gets what', () => {
  it('tells an account and the operators about its connections, and each audience only about its own application copy', () => {
    expect(deliveryScopes('connection.expiring', ACCOUNT)).toEqual([ACCOUNT, OPERATORS_SCOPE]);
    expect(deliveryScopes('application.rejected', ACCOUNT)).toEqual([ACCOUNT]);
    expect(deliveryScopes('application.rejected', null)).toEqual([OPERATORS_SCOPE]);
    expect(deliveryScopes('connection.claim_review', null)).toEqual([OPERATORS_SCOPE]);
  });

  it('e-mails the recipients of each scope that chose the event type, and webhooks the endpoints that take it', () => {
    const before = new Date(at.getTime() - 1000);
    const after = new Date(at.getTime() + 1000);
    const map = new Map<string, ScopeTargets>([
      [
        ACCOUNT,
        targets(
          ['connection.expiring'],
          ['owner@acme.test', 'ops@acme.test'],
          [
            { id: 'all-types', eventTypes: [], recordedAt: before },
            { id: 'orders-only', eventTypes: ['order.upserted'], recordedAt: before },
            { id: 'added-later', eventTypes: [], recordedAt: after },
          ],
        ),
      ],
      [OPERATORS_SCOPE, targets(['application.rejected'], ['operator@vendor.test'])],
    ]);
    const rows = planEventDeliveries(ctx, eventRow('connection.expiring', ACCOUNT), about, map);
    expect(who(rows)).toEqual([
      `${ACCOUNT} email ops@acme.test`,
      `${ACCOUNT} email owner@acme.test`,
      `${ACCOUNT} webhook all-types`,
    ]);
    expect(rows.every((r) => r.give_up_at === ctx.giveUp && r.next_attempt_at === ctx.now)).toBe(true);
    const email = JSON.parse(rows.find((r) => r.channel === 'email')!.content) as { subject: string };
    expect(email.subject).toContain('Amazon authorization');
    const webhook = JSON.parse(rows.find((r) => r.channel === 'webhook')!.content) as { body: string };
    expect(JSON.parse(webhook.body)).toMatchObject({ id: 'evt_42', type: 'connection.expiring' });
  });

  it('plans no e-mail while e-mail is not configured or the scope turned it off; webhooks still go', () => {
    const endpoint = { id: 'hook', eventTypes: [], recordedAt: at };
    const map = new Map<string, ScopeTargets>([
      [ACCOUNT, targets(['application.rejected'], ['owner@acme.test'], [endpoint])],
    ]);
    const row = eventRow('application.rejected', ACCOUNT);
    expect(who(planEventDeliveries({ ...ctx, emailEnabled: false }, row, about, map))).toEqual([
      `${ACCOUNT} webhook hook`,
    ]);
    const off = new Map(map);
    off.set(ACCOUNT, {
      ...targets(['application.rejected'], ['owner@acme.test'], [endpoint]),
      settings: {
        emailEnabled: false,
        eventTypes: ['application.rejected'],
        recipients: ['owner@acme.test'],
      },
    });
    expect(who(planEventDeliveries(ctx, row, about, off))).toEqual([`${ACCOUNT} webhook hook`]);
  });
});

describe('retry delays', () => {
  const policy = { baseDelayMs: 30_000, maxDelayMs: 4 * 3_600_000 };

  it('doubles from the base per attempt up to the cap, within ±10 %', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy, 0.5))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(backoffDelay(20, policy, 0.5)).toBe(policy.maxDelayMs);
    expect(backoffDelay(1, policy, 0)).toBe(27_000);
    expect(backoffDelay(1, policy, 0.999999)).toBe(33_000);
  });
});

describe('connection banners', () => {
  const connection = (n: number, health: Partial<BannerConnection['health']>): BannerConnection =>
    ({
      id: `c${n}`,
      applicationId: 'app',
      storeName: `Shop ${n}`,
      sellingPartnerId: `A${n}`,
      region: 'EU',
      kind: 'oauth',
      health: { state: 'working', canCallAmazon: true, daysLeft: 200, lifecycle: 'active', ...health },
    }) as BannerConnection;

  it('puts revoked before expired before expiring soonest, groups paused ones, and counts what does not fit', () => {
    const banners = connectionBanners([
      connection(1, { state: 'renew_needed', canCallAmazon: true, daysLeft: 14 }),
      connection(2, { state: 'renew_needed', canCallAmazon: false, lifecycle: 'expired' }),
      connection(3, { state: 'renew_needed', canCallAmazon: false, lifecycle: 'revoked' }),
      connection(4, { state: 'paused_by_amazon' }),
      connection(5, { state: 'paused_by_amazon' }),
      connection(6, { state: 'renew_needed', canCallAmazon: true, daysLeft: 1 }),
      connection(7, { state: 'renew_needed', canCallAmazon: true, daysLeft: 30 }),
      connection(8, {}),
    ]);
    expect(banners.map((b) => b.kind)).toEqual([
      'connection.revoked',
      'connection.expired',
      'connection.error',
      'connection.expiring',
      'connection.expiring',
      'connection.more',
    ]);
    expect(banners[2]!.text).toContain('Shop 4 (EU), Shop 5 (EU)');
    expect(banners[3]).toMatchObject({ tone: 'bad', link: { href: '/connections/c6', label: 'Renew' } });
    expect(banners[4]).toMatchObject({ tone: 'warn', link: { href: '/connections/c1' } });
    expect(banners[5]!.text).toBe('1 more connection needs attention.');
  });
});
