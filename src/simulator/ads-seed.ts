import { putAdsClient, putAdvertiser } from './ads-world.js';
import type { SimContext } from './context.js';
import type { SimAdsCampaign, SimAdsProfile, SimSellerUser } from './state.js';

/**
 * The Amazon Ads part of the `demo` seed (`DEMO.ads` in seed.ts): an approved and an unapproved
 * Ads client, an advertiser with profiles in all three regions (the demo sellers' accounts and one
 * vendor account that matches no seller), and an advertiser whose profiles have no campaign, so
 * `/v2/profiles` lists nothing for it (https://advertising.amazon.com/API/docs/en-us/reference/2/profiles).
 */

type DemoProfile = Omit<SimAdsProfile, 'campaigns'> & { campaigns: readonly SimAdsCampaign[] };

function campaign(
  campaignId: string,
  name: string,
  state: SimAdsCampaign['state'],
  targetingType: SimAdsCampaign['targetingType'],
  budget: number,
  startDate: string,
): SimAdsCampaign {
  return { campaignId, name, state, targetingType, budget: { budget, budgetType: 'DAILY' }, startDate };
}

const DEMO_PROFILES: readonly DemoProfile[] = [
  {
    profileId: '3312910465837761',
    region: 'NA',
    countryCode: 'US',
    currencyCode: 'USD',
    dailyBudget: 999999999,
    timezone: 'America/Los_Angeles',
    accountInfo: {
      marketplaceStringId: 'ATVPDKIKX0DER',
      id: 'A1DEMOSELLERNA',
      type: 'seller',
      name: 'Demo Outdoor Goods (NA)',
      validPaymentMethod: true,
    },
    campaigns: [
      campaign('281937465012001', 'US Tents - Manual', 'ENABLED', 'MANUAL', 50, '2026-01-05'),
      campaign('281937465012002', 'US Sleeping Bags - Auto', 'ENABLED', 'AUTO', 25, '2026-02-01'),
      campaign('281937465012003', 'US Winter Clearance', 'PAUSED', 'MANUAL', 10, '2025-11-15'),
    ],
  },
  {
    profileId: '3312910465837762',
    region: 'NA',
    countryCode: 'CA',
    currencyCode: 'CAD',
    dailyBudget: 999999999,
    timezone: 'America/Los_Angeles',
    accountInfo: {
      marketplaceStringId: 'A2EUQ1WTGCTBG2',
      id: 'A1DEMOSELLERNA',
      type: 'seller',
      name: 'Demo Outdoor Goods (NA)',
      validPaymentMethod: true,
    },
    campaigns: [
      campaign('281937465022001', 'CA Tents - Auto', 'ENABLED', 'AUTO', 30, '2026-01-10'),
      campaign('281937465022002', 'CA Backpacks - Manual', 'ARCHIVED', 'MANUAL', 15, '2025-09-01'),
    ],
  },
  {
    profileId: '3312910465837763',
    region: 'EU',
    countryCode: 'UK',
    currencyCode: 'GBP',
    dailyBudget: 999999999,
    timezone: 'Europe/London',
    accountInfo: {
      marketplaceStringId: 'A1F83G8C2ARO7P',
      id: 'A1DEMOSELLEREU',
      type: 'seller',
      name: 'Demo Outdoor Goods (EU)',
      validPaymentMethod: true,
    },
    campaigns: [
      campaign('281937465032001', 'UK Tents - Manual', 'ENABLED', 'MANUAL', 40, '2026-01-05'),
      campaign('281937465032002', 'UK Stoves - Auto', 'PAUSED', 'AUTO', 20, '2026-03-01'),
    ],
  },
  {
    profileId: '3312910465837764',
    region: 'EU',
    countryCode: 'DE',
    currencyCode: 'EUR',
    dailyBudget: 999999999,
    timezone: 'Europe/Berlin',
    accountInfo: {
      marketplaceStringId: 'A1PA6795UKMFR9',
      id: 'A1DEMOSELLEREU',
      type: 'seller',
      name: 'Demo Outdoor Goods (EU)',
      validPaymentMethod: true,
    },
    campaigns: [
      campaign('281937465042001', 'DE Zelte - Manuell', 'ENABLED', 'MANUAL', 45, '2026-01-07'),
      campaign('281937465042002', 'DE Schlafsäcke - Auto', 'ENABLED', 'AUTO', 20, '2026-02-14'),
    ],
  },
  {
    profileId: '3312910465837765',
    region: 'EU',
    countryCode: 'FR',
    currencyCode: 'EUR',
    timezone: 'Europe/Paris',
    accountInfo: {
      marketplaceStringId: 'A13V1IB3VIYZZH',
      id: 'ENTITY2DEMOVENDOR',
      type: 'vendor',
      name: 'Demo Outdoor Goods Vendor (FR)',
      validPaymentMethod: false,
    },
    campaigns: [
      campaign('281937465052001', 'FR Tentes - Vendor', 'ENABLED', 'MANUAL', 60, '2026-01-20'),
      campaign('281937465052002', 'FR Lampes - Auto', 'PAUSED', 'AUTO', 15, '2026-04-02'),
    ],
  },
  {
    profileId: '3312910465837766',
    region: 'FE',
    countryCode: 'JP',
    currencyCode: 'JPY',
    dailyBudget: 999999999,
    timezone: 'Asia/Tokyo',
    accountInfo: {
      marketplaceStringId: 'A1VC38T7YXB528',
      id: 'A1DEMOSELLERFE',
      type: 'seller',
      name: 'Demo Outdoor Goods (FE)',
      validPaymentMethod: true,
    },
    campaigns: [
      campaign('281937465062001', 'JP テント - Manual', 'ENABLED', 'MANUAL', 5000, '2026-01-05'),
      campaign('281937465062002', 'JP Lanterns - Auto', 'ENABLED', 'AUTO', 3000, '2026-02-10'),
    ],
  },
];

const EMPTY_PROFILES: readonly DemoProfile[] = [
  {
    profileId: '3312910465837771',
    region: 'NA',
    countryCode: 'US',
    currencyCode: 'USD',
    dailyBudget: 999999999,
    timezone: 'America/Los_Angeles',
    accountInfo: {
      marketplaceStringId: 'ATVPDKIKX0DER',
      id: 'A1DEMONOCAMPAIGNS',
      type: 'seller',
      name: 'Demo Shop Without Campaigns',
      validPaymentMethod: true,
    },
    campaigns: [],
  },
  {
    profileId: '3312910465837772',
    region: 'EU',
    countryCode: 'UK',
    currencyCode: 'GBP',
    dailyBudget: 999999999,
    timezone: 'Europe/London',
    accountInfo: {
      marketplaceStringId: 'A1F83G8C2ARO7P',
      id: 'A1DEMONOCAMPAIGNS',
      type: 'seller',
      name: 'Demo Shop Without Campaigns',
      validPaymentMethod: true,
    },
    campaigns: [],
  },
];

/** The fixed Ads demo world; `DEMO.ads` in seed.ts. */
export const DEMO_ADS = Object.freeze({
  client: {
    clientId: 'amzn1.application-oa2-client.demoads000000000000000000000000',
    name: 'Sellerlink Demo Ads',
    clientSecret: 'amzn1.oa2-cs.v1.demoadssecret'.padEnd(81, '0'),
  },
  /** Registered but not (yet) approved by Amazon for the Ads API: consent answers invalid_scope. */
  unapprovedClient: {
    clientId: 'amzn1.application-oa2-client.demoadsunapproved00000000000000',
    name: 'Sellerlink Demo Ads (not approved)',
    clientSecret: 'amzn1.oa2-cs.v1.demoadsunapprovedsecret'.padEnd(81, '0'),
  },
  advertiser: {
    id: 'demo-ads-advertiser',
    name: 'Demo Outdoor Goods Ads',
    profiles: DEMO_PROFILES,
  },
  emptyAdvertiser: {
    id: 'demo-ads-empty-advertiser',
    name: 'Demo Advertiser Without Campaigns',
    email: 'no-campaigns@example.com',
    profiles: EMPTY_PROFILES,
  },
});

function copyProfiles(profiles: readonly DemoProfile[]): SimAdsProfile[] {
  return profiles.map((p) => ({
    ...p,
    accountInfo: { ...p.accountInfo },
    campaigns: p.campaigns.map((c) => ({ ...c, budget: { ...c.budget } })),
  }));
}

/**
 * Adds (or replaces) the Ads demo clients and advertisers. `advertiserUsers` sign in as the demo
 * advertiser (the demo sellers' users); the empty advertiser's user gets `password`.
 */
export function seedAdsWorld(
  ctx: SimContext,
  input: { returnUrls: string[]; advertiserUsers: SimSellerUser[]; password: string },
): void {
  for (const [spec, approved] of [
    [DEMO_ADS.client, true],
    [DEMO_ADS.unapprovedClient, false],
  ] as const) {
    putAdsClient(ctx, { ...spec, approved, returnUrls: input.returnUrls });
  }
  putAdvertiser(ctx, {
    id: DEMO_ADS.advertiser.id,
    name: DEMO_ADS.advertiser.name,
    users: input.advertiserUsers.map((u) => ({ ...u })),
    profiles: copyProfiles(DEMO_ADS.advertiser.profiles),
  });
  putAdvertiser(ctx, {
    id: DEMO_ADS.emptyAdvertiser.id,
    name: DEMO_ADS.emptyAdvertiser.name,
    users: [{ email: DEMO_ADS.emptyAdvertiser.email, password: input.password }],
    profiles: copyProfiles(DEMO_ADS.emptyAdvertiser.profiles),
  });
}
