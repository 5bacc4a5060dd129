import type { Kysely } from 'kysely';
import { HOUR, type Clock } from '../kernel/clock.js';
import { isUuid } from '../kernel/input.js';
import { randomUuid, type Random } from '../kernel/random.js';
import type { Database } from '../store/schema.js';
import type { FieldError } from './quick-edit.js';

/**
 * Refused listings forms, kept for their user for an hour (`listing_form_drafts`, migration 0021;
 * this module is its only writer): a refused form answers POST-redirect-GET to the listings page
 * with the draft's id, and the page shows the values typed and every error again (also on reload,
 * in any process). Only the user who typed a draft reads it.
 */

/** How long a draft is kept. */
export const DRAFT_TTL_MS = HOUR;

export interface FormDraft {
  values: Record<string, unknown>;
  errors: FieldError[];
}

export function createFormDrafts(deps: { db: Kysely<Database>; clock: Clock; random: Random }) {
  return {
    /** Keeps a refused form for its user; returns the draft's id. Drops drafts past their hour. */
    async save(userId: string, connectionId: string, draft: FormDraft): Promise<string> {
      const now = deps.clock.now();
      const id = randomUuid(deps.random);
      await deps.db
        .deleteFrom('listing_form_drafts')
        .where('created_at', '<', new Date(now - DRAFT_TTL_MS))
        .execute();
      await deps.db
        .insertInto('listing_form_drafts')
        .values({
          id,
          user_id: userId,
          connection_id: connectionId,
          form_values: JSON.stringify(draft.values),
          errors: JSON.stringify(draft.errors),
          created_at: new Date(now),
        })
        .execute();
      return id;
    },

    /** The user's draft for this connection, or null (unknown, another user's, or past its hour). */
    async find(userId: string, connectionId: string, id: string): Promise<FormDraft | null> {
      if (!isUuid(id) || !isUuid(userId)) return null;
      const row = await deps.db
        .selectFrom('listing_form_drafts')
        .select(['form_values', 'errors', 'created_at'])
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('connection_id', '=', connectionId)
        .executeTakeFirst();
      if (!row || row.created_at.getTime() < deps.clock.now() - DRAFT_TTL_MS) return null;
      return { values: row.form_values, errors: row.errors };
    },
  };
}

export type FormDrafts = ReturnType<typeof createFormDrafts>;
