import { spapiError } from '../http.js';
import { rotateSecretAndNotify } from '../notifications.js';
import type { SpApiOperation } from './operation.js';

/**
 * Application Management API 2023-11-30 (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret, application_2023-11-30.json). The new secret is
 * not in the response: it goes to the app's notification destination (notifications.ts).
 */

/** The model's 400 message for an app with no destination for "Application Client New Secret". */
export const NOT_ENROLLED =
  'Application is not enrolled for rotation notification. Please update application notification preference in Developer console.';

/** rotateApplicationClientSecret: grantless, 204 on success, 400 when no destination is set. */
export const applicationsOperations: SpApiOperation[] = [
  {
    operationId: 'rotateApplicationClientSecret',
    method: 'POST',
    path: '/applications/2023-11-30/clientSecret',
    auth: { kind: 'grantless', scope: 'sellingpartnerapi::client_credential:rotation' },
    async handle(c, call) {
      if (!call.app.notificationDestinationUrl) return spapiError(c, 400, 'InvalidInput', NOT_ENROLLED);
      await rotateSecretAndNotify(call.ctx, call.app.appId);
      return c.body(null, 204);
    },
  },
];
