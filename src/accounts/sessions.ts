import { hashToken, newOpaqueToken } from '../kernel/opaque-token.js';
import { toUser, type AccountsContext, type SessionPolicy, type SessionUser } from './context.js';

/**
 * Database-backed sessions: the cookie value is stored only as its hash, with an idle (sliding) and
 * an absolute lifetime.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html
 */

/** How often a busy session's last-seen time is written (at most once a minute). */
const TOUCH_EVERY_MS = 60_000;

/** What a stored session is at `now`: ended (absolute or idle limit), due a last-seen write, or fresh. */
export function sessionStatus(
  session: { expires_at: Date; last_seen_at: Date },
  now: number,
  policy: SessionPolicy,
): 'ended' | 'touch' | 'fresh' {
  const idle = now - session.last_seen_at.getTime();
  if (session.expires_at.getTime() <= now || idle > policy.idleMs) return 'ended';
  return idle > TOUCH_EVERY_MS ? 'touch' : 'fresh';
}

/** Starts a session: returns the cookie value (stored only as a hash) and the CSRF token. */
export async function createSession(
  ctx: AccountsContext,
  userId: string,
  meta: { ip: string | null; userAgent: string | null },
): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = newOpaqueToken(ctx.random);
  const csrf = newOpaqueToken(ctx.random).value;
  const now = ctx.clock.now();
  const expiresAt = new Date(now + ctx.sessionPolicy.absoluteMs);
  await ctx.db
    .insertInto('sessions')
    .values({
      id_hash: token.hash,
      user_id: userId,
      csrf_token: csrf,
      created_at: new Date(now),
      last_seen_at: new Date(now),
      expires_at: expiresAt,
      ip: meta.ip,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
    })
    .execute();
  return { token: token.value, csrfToken: csrf, expiresAt };
}

/** The user behind a session cookie, or null when unknown, idle too long or expired. */
export async function resolveSession(
  ctx: AccountsContext,
  token: string | undefined,
): Promise<SessionUser | null> {
  if (!token || token.length > 100) return null;
  const hash = hashToken(token);
  const now = ctx.clock.now();
  const row = await ctx.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['users.id', 'users.account_id', 'users.username', 'users.role', 'users.email'])
    .select(['sessions.csrf_token', 'sessions.last_seen_at', 'sessions.expires_at'])
    .where('sessions.id_hash', '=', hash)
    .executeTakeFirst();
  if (!row) return null;
  const status = sessionStatus(row, now, ctx.sessionPolicy);
  if (status === 'ended') {
    await ctx.db.deleteFrom('sessions').where('id_hash', '=', hash).execute();
    return null;
  }
  if (status === 'touch') {
    await ctx.db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(now) })
      .where('id_hash', '=', hash)
      .execute();
  }
  return { ...toUser(row), sessionHash: hash, csrfToken: row.csrf_token };
}

/** Ends a session (logout). */
export async function endSession(ctx: AccountsContext, token: string): Promise<void> {
  await ctx.db.deleteFrom('sessions').where('id_hash', '=', hashToken(token)).execute();
}
