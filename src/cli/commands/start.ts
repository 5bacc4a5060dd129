import type { Command } from 'commander';
import type { Role } from '../../main.js';
import { lazyAction } from './lazy.js';

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
    const command = program.command(name).description(description);
    // A worker serves no HTTP: only the roles with the web app take a port.
    if (role !== 'worker') command.option('-p, --port <port>', 'HTTP port (env PORT, default 3000)');
    command.action(
      lazyAction(async () => {
        const { runRole } = await import('./start-actions.js');
        return (options: { port?: string }) => runRole(role, options);
      }),
    );
  }
}
