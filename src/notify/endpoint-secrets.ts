import type { Kysely } from 'kysely';
import type { Secret } from '../kernel/secret.js';
import type { Database } from '../store/schema.js';
import type { Vault } from '../vault/envelope.js';
import { endpointSecretContext } from './endpoints.js';

/** The vault and the table holding the sealed webhook secrets. */
export interface EndpointSecretDeps {
  db: Kysely<Database>;
  vault: Vault;
}

/** An endpoint's signing secret (delivery only). */
export async function endpointSecret(deps: EndpointSecretDeps, id: string): Promise<Secret> {
  const row = await deps.db
    .selectFrom('webhook_endpoints')
    .select(['secret_key_id', 'secret_blob'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return deps.vault.open({ keyId: row.secret_key_id, blob: row.secret_blob }, endpointSecretContext(id));
}

/** Webhook secrets per vault key id (for `sellerlink keys status` and `rotate`). */
export async function endpointKeyUsage(db: Kysely<Database>): Promise<{ keyId: string; count: number }[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .select(['secret_key_id as keyId', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('secret_key_id')
    .execute();
  return rows.map((r) => ({ keyId: r.keyId, count: Number(r.n) }));
}

/** Opens every endpoint secret (a wrong key fails here, before anything is changed); returns how many. */
export async function verifyEndpointSecrets(deps: EndpointSecretDeps): Promise<number> {
  const rows = await deps.db
    .selectFrom('webhook_endpoints')
    .select(['id', 'secret_key_id', 'secret_blob'])
    .execute();
  for (const r of rows)
    deps.vault.open({ keyId: r.secret_key_id, blob: r.secret_blob }, endpointSecretContext(r.id));
  return rows.length;
}

/** Re-seals every endpoint secret held under an older vault key; returns how many. */
export async function resealEndpointSecrets(deps: EndpointSecretDeps): Promise<number> {
  const rows = await deps.db
    .selectFrom('webhook_endpoints')
    .select(['id', 'secret_key_id', 'secret_blob'])
    .execute();
  let n = 0;
  for (const r of rows) {
    const sealed = { keyId: r.secret_key_id, blob: r.secret_blob };
    if (!deps.vault.needsReseal(sealed)) continue;
    const next = deps.vault.reseal(sealed, endpointSecretContext(r.id));
    await deps.db
      .updateTable('webhook_endpoints')
      .set({ secret_key_id: next.keyId, secret_blob: next.blob })
      .where('id', '=', r.id)
      .execute();
    n++;
  }
  return n;
}
