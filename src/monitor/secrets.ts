import type { Kysely } from 'kysely';
import type { SpApiClient } from '../amazon/client-types.js';
import type { LwaClient } from '../amazon/lwa.js';
import {
  ROTATION_SCOPE,
  processRotateApplicationClientSecret,
  rotateApplicationClientSecretRequest,
} from '../amazon/operations.js';
import type { RegionCode } from '../config/config.js';
import type { AuditLog } from '../connections/audit.js';
import { recordEvent } from '../events/events.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { Application, Applications } from '../lifecycle/applications.js';
import { likelyRejectionCause, secretExpiringKey } from '../lifecycle/event-keys.js';
import type { Database } from '../store/schema.js';
import { MonitorError } from './errors.js';
import { acceptsCredentials, ingestNotification } from './secret-ingest.js';
import { NEW_SECRET_TYPE, rotationError, unwrapNotification } from './secret-messages.js';

export { NEW_SECRET_TYPE, unwrapNotification };

export { ROTATION_SCOPE };

export type { IngestResult } from './secret-ingest.js';

/** Days before a client secret expires at which operators are warned when automatic rotation is not succeeding. */
export const SECRET_WARNING_DAYS = [30, 7, 1] as const;

/** When automatic rotation starts, in days before the secret expires (Amazon: 180-day secrets). */
export const DEFAULT_ROTATE_AHEAD_DAYS = 30;

/** How long to wait for the APPLICATION_OAUTH_CLIENT_NEW_SECRET notification before asking again. */
export const DEFAULT_NOTIFICATION_WAIT_MS = 60 * 60_000;

const DAY = 86_400_000;

/** What asking Amazon to rotate did. */
export interface RotationResult {
  application: Application;
  /** Whether the new secret already arrived (the notification came in while we asked) and is in use. */
  received: boolean;
}

/** What one automatic-rotation pass did. */
export interface AutoRotationPass {
  /** Rotations asked of Amazon. */
  requested: number;
  /** Of those, how many new secrets arrived (verified and in use) before the call returned. */
  received: number;
  failed: number;
  /** Rejected apps Amazon accepts again (checked with a client_credentials grant). */
  recovered: number;
}

/** Backoff between failed rotation attempts: 5 min × 2^n, at most 12 h. */
export function rotationBackoffMs(attempts: number): number {
  return Math.min(12 * 60 * 60_000, 5 * 60_000 * 2 ** Math.max(0, attempts - 1));
}

export interface SecretRotationDeps {
  db: Kysely<Database>;
  clock: Clock;
  applications: Applications;
  audit: AuditLog;
  lwa: LwaClient;
  spApi: SpApiClient;
  logger: Logger;
  /** Start rotating this many days before the secret expires (default 30); 0 turns automatic rotation off. */
  rotateAheadDays?: number;
  /** How long to wait for Amazon's notification before the rotation counts as failed (default 1 h). */
  notificationWaitMs?: number;
  /** The region whose endpoint rotation calls use (any works: an app is global). */
  region?: RegionCode;
}

/**
 * The application's client-secret lifecycle, run by the monitor: automatic rotation ahead of the
 * 180-day expiry (rotateApplicationClientSecret, grantless, through the one SP-API client), ingest of
 * Amazon's APPLICATION_OAUTH_CLIENT_NEW_SECRET (the new secret is verified with a client_credentials
 * grant before it replaces the old one, which is kept until Amazon's grace period ends), retries with
 * backoff, and operator alerts only when rotation cannot succeed.
 * @see https://developer-docs.amazon.com/sp-api/docs/application-management-api-v2023-11-30-use-case-guide
 */
export function createSecretRotation(deps: SecretRotationDeps) {
  return {
    /**
     * Raises `application.secret_expiring` at 30, 7 and 1 days before an app's secret expires (once
     * per threshold per secret) when nothing renews it by itself: automatic rotation is off, or has
     * failed. Drops rotated-out secrets past their expiry.
     */
    checkExpiry: () => checkSecretExpiry(deps),
    /**
     * One automatic-rotation pass: rotates each app whose secret expires within the configured
     * window (unless a rotation is awaited or backing off), counts a rotation whose secret did not
     * arrive within the wait as failed, and checks rejected apps with a client_credentials grant so
     * they recover by themselves once Amazon accepts their credentials again.
     */
    autoRotate: () => autoRotate(deps),
    /**
     * Asks Amazon for a new client secret (rotateApplicationClientSecret, grantless). Amazon answers
     * 204 and sends the secret as APPLICATION_OAUTH_CLIENT_NEW_SECRET to the app's notification
     * destination; forward it to POST /amazon/notifications or paste it into `ingest-secret`.
     */
    rotate: (idOrAppId: string, options: RotateOptions = {}) => requestRotation(deps, idOrAppId, options),
    /**
     * Ingests a forwarded Amazon notification. APPLICATION_OAUTH_CLIENT_NEW_SECRET's secret is first
     * verified with a client_credentials grant (a secret Amazon does not accept is refused, audited
     * and changes nothing), then made the app's current one (sealed; the old one kept until its own
     * expiry) with `application.secret_rotated` in the same transaction. Idempotent: a redelivery
     * changes nothing, and an older rotation's message never replaces a newer secret. Other types
     * are ignored.
     */
    ingest: (input: unknown, options: { source?: string } = {}) => ingestNotification(deps, input, options),
  };
}

export type SecretRotation = ReturnType<typeof createSecretRotation>;

/** Who asks for a rotation, where, and whether the caller already claimed it. */
export interface RotateOptions {
  region?: RegionCode;
  actor?: string;
  claimed?: boolean;
}

/** Whether rotation failures need an operator: Amazon will not rotate, 3 attempts, or 7 days left. */
function hopeless(deps: Pick<SecretRotationDeps, 'clock'>, app: Application, error: MonitorError) {
  return (attempts: number): boolean =>
    !error.retryable || attempts >= 3 || app.clientSecretExpiresAt.getTime() - deps.clock.now() <= 7 * DAY;
}

/** Records a failed rotation call (audit, backoff, alert when hopeless) and returns its error. */
async function rotationFailed(
  deps: SecretRotationDeps,
  app: Application,
  raw: unknown,
  audit: (outcome: 'failure', detail: Record<string, unknown>) => Promise<unknown>,
): Promise<MonitorError> {
  const now = deps.clock.now();
  const err = rotationError(app, raw, now);
  await audit('failure', { code: err.code, message: err.message });
  const retryAfter = err.details?.retryAfterMs;
  const wait = typeof retryAfter === 'number' ? retryAfter : rotationBackoffMs(app.rotation.attempts + 1);
  await deps.applications.rotationFailed(
    app.id,
    { code: err.code, message: err.message, nextAt: new Date(now + wait) },
    hopeless(deps, app, err),
  );
  return err;
}

/** Asks Amazon to rotate an app's client secret (see SecretRotation.rotate). */
export async function requestRotation(
  deps: SecretRotationDeps,
  idOrAppId: string,
  options: RotateOptions = {},
): Promise<RotationResult> {
  const app = await deps.applications.get(idOrAppId);
  const region = options.region ?? deps.region ?? 'NA';
  const audit = (outcome: 'success' | 'failure', detail: Record<string, unknown>) =>
    deps.audit.record({
      accountId: null,
      actor: options.actor ?? 'system',
      action: 'application.secret_rotation_requested',
      outcome,
      detail: { appId: app.appId, region, ...detail },
    });
  // Marked before the call: Amazon may deliver the new secret while the call is still open.
  if (!options.claimed) await deps.applications.rotationRequested(app.id);
  try {
    await processRotateApplicationClientSecret(
      deps.spApi.callGrantless(
        { applicationId: app.id, region, scope: ROTATION_SCOPE },
        { ...rotateApplicationClientSecretRequest(), maxWaitMs: 5_000 },
      ),
    );
  } catch (raw) {
    throw await rotationFailed(deps, app, raw, audit);
  }
  await audit('success', {});
  const after = await deps.applications.get(app.id);
  return {
    application: after,
    received: after.clientSecretIssuedAt.getTime() !== app.clientSecretIssuedAt.getTime(),
  };
}

/** The most urgent warning threshold (days) an app's secret has reached, or null. */
function warningThreshold(daysLeft: number): number | null {
  let threshold: number | null = null;
  for (const t of SECRET_WARNING_DAYS)
    if (daysLeft <= t && (threshold === null || t < threshold)) threshold = t;
  return threshold;
}

/** Raises `application.secret_expiring` for an app at its threshold; whether the event is new. */
async function warnExpiring(deps: SecretRotationDeps, app: Application, now: number): Promise<boolean> {
  const left = Math.ceil((app.clientSecretExpiresAt.getTime() - now) / DAY);
  const threshold = warningThreshold(left);
  if (threshold === null) return false;
  const id = await recordEvent(deps.db, {
    type: 'application.secret_expiring',
    at: new Date(now),
    applicationId: app.id,
    payload: {
      appId: app.appId,
      name: app.name,
      clientId: app.clientId,
      expiresAt: app.clientSecretExpiresAt.toISOString(),
      daysLeft: Math.max(0, left),
      threshold,
      advice:
        left <= 0
          ? likelyRejectionCause(app, now)
          : `Automatic rotation has not succeeded${app.rotation.lastError ? ` (${app.rotation.lastError})` : ''}. Rotate the client secret before ${app.clientSecretExpiresAt.toISOString().slice(0, 10)}: 'sellerlink applications rotate-secret ${app.appId}'. If it expires, every seller of this app is cut off.`,
    },
    dedupeKey: secretExpiringKey(app.id, app.clientSecretExpiresAt, threshold),
  });
  return id !== null;
}

/** Warns about secrets nothing renews by itself, and drops expired rotated-out ones (see SecretRotation.checkExpiry). */
export async function checkSecretExpiry(
  deps: SecretRotationDeps,
): Promise<{ warned: number; dropped: number }> {
  const now = deps.clock.now();
  const aheadDays = deps.rotateAheadDays ?? DEFAULT_ROTATE_AHEAD_DAYS;
  let warned = 0;
  for (const app of await deps.applications.list()) {
    if (aheadDays > 0 && app.rotation.state !== 'failed' && !app.flaggedAt) continue;
    if (await warnExpiring(deps, app, now)) warned++;
  }
  const dropped = await deps.applications.dropExpiredPreviousSecrets();
  return { warned, dropped };
}

/** A rotation Amazon accepted whose notification never came: counted as failed. */
async function notificationMissed(deps: SecretRotationDeps, app: Application, now: number): Promise<void> {
  const error = new MonitorError(
    'SECRET_ROTATION_FAILED',
    "Amazon accepted the rotation but its APPLICATION_OAUTH_CLIENT_NEW_SECRET notification did not arrive: check the app's notification destination (EventBridge API destination to POST /amazon/notifications).",
    { retryable: true },
  );
  await deps.applications.rotationFailed(
    app.id,
    {
      code: error.code,
      message: error.message,
      nextAt: new Date(now + rotationBackoffMs(app.rotation.attempts + 1)),
    },
    hopeless(deps, app, error),
  );
}

/** What the pass does with one app: nothing, check a rejected one, count a missed notification, or rotate. */
function nextRotationStep(
  deps: SecretRotationDeps,
  app: Application,
  now: number,
): 'skip' | 'recheck' | 'missed' | 'rotate' {
  const aheadDays = deps.rotateAheadDays ?? DEFAULT_ROTATE_AHEAD_DAYS;
  const waitMs = deps.notificationWaitMs ?? DEFAULT_NOTIFICATION_WAIT_MS;
  if (app.flaggedAt) return 'recheck';
  if (aheadDays <= 0 || app.clientSecretExpiresAt.getTime() - now > aheadDays * DAY) return 'skip';
  if (app.rotation.state === 'requested') {
    return app.rotation.requestedAt && now - app.rotation.requestedAt.getTime() < waitMs ? 'skip' : 'missed';
  }
  if (app.rotation.state === 'failed' && app.rotation.nextAt && app.rotation.nextAt.getTime() > now)
    return 'skip';
  return 'rotate';
}

/** A rejected app: recovered when Amazon accepts its credentials again. */
async function recheckRejected(deps: SecretRotationDeps, app: Application): Promise<boolean> {
  const credentials = await deps.applications.credentials(app.id);
  const ok = await acceptsCredentials(deps, credentials.clientId, credentials.clientSecret).catch(
    () => false,
  );
  return ok && (await deps.applications.recover(app.id, 'Amazon accepts the client credentials again'));
}

/** Claims and rotates one app (one process rotates: the claim is a conditional update). */
async function rotateDue(deps: SecretRotationDeps, app: Application, now: number, pass: AutoRotationPass) {
  const waitMs = deps.notificationWaitMs ?? DEFAULT_NOTIFICATION_WAIT_MS;
  const claimed = await deps.applications.rotationRequested(app.id, { staleBefore: new Date(now - waitMs) });
  if (!claimed) return;
  pass.requested++;
  try {
    const result = await requestRotation(deps, app.id, { actor: 'system', claimed: true });
    if (result.received) pass.received++;
  } catch (err) {
    // requestRotation recorded the failure (and alerted operators when it cannot succeed).
    const code = err instanceof MonitorError ? err.code : 'SECRET_ROTATION_FAILED';
    deps.logger.warn(
      { appId: app.appId, code, attempts: (await deps.applications.get(app.id)).rotation.attempts },
      'automatic client-secret rotation failed; retried with backoff',
    );
    pass.failed++;
  }
}

/** One automatic-rotation pass (see SecretRotation.autoRotate). */
export async function autoRotate(deps: SecretRotationDeps): Promise<AutoRotationPass> {
  const pass: AutoRotationPass = { requested: 0, received: 0, failed: 0, recovered: 0 };
  const now = deps.clock.now();
  for (const app of await deps.applications.list()) {
    switch (nextRotationStep(deps, app, now)) {
      case 'recheck':
        if (await recheckRejected(deps, app)) pass.recovered++;
        break;
      case 'missed':
        await notificationMissed(deps, app, now);
        pass.failed++;
        break;
      case 'rotate':
        await rotateDue(deps, app, now, pass);
        break;
      case 'skip':
        break;
    }
  }
  return pass;
}
