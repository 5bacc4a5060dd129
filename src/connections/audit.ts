import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../kernel/clock.js';
import type { AuditLogTable, Database } from '../store/schema.js';

/** One audit entry: who did what to which connection, from where, and how it ended. */
export interface AuditEntry {
  accountId: string | null;
  connectionId?: string | null;
  actorUserId?: string | null;
  /** 'user:<name>', 'system', 'cli', 'api-key:<prefix>' */
  actor: string;
  action: string;
  outcome: 'success' | 'failure';
  detail?: Record<string, unknown>;
  ip?: string | null;
}

export interface AuditRecord extends Required<Omit<AuditEntry, 'detail'>> {
  id: string;
  at: Date;
  detail: Record<string, unknown>;
}

/** Writes and reads the audit log. Details must never contain secrets. */
export function createAuditLog(db: Kysely<Database>, clock: Clock) {
  return {
    /** Appends an entry. Pass a transaction to make it part of the change it describes. */
    async record(entry: AuditEntry, trx: Kysely<Database> = db): Promise<void> {
      await trx
        .insertInto('audit_log')
        .values({
          at: new Date(clock.now()),
          account_id: entry.accountId,
          connection_id: entry.connectionId ?? null,
          actor_user_id: entry.actorUserId ?? null,
          actor: entry.actor,
          action: entry.action,
          outcome: entry.outcome,
          detail: JSON.stringify(entry.detail ?? {}),
          ip: entry.ip ?? null,
        })
        .execute();
    },

    /** Entries for a connection, newest first. */
    async forConnection(connectionId: string, limit = 100): Promise<AuditRecord[]> {
      const rows = await db
        .selectFrom('audit_log')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toRecord);
    },

    /** Entries for an account, newest first. */
    async forAccount(accountId: string, limit = 100): Promise<AuditRecord[]> {
      const rows = await db
        .selectFrom('audit_log')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toRecord);
    },
  };
}

function toRecord(r: Selectable<AuditLogTable>): AuditRecord {
  return {
    id: String(r.id),
    at: r.at,
    accountId: r.account_id,
    connectionId: r.connection_id,
    actorUserId: r.actor_user_id,
    actor: r.actor,
    action: r.action,
    outcome: r.outcome,
    detail: r.detail ?? {},
    ip: r.ip,
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
