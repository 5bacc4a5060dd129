import type { Registry } from 'prom-client';
import type { Accounts, SessionUser } from '../accounts/service.js';
import type { Config } from '../config/config.js';
import type { Applications } from '../connections/applications.js';
import type { ConnectionManager } from '../connections/manage.js';
import type { OAuthFlow } from '../connections/oauth.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';

/** What the web layer is given: use cases only, never the database. */
export interface WebDeps {
  config: Readonly<Config>;
  clock: Clock;
  logger: Logger;
  accounts: Accounts;
  applications: Applications;
  oauth: OAuthFlow;
  connections: ConnectionManager;
  /** Origin of the simulator in sandbox mode (for the banner and links). */
  simulatorUrl: string | null;
  /** Prometheus registry served at /metrics. */
  metrics?: Registry;
  /** Sandbox mode: a hint shown under the sign-in form. */
  demoHint?: string | null;
  /** Reports database reachability for /healthz. */
  checkDatabase: () => Promise<boolean>;
}

/** Per-request variables. */
export type WebEnv = {
  Variables: {
    user: SessionUser | null;
    sessionToken: string | null;
    ip: string | null;
  };
};
