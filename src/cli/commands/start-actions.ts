import { loadConfig } from '../../config/config.js';
import { createLogger } from '../../logging.js';
import { startService, type Role } from '../../main.js';
import { controlFilePath, readControlFile } from '../../simulator/control-file.js';
import { waitForShutdown } from '../shutdown.js';

/** What runs for `start`, `web` and `worker` (registered in start.ts). */

/** Runs the service in `role` until SIGINT/SIGTERM, then exits the process. */
export async function runRole(role: Role, options: { port?: string }): Promise<void> {
  const config = loadConfig(process.env, options.port ? { PORT: options.port } : {});
  const logger = createLogger(config.logLevel);
  const service = await startService(config, logger, role);
  // Sandbox: the simulator's controls need its per-run token (kept in the data directory).
  // Signal handlers before the banner, so that a stop sent on reading it is a clean stop.
  const stopped = waitForShutdown(() => service.stop());
  const control = service.simulatorUrl && role !== 'worker' ? readControlFile(config.dataDir) : null;
  printBanner(
    config.mode,
    service.url,
    service.simulatorUrl,
    service.demoLogin,
    control && {
      file: controlFilePath(config.dataDir),
      link: `${control.url}/_sim/?token=${control.token}`,
    },
  );
  const code = await stopped;
  // Everything this process opened is closed; timers or sockets left by work that was still
  // running must not keep it alive (or let it fail) after a clean stop.
  process.exit(code);
}

function printBanner(
  mode: string,
  url: string | null,
  simulatorUrl: string | null,
  demo: { username: string; password: string } | null,
  controls: { file: string; link: string } | null,
): void {
  const lines = ['', `Sellerlink is running (${mode} mode).`];
  if (url) lines.push(`  Open ${url}`);
  if (url && demo) lines.push(`  Demo login: ${demo.username} / ${demo.password}`);
  if (simulatorUrl) lines.push(`  Amazon simulator: ${simulatorUrl}  (controls: ${simulatorUrl}/_sim/)`);
  if (controls)
    lines.push(
      `  Simulator controls (token in ${controls.file}, read by 'sellerlink sim'):`,
      `    ${controls.link}`,
    );
  lines.push('  Stop with Ctrl+C.', '');
  console.log(lines.join('\n'));
}
