import type { Hono } from 'hono';
import { z } from 'zod';
import { iso } from '../kernel/clock.js';
import { randomString } from '../kernel/random.js';
import {
  adsAuthorizationStatus,
  newProfileId,
  putAdsClient,
  putAdvertiser,
  revokeAdsAuthorization,
} from './ads-world.js';
import type { SimContext, SimEnv } from './context.js';
import { badInput, controlError, flag, notFound, readJson } from './controls-validate.js';
import { findMarketplace } from './marketplaces.js';
import {
  REGIONS,
  defaultAdsBehaviour,
  type Region,
  type SimAdsAuthorization,
  type SimAdsClient,
  type SimAdsProfile,
  type SimAdvertiser,
} from './state.js';
import { findAppByClientId } from './world.js';

/**
 * The `/_sim/ads/…` controls of the Amazon Ads simulation: Ads clients (create, approve), advertisers,
 * consents (list, revoke) and the campaigns-list throttling. Listings never show refresh or access
 * tokens; client secrets and passwords only with `?reveal=1`.
 */

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const clientSchema = z.strictObject({
  clientId: nonEmpty,
  name: nonEmpty,
  clientSecret: nonEmpty,
  approved: z.boolean().exactOptional(),
  returnUrls: z.array(httpUrl).exactOptional(),
  clientSecretExpiresAt: z.iso.datetime({ error: 'must be an ISO 8601 time' }).exactOptional(),
});

const campaignSchema = z.strictObject({
  campaignId: z
    .string()
    .regex(/^\d{1,20}$/, 'must be digits')
    .exactOptional(),
  name: nonEmpty,
  state: z.enum(['ENABLED', 'PAUSED', 'ARCHIVED']).exactOptional(),
  targetingType: z.enum(['MANUAL', 'AUTO']).exactOptional(),
  budget: z
    .strictObject({ budget: z.number().positive('must be positive'), budgetType: z.literal('DAILY') })
    .exactOptional(),
  startDate: z.iso.date({ error: 'must be YYYY-MM-DD' }).exactOptional(),
});

const profileSchema = z.strictObject({
  profileId: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'must be digits')
    .refine((id) => Number(id) <= Number.MAX_SAFE_INTEGER, 'must be below 2^53')
    .exactOptional(),
  region: z.enum(REGIONS as [Region, ...Region[]]).exactOptional(),
  countryCode: nonEmpty,
  currencyCode: nonEmpty,
  dailyBudget: z.number().positive('must be positive').exactOptional(),
  timezone: nonEmpty,
  accountInfo: z.strictObject({
    marketplaceStringId: nonEmpty,
    id: nonEmpty,
    type: z.enum(['seller', 'vendor', 'agency']),
    name: nonEmpty,
    validPaymentMethod: z.boolean().exactOptional(),
  }),
  campaigns: z.array(campaignSchema).exactOptional(),
});

const advertiserSchema = z.strictObject({
  id: nonEmpty.exactOptional(),
  name: nonEmpty,
  users: z.array(z.strictObject({ email: nonEmpty, password: z.string().min(1) })).min(1, 'needs a user'),
  profiles: z.array(profileSchema).exactOptional(),
});

const revokePairSchema = z.strictObject({ clientId: nonEmpty, advertiserId: nonEmpty });

const behaviourSchema = z.strictObject({
  throttle: z
    .strictObject({
      rate: z.number().positive('must be positive').finite(),
      burst: z.number().int('must be an integer').min(1, 'must be at least 1'),
    })
    .exactOptional(),
  forceThrottle: z.number().int('must be an integer').min(0, 'must not be negative').exactOptional(),
  retryAfterSeconds: z.number().int('must be an integer').min(1, 'must be at least 1').exactOptional(),
});

/** An Ads consent as controls show it: never its refresh token. */
export function adsAuthorizationView(ctx: SimContext, a: SimAdsAuthorization): Record<string, unknown> {
  return {
    id: a.id,
    clientId: a.clientId,
    advertiserId: a.advertiserId,
    region: a.region,
    status: adsAuthorizationStatus(ctx, a),
    consentedAt: iso(a.consentedAt),
    expiresAt: a.expiresAt === null ? null : iso(a.expiresAt),
    revokedAt: a.revokedAt === null ? null : iso(a.revokedAt),
  };
}

function clientView(ctx: SimContext, client: SimAdsClient, reveal: boolean): Record<string, unknown> {
  const now = ctx.clock.now();
  return {
    clientId: client.clientId,
    name: client.name,
    approved: client.approved,
    returnUrls: client.returnUrls,
    clientSecrets: client.clientSecrets.map((s) => ({
      issuedAt: iso(s.issuedAt),
      expiresAt: iso(s.expiresAt),
      expired: now >= s.expiresAt,
      ...(reveal ? { secret: s.secret } : {}),
    })),
  };
}

function advertiserView(advertiser: SimAdvertiser, reveal: boolean): Record<string, unknown> {
  return {
    ...advertiser,
    users: advertiser.users.map((u) => (reveal ? { ...u } : { email: u.email })),
  };
}

/** Registers `/_sim/ads/…`. */
export function registerAdsControls(app: Hono<SimEnv>, ctx: SimContext): void {
  registerClientControls(app, ctx);
  registerAdvertiserControls(app, ctx);
  registerAuthorizationControls(app, ctx);
  registerBehaviourControls(app, ctx);
}

function registerClientControls(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/_sim/ads/clients', (c) => {
    const reveal = flag(c, 'reveal');
    return c.json({ clients: [...ctx.state.adsClients.values()].map((k) => clientView(ctx, k, reveal)) });
  });

  app.post('/_sim/ads/clients', async (c) => {
    const body = await readJson(c, clientSchema);
    if (!body.ok) return body.response;
    const { clientSecretExpiresAt, approved = false, returnUrls = [], ...rest } = body.value;
    if (findAppByClientId(ctx, rest.clientId)) {
      return controlError(c, 409, 'conflict', `client id ${rest.clientId} is an SP-API app's`, 'clientId');
    }
    const client = putAdsClient(ctx, {
      ...rest,
      approved,
      returnUrls,
      ...(clientSecretExpiresAt === undefined
        ? {}
        : { clientSecretExpiresAt: Date.parse(clientSecretExpiresAt) }),
    });
    return c.json(clientView(ctx, client, false), 201);
  });

  app.post('/_sim/ads/clients/:clientId/approve', (c) => {
    const client = ctx.state.adsClients.get(c.req.param('clientId'));
    if (!client) return notFound(c, 'Ads client', c.req.param('clientId'));
    client.approved = true;
    return c.json(clientView(ctx, client, false));
  });
}

function registerAdvertiserControls(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/_sim/ads/advertisers', (c) => {
    const reveal = flag(c, 'reveal');
    return c.json({ advertisers: [...ctx.state.advertisers.values()].map((a) => advertiserView(a, reveal)) });
  });

  app.post('/_sim/ads/advertisers', async (c) => {
    const body = await readJson(c, advertiserSchema);
    if (!body.ok) return body.response;
    const input = body.value;
    const id = input.id ?? `advertiser-${randomString(ctx.random, 10).toLowerCase()}`;
    if (ctx.state.advertisers.has(id)) {
      return controlError(c, 409, 'conflict', `advertiser ${id} already exists`, 'id');
    }
    const profiles: SimAdsProfile[] = [];
    for (const [index, spec] of (input.profiles ?? []).entries()) {
      const built = buildProfile(ctx, spec, profiles);
      if ('field' in built) return badInput(c, `profiles.${index}.${built.field}`, built.message);
      profiles.push(built);
    }
    const advertiser = putAdvertiser(ctx, { id, name: input.name, users: input.users, profiles });
    return c.json(advertiserView(advertiser, false), 201);
  });
}

/** A profile from the control's input, or the field that makes it inconsistent. */
function buildProfile(
  ctx: SimContext,
  spec: z.infer<typeof profileSchema>,
  siblings: SimAdsProfile[],
): SimAdsProfile | { field: string; message: string } {
  const marketplace = findMarketplace(spec.accountInfo.marketplaceStringId);
  const region = spec.region ?? marketplace?.region;
  if (region === undefined) {
    return { field: 'region', message: 'give it (the marketplace is not one the simulator knows)' };
  }
  if (marketplace && marketplace.region !== region) {
    return {
      field: 'region',
      message: `marketplace ${marketplace.id} is in ${marketplace.region}, not ${region}`,
    };
  }
  const profileId = spec.profileId ?? newProfileId(ctx);
  const taken = (id: string) =>
    siblings.some((p) => p.profileId === id) ||
    [...ctx.state.advertisers.values()].some((a) => a.profiles.some((p) => p.profileId === id));
  if (taken(profileId)) return { field: 'profileId', message: `${profileId} is already used` };
  const today = iso(ctx.clock.now()).slice(0, 10);
  return {
    profileId,
    region,
    countryCode: spec.countryCode,
    currencyCode: spec.currencyCode,
    ...(spec.dailyBudget === undefined ? {} : { dailyBudget: spec.dailyBudget }),
    timezone: spec.timezone,
    accountInfo: { ...spec.accountInfo, validPaymentMethod: spec.accountInfo.validPaymentMethod ?? true },
    campaigns: (spec.campaigns ?? []).map((k) => ({
      campaignId: k.campaignId ?? randomString(ctx.random, 15, '0123456789').replace(/^0/, '1'),
      name: k.name,
      state: k.state ?? 'ENABLED',
      targetingType: k.targetingType ?? 'MANUAL',
      budget: k.budget ?? { budget: 10, budgetType: 'DAILY' },
      startDate: k.startDate ?? today,
    })),
  };
}

function registerAuthorizationControls(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/_sim/ads/authorizations', (c) => {
    const clientId = c.req.query('clientId');
    const advertiserId = c.req.query('advertiserId');
    const list = [...ctx.state.adsAuthorizations.values()].filter(
      (a) =>
        (clientId === undefined || a.clientId === clientId) &&
        (advertiserId === undefined || a.advertiserId === advertiserId),
    );
    return c.json({ authorizations: list.map((a) => adsAuthorizationView(ctx, a)) });
  });

  app.post('/_sim/ads/authorizations/:id/revoke', (c) => {
    const authorization = ctx.state.adsAuthorizations.get(c.req.param('id'));
    if (!authorization) return notFound(c, 'Ads authorization', c.req.param('id'));
    revokeAdsAuthorization(ctx, authorization);
    return c.json(adsAuthorizationView(ctx, authorization));
  });

  app.post('/_sim/ads/revoke', async (c) => {
    const body = await readJson(c, revokePairSchema);
    if (!body.ok) return body.response;
    const { clientId, advertiserId } = body.value;
    if (!ctx.state.adsClients.has(clientId)) return notFound(c, 'Ads client', clientId);
    if (!ctx.state.advertisers.has(advertiserId)) return notFound(c, 'advertiser', advertiserId);
    const matching = [...ctx.state.adsAuthorizations.values()].filter(
      (a) => a.clientId === clientId && a.advertiserId === advertiserId,
    );
    for (const a of matching) revokeAdsAuthorization(ctx, a);
    return c.json({ authorizations: matching.map((a) => adsAuthorizationView(ctx, a)) });
  });
}

function registerBehaviourControls(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/_sim/ads/behaviour', (c) => c.json({ behaviour: ctx.state.adsBehaviour }));

  app.post('/_sim/ads/behaviour', async (c) => {
    const body = await readJson(c, behaviourSchema);
    if (!body.ok) return body.response;
    const { throttle, forceThrottle, retryAfterSeconds } = body.value;
    if (throttle === undefined && forceThrottle === undefined && retryAfterSeconds === undefined) {
      return badInput(c, 'throttle', 'give throttle, forceThrottle or retryAfterSeconds');
    }
    const behaviour = ctx.state.adsBehaviour;
    if (throttle !== undefined) behaviour.throttle = { ...throttle };
    if (forceThrottle !== undefined) behaviour.forceThrottle = forceThrottle;
    if (retryAfterSeconds !== undefined) behaviour.retryAfterSeconds = retryAfterSeconds;
    return c.json({ behaviour });
  });

  app.post('/_sim/ads/reset-behaviour', (c) => {
    resetAdsBehaviour(ctx);
    return c.json({ behaviour: ctx.state.adsBehaviour });
  });
}

/** Default throttling again, and every Ads token bucket full. */
export function resetAdsBehaviour(ctx: SimContext): void {
  ctx.state.adsBehaviour = defaultAdsBehaviour();
  for (const key of [...ctx.state.buckets.keys()]) if (key.startsWith('ads:')) ctx.state.buckets.delete(key);
}
