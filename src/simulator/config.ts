import { DAY, MINUTE, SECOND } from '../kernel/clock.js';

/**
 * Every knob of the simulator. Items that FACTS.md marks UNCONFIRMED are options here, defaulting to
 * the most likely behaviour; docs/simulator.md lists them.
 */
export interface SimulatorConfig {
  /** Multiplies every usage-plan rate (tokens per second); burst sizes stay as in the models. */
  speed: number;
  /** LWA authorization code life (FACTS §1.3: 5 minutes). */
  authCodeTtlMs: number;
  /** LWA access token life (FACTS §2.2: 3600 s). */
  accessTokenTtlMs: number;
  /** Restricted Data Token life (FACTS §8: 1 hour). */
  rdtTtlMs: number;
  /** Authorization life of public apps (FACTS §3: 365 days). */
  authorizationLifetimeMs: number;
  /** UNCONFIRMED (FACTS §3): whether self-authorizations expire like public ones. Default: no. */
  selfAuthorizationExpires: boolean;
  /** UNCONFIRMED (FACTS §3): whether re-authorizing leaves the previous refresh token working. Default: yes, until its own expiry. */
  reauthorizationKeepsOldToken: boolean;
  /** Client secret life (FACTS §4: 180 days). */
  clientSecretLifetimeMs: number;
  /** Grace for the old secret after a rotation (FACTS §4: 7 days). */
  clientSecretGraceMs: number;
  /**
   * UNCONFIRMED (FACTS §1.3): what Cancel on the consent page does. 'none' redirects to the
   * redirect URI with no parameters; 'error' adds `error=access_denied` and `state`; 'stay' shows a page.
   */
  consentCancel: 'none' | 'error' | 'stay';
  /** UNCONFIRMED (FACTS §5.3): status for a missing access token. */
  missingTokenStatus: 400 | 403;
  /** Rate reported in x-amzn-RateLimit-Limit: the model's rate times `speed` when true (what is enforced). */
  rateLimitHeaderScaled: boolean;
  /** How many request log entries are kept (oldest dropped first). */
  requestLogLimit: number;
  /** Seed for the simulator's own randomness (fault shares, generated data). */
  seed: number;
}

/** The defaults: Amazon's documented values at speed 1. */
export const DEFAULT_SIMULATOR_CONFIG: Readonly<SimulatorConfig> = Object.freeze({
  speed: 1,
  authCodeTtlMs: 5 * MINUTE,
  accessTokenTtlMs: 3600 * SECOND,
  rdtTtlMs: 3600 * SECOND,
  authorizationLifetimeMs: 365 * DAY,
  selfAuthorizationExpires: false,
  reauthorizationKeepsOldToken: true,
  clientSecretLifetimeMs: 180 * DAY,
  clientSecretGraceMs: 7 * DAY,
  consentCancel: 'none',
  missingTokenStatus: 403,
  rateLimitHeaderScaled: true,
  requestLogLimit: 10_000,
  seed: 1,
});

/** Merges overrides onto the defaults and checks them. */
export function resolveSimulatorConfig(overrides: Partial<SimulatorConfig> = {}): SimulatorConfig {
  const config = { ...DEFAULT_SIMULATOR_CONFIG, ...overrides };
  if (!(config.speed > 0) || !Number.isFinite(config.speed)) {
    throw new RangeError(`simulator speed must be a positive number (got ${config.speed})`);
  }
  return config;
}
