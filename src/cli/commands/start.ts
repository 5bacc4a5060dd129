import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { createLogger } from '../../logging.js';
import { startService, type Role } from '../../main.js';
import { controlFilePath, readControlFile } from '../../simulator/control-file.js';
import { waitForShutdown } from '../shutdown.js';

/** `start`, `web`, `worker`: run the service (all roles, or one for scaling out). */
export function registerStartCommands(program: Command): void {
  const roles: [string, Role, string][] = [
    [
      'start',
      'all',
      'run the web app and the job workers in one process (sandbox mode without Amazon credentials)',
    ],
    ['web', 'web', 'run only the web app and API (scale out against one PostgreSQL)'],
    ['worker', 'worker', 'run only the job workers (scale out against one PostgreSQL)'],
  ];
  for (const [name, role, description] of roles) {
    program
      .command(name)
      .description(description)
      .option('-p, --port <port>', 'HTTP port (env PORT, default 3000)')
      .action(async (options: { port?: string }) => {
        const config = loadConfig(process.env, options.port ? { PORT: options.port } : {});
        const logger = createLogger(config.logLevel);
        const service = await startService(config, logger, role);
        // Sandbox: the simulator's controls need its per-run token (kept in the data directory).
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
        const code = await waitForShutdown(() => service.stop());
        // Everything this process opened is closed; timers or sockets left by work that was still
        // running must not keep it alive (or let it fail) after a clean stop.
        process.exit(code);
      });
  }
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
