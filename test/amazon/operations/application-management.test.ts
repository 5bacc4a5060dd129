import { describe, expect, it } from 'vitest';
import {
  processRotateApplicationClientSecret,
  ROTATION_SCOPE,
  rotateApplicationClientSecretRequest,
} from '../../../src/amazon/operations.js';
import { errors, json, SP_API_ERRORS, urlOf } from './responses.js';

describe('rotateApplicationClientSecretRequest', () => {
  it('posts to the Application Management API with no body, and is never retried blindly', () => {
    const request = rotateApplicationClientSecretRequest();
    expect(request).toEqual({
      operationId: 'rotateApplicationClientSecret',
      method: 'POST',
      path: '/applications/2023-11-30/clientSecret',
      retryAmbiguous: false,
    });
    expect(urlOf(request).search).toBe('');
    expect(ROTATION_SCOPE).toBe('sellingpartnerapi::client_credential:rotation');
  });
});

describe('processRotateApplicationClientSecret', () => {
  it.each([
    ['204 without a body', () => new Response(null, { status: 204 })],
    ['200 with an empty object', () => json(200, {})],
  ])('%s: the rotation was accepted', async (_name, response) => {
    await expect(processRotateApplicationClientSecret(response())).resolves.toBeUndefined();
  });

  it('a 400 for an app not enrolled keeps Amazon’s message (the monitor explains it)', async () => {
    const response = json(
      400,
      errors('InvalidInput', 'Application is not enrolled for client secret rotation'),
    );
    await expect(processRotateApplicationClientSecret(response)).rejects.toMatchObject({
      code: 'SPAPI_INVALID_INPUT',
      info: { amazonMessage: 'Application is not enrolled for client secret rotation' },
    });
  });

  it.each(SP_API_ERRORS.filter(([name]) => !name.startsWith('200')))(
    '%s → %s',
    async (_name, code, retryable, response) => {
      await expect(processRotateApplicationClientSecret(response())).rejects.toMatchObject({
        code,
        retryable,
      });
    },
  );
});
