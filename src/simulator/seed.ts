import { DEMO_ADS, seedAdsWorld } from './ads-seed.js';
import type { SimContext } from './context.js';
import { seedDemoListings } from './listings-seed.js';
import { addApp, addSeller, authorize } from './world.js';

/**
 * The `demo` seed: one draft app, one published app, and a demo seller in each region, all with
 * fixed identifiers and credentials so docs/simulator.md can list them; and the Amazon Ads demo
 * (`DEMO.ads`, ads-seed.ts): Ads clients and advertisers whose users are the demo sellers' users.
 */

const DEMO_SELLERS = [
  {
    sellingPartnerId: 'A1DEMOSELLERNA',
    name: 'Demo Outdoor Goods (NA)',
    region: 'NA',
    email: 'demo-na@example.com',
    marketplaceIds: ['ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2', 'A1AM78C64UM0Y8'],
  },
  {
    sellingPartnerId: 'A1DEMOSELLEREU',
    name: 'Demo Outdoor Goods (EU)',
    region: 'EU',
    email: 'demo-eu@example.com',
    marketplaceIds: ['A1F83G8C2ARO7P', 'A1PA6795UKMFR9', 'A13V1IB3VIYZZH', 'APJ6JRA9NG5V4', 'A1RKKUPIHCS9HS'],
  },
  {
    sellingPartnerId: 'A1DEMOSELLERFE',
    name: 'Demo Outdoor Goods (FE)',
    region: 'FE',
    email: 'demo-fe@example.com',
    marketplaceIds: ['A1VC38T7YXB528', 'A39IBJ37TRP1C6', 'A19VAU5U5O7RUS'],
  },
] as const;

export const DEMO = Object.freeze({
  draftApp: {
    appId: 'amzn1.sp.solution.00000000-0000-4000-8000-00000000d4af',
    name: 'Sellerlink Demo (Draft)',
    clientId: 'amzn1.application-oa2-client.demodraft00000000000000000000000',
    clientSecret: 'amzn1.oa2-cs.v1.demodraftsecret000000000000000000000000000000000000000000000000',
  },
  publishedApp: {
    appId: 'amzn1.sp.solution.00000000-0000-4000-8000-0000000009b1',
    name: 'Sellerlink Demo',
    clientId: 'amzn1.application-oa2-client.demopublished000000000000000000',
    clientSecret: 'amzn1.oa2-cs.v1.demopublishedsecret0000000000000000000000000000000000000000000000',
  },
  sellers: DEMO_SELLERS,
  sellerPassword: 'demo-password',
  /** The private app's own seller, for self-authorization. */
  selfAuthSellingPartnerId: 'A1DEMOSELLERNA',
  /**
   * Amazon Ads: `client` (approved), `unapprovedClient`, `advertiser` (signs in with the demo
   * sellers' emails and `sellerPassword`; profiles NA US+CA, EU UK+DE+FR vendor, FE JP) and
   * `emptyAdvertiser` (no campaigns, so `/v2/profiles` answers `[]`).
   */
  ads: {
    ...DEMO_ADS,
    advertiser: { ...DEMO_ADS.advertiser, emails: DEMO_SELLERS.map((s) => s.email) },
  },
} as const);

export interface DemoSeedOptions {
  /** Redirect URIs registered on both demo apps; the first is the default (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow). */
  redirectUris: string[];
  /** Login URI of both apps, for the Amazon-initiated flow (https://developer-docs.amazon.com/sp-api/docs/selling-partner-appstore-authorization-workflow). */
  loginUri?: string;
  /** Where new-secret notifications go. */
  notificationDestinationUrl?: string;
  /** Allowed Return URLs of both demo Ads clients (default none: every Ads consent then fails on the redirect URI). */
  adsReturnUrls?: string[];
}

/** Adds the demo apps and sellers. Does not authorize anything: sellers do that through consent. */
export function seedDemo(ctx: SimContext, options: DemoSeedOptions): void {
  for (const [spec, status] of [
    [DEMO.draftApp, 'draft'],
    [DEMO.publishedApp, 'published'],
  ] as const) {
    addApp(ctx, {
      appId: spec.appId,
      name: spec.name,
      clientId: spec.clientId,
      clientSecret: spec.clientSecret,
      status,
      redirectUris: options.redirectUris,
      ...(options.loginUri === undefined ? {} : { loginUri: options.loginUri }),
      ...(options.notificationDestinationUrl === undefined
        ? {}
        : { notificationDestinationUrl: options.notificationDestinationUrl }),
      ownerSellingPartnerId: DEMO.selfAuthSellingPartnerId,
    });
  }
  for (const s of DEMO.sellers) {
    addSeller(ctx, {
      sellingPartnerId: s.sellingPartnerId,
      name: s.name,
      region: s.region,
      marketplaceIds: [...s.marketplaceIds],
      users: [{ email: s.email, password: DEMO.sellerPassword }],
    });
  }
  seedDemoListings(ctx);
  seedDemoAds(ctx, options.adsReturnUrls ?? []);
}

/** Adds (or replaces) the Amazon Ads demo clients and advertisers (`DEMO.ads`). */
export function seedDemoAds(ctx: SimContext, adsReturnUrls: string[]): void {
  seedAdsWorld(ctx, {
    returnUrls: adsReturnUrls,
    advertiserUsers: DEMO.sellers.map((s) => ({ email: s.email, password: DEMO.sellerPassword })),
    password: DEMO.sellerPassword,
  });
}

/** Self-authorizes an app for its owner seller, as the Developer Console's "Authorize app" does. */
export function selfAuthorize(ctx: SimContext, appId: string, sellingPartnerId?: string): string {
  const app = ctx.state.apps.get(appId);
  if (!app) throw new Error(`unknown app ${appId}`);
  const owner = sellingPartnerId ?? app.ownerSellingPartnerId;
  if (!owner) throw new Error(`app ${appId} has no owner seller to self-authorize`);
  return authorize(ctx, { appId, sellingPartnerId: owner, kind: 'self' }).refreshToken;
}
