/**
 * The other process of test/broker/fast-path.test.ts: the Sellerlink service (web role, production
 * mode) configured from the environment the test passes (its PostgreSQL database, vault key, the
 * demo app, the test's simulator as Amazon). Prints `ready <url>` once listening; stops on SIGTERM.
 *   node bin/sellerlink-dev.js test/broker/fast-path-serve.ts
 */
import { loadConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/kernel/log.js';
import { startService } from '../../src/main.js';

const service = await startService(loadConfig(process.env), silentLogger, 'web');
process.once('SIGTERM', () => {
  void service.stop().finally(() => process.exit(0));
});
process.stdout.write(`ready ${service.url}\n`);
