import type { ConnectionsDeps } from './context.js';
import { ConnectionsError, type ConnectionsErrorCode } from './errors.js';
import type { Viewer } from './repository.js';

/** Where the flow started and who started it. */
export interface FlowOrigin {
  viewer: Viewer;
  sessionHash: string;
  ip: string | null;
}

/** A failure of the callback, with words for the page. Nothing was stored. */
export class CallbackFailure extends ConnectionsError {}

/** The audit log's actor of an OAuth step: the signed-in user, or anonymous. */
export function flowActor(viewer: Viewer | null): string {
  return viewer ? `user:${viewer.username}` : 'anonymous';
}

/** Where a failed callback is audited: the account and connection it concerned, as far as known. */
export interface CallbackAudit {
  accountId: string | null;
  connectionId?: string | null;
  origin: FlowOrigin | null;
  detail?: Record<string, unknown>;
}

/** A callback refusal before anything is audited: the code and the words for the page. */
export interface CallbackRefusal {
  code: ConnectionsErrorCode;
  message: string;
  detail?: Record<string, unknown>;
}

/** Audits a failed callback (`oauth.callback`, failure) and throws its CallbackFailure. */
export async function failCallback(
  deps: Pick<ConnectionsDeps, 'audit'>,
  code: ConnectionsErrorCode,
  message: string,
  audit: CallbackAudit,
): Promise<never> {
  await deps.audit.record({
    accountId: audit.accountId,
    connectionId: audit.connectionId ?? null,
    actorUserId: audit.origin?.viewer.userId ?? null,
    actor: flowActor(audit.origin?.viewer ?? null),
    action: 'oauth.callback',
    outcome: 'failure',
    detail: { code, reason: message, ...audit.detail },
    ip: audit.origin?.ip ?? null,
  });
  throw new CallbackFailure(code, message);
}
