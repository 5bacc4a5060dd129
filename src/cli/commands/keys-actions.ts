import { AppError } from '../../kernel/errors.js';
import type { KeyUsage } from '../../broker/reseal.js';
import { VaultError } from '../../vault/errors.js';
import { sandboxKeyFile } from '../../vault/open.js';
import { withCliContext, type CliContext } from '../context.js';
import { plural, table } from '../table.js';

/** What runs for `keys ...` (registered in keys.ts). */

/** `keys status`. */
export async function keysStatus(): Promise<void> {
  await withCliContext(async (ctx) => {
    const usage = await ctx.keyUsage();
    const configured = ctx.keyRing.ids();
    const current = ctx.vault.currentKeyId;
    const byId = new Map(usage.map((u) => [u.keyId, u]));
    const notConfigured = usage.filter((u) => !configured.includes(u.keyId));
    console.log(`Vault keys from ${keySource(ctx)}, newest first (new secrets are sealed with the first):`);
    console.log(usageTable(configured, byId, notConfigured));
    const older = usage.filter((u) => u.keyId !== current && configured.includes(u.keyId));
    const olderSecrets = durable(older);
    const staleCache = usage.filter((u) => u.keyId !== current).reduce((n, u) => n + u.accessTokens, 0);
    const unused = configured.slice(1).filter((id) => !byId.has(id));
    if (olderSecrets > 0) {
      console.log(
        `\n${plural(olderSecrets, 'secret')} still use older keys: run 'sellerlink keys rotate' to re-seal them with '${current}'.`,
      );
    }
    if (staleCache > 0) {
      console.log(
        `\n${plural(staleCache, 'cached access token')} use older keys; 'sellerlink keys rotate' drops them (they are minted again when needed).`,
      );
    }
    if (unused.length > 0) {
      console.log(
        `\nNo secret uses ${unused.map((id) => `'${id}'`).join(', ')}: once every Sellerlink process runs with '${current}' first, it can be removed.`,
      );
    }
    const unknown = notConfigured.filter((u) => durable([u]) > 0);
    if (unknown.length > 0) throw unknownKeys(unknown, configured, false);
  });
}

/** The `keys status` table: configured keys (newest first), then key ids in use but not configured. */
function usageTable(configured: string[], byId: Map<string, KeyUsage>, notConfigured: KeyUsage[]): string {
  const none: KeyUsage = { keyId: '', applications: 0, connections: 0, accessTokens: 0, webhookSecrets: 0 };
  const counts = (u: KeyUsage) => [u.applications, u.connections, u.accessTokens, u.webhookSecrets];
  return table(
    ['key id', 'role', 'application secrets', 'refresh tokens', 'cached access tokens', 'webhook secrets'],
    [
      ...configured.map((id, i) => [id, i === 0 ? 'current' : 'older', ...counts(byId.get(id) ?? none)]),
      ...notConfigured.map((u) => [u.keyId, 'NOT CONFIGURED', ...counts(u)]),
    ],
  );
}

/** `keys rotate`: opens every sealed value first, then re-seals them all with the newest key. */
export async function rotateKeys(): Promise<void> {
  await withCliContext(async (ctx) => {
    const configured = ctx.keyRing.ids();
    const before = await ctx.keyUsage();
    const unknown = before.filter((u) => !configured.includes(u.keyId) && durable([u]) > 0);
    if (unknown.length > 0) throw unknownKeys(unknown, configured, true);
    await openEverything(ctx);
    const current = ctx.vault.currentKeyId;
    const applications = await ctx.applications.resealAll();
    const connections = await ctx.refreshTokens.resealAll();
    const webhooks = await ctx.webhookSecrets.resealAll();
    const dropped = await ctx.refreshTokens.dropStaleAccessTokens();
    const after = await ctx.keyUsage();
    console.log(
      `Re-sealed with vault key '${current}': ${plural(applications, 'application secret')}, ${plural(connections, 'refresh token')}.`,
    );
    if (webhooks > 0) console.log(`Re-sealed ${plural(webhooks, 'webhook secret')}.`);
    if (dropped > 0) {
      console.log(
        `Dropped ${plural(dropped, 'cached access token')} sealed with older keys (minted again when needed).`,
      );
    }
    const now = after.find((u) => u.keyId === current);
    console.log(
      `'${current}' now seals ${plural(now?.applications ?? 0, 'application secret')} and ${plural(now?.connections ?? 0, 'refresh token')}.`,
    );
    printLeftovers(after, configured, current);
  });
}

/**
 * Opens every sealed value before anything changes: a key with the right id but the wrong material
 * fails here, and nothing is half-rotated.
 */
async function openEverything(ctx: CliContext): Promise<void> {
  try {
    for (const app of await ctx.applications.list()) await ctx.applications.credentials(app.id);
    await ctx.refreshTokens.verifyAll();
    await ctx.webhookSecrets.verifyAll();
  } catch (err) {
    if (err instanceof AppError) {
      const hint =
        err.code === 'VAULT_DECRYPT_FAILED' && typeof err.details.keyId === 'string'
          ? ` (is the base64 configured for '${err.details.keyId}' the key that sealed it?)`
          : '';
      throw new AppError(err.code, `${err.message}${hint}. Nothing was changed.`, {
        cause: err,
        details: { ...err.details },
      });
    }
    throw err;
  }
}

/** After a rotation: secrets still on older keys, or the older keys that can now be removed. */
function printLeftovers(after: KeyUsage[], configured: string[], current: string): void {
  const stale = durable(after.filter((u) => u.keyId !== current));
  if (stale > 0) {
    // Rows written meanwhile by a process still running with an older key list.
    console.log(
      `${plural(stale, 'secret')} still use older keys (written meanwhile by a process with an older key list?): run 'sellerlink keys rotate' again once every process has restarted.`,
    );
    return;
  }
  const older = configured.filter((id) => id !== current);
  if (older.length > 0) {
    console.log(
      `No secret uses ${older.map((id) => `'${id}'`).join(', ')} any more; remove it from SELLERLINK_VAULT_KEYS once every Sellerlink process runs with '${current}' first.`,
    );
  }
}

function keySource(ctx: CliContext): string {
  return ctx.config.vaultKeys
    ? 'SELLERLINK_VAULT_KEYS'
    : `the sandbox key file ${sandboxKeyFile(ctx.config.dataDir)}`;
}

/** Client secrets, refresh tokens and webhook secrets: what must keep opening (cached access tokens need not). */
function durable(usage: KeyUsage[]): number {
  return usage.reduce((n, u) => n + u.applications + u.connections + u.webhookSecrets, 0);
}

/** VAULT_KEY_UNKNOWN naming every key id in use that is not configured. */
function unknownKeys(unknown: KeyUsage[], configured: string[], rotating: boolean): VaultError {
  const what = unknown
    .map(
      (u) =>
        `'${u.keyId}' (${plural(u.applications, 'application secret')}, ${plural(u.connections, 'refresh token')}${u.webhookSecrets > 0 ? `, ${plural(u.webhookSecrets, 'webhook secret')}` : ''})`,
    )
    .join(', ');
  const one = unknown.length === 1;
  return new VaultError(
    'VAULT_KEY_UNKNOWN',
    `secrets are sealed with ${one ? 'vault key' : 'vault keys'} ${what}, which ${one ? 'is' : 'are'} not configured ` +
      `(configured: ${configured.join(', ')}). Add ${one ? 'it' : 'them'} to SELLERLINK_VAULT_KEYS after the newest key` +
      (rotating ? ' and run the rotation again. Nothing was changed.' : '.'),
    { details: { keyIds: unknown.map((u) => u.keyId), keyId: unknown[0]!.keyId } },
  );
}
