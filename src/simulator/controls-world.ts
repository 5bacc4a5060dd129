import type { Hono } from 'hono';
import { z } from 'zod';
import { iso } from '../kernel/clock.js';
import type { SimContext, SimEnv } from './context.js';
import { badInput, controlError, flag, notFound, readJson } from './controls-validate.js';
import { findMarketplace } from './marketplaces.js';
import { rotateSecretAndNotify } from './notifications.js';
import { REGIONS, type Region, type SimApp, type SimAuthorization, type SimSeller } from './state.js';
import { addApp, addSeller, authorizationStatus, revokeAuthorization, type NewApp } from './world.js';

/**
 * Controls for the simulated world's actors: apps (Developer Console), sellers and authorizations.
 * Secrets (client secrets, refresh tokens, passwords) appear in listings only with `?reveal=1`.
 */

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const nonEmpty = z.string().trim().min(1, 'must not be empty');

const newAppSchema = z.strictObject({
  name: nonEmpty,
  status: z.enum(['draft', 'published']),
  redirectUris: z.array(httpUrl).min(1, 'needs at least one redirect URI'),
  loginUri: httpUrl.exactOptional(),
  roles: z.array(nonEmpty).exactOptional(),
  appId: nonEmpty.exactOptional(),
  clientId: nonEmpty.exactOptional(),
  clientSecret: nonEmpty.exactOptional(),
  ownerSellingPartnerId: nonEmpty.exactOptional(),
  notificationDestinationUrl: httpUrl.exactOptional(),
});

const marketplaceIds = z.array(nonEmpty).min(1, 'needs at least one marketplace');

const newSellerSchema = z.strictObject({
  name: nonEmpty,
  region: z.enum(REGIONS as [Region, ...Region[]]),
  marketplaceIds,
  users: z.array(z.strictObject({ email: nonEmpty, password: z.string().min(1) })).exactOptional(),
  sellingPartnerId: z
    .string()
    .regex(/^[A-Z0-9]{1,32}$/, 'must be upper-case letters and digits')
    .exactOptional(),
});

const patchSellerSchema = z.strictObject({
  marketplaceIds: marketplaceIds.exactOptional(),
  name: nonEmpty.exactOptional(),
});

/** An app as controls show it. */
export function appView(ctx: SimContext, app: SimApp, reveal: boolean): Record<string, unknown> {
  const now = ctx.clock.now();
  return {
    appId: app.appId,
    name: app.name,
    clientId: app.clientId,
    status: app.status,
    redirectUris: app.redirectUris,
    loginUri: app.loginUri ?? null,
    roles: app.roles,
    ownerSellingPartnerId: app.ownerSellingPartnerId ?? null,
    notificationDestinationUrl: app.notificationDestinationUrl ?? null,
    clientSecrets: app.clientSecrets.map((s) => ({
      issuedAt: iso(s.issuedAt),
      expiresAt: iso(s.expiresAt),
      expired: now >= s.expiresAt,
      ...(reveal ? { secret: s.secret } : {}),
    })),
  };
}

/** A seller as controls show it. */
export function sellerView(seller: SimSeller, reveal: boolean): Record<string, unknown> {
  return {
    sellingPartnerId: seller.sellingPartnerId,
    name: seller.name,
    region: seller.region,
    marketplaceIds: seller.marketplaceIds,
    users: seller.users.map((u) => (reveal ? { ...u } : { email: u.email })),
  };
}

/** An authorization as controls show it (refresh token only when revealed). */
export function authorizationView(
  ctx: SimContext,
  a: SimAuthorization,
  reveal: boolean,
): Record<string, unknown> {
  return {
    id: a.id,
    appId: a.appId,
    sellingPartnerId: a.sellingPartnerId,
    region: a.region,
    kind: a.kind,
    status: authorizationStatus(ctx, a),
    authorizedAt: iso(a.authorizedAt),
    expiresAt: a.expiresAt === null ? null : iso(a.expiresAt),
    revokedAt: a.revokedAt === null ? null : iso(a.revokedAt),
    ...(reveal ? { refreshToken: a.refreshToken } : {}),
  };
}

/** The first marketplace id that is unknown or outside the region, with why. */
function badMarketplace(ids: string[], region: Region): { index: number; message: string } | null {
  for (const [index, id] of ids.entries()) {
    const marketplace = findMarketplace(id);
    if (!marketplace) return { index, message: `${id} is not an Amazon marketplace ID` };
    // Authorizations and sellers are regional (https://developer-docs.amazon.com/sp-api/docs/website-authorization-workflow, §9).
    if (marketplace.region !== region)
      return { index, message: `${id} is in ${marketplace.region}, not ${region}` };
  }
  return null;
}

/** Registers `/_sim/apps`, `/_sim/sellers` and `/_sim/authorizations`. */
export function registerWorldControls(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/_sim/apps', (c) => {
    const reveal = flag(c, 'reveal');
    return c.json({ apps: [...ctx.state.apps.values()].map((a) => appView(ctx, a, reveal)) });
  });

  app.post('/_sim/apps', async (c) => {
    const body = await readJson(c, newAppSchema);
    if (!body.ok) return body.response;
    const input: NewApp = body.value;
    if (input.appId !== undefined && ctx.state.apps.has(input.appId)) {
      return controlError(c, 409, 'conflict', `app ${input.appId} already exists`, 'appId');
    }
    const clientId = input.clientId;
    if (clientId !== undefined && [...ctx.state.apps.values()].some((a) => a.clientId === clientId)) {
      return controlError(c, 409, 'conflict', `client id ${clientId} is already used`, 'clientId');
    }
    if (input.ownerSellingPartnerId !== undefined && !ctx.state.sellers.has(input.ownerSellingPartnerId)) {
      return badInput(c, 'ownerSellingPartnerId', `unknown seller ${input.ownerSellingPartnerId}`);
    }
    const created = addApp(ctx, input);
    const secret = created.clientSecrets[0]!.secret;
    return c.json({ ...appView(ctx, created, false), clientSecret: secret }, 201);
  });

  app.get('/_sim/apps/:appId', (c) => {
    const found = ctx.state.apps.get(c.req.param('appId'));
    if (!found) return notFound(c, 'app', c.req.param('appId'));
    return c.json(appView(ctx, found, flag(c, 'reveal')));
  });

  app.post('/_sim/apps/:appId/rotate-secret', async (c) => {
    const appId = c.req.param('appId');
    if (!ctx.state.apps.has(appId)) return notFound(c, 'app', appId);
    const notification = await rotateSecretAndNotify(ctx, appId);
    const rotated = ctx.state.apps.get(appId)!;
    return c.json({ app: appView(ctx, rotated, false), notification });
  });

  app.get('/_sim/sellers', (c) => {
    const reveal = flag(c, 'reveal');
    return c.json({ sellers: [...ctx.state.sellers.values()].map((s) => sellerView(s, reveal)) });
  });

  app.post('/_sim/sellers', async (c) => {
    const body = await readJson(c, newSellerSchema);
    if (!body.ok) return body.response;
    const input = body.value;
    const bad = badMarketplace(input.marketplaceIds, input.region);
    if (bad) return badInput(c, `marketplaceIds.${bad.index}`, bad.message);
    if (input.sellingPartnerId !== undefined && ctx.state.sellers.has(input.sellingPartnerId)) {
      return controlError(
        c,
        409,
        'conflict',
        `seller ${input.sellingPartnerId} already exists`,
        'sellingPartnerId',
      );
    }
    return c.json(sellerView(addSeller(ctx, input), false), 201);
  });

  app.patch('/_sim/sellers/:id', async (c) => {
    const seller = ctx.state.sellers.get(c.req.param('id'));
    if (!seller) return notFound(c, 'seller', c.req.param('id'));
    const body = await readJson(c, patchSellerSchema);
    if (!body.ok) return body.response;
    const { marketplaceIds: ids, name } = body.value;
    if (ids === undefined && name === undefined)
      return badInput(c, 'marketplaceIds', 'give marketplaceIds or name');
    if (ids !== undefined) {
      const bad = badMarketplace(ids, seller.region);
      if (bad) return badInput(c, `marketplaceIds.${bad.index}`, bad.message);
      seller.marketplaceIds = [...new Set(ids)];
    }
    if (name !== undefined) seller.name = name;
    return c.json(sellerView(seller, false));
  });

  app.get('/_sim/authorizations', (c) => {
    const reveal = flag(c, 'reveal');
    const appId = c.req.query('appId');
    const sellingPartnerId = c.req.query('sellingPartnerId');
    const list = [...ctx.state.authorizations.values()].filter(
      (a) =>
        (appId === undefined || a.appId === appId) &&
        (sellingPartnerId === undefined || a.sellingPartnerId === sellingPartnerId),
    );
    return c.json({ authorizations: list.map((a) => authorizationView(ctx, a, reveal)) });
  });

  app.post('/_sim/authorizations/:id/revoke', (c) => {
    const id = c.req.param('id');
    if (!ctx.state.authorizations.has(id)) return notFound(c, 'authorization', id);
    return c.json(authorizationView(ctx, revokeAuthorization(ctx, id), false));
  });
}
