import { sql, type Kysely } from 'kysely';

/**
 * Seller claims A connection records whether Amazon confirmed the seller id it
 * claims (`claim_status`: confirmed, unconfirmed, or unchecked for connections made before claims
 * were checked), when, why it could not be confirmed (`claim_note`), and what Amazon's answer
 * contradicts among the seller's other connections (`claim_mismatch`: operator review). A seller is no longer held by one account: the unique
 * key moves from (application, seller, region) to (application, seller, region, account), so an
 * unconfirmed claim by one account can never block another account from connecting its own seller;
 * two accounts holding one seller are flagged for operator review instead (docs/lifecycle.md).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('connections')
    .addColumn('claim_status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('unchecked')
        .check(sql`claim_status in ('confirmed', 'unconfirmed', 'unchecked')`),
    )
    .execute();
  await db.schema.alterTable('connections').addColumn('claim_checked_at', 'timestamptz').execute();
  await db.schema.alterTable('connections').addColumn('claim_note', 'text').execute();
  await db.schema.alterTable('connections').addColumn('claim_mismatch', 'text').execute();
  await db.schema.alterTable('connections').dropConstraint('connections_one_per_partner').execute();
  await db.schema
    .alterTable('connections')
    .addUniqueConstraint('connections_one_per_account_partner', [
      'application_id',
      'selling_partner_id',
      'region',
      'account_id',
    ])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('connections').dropConstraint('connections_one_per_account_partner').execute();
  await db.schema
    .alterTable('connections')
    .addUniqueConstraint('connections_one_per_partner', ['application_id', 'selling_partner_id', 'region'])
    .execute();
  for (const column of ['claim_status', 'claim_checked_at', 'claim_note', 'claim_mismatch']) {
    await db.schema.alterTable('connections').dropColumn(column).execute();
  }
}
