import pino from 'pino';
import type { Logger } from './kernel/log.js';

/**
 * Paths pino removes from every log line wherever they appear, as a second line of defence: the
 * first is that secrets are `Secret` values, which print as [REDACTED].
 */
export const REDACTED_LOG_PATHS = [
  '*.refreshToken',
  '*.refresh_token',
  '*.accessToken',
  '*.access_token',
  '*.restrictedDataToken',
  '*.apiKey',
  '*.clientSecret',
  '*.client_secret',
  '*.password',
  '*.authorization',
  '*.cookie',
  '*["x-amz-access-token"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-amz-access-token"]',
];

/** Creates the process logger (JSON lines to stdout). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, redact: { paths: REDACTED_LOG_PATHS, censor: '[REDACTED]' }, base: { service: 'sellerlink' } },
    destination,
  );
}
