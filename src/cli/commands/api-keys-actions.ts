import type { ApiKey } from '../../accounts/api-keys.js';
import { AppError } from '../../kernel/errors.js';
import { accountOption, CliInputError, formatTime, forOption, withCliContext } from '../context.js';
import { table } from '../table.js';

/** What runs for `api-keys ...` (registered in api-keys.ts). */

/** `api-keys create`. */
export async function createApiKey(options: {
  account?: string;
  all?: boolean;
  name: string;
  json?: boolean;
}): Promise<void> {
  if ((options.account === undefined) === (options.all !== true)) {
    throw new CliInputError('give exactly one of --account <id|name> or --all');
  }
  await withCliContext(async (ctx) => {
    const account = options.account === undefined ? null : await accountOption(ctx, options.account);
    const { apiKey, key } = await ctx.apiKeys
      .create(ctx.viewer, { name: options.name, accountId: account?.id ?? null })
      .catch((err: unknown) => forOption(err, { name: '--name', accountId: '--account' }));
    if (options.json) {
      console.log(JSON.stringify({ ...apiKey, key: key.reveal() }, null, 2));
      return;
    }
    console.log(
      [
        `Created API key '${apiKey.name}' (id ${apiKey.id}); it sees ${account ? `account '${account.name}'` : 'every account'}.`,
        `Key (shown only now; Sellerlink keeps only its hash): ${key.reveal()}`,
        'Send it as: Authorization: Bearer <key>. Revoke with: sellerlink api-keys revoke <id>',
      ].join('\n'),
    );
  });
}

/** `api-keys list`. */
export async function listApiKeys(options: { account?: string; json?: boolean }): Promise<void> {
  await withCliContext(async (ctx) => {
    const account = options.account === undefined ? undefined : await accountOption(ctx, options.account);
    const list = await ctx.apiKeys.list(ctx.viewer, account ? { accountId: account.id } : {});
    if (options.json) {
      console.log(JSON.stringify(list, null, 2));
      return;
    }
    if (list.length === 0) {
      console.log('No API keys. Create one with: sellerlink api-keys create --account <name> --name <name>');
      return;
    }
    const names = new Map((await ctx.accounts.listAccounts()).map((a) => [a.id, a.name]));
    console.log(
      table(
        ['id', 'name', 'key', 'sees', 'created', 'last used', 'status'],
        list.map((k) => [
          k.id,
          k.name,
          `slk_${k.prefix}_…`,
          scope(k, names),
          formatTime(k.createdAt),
          formatTime(k.lastUsedAt),
          k.revokedAt ? `revoked ${formatTime(k.revokedAt)}` : 'active',
        ]),
      ),
    );
  });
}

/** `api-keys revoke <id>`. */
export async function revokeApiKey(id: string): Promise<void> {
  await withCliContext(async (ctx) => {
    const key = await ctx.apiKeys.revoke(ctx.viewer, id).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'API_KEY_NOT_FOUND') {
        throw new AppError(err.code, `<id>: no API key '${id}' (see: sellerlink api-keys list)`, {
          cause: err,
        });
      }
      throw err;
    });
    console.log(
      `Revoked API key '${key.name}' (slk_${key.prefix}_…): calls with it are refused from now on.`,
    );
  });
}

function scope(key: ApiKey, names: Map<string, string>): string {
  if (key.accountId === null) return 'all accounts';
  return names.get(key.accountId) ?? key.accountId;
}
