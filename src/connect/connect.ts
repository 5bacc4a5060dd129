import type { Viewer } from '../connections/repository.js';
import { begin, cancelAtLink, describe, finish, forCallback, type Outcome } from './flow.js';
import { followRenewLink, renewLinkFor } from './renew-links.js';
import {
  createConnectSession,
  getConnectSession,
  type ConnectDeps,
  type NewConnectSession,
} from './sessions.js';

export { ConnectError, type ConnectErrorCode } from './errors.js';
export { returnUrlWith, type LinkView, type Outcome } from './flow.js';
export type { RenewLink } from './renew-links.js';
export type { ConnectDeps, ConnectSession, ConnectStatus, NewConnectSession } from './sessions.js';

/**
 * Connect links for embedding Sellerlink in the vendor's software (docs/api.md, "Embedding"):
 * created by API (sessions.ts), followed by the seller without a Sellerlink login (flow.ts), and
 * renew links in reminders (renew-links.ts). The only writer of `connect_sessions`.
 */
export function createConnect(deps: ConnectDeps) {
  return {
    /** Creates a one-time link; see `createConnectSession`. */
    create: (viewer: Viewer, input: NewConnectSession) => createConnectSession(deps, viewer, input),
    /** One session the viewer may see. */
    get: (viewer: Viewer, id: string) => getConnectSession(deps, viewer, id),
    /** What the link's page shows; throws for unknown, expired or used links. */
    describe: (token: string) => describe(deps, token),
    /** "Continue to Amazon": spends the link; see `begin`. */
    begin: (token: string, input: { region?: unknown; ip: string | null }) => begin(deps, token, input),
    /** "Cancel" on the link's page. */
    cancel: (token: string) => cancelAtLink(deps, token),
    /** The connect session a redirect-URI request belongs to, or null (portal flows). */
    forCallback: (input: { state: string | null; cookie: string | undefined; ip: string | null }) =>
      forCallback(deps, input),
    /** Ends a session once; returns the vendor's return URL with the outcome. */
    finish: (sessionId: string, outcome: Outcome) => finish(deps, sessionId, outcome),
    /** The renew link a reminder about `connectionId` raised at `at` carries. */
    renewLink: (connectionId: string, at: Date) => renewLinkFor(deps, connectionId, at),
    /** Follows a renew link: a fresh one-time session; see `followRenewLink`. */
    followRenewLink: (link: string) => followRenewLink(deps, link),
  };
}

export type Connect = ReturnType<typeof createConnect>;
