import type { ConnectionsDeps } from './context.js';
import { ConnectionsError, type ConnectionsErrorCode } from './errors.js';
import { viewerActor, viewerUserId, type Viewer } from './repository.js';

/** Where the flow started and who started it. */
export interface FlowOrigin {
  viewer: Viewer;
  /** The hash of the browser session the state is bound to (portal session, or connect cookie). */
  sessionHash: string;
  ip: string | null;
  /** Set when the flow runs from a connect link (src/connect/): no Sellerlink user, no portal session. */
  connectSessionId?: string;
}

/** The audit log's user id of a flow's viewer: null for viewers that are not signed-in users (connect links). */
export function flowUserId(viewer: Viewer | null | undefined): string | null {
  return viewer ? viewerUserId(viewer) : null;
}

/** A failure of the callback, with words for the page. Nothing was stored. */
export class CallbackFailure extends ConnectionsError {}

/** The audit log's actor of an OAuth step: the signed-in user, or anonymous. */
export function flowActor(viewer: Viewer | null): string {
  return viewer ? viewerActor(viewer) : 'anonymous';
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
    actorUserId: flowUserId(audit.origin?.viewer),
    actor: flowActor(audit.origin?.viewer ?? null),
    action: 'oauth.callback',
    outcome: 'failure',
    detail: { code, reason: message, ...audit.detail },
    ip: audit.origin?.ip ?? null,
  });
  throw new CallbackFailure(code, message);
}
