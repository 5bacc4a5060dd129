import type { Kysely } from 'kysely';
import type { Viewer } from '../connections/repository.js';
import { isEventType, type EventType } from '../events/events.js';
import { ValidationError } from '../kernel/errors.js';
import { isUuid } from '../kernel/input.js';
import type { Database } from '../store/schema.js';
import { NotifyError } from './errors.js';

/** The scope of operators' notifications (application.* events, and any others they choose). */
export const OPERATORS_SCOPE = 'operators';

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;
const MAX_RECIPIENTS = 20;

/** The account a scope belongs to (null: the operators' scope). */
export function accountOfScope(scope: string): string | null {
  return scope === OPERATORS_SCOPE ? null : scope;
}

/** Who is recorded as having changed something ("user:alice", or the viewer's own actor). */
export function actorOf(viewer: Viewer): string {
  return viewer.actor ?? `user:${viewer.username}`;
}

/** Throws NOTIFY_FORBIDDEN for members: only an account's owners and operators change notifications. */
export function requireChangeRight(viewer: Viewer): void {
  if (viewer.role === 'member')
    throw new NotifyError('NOTIFY_FORBIDDEN', "only the account's owners and operators change notifications");
}

/** The scope a viewer acts on: operators choose (default: operators), others their account. */
export async function scopeFor(
  db: Kysely<Database>,
  viewer: Viewer,
  requested?: string | null,
): Promise<string> {
  if (viewer.role !== 'operator') {
    if (!viewer.accountId) throw new NotifyError('NOTIFY_FORBIDDEN', 'this user belongs to no account');
    if (requested && requested !== viewer.accountId)
      throw new NotifyError('NOTIFY_FORBIDDEN', 'you can only manage your own account');
    return viewer.accountId;
  }
  if (!requested || requested === OPERATORS_SCOPE) return OPERATORS_SCOPE;
  const account = isUuid(requested)
    ? await db.selectFrom('accounts').select('id').where('id', '=', requested).executeTakeFirst()
    : undefined;
  if (!account) throw new ValidationError('no such account', 'scope');
  return account.id;
}

/** Whether a string looks like an e-mail address we send to. */
export function isEmailAddress(value: string): boolean {
  return EMAIL.test(value);
}

/** Parses a list of addresses (comma, semicolon or newline separated); throws naming the bad one. */
export function parseRecipients(input: string | readonly string[]): string[] {
  const items = (typeof input === 'string' ? input.split(/[\s,;]+/) : input)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unique = [...new Set(items)];
  for (const address of unique) {
    if (address.length > 254 || !EMAIL.test(address))
      throw new ValidationError(`"${address}" is not an e-mail address`, 'recipients');
  }
  if (unique.length > MAX_RECIPIENTS)
    throw new ValidationError(`at most ${MAX_RECIPIENTS} recipients`, 'recipients');
  return unique;
}

/** Parses chosen event types (duplicates dropped); throws naming an unknown one. */
export function parseEventTypes(input: readonly string[]): EventType[] {
  const out: EventType[] = [];
  for (const t of input) {
    if (!isEventType(t)) throw new ValidationError(`unknown event type "${t}"`, 'eventTypes');
    if (!out.includes(t)) out.push(t);
  }
  return out;
}
